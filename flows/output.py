"""Printing tables for people (rich) and for programs (CSV, JSON)."""

from __future__ import annotations

import json
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
    if items is None:
        return value
    if any(isinstance(v, dict) for v in items):
        return json.dumps(items, ensure_ascii=False, default=str)  # records (an alert's deliveries) stay parseable
    return " ".join(str(v) for v in items)


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
    given_up = getattr(summary, "alerts_given_up", 0)
    if given_up:
        console.print(Text.assemble(("alert deliveries given up ", "red"),
                                    f"{given_up}, after every attempt failed: see `dealwatch alerts --pending`"))
    for url, error in summary.feed_errors.items():
        console.print(Text.assemble(("feed failed ", "yellow"), f"{url}: {error}"))


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def print_eval_report(report: dict) -> None:
    """``dealwatch eval``'s table format: scores, accuracy, alerts, then each miss and extra."""
    console = _console()
    scores = Table(title=f"extraction scores: {report['corpus']}", header_style="bold")
    for column in ("scope", "precision", "recall", "f1", "tp", "fp", "fn", "core recall"):
        scores.add_column(column, justify="left" if column == "scope" else "right")
    rows = [("overall", report["overall"])]
    rows += [(f"type {name}", counts) for name, counts in report["by_deal_type"].items()]
    rows += [(f"language {name}", counts) for name, counts in report["by_language"].items()]
    for scope, counts in rows:
        core = counts.get("core_recall")
        scores.add_row(scope, _percent(counts["precision"]), _percent(counts["recall"]), _percent(counts["f1"]),
                       str(counts["tp"]), str(counts["fp"]), str(counts["fn"]),
                       "" if "core_total" not in counts else f"{_percent(core)} ({counts['core_found']}/{counts['core_total']})")
    console.print(scores)
    difficulty = ", ".join(f"{level} {d['found']}/{d['total']} ({_percent(d['recall'])})"
                           for level, d in report["recall_by_difficulty"].items())
    accuracy = ", ".join(f"{name} {a['right']}/{a['total']} ({_percent(a['share'])})"
                         for name, a in report["accuracy"].items())
    console.print(f"recall by difficulty: {difficulty}", markup=False)
    console.print(f"accuracy of matched deals: {accuracy}", markup=False)
    console.print(f"deals from distractor articles: {report['distractor_deals']}", markup=False)
    alerts = report.get("alerts_batch2")
    if alerts:
        console.print(f"batch-2 alerts: {alerts['matched']}/{alerts['expected']} expected raised, "
                      f"{len(alerts['unexpected'])} unexpected ({alerts['raised']} raised)", markup=False)
        if alerts.get("not_scored"):
            others = ", ".join(f"{count} {kind}" for kind, count in sorted(alerts["not_scored"].items()))
            console.print(f"  also raised, not in the gold format: {others}", markup=False)
        for alert in alerts["missing"]:
            console.print(f"  missing alert {_deal_line(alert)}", markup=False)
        for alert in alerts["unexpected"]:
            console.print(f"  unexpected alert {_deal_line(alert)}", markup=False)
    for deal in report["missed"]:
        console.print(f"missed {deal['difficulty']} {_deal_line(deal)}", markup=False)
    for deal in report["extra"]:
        console.print(f"extra {_deal_line(deal)} from {' '.join(deal['articles'])}", markup=False)
    for pair in report["wrong_values"]:
        gold, found = pair["gold"], pair["found"]
        wrong = ", ".join(f"{name} {found.get(name)!r} (gold {gold.get(name)!r})" for name in pair["wrong"])
        console.print(f"wrong {_deal_line(gold)}: {wrong}", markup=False)
    failures = report.get("missed_targets", [])
    console.print("targets: all met" if not failures else "targets missed: " + "; ".join(failures), markup=False)


def _deal_line(deal: dict) -> str:
    text = f"{deal.get('alert_type', '')} {deal['deal_type']} {deal['payer']} -> {deal['payee']}".strip()
    return text + (f" [{deal['field']}]" if deal.get("field") else "")
