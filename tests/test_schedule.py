"""Schedules for real: a Prefect server in a subprocess, `dealwatch serve` in another, runs on a schedule.

The server is `prefect server start` on a free loopback port with its own
PREFECT_HOME and SQLite database. `dealwatch serve` serves the deployments of
a copy of prefect.yaml in which only the test's own things differ: ingest-news
runs every few seconds (instead of every 30 minutes) against a loopback site,
and the digest's 08:00 schedule is switched off so the test triggers it
itself, twice. Everything else (names, entrypoints, concurrency limits) is the
real file's. The flows run in subprocesses of `dealwatch serve`, exactly as
they would in production.

That test is marked ``server`` (skip locally with -m "not server"); `make test`
runs it. The tests before it check, without a server, that what `dealwatch
serve` registers is what prefect.yaml says, and its errors.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
import requests
import yaml

from flows.config import ConfigError
from flows.serve import build_deployments, read_deployment_specs
from flows.sites import SiteServer
from warehouse.db import connect

ROOT = Path(__file__).resolve().parent.parent
MINI = Path(__file__).parent / "sites" / "mini"
BIN = Path(sys.executable).parent
INGEST_EVERY_SECONDS = 8
SERVER_START_TIMEOUT = 120   # generous: a loaded CI machine migrates a fresh SQLite slowly
RUN_TIMEOUT = 150



# -- prefect.yaml and what `dealwatch serve` makes of it (no server needed) ---------------------------

def test_prefect_yaml_schedules_the_two_flows_in_utc_one_run_at_a_time():
    specs = {s["name"]: s for s in read_deployment_specs(ROOT / "prefect.yaml")}
    assert set(specs) == {"ingest-news", "daily-digest"}
    assert specs["ingest-news"]["schedules"] == [{"cron": "*/30 * * * *", "timezone": "UTC", "active": True}]
    assert specs["daily-digest"]["schedules"] == [{"cron": "0 8 * * *", "timezone": "UTC", "active": True}]
    for spec in specs.values():
        assert spec["concurrency_limit"] == {"limit": 1, "collision_strategy": "ENQUEUE"}
        assert spec["work_pool"]["name"] == "dealwatch"  # what `prefect deploy --all` needs
        assert spec["parameters"]["config_path"] == "dealwatch.toml"


def test_served_deployments_are_what_prefect_deploy_would_register():
    """Names, parameters, concurrency and schedules as `prefect deploy --all` reads them from the
    same file, compared through Prefect's own parser of prefect.yaml schedules."""
    _prefect_parse = pytest.importorskip("prefect.cli.deploy._schedules")._schedule_config_to_deployment_schedule
    specs = {s["name"]: s for s in read_deployment_specs(ROOT / "prefect.yaml")}
    served = build_deployments(ROOT / "prefect.yaml")
    assert [d.name for d in served] == list(specs)
    for deployment in served:
        spec = specs[deployment.name]
        assert deployment.parameters == spec["parameters"]
        assert deployment.entrypoint == spec["entrypoint"].replace(".py:", ".").replace("/", ".")
        assert deployment.concurrency_limit == 1
        assert deployment.concurrency_options.collision_strategy.value == "ENQUEUE"
        assert deployment.description == spec["description"] and deployment.tags == spec["tags"]
        ours = [(s.schedule, s.active) for s in deployment.schedules]
        theirs = [(p["schedule"], p.get("active", True)) for p in map(_prefect_parse, spec["schedules"])]
        assert ours == theirs


def test_serve_overrides_only_the_parameters_given():
    served = build_deployments(ROOT / "prefect.yaml", {"db_path": "/srv/deals.duckdb", "config_path": None})
    for deployment in served:
        assert deployment.parameters["db_path"] == "/srv/deals.duckdb"
        assert deployment.parameters["config_path"] == "dealwatch.toml"


GOOD = """deployments:
  - name: ingest-news
    entrypoint: flows/ingest.py:ingest_news
    parameters: {config_path: dealwatch.toml}
    schedules: [{cron: "*/30 * * * *", timezone: UTC}]
"""

BAD_DEPLOYMENT_FILES = [
    ("name: x\n", "no deployments"),
    ("deployments: [{name: a}]\n", "no entrypoint"),
    (GOOD + "  - name: ingest-news\n    entrypoint: flows/ingest.py:ingest_news\n", "listed twice"),
    (GOOD.replace("    parameters", "    triggers: []\n    parameters"), "unknown key(s) triggers"),
    (GOOD.replace("flows/ingest.py:ingest_news", "flows/nowhere.py:ingest_news"), "cannot be loaded"),
    (GOOD.replace("flows/ingest.py:ingest_news", "flows.ingest.ingest_news"), "is not of the form"),
    (GOOD.replace("config_path:", "konfig_path:"), "konfig_path not accepted"),
    (GOOD.replace('{cron: "*/30 * * * *", timezone: UTC}', '{cron: "* * * * *", interval: 60}'),
     "exactly one of cron, interval, rrule"),
    (GOOD.replace('{cron: "*/30 * * * *", timezone: UTC}', '{cron: "not a cron"}'), "not a cron"),
    (GOOD + "    concurrency_limit: {limit: 1, collision_strategy: SOMETIMES}\n", "SOMETIMES"),
    ("deployments: [unclosed\n", "not valid YAML"),
]


@pytest.mark.parametrize("text, problem", BAD_DEPLOYMENT_FILES)
def test_bad_deployment_files_are_refused_with_the_reason(tmp_path, text, problem):
    path = tmp_path / "prefect.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        build_deployments(path)
    assert problem in str(raised.value) and str(path) in str(raised.value)


def test_the_good_file_of_that_table_is_accepted(tmp_path):
    path = tmp_path / "prefect.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert [d.name for d in build_deployments(path)] == ["ingest-news"]


def _dealwatch_serve(tmp_path: Path, api_url: str | None, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path / "home")  # no user profile can lend an API URL
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return subprocess.run([str(BIN / "dealwatch"), "serve", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("api_url, says", [
    (None, "no Prefect server configured: start one with `prefect server start`"),
    ("http://127.0.0.1:{port}/api", "no Prefect server answers at http://127.0.0.1:{port}/api"),
])
def test_serve_without_a_server_says_so_in_one_line(tmp_path, api_url, says):
    port = _free_port()  # nothing listens there
    result = _dealwatch_serve(tmp_path, api_url and api_url.format(port=port))
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert result.stderr.startswith("dealwatch: error: " + says.format(port=port))


def test_serve_with_a_missing_file_is_a_usage_error(tmp_path):
    result = _dealwatch_serve(tmp_path, None, "--file", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"dealwatch: error: {tmp_path / 'nope.yaml'}: no such file"


# -- processes ---------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (Linux /proc; elsewhere none). Prefect starts flow runs in
    their own sessions, so killing the serve process group alone could leave them behind."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _stop(process: subprocess.Popen, first_signal: int = signal.SIGTERM, grace: float = 20) -> None:
    """Ask politely, then kill the process, its group and every descendant."""
    if process.poll() is None:
        family = _descendants(process.pid)
        try:
            os.killpg(process.pid, first_signal)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
        for pid in [process.pid, *family, *_descendants(process.pid)]:
            for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
                try:
                    kill()
                except (ProcessLookupError, PermissionError):
                    pass
    process.wait(timeout=10)


def _tail(path: Path, lines: int = 150) -> str:
    if not path.exists():
        return f"({path} does not exist)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class PrefectServer:
    api_url: str
    env: dict[str, str]
    log: Path

    def get(self, path: str):
        return self._call("GET", path)

    def post(self, path: str, body: dict):
        return self._call("POST", path, body)

    def _call(self, method: str, path: str, body: dict | None = None, attempts: int = 8):
        # A busy server's SQLite answers 503 for a moment (Prefect's own client retries those too).
        for attempt in range(attempts):
            response = requests.request(method, f"{self.api_url}{path}", json=body, timeout=30)
            if response.status_code not in (429, 503) or attempt == attempts - 1:
                break
            time.sleep(0.5 * (attempt + 1))
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory) -> Iterator[PrefectServer]:
    home = tmp_path_factory.mktemp("prefect-home")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update({
        "PREFECT_HOME": str(home),
        "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home / 'prefect.db'}",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "false",
        # Schedule a new deployment's runs within a second or two, not a minute.
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2",
        "PREFECT_SERVER_SERVICES_SCHEDULER_RECENT_DEPLOYMENTS_LOOP_SECONDS": "1",
    })
    log = home / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server = PrefectServer(f"http://127.0.0.1:{port}/api", env, log)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"prefect server exited with {process.returncode}:\n{_tail(log)}")
            try:
                if requests.get(f"{server.api_url}/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"prefect server not healthy after {SERVER_START_TIMEOUT}s:\n{_tail(log)}")
            time.sleep(0.5)
        yield server
    finally:
        _stop(process)


# -- the project's deployments, with the test's schedule and paths ---------------------------------

def write_test_deployments(path: Path, config: Path, db: Path) -> Path:
    """prefect.yaml as shipped, except the schedules and the paths the runs use."""
    document = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    for deployment in document["deployments"]:
        deployment["parameters"].update(config_path=str(config), db_path=str(db))
        if deployment["name"] == "ingest-news":
            deployment["schedules"] = [{"interval": INGEST_EVERY_SECONDS, "timezone": "UTC", "active": True}]
        else:
            for schedule in deployment["schedules"]:
                schedule["active"] = False  # the test starts these runs itself
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def write_config(path: Path, feed_urls: list[str], alerts_file: Path) -> Path:
    feeds = "".join(f'[[feeds]]\nurl = "{u}"\n\n' for u in feed_urls)
    path.write_text(f'{feeds}[fetch]\nallow_private_networks = true\nper_host_delay = 0\n\n'
                    f'[alerts]\nurls = ["jsonl://{alerts_file}"]\n', encoding="utf-8")
    return path


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    # Waits for a scheduled run that holds the file, as every dealwatch reader does.
    con = connect(db, read_only=True, lock_wait=60)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def deployment(server: PrefectServer, name: str) -> dict:
    return server.get(f"/deployments/name/{name}/{name}")  # flow and deployment share the name


def flow_runs(server: PrefectServer, deployment_id: str) -> list[dict]:
    return server.post("/flow_runs/filter", {"flow_runs": {"deployment_id": {"any_": [deployment_id]}},
                                             "sort": "EXPECTED_START_TIME_ASC", "limit": 200})


def wait_for(what: str, check, timeout: float = RUN_TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.5)


def wait_for_run(server: PrefectServer, run_id: str) -> dict:
    def finished():
        run = server.get(f"/flow_runs/{run_id}")
        return run if run["state_type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") else None
    run = wait_for(f"flow run {run_id}", finished)
    assert run["state_type"] == "COMPLETED", run["state"]
    return run


# -- the test -------------------------------------------------------------------------------------

@pytest.fixture
def served(prefect_server, tmp_path, request) -> Iterator[dict]:
    """`dealwatch serve` over the test deployments, with a loopback site, in ``tmp_path``."""
    db, alerts_file = tmp_path / "deals.duckdb", tmp_path / "alerts.jsonl"
    failed_before = request.session.testsfailed
    with SiteServer(MINI) as site:
        config = write_config(tmp_path / "dealwatch.toml", site.feed_urls("batch1"), alerts_file)
        deployments = write_test_deployments(tmp_path / "prefect.yaml", config, db)
        env = {**prefect_server.env, "PREFECT_API_URL": prefect_server.api_url,
               "PREFECT_HOME": str(tmp_path / "serve-home"),
               "PREFECT_RUNNER_POLL_FREQUENCY": "1", "PREFECT_LOGGING_LEVEL": "INFO"}
        log = tmp_path / "serve.log"
        with log.open("wb") as out:
            process = subprocess.Popen([str(BIN / "dealwatch"), "serve", "--file", str(deployments)],
                                       cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        try:
            yield {"db": db, "alerts_file": alerts_file, "process": process, "log": log}
        finally:
            _stop(process, first_signal=signal.SIGINT)  # like Ctrl-C: serve pauses its schedules
            if request.session.testsfailed > failed_before:
                print(f"\n----- dealwatch serve log -----\n{_tail(log, 300)}")
                print(f"\n----- prefect server log -----\n{_tail(prefect_server.log)}")


@pytest.mark.server
@pytest.mark.slow
def test_scheduled_ingest_then_the_daily_digest_once(prefect_server, served):
    started = time.monotonic()
    db, alerts_file = served["db"], served["alerts_file"]

    # dealwatch serve registered both deployments, as prefect.yaml describes them
    ingest = wait_for("the ingest-news deployment", lambda: _deployment_or_none(prefect_server, "ingest-news"), 60)
    digest = wait_for("the daily-digest deployment", lambda: _deployment_or_none(prefect_server, "daily-digest"), 60)
    for registered in (ingest, digest):
        assert registered["global_concurrency_limit"]["limit"] == 1
        assert registered["concurrency_options"]["collision_strategy"] == "ENQUEUE"
        assert registered["entrypoint"].startswith("flows.")
    assert ingest["schedules"][0]["schedule"]["interval"] == INGEST_EVERY_SECONDS
    assert digest["schedules"][0]["schedule"]["cron"] == "0 8 * * *"
    assert digest["schedules"][0]["schedule"]["timezone"] == "UTC"

    # the schedule (not the test) creates an ingest run, and serve runs it to completion
    first = wait_for("a scheduled ingest-news run to complete", lambda: next(
        (r for r in flow_runs(prefect_server, ingest["id"]) if r["state_type"] == "COMPLETED"), None))
    assert first["auto_scheduled"] is True
    print(f"\nscheduled run {first['name']} of ingest-news: {first['state_name']} "
          f"(expected {first['expected_start_time']}, ran {first['total_run_time']:.1f}s) "
          f"after {time.monotonic() - started:.0f}s")

    expected = json.loads((MINI / "expected.json").read_text(encoding="utf-8"))["batch1"]
    deals = set(query(db, "select deal_type, payer, payee from deals"))
    missing = {(d["deal_type"], d["payer"], d["payee"]) for d in expected} - deals
    assert not missing, f"deals missing after the scheduled run: {missing}"
    new_deal_alerts = query(db, "select count(*) from alerts where alert_type = 'new_deal'")[0][0]
    assert new_deal_alerts == len(deals)

    # the digest deployment, run twice the same day: one digest alert, delivered once
    for attempt in (1, 2):
        run = prefect_server.post(f"/deployments/{digest['id']}/create_flow_run", {})
        run = wait_for_run(prefect_server, run["id"])
        print(f"daily-digest run {attempt} ({run['name']}): {run['state_name']}")
    digests = query(db, "select alert_id, summary, payload from alerts where alert_type = 'daily_digest'")
    assert len(digests) == 1
    alert_id, summary, payload = digests[0]
    payload = json.loads(payload)
    assert payload["alert_count"] >= new_deal_alerts  # every deal of the scheduled run is in it
    assert f"new deals: {new_deal_alerts}" in summary
    for deal_type, payer, payee in deals:
        assert f"{payer} -> {payee}" in summary
    lines = [json.loads(line) for line in alerts_file.read_text(encoding="utf-8").splitlines()]
    assert [line["alert_id"] for line in lines if line["alert_type"] == "daily_digest"] == [alert_id]
    assert query(db, "select status from alert_deliveries where alert_id = ?", [alert_id]) == [("delivered",)]
    print(f"digest {alert_id} delivered once to the jsonl channel:\n{summary}")

    # overlap: scheduled ingest runs never ran at the same time (concurrency limit 1)
    wait_for("a second scheduled ingest run", lambda: sum(
        r["state_type"] == "COMPLETED" for r in flow_runs(prefect_server, ingest["id"])) >= 2)
    spans = sorted((_time(r["start_time"]), _time(r["end_time"]))
                   for r in flow_runs(prefect_server, ingest["id"]) if r["state_type"] == "COMPLETED")
    assert all(earlier_end <= later_start for (_, earlier_end), (later_start, _) in zip(spans, spans[1:]))
    # later runs found nothing new: still one alert per deal and per loop, plus the digest, none
    # delivered twice
    loop_alerts = query(db, "select count(*) from alerts where alert_type = 'new_circular_deal'")[0][0]
    lines = [json.loads(line) for line in alerts_file.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == len({line["alert_id"] for line in lines}) == new_deal_alerts + loop_alerts + 1
    print(f"{len(spans)} scheduled ingest runs completed without overlapping; "
          f"test took {time.monotonic() - started:.0f}s after the server was up")
    print("the first scheduled run in the log of dealwatch serve:")
    print("\n".join(line for line in served["log"].read_text(errors="replace").splitlines()
                    if f"'{first['name']}'" in line))


def _deployment_or_none(server: PrefectServer, name: str) -> dict | None:
    try:
        return deployment(server, name)
    except requests.HTTPError as exc:
        if exc.response is not None and exc.response.status_code == 404:
            return None
        raise


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
