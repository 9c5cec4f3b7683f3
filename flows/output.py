"""Printing tables for people (rich) and for programs (CSV, JSON)."""

from __future__ import annotations

import math
import sys

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text


def _as_list(value) -> list | None:
    """The items of a list cell (a Python list or the numpy array DuckDB hands pandas), else None."""
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    return None


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        if abs(value) >= 1e9:
            return f"{value / 1e9:,.2f}B".replace(".00B", "B")
        if abs(value) >= 1e6:
            return f"{value / 1e6:,.1f}M".replace(".0M", "M")
        return f"{value:g}"
    items = _as_list(value)
    if items is not None:
        return "\n".join(str(v) for v in items)
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def _csv_cell(value):
    items = _as_list(value)
    return value if items is None else " ".join(str(v) for v in items)


def _console() -> Console:
    # On a terminal rich fits the table to the window; piped or captured, it
    # would wrap at 80 columns, which folds every deal over several lines.
    return Console() if sys.stdout.isatty() else Console(width=200)


def print_frame(frame: pd.DataFrame, fmt: str = "table", title: str | None = None,
                columns: list[str] | None = None) -> None:
    if columns is not None:
        frame = frame[[c for c in columns if c in frame.columns]]
    if fmt == "csv":
        # A list cell (source_urls) as one space-separated field, not numpy's multi-line repr.
        frame = frame.apply(lambda column: column.map(_csv_cell))
        frame.to_csv(sys.stdout, index=False)
        return
    if fmt == "json":
        sys.stdout.write(frame.to_json(orient="records", date_format="iso", force_ascii=False, indent=2) + "\n")
        return
    console = _console()
    if frame.empty:
        console.print(f"(no {title or 'rows'})")
        return
    table = Table(title=title, show_lines=False, header_style="bold")
    for column in frame.columns:
        table.add_column(str(column), overflow="fold")
    for row in frame.itertuples(index=False):
        # Text, not markup: a summary such as "[rumored]" must print as written.
        table.add_row(*(Text(_cell(v)) for v in row))
    console.print(table)


def print_run_summary(summary) -> None:
    console = _console()
    console.print(
        f"run {summary.run_id}: {summary.feeds_tried - summary.feeds_failed}/{summary.feeds_tried} feeds, "
        f"{summary.articles_new} new articles ({summary.articles_skipped} already stored, "
        f"{summary.articles_failed} failed), {summary.mentions_new} new deal mentions, "
        f"{summary.deals_total} deals, {summary.alerts_new} new alerts "
        f"({summary.alerts_delivered} delivered, {summary.alerts_pending} pending) -> {summary.db_path}",
        markup=False)
    for url, error in summary.feed_errors.items():
        console.print(Text.assemble(("feed failed ", "yellow"), f"{url}: {error}"))
