"""What a run is doing, shown while it runs: a live display on a terminal, plain lines otherwise.

The ingest flow reports its real stages (feeds, articles, store, alerts) to :func:`current`, a
few events per feed or batch, never per page. Only the CLI installs a reporter (with
:func:`reporting`); a run started any other way (a deployment, a test, ``eval``) gets
:class:`NoProgress`, so it prints nothing beyond Prefect's own log lines. The reporter travels
in a context variable rather than as a flow parameter because parameters are sent to the
Prefect API (and must be data).

Everything here writes to stderr: stdout is the run summary, for scripts.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TextIO

from rich.console import Console
from rich.default_styles import DEFAULT_STYLES
from rich.markup import escape
from rich.progress import BarColumn, ProgressColumn, SpinnerColumn, Task, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichDisplay
from rich.table import Column
from rich.text import Text
from rich.theme import Theme

# How a tally is named in a line: mentions=27 reads "27 deal mentions". Other names print as given.
TALLY_NAMES = {"mentions": "deal mentions", "skipped": "already stored", "articles_new": "new articles",
               "mentions_new": "new deal mentions", "alerts_new": "new alerts"}
LOG_INTERVAL = 5.0  # seconds between two plain lines in the middle of a stage


class Progress(Protocol):
    """Events of a run. Stages are named ("feeds", "articles", "store", "alerts"); a stage with a
    total counts items done of it. Tallies are named counts (failed=1, mentions=27): those given
    to stage() and advance() add up, those given to finish() are final figures. A note is free
    text shown after the tallies; finish() replaces the stage's note with its own."""

    def stage(self, name: str, total: int | None = None, note: str = "", **tallies: int) -> None: ...

    def advance(self, name: str, done: int = 1, **tallies: int) -> None: ...

    def finish(self, name: str, note: str = "", **tallies: int) -> None: ...

    def close(self) -> None: ...


class NoProgress:
    """Shows nothing: runs not started by the CLI."""

    def stage(self, name: str, total: int | None = None, note: str = "", **tallies: int) -> None:
        pass

    def advance(self, name: str, done: int = 1, **tallies: int) -> None:
        pass

    def finish(self, name: str, note: str = "", **tallies: int) -> None:
        pass

    def close(self) -> None:
        pass


@dataclass
class StageState:
    """One stage's figures so far, as both renderers show them."""

    name: str
    total: int | None
    note: str = ""
    done: int = 0
    tallies: dict[str, int] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def add(self, tallies: dict[str, int]) -> None:
        for key, value in tallies.items():
            self.tallies[key] = self.tallies.get(key, 0) + value

    def count(self) -> str:
        return "" if self.total is None else f"{self.done}/{self.total}"

    def figures(self) -> list[tuple[str, str]]:
        """(tally, its text) in the order first reported: ("mentions", "27 deal mentions")."""
        return [(key, f"{value} {TALLY_NAMES.get(key, key)}") for key, value in self.tallies.items()]

    def details(self) -> str:
        figures = ", ".join(text for _, text in self.figures())
        return "; ".join(part for part in (figures, self.note) if part)


class _Stages:
    """The bookkeeping both renderers share: stages by name, created on first mention."""

    def __init__(self) -> None:
        self.stages: dict[str, StageState] = {}

    def _begin(self, name: str, total: int | None, note: str, tallies: dict[str, int]) -> StageState:
        state = StageState(name, total, note)
        state.add(tallies)
        self.stages[name] = state
        return state

    def _get(self, name: str) -> StageState:
        # An event for a stage never begun still counts, rather than raising inside a run.
        return self.stages.get(name) or self._begin(name, None, "", {})

    def _end(self, name: str, note: str, tallies: dict[str, int]) -> StageState:
        state = self._get(name)
        state.tallies.update(tallies)
        state.note = note
        if state.total is not None:
            state.done = max(state.done, state.total)
        return state


class LogProgress(_Stages):
    """Plain lines for a log file or a pipe: one when a stage begins, one when it ends, and in
    between at most one every ``interval`` seconds, e.g.
    ``09:10:29.268 | progress | articles 150/400, 212 deal mentions, 2 failed``."""

    def __init__(self, stream: TextIO | None = None, interval: float = LOG_INTERVAL,
                 clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self._stream = stream
        self._interval = interval
        self._clock = clock
        self._last_line = float("-inf")

    def stage(self, name: str, total: int | None = None, note: str = "", **tallies: int) -> None:
        self._line(self._begin(name, total, note, tallies))

    def advance(self, name: str, done: int = 1, **tallies: int) -> None:
        state = self._get(name)
        state.done += done
        state.add(tallies)
        if self._clock() - self._last_line >= self._interval:
            self._line(state)

    def finish(self, name: str, note: str = "", **tallies: int) -> None:
        state = self._end(name, note, tallies)
        self._line(state, f", done in {time.monotonic() - state.started:.1f}s")

    def close(self) -> None:
        pass

    def _line(self, state: StageState, suffix: str = "") -> None:
        self._last_line = self._clock()
        count = state.count()
        text = f"{state.name} {count}" if count else state.name
        details = state.details()
        if details:
            text += (", " if count else ": ") + details
        stamp = datetime.now().strftime("%H:%M:%S.%f")[:-3]  # as Prefect stamps its lines
        # Without a stream of its own, sys.stderr as it is at each line (pytest swaps it).
        stream = self._stream or sys.stderr
        stream.write(f"{stamp} | progress | {text}{suffix}\n")
        stream.flush()


class RichProgress(_Stages):
    """A live display on a terminal: a line per stage with a bar, n of total and its tallies.

    Prefect's log lines keep flowing above it: the display shares the console of Prefect's
    console handler when it has one (see :func:`prefect_console`), so rich prints them above the
    live lines instead of through them."""

    def __init__(self, console: Console | None = None):
        super().__init__()
        self._console = console or prefect_console() or Console(stderr=True)
        self._display: RichDisplay | None = None
        self._tasks: dict[str, TaskID] = {}
        self._pushed_theme = False

    def _started(self) -> RichDisplay:
        if self._display is None:
            # Prefect's console theme does not inherit rich's defaults, which the bars need.
            self._console.push_theme(Theme({k: v for k, v in DEFAULT_STYLES.items()
                                            if k.startswith(("progress.", "bar."))}))
            self._pushed_theme = True
            fixed = Column(no_wrap=True)  # these keep their width; the tallies give way in a narrow window
            self._display = RichDisplay(
                SpinnerColumn(finished_text="[green]✓[/]", table_column=fixed),
                TextColumn("{task.description:<8}", table_column=fixed), BarColumn(bar_width=24, table_column=fixed),
                TextColumn("{task.fields[count]:>11}", table_column=fixed), TimeElapsedColumn(table_column=fixed),
                _DetailsColumn(), console=self._console, redirect_stdout=False)  # stdout stays the summary's
            self._display.start()
        return self._display

    def stage(self, name: str, total: int | None = None, note: str = "", **tallies: int) -> None:
        self._show(self._begin(name, total, note, tallies))

    def advance(self, name: str, done: int = 1, **tallies: int) -> None:
        state = self._get(name)
        state.done += done
        state.add(tallies)
        self._show(state)

    def finish(self, name: str, note: str = "", **tallies: int) -> None:
        state = self._end(name, note, tallies)
        self._show(state, finished=True)

    def close(self) -> None:
        if self._display is not None:
            self._display.stop()
            self._display = None
        if self._pushed_theme:
            self._console.pop_theme()
            self._pushed_theme = False

    def _show(self, state: StageState, finished: bool = False) -> None:
        display = self._started()
        if state.name not in self._tasks:
            self._tasks[state.name] = display.add_task(state.name, total=state.total, count="", details="")
        total = state.total if state.total is not None else (1 if finished else None)
        done = state.done if state.total is not None else (1 if finished else 0)
        display.update(self._tasks[state.name], total=total, completed=done, **self._fields(state))

    @staticmethod
    def _fields(state: StageState) -> dict[str, str]:
        # Failures stand out; the rest is plain text (escaped: a note could hold brackets).
        figures = ", ".join(f"[yellow]{escape(text)}[/]" if key == "failed" and state.tallies[key] else escape(text)
                            for key, text in state.figures())
        details = "; ".join(part for part in (figures, escape(state.note)) if part)
        return {"count": state.count(), "details": details}


class _DetailsColumn(ProgressColumn):
    """A stage's tallies on one line, cut with an ellipsis at the window's edge rather than
    wrapped (a wrapped line would push the stages below it around)."""

    def render(self, task: Task) -> Text:
        text = Text.from_markup(task.fields.get("details", ""), overflow="ellipsis")
        text.no_wrap = True
        return text


def prefect_console() -> Console | None:
    """The console of Prefect's console handler, when it writes to a terminal."""
    from prefect.logging.handlers import PrefectConsoleHandler

    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in ("prefect", "prefect.flow_runs",
                                                                          "prefect.task_runs"))]
    for logger in loggers:
        for handler in logger.handlers:
            if isinstance(handler, PrefectConsoleHandler) and handler.console.is_terminal:
                return handler.console
    return None


def for_terminal(stream: TextIO | None = None, enabled: bool = True) -> Progress:
    """The reporter the CLI uses: a live display when ``stream`` (stderr) is a terminal, plain
    lines when it is not, nothing when disabled."""
    stream = stream or sys.stderr
    if not enabled:
        return NoProgress()
    # A terminal that cannot move its cursor (TERM=dumb, as in some editors) would print every
    # frame of a live display one after another.
    if stream.isatty() and os.environ.get("TERM", "") not in ("dumb", "unknown"):
        return RichProgress()
    return LogProgress(stream)


# A context variable, not a plain global: two runs in one process (threads) keep their own.
_NOTHING = NoProgress()  # stateless, so one serves every run
_current: ContextVar[Progress] = ContextVar("dealwatch_progress", default=_NOTHING)


def current() -> Progress:
    """Where the running flow reports to: :class:`NoProgress` unless the CLI installed one."""
    return _current.get()


@contextmanager
def reporting(progress: Progress | None) -> Iterator[Progress]:
    """Install ``progress`` for the flow run inside the block; closed (its display stopped) at exit."""
    shown = progress or NoProgress()
    token = _current.set(shown)
    try:
        yield shown
    finally:
        try:
            shown.close()
        finally:
            _current.reset(token)
