"""Crash safety: `dealwatch run` killed with SIGKILL, and two runs started on one database.

The reference is one clean history: batch 1 of the mini site, then batch 2, each run once. Every
crash test replays that history with a `dealwatch run` subprocess killed somewhere in the batch-2
run, checks that the kill left either the state before that run or the state after its commit
(never a part), then runs batch 2 again and requires the tables to equal the reference exactly:
nothing lost, nothing twice.

Subprocesses talk to the test harness's Prefect API (``api_env``), so a kill leaves no temporary
Prefect server behind.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from flows.ingest import ingest_news
from flows.runner import run_once
from tests.loopback import LoopbackServer, Route, serve
from tests.test_flow import MINI, article_paths, query, write_config
from warehouse.db import run_lock
from warehouse.errors import WarehouseLocked

pytestmark = pytest.mark.slow

DEALWATCH = str(Path(sys.executable).parent / "dealwatch")
FETCH = "allow_private_networks = true\nper_host_delay = 0.01\nmax_per_host = 4\nread_timeout = 5.0\n"

# What a user sees, minus what differs between two runs of the same input by nature (times,
# run ids). alert delivery is compared as delivered or not.
SNAPSHOT = {
    "articles": "select article_id, url, feed_url, outlet, title, published_at, language, text, "
                "content_hash from articles",
    "deal_mentions": "select mention_id, article_id, deal_type, payer, payee, amount, currency, amount_usd, "
                     "stake_pct, status, evidence, confidence from deal_mentions",
    "deals": "select deal_id, deal_type, payer, payee, amount, currency, amount_usd, stake_pct, status, "
             "source_count, source_urls from deals",
    "alerts": "select alert_id, alert_type, deal_id, field, old_value, new_value, summary, "
              "delivered_at is not null as delivered from alerts",
}


def snapshot(db: str, delivery: bool = True) -> dict[str, list[tuple]]:
    tables = {name: sorted(query(db, sql), key=repr) for name, sql in SNAPSHOT.items()}
    if not delivery:
        tables["alerts"] = sorted((row[:-1] for row in tables["alerts"]), key=repr)
    return tables


@pytest.fixture(scope="module")
def site():
    with serve(directory=MINI, replace={b"__BASE__": None}) as server:
        yield server


def feeds(site: LoopbackServer, batch: str) -> list[str]:
    return sorted(site.url(f"/{batch}/feeds/{p.name}") for p in (MINI / batch / "feeds").glob("*.xml"))


def configs(site: LoopbackServer, folder: Path) -> tuple[Path, Path]:
    alerts = [f"jsonl://{folder / 'alerts.jsonl'}"]
    return (write_config(folder / "batch1.toml", feeds(site, "batch1"), alerts, fetch=FETCH),
            write_config(folder / "batch2.toml", feeds(site, "batch2"), alerts, fetch=FETCH))


def delivered_ids(folder: Path) -> list[str]:
    path = folder / "alerts.jsonl"
    return [json.loads(line)["alert_id"] for line in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture(scope="module")
def after_batch1(prefect, site, tmp_path_factory) -> Path:
    """A folder holding the database and alert file of a clean batch-1 run."""
    folder = tmp_path_factory.mktemp("batch1")
    batch1, _ = configs(site, folder)
    ingest_news(config_path=str(batch1), db_path=str(folder / "deals.duckdb"))
    return folder


def history_after_batch1(after_batch1: Path, site: LoopbackServer, folder: Path) -> tuple[str, Path]:
    """A copy of the batch-1 state in ``folder``; returns the database and the batch-2 config."""
    for name in ("deals.duckdb", "alerts.jsonl"):
        shutil.copy(after_batch1 / name, folder / name)
    return str(folder / "deals.duckdb"), configs(site, folder)[1]


@pytest.fixture(scope="module")
def reference(after_batch1, site, tmp_path_factory):
    """One clean history: batch 1, then batch 2."""
    folder = tmp_path_factory.mktemp("reference")
    db, batch2 = history_after_batch1(after_batch1, site, folder)
    ingest_news(config_path=str(batch2), db_path=db)
    state = snapshot(db)
    assert state["articles"] and state["deals"] and all(row[-1] for row in state["alerts"])
    return state, sorted(delivered_ids(folder))


class Run:
    """A `dealwatch run` subprocess in its own process group, its stderr read line by line."""

    def __init__(self, config: Path, db: str, env: dict[str, str]):
        self.proc = subprocess.Popen([DEALWATCH, "run", "--config", str(config), "--db", db],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                     start_new_session=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.stderr: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            self.stderr.append(line)
            self.lines.put(line)

    def wait_for_line(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if text in self.lines.get(timeout=0.05):
                    return
            except queue.Empty:
                assert self.proc.poll() is None, f"the run ended first:\n{''.join(self.stderr)[-3000:]}"
        raise AssertionError(f"no line with {text!r} within {timeout}s")

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def finish(self, timeout: float = 120) -> tuple[int, str, str]:
        stdout = self.proc.stdout.read()  # stderr belongs to the reader thread
        self.proc.wait(timeout=timeout)
        self._reader.join(timeout=10)
        return self.proc.returncode, stdout, "".join(self.stderr)


def wait_until(condition, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


def recover_and_compare(db: str, folder: Path, batch2: Path, reference) -> None:
    """The next run completes the work: the tables equal one clean history exactly."""
    state, alert_ids = reference
    again = ingest_news(config_path=str(batch2), db_path=db)
    assert again.feeds_failed == 0
    assert snapshot(db) == state
    assert sorted(set(delivered_ids(folder))) == alert_ids  # every alert delivered (at least once)
    assert query(db, "select count(*) from runs where status = 'running'") == [(0,)]


def test_kill_while_pages_are_being_fetched(api_env, site, after_batch1, reference, tmp_path):
    db, batch2 = history_after_batch1(after_batch1, site, tmp_path)
    before = snapshot(db)
    new_page = "/" + article_paths("batch2")[0]
    body = (MINI / new_page.lstrip("/")).read_bytes().replace(b"__BASE__", site.base_url.encode())
    site.routes[new_page] = Route(body=body, content_type="text/html", delay=30)  # answers after the kill
    seen = site.hits[new_page]
    try:
        run = Run(batch2, db, api_env)
        wait_until(lambda: site.hits[new_page] > seen)  # the run is waiting for the page
        run.kill()
    finally:
        del site.routes[new_page]

    assert snapshot(db) == before  # the killed run wrote nothing
    assert query(db, "select count(*) from runs where status = 'running'") == [(1,)]  # it did start
    recover_and_compare(db, tmp_path, batch2, reference)
    assert query(db, "select count(*) from runs where status = 'failed' and error like 'interrupted%'") == [(1,)]


# Seconds after warehouse.store logs that the run's transaction is open (it does so after BEGIN):
# at once and soon, inside the transaction (it takes about a tenth of a second), and late enough
# to land after the commit. The runs go side by side, each on its own copy of the history.
KILL_DELAYS = (0.0, 0.05, 1.0)


def test_kill_around_the_store_transaction(api_env, site, after_batch1, reference, tmp_path):
    env = {**api_env, "PREFECT_LOGGING_ROOT_LEVEL": "INFO"}  # show warehouse.store's INFO lines
    trials = []
    for delay in KILL_DELAYS:
        folder = tmp_path / f"kill-{delay}"
        folder.mkdir()
        db, batch2 = history_after_batch1(after_batch1, site, folder)
        trials.append((delay, folder, db, batch2, Run(batch2, db, env)))
    before = snapshot(trials[0][2], delivery=False)

    def kill_in_transaction(delay: float, run: Run) -> None:
        run.wait_for_line("transaction open")
        time.sleep(delay)
        run.kill()

    killers = [threading.Thread(target=kill_in_transaction, args=(delay, run)) for delay, *_, run in trials]
    for killer in killers:
        killer.start()
    for killer in killers:
        killer.join(120)

    inside = 0
    for delay, folder, db, batch2, run in trials:
        assert run.proc.returncode == -signal.SIGKILL, f"+{delay}s: the run was not killed"
        # all or nothing: the state before the run, or that of a clean history (alerts not yet delivered)
        after_kill = snapshot(db, delivery=False)
        committed = after_kill != before
        assert after_kill == (snapshot_without_delivery(reference) if committed else before), f"+{delay}s"
        said_committed = any(": committed" in line for line in run.stderr)
        assert committed or not said_committed
        inside += not committed  # killed after BEGIN (the line says so) and before COMMIT
        print(f"\nKILL|transaction open +{delay:.2f}s|{'after the commit' if committed else 'inside the transaction'}")
        recover_and_compare(db, folder, batch2, reference)
    assert inside, "no kill landed inside the transaction"


def snapshot_without_delivery(reference) -> dict[str, list[tuple]]:
    state, _ = reference
    return {**state, "alerts": sorted((row[:-1] for row in state["alerts"]), key=repr)}


def held_page(path: str, site: LoopbackServer, release: threading.Event) -> Route:
    """The page, answered only once ``release`` is set: the run fetching it holds its lock till then."""
    body = (MINI / path).read_bytes().replace(b"__BASE__", site.base_url.encode())

    def answer(record) -> Route:
        release.wait(60)
        return Route(body=body, content_type="text/html")

    return Route(handler=answer)


def test_a_second_run_waits_for_the_first_or_says_why_it_cannot(prefect, api_env, site, tmp_path):
    """The first run (here in-process, in a thread) holds the database while it fetches; a second
    `dealwatch run` that may wait 0.5 s exits 1 with one line; one that may wait longer waits,
    then finds everything stored."""
    db = str(tmp_path / "deals.duckdb")
    batch1, _ = configs(site, tmp_path)
    release = threading.Event()
    held = {"/" + path: held_page(path, site, release) for path in article_paths("batch1")}
    site.routes.update(held)
    seen = sum(site.hits[path] for path in held)
    outcome: list = []
    first = threading.Thread(target=lambda: outcome.append(run_once(str(batch1), db)))
    try:
        first.start()
        wait_until(lambda: sum(site.hits[path] for path in held) > seen)  # the first run is fetching
        impatient = Run(batch1, db, {**api_env, "DEALWATCH_LOCK_WAIT": "0.5"})
        patient = Run(batch1, db, api_env)
        code, _, impatient_err = impatient.finish()
        patient.wait_for_line("is in use by another dealwatch run")
        release.set()
        first.join(60)
        patient_code, patient_out, patient_err = patient.finish()
    finally:
        release.set()
        for path in held:
            del site.routes[path]

    assert code == 1
    lines = impatient_err.strip().splitlines()
    errors = [line for line in lines if line.startswith("dealwatch: error:")]
    assert errors == [f"dealwatch: error: {db}: another dealwatch run (pid {os.getpid()}) is using this "
                      "database (waited 0.5s); try again when it has finished"]
    # besides it, at most the notice that it waited
    assert len(lines) <= 2 and all("waiting up to 0.5s" in line for line in lines if line not in errors), lines
    assert len(outcome) == 1 and outcome[0].articles_new == len(held)
    # the patient one waited for the lock, then found everything stored
    assert patient_code == 0, patient_err[-2000:]
    assert "0 new articles" in patient_out
    assert query(db, "select count(*) from articles") == [(len(article_paths("batch1")),)]
    assert query(db, "select status, articles_new from runs order by started_at") == [
        ("completed", 5), ("completed", 0)]


# --- the run lock itself ----------------------------------------------------------------------------

HOLDER = """
import sys, time
from warehouse.db import run_lock
with run_lock(sys.argv[1]):
    print("held", flush=True)
    time.sleep(60)
"""


def test_the_run_lock_is_freed_by_kill_9(tmp_path):
    db = str(tmp_path / "deals.duckdb")
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, db], stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).parent.parent)
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with pytest.raises(WarehouseLocked, match=rf"another dealwatch run \(pid {holder.pid}\).*waited 0.3s"):
            with run_lock(db, wait=0.3):
                pass
        assert 0.3 <= time.monotonic() - started < 2
    finally:
        holder.kill()  # SIGKILL: no cleanup code runs
        holder.wait()
    started = time.monotonic()
    with run_lock(db, wait=5):
        assert time.monotonic() - started < 0.5


def test_the_run_lock_is_reentrant_in_one_thread_only(tmp_path):
    db = str(tmp_path / "deals.duckdb")
    with run_lock(db, wait=0):
        with run_lock(db, wait=0):  # the flow inside `dealwatch run` takes it again
            pass
        failures = []

        def other_thread() -> None:
            try:
                with run_lock(db, wait=0.2):
                    pass
            except WarehouseLocked as exc:
                failures.append(exc)

        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        assert len(failures) == 1
    with run_lock(db, wait=0):
        pass
