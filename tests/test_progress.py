"""Run progress: the plain-line and live renderers driven with events, the choice between them,
and the events the real ingest flow sends (in-process, on a loopback site)."""

from __future__ import annotations

import logging
import math
import os
import pty
import re
import threading
from io import StringIO

import pytest
from rich.console import Console
from rich.errors import MissingStyle
from rich.theme import Theme

from flows import progress as run_progress
from flows.progress import LogProgress, NoProgress, RichProgress, for_terminal, reporting

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
LINE = re.compile(r"^\d\d:\d\d:\d\d\.\d{3} \| progress \| (.*)$")

# Event scripts, each as a run would send them, and what the finished display must say of each
# stage: (stage, n of total or "" for a stage without a total, its figures).
SCENARIOS = {
    "zero feeds": (
        [("stage", "feeds", {"total": 0, "failed": 0, "unchanged": 0}), ("finish", "feeds", {"failed": 0})],
        [("feeds", "0/0", "0 failed, 0 unchanged")]),
    "a failing feed": (
        [("stage", "feeds", {"total": 3, "failed": 0, "unchanged": 0}),
         ("advance", "feeds", {"unchanged": 0}), ("advance", "feeds", {"failed": 1}),
         ("advance", "feeds", {"unchanged": 1}), ("finish", "feeds", {"failed": 1})],
        [("feeds", "3/3", "1 failed, 1 unchanged")]),
    "articles in batches": (
        [("stage", "articles", {"total": 120, "mentions": 0, "failed": 0, "skipped": 7}),
         ("advance", "articles", {"done": 50, "mentions": 12, "failed": 0}),
         ("advance", "articles", {"done": 50, "mentions": 19, "failed": 2}),
         ("advance", "articles", {"done": 20, "mentions": 0, "failed": 0}), ("finish", "articles", {})],
        [("articles", "120/120", "31 deal mentions, 2 failed, 7 already stored")]),
    "store then alerts": (
        [("stage", "store", {"note": "writing 11 articles, building models, raising alerts"}),
         ("finish", "store", {"articles_new": 11, "mentions_new": 27, "deals": 18, "alerts_new": 23,
                              "note": "load 0.03s, models 0.06s, alerts 0.02s"}),
         ("stage", "alerts", {"note": "delivering to 1 channel(s)"}),
         ("finish", "alerts", {"delivered": 23, "pending": 0})],
        [("store", "", ("11 new articles, 27 new deal mentions, 18 deals, 23 new alerts; load 0.03s, "
                         "models 0.06s, alerts 0.02s")),
         ("alerts", "", "23 delivered, 0 pending")]),
}


def play(progress, events) -> None:
    for kind, name, args in events:
        getattr(progress, kind)(name, **args)
    progress.close()


def final_frame(output: str) -> list[str]:
    """The live display's last frame, as plain text lines: what stays on the screen."""
    last = output.rfind("\x1b[2K")
    frame = output[last + len("\x1b[2K"):] if last >= 0 else output
    return [line.rstrip() for line in ANSI.sub("", frame).replace("\r", "").splitlines() if line.strip()]


def rich_for_test(theme: Theme | None = None, width: int = 200) -> tuple[RichProgress, Console]:
    console = Console(file=StringIO(), force_terminal=True, color_system="standard", width=width, theme=theme)
    return RichProgress(console), console


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_log_lines_say_each_stage_with_its_counts(scenario):
    events, expected = SCENARIOS[scenario]
    out = StringIO()
    play(LogProgress(out), events)
    lines = out.getvalue().splitlines()
    assert lines and all(LINE.match(line) for line in lines), lines
    assert "\x1b" not in out.getvalue()
    texts = [LINE.match(line).group(1) for line in lines]
    for stage, count, figures in expected:
        # the stage's last line is its finish line, with the final figures and the time it took
        last = [t for t in texts if t.split(" ")[0].rstrip(":") == stage][-1]
        assert last.startswith(f"{stage} {count}, {figures}" if count else f"{stage}: {figures}"), (last, texts)
        assert re.search(r", done in \d+\.\ds$", last), last


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_live_display_shows_each_stage_with_its_counts(scenario):
    events, expected = SCENARIOS[scenario]
    progress, console = rich_for_test()
    play(progress, events)
    frame = final_frame(console.file.getvalue())
    assert len(frame) == len({stage for _, stage, _ in events})  # a line per stage
    for stage, count, figures in expected:
        line = next(line for line in frame if line.split()[1] == stage)
        # done mark, stage, full bar, n/total (blank without a total), elapsed, figures
        shape = rf"✓ {stage} +━+ +{re.escape(count)} +\d:\d\d:\d\d {re.escape(figures)}"
        assert re.fullmatch(shape, line), (line, frame)


def test_live_display_marks_failures_in_yellow_and_nothing_else():
    progress, console = rich_for_test()
    play(progress, SCENARIOS["a failing feed"][0])
    output = console.file.getvalue()
    assert "\x1b[33m1 failed" in output
    assert "\x1b[33m1 unchanged" not in output


def test_plain_lines_come_at_most_once_an_interval_mid_stage():
    now = [0.0]
    out = StringIO()
    progress = LogProgress(out, interval=5.0, clock=lambda: now[0])
    progress.stage("articles", total=1000)
    for _ in range(100):  # a batch of 10 every half second: 50 seconds in all
        now[0] += 0.5
        progress.advance("articles", 10, mentions=1)
    progress.finish("articles")
    lines = out.getvalue().splitlines()
    assert len(lines) == 1 + 10 + 1  # the start, one every 5 s, the end; not one per batch
    assert "articles 100/1000, 10 deal mentions" in lines[1]
    assert "articles 1000/1000, 100 deal mentions, done in" in lines[-1]


def test_a_frozen_clock_gives_only_the_start_and_end_lines():
    out = StringIO()
    progress = LogProgress(out, interval=5.0, clock=lambda: 0.0)
    play(progress, SCENARIOS["articles in batches"][0])
    assert len(out.getvalue().splitlines()) == 2


def test_live_display_works_on_a_console_without_rich_default_styles():
    # Prefect's console handler builds its console with a theme that does not inherit rich's
    # defaults; the display brings the styles it needs for as long as it runs, and no longer.
    bare = Theme({"log.info_level": "cyan"}, inherit=False)
    progress, console = rich_for_test(theme=bare)
    play(progress, SCENARIOS["articles in batches"][0])
    assert any("120/120" in line for line in final_frame(console.file.getvalue()))
    with pytest.raises(MissingStyle):
        console.get_style("bar.back")
    assert console.get_style("log.info_level").color.name == "cyan"


def test_log_lines_printed_during_the_display_land_above_it(monkeypatch):
    from prefect.logging.handlers import PrefectConsoleHandler

    leader, follower = pty.openpty()
    received = bytearray()

    def drain() -> None:  # read the terminal as it is written, so its buffer never fills
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # every writer closed
                return
            if not chunk:
                return
            received.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    monkeypatch.setenv("TERM", "xterm-256color")
    terminal = os.fdopen(follower, "w")
    handler = PrefectConsoleHandler(stream=terminal)  # Prefect's handler, writing to a terminal
    # Where prefect_console() looks, only this handler: the session's own write to pytest's capture.
    monkeypatch.setattr(logging.getLogger(), "handlers", [handler])
    for name in ("prefect", "prefect.flow_runs", "prefect.task_runs"):
        monkeypatch.setattr(logging.getLogger(name), "handlers", [])
    logger = logging.getLogger("dealwatch.test_progress")
    assert run_progress.prefect_console() is handler.console
    progress = RichProgress()
    progress.stage("feeds", total=2, failed=0, unchanged=0)
    logger.warning("feed http://127.0.0.1/a.xml: 3 entries")
    progress.advance("feeds", failed=1)
    progress.advance("feeds")
    progress.finish("feeds", failed=1)
    progress.close()
    terminal.close()
    reader.join(timeout=5)
    os.close(leader)
    output = received.decode()
    lines = [ANSI.sub("", line.rstrip("\r")).split("\r")[-1].rstrip() for line in output.split("\n")]
    assert "feed http://127.0.0.1/a.xml: 3 entries" in lines  # a line of its own, not inside a bar
    assert lines.index("feed http://127.0.0.1/a.xml: 3 entries") < max(
        i for i, line in enumerate(lines) if "feeds" in line and "2/2" in line)


def test_chosen_by_whether_stderr_is_a_terminal(monkeypatch):
    assert isinstance(for_terminal(StringIO()), LogProgress)
    assert isinstance(for_terminal(StringIO(), enabled=False), NoProgress)
    leader, follower = pty.openpty()
    with os.fdopen(follower, "w") as terminal:
        monkeypatch.setenv("TERM", "xterm-256color")
        assert isinstance(for_terminal(terminal), RichProgress)
        assert isinstance(for_terminal(terminal, enabled=False), NoProgress)
        monkeypatch.setenv("TERM", "dumb")  # cannot redraw a live display
        assert isinstance(for_terminal(terminal), LogProgress)
    os.close(leader)


class Recorder:
    """Keeps every event, to compare with what the run stored."""

    def __init__(self):
        self.events: list[tuple[str, str, dict]] = []
        self.closed = 0

    def stage(self, name, total=None, note="", **tallies):
        self.events.append(("stage", name, {"total": total, **tallies}))

    def advance(self, name, done=1, **tallies):
        self.events.append(("advance", name, {"done": done, **tallies}))

    def finish(self, name, note="", **tallies):
        self.events.append(("finish", name, tallies))

    def close(self):
        self.closed += 1

    def of(self, kind: str, name: str) -> list[dict]:
        return [args for k, n, args in self.events if (k, n) == (kind, name)]


def test_reporting_installs_then_closes_and_restores_even_on_error():
    recorder = Recorder()
    assert isinstance(run_progress.current(), NoProgress)
    with pytest.raises(RuntimeError), reporting(recorder):
        assert run_progress.current() is recorder
        raise RuntimeError("the run died")
    assert recorder.closed == 1 and isinstance(run_progress.current(), NoProgress)


@pytest.mark.slow
def test_the_flow_reports_its_real_stages(prefect, tmp_path):
    from flows.runner import run_once
    from flows.sites import SiteServer
    from tests.test_flow import MINI, write_config

    db = str(tmp_path / "deals.duckdb")
    first, second = Recorder(), Recorder()
    with SiteServer(MINI) as server:
        feeds = server.feed_urls("batch1") + [server.base_url + "/batch1/feeds/absent.xml"]
        config = str(write_config(tmp_path / "dealwatch.toml", feeds, [f"jsonl://{tmp_path / 'a.jsonl'}"]))
        summary = run_once(config, db, batch_size=2, progress=first)
        again = run_once(config, db, batch_size=2, progress=second)

    assert [name for kind, name, _ in first.events if kind == "stage"] == ["feeds", "articles", "store", "alerts"]
    assert first.of("stage", "feeds")[0]["total"] == len(feeds)
    assert len(first.of("advance", "feeds")) == len(feeds)  # one event per feed
    assert sum(a.get("failed", 0) for a in first.of("advance", "feeds")) == 1 == summary.feeds_failed
    assert first.of("finish", "feeds") == [{"failed": 1}]

    articles = first.of("stage", "articles")[0]["total"]
    assert articles == summary.articles_new + summary.articles_failed and articles > 2
    batches = first.of("advance", "articles")
    assert len(batches) == math.ceil(articles / 2)  # one event per batch, not per page
    assert sum(b["done"] for b in batches) == articles
    assert sum(b["mentions"] for b in batches) == summary.mentions_new > 0
    assert sum(b["failed"] for b in batches) == summary.articles_failed

    assert first.of("finish", "store") == [{"articles_new": summary.articles_new, "mentions_new": summary.mentions_new,
                                            "deals": summary.deals_total, "alerts_new": summary.alerts_new}]
    assert first.of("finish", "alerts") == [{"delivered": summary.alerts_delivered, "pending": summary.alerts_pending}]
    assert first.closed == 1

    # The rerun: feeds answer 304, nothing new to fetch.
    assert sum(a.get("unchanged", 0) for a in second.of("advance", "feeds")) == again.feeds_unchanged == 2
    assert second.of("stage", "articles")[0]["total"] == 0 and second.of("advance", "articles") == []
    assert second.of("finish", "store")[0]["articles_new"] == 0


@pytest.mark.slow
def test_a_run_not_started_by_the_cli_prints_no_progress(prefect, tmp_path, capfd):
    # As a deployment runs it: the flow itself, no reporter installed.
    from flows.ingest import ingest_news
    from flows.sites import SiteServer
    from tests.test_flow import MINI, write_config

    with SiteServer(MINI) as server:
        config = write_config(tmp_path / "dealwatch.toml", server.feed_urls("batch1"), [])
        summary = ingest_news(config_path=str(config), db_path=str(tmp_path / "d.duckdb"))
    out, err = capfd.readouterr()
    assert summary.articles_new > 0
    assert "| progress |" not in out + err


def test_two_runs_in_threads_each_report_to_their_own():
    seen: dict[str, object] = {}
    both_in = threading.Barrier(2)

    def run(name: str, recorder: Recorder) -> None:
        with reporting(recorder):
            both_in.wait(timeout=5)  # both installed at once
            seen[name] = run_progress.current()

    first, second = Recorder(), Recorder()
    threads = [threading.Thread(target=run, args=("first", first)), threading.Thread(target=run, args=("second", second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == {"first": first, "second": second}
    assert isinstance(run_progress.current(), NoProgress)
