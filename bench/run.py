"""``python -m bench``: time the real flow against a plain fetch-and-extract baseline.

For each size N: serve a synthetic corpus of N articles on loopback (its
own process), then, each in a subprocess of its own: Prefect's start-up (a
flow that does nothing), the baseline, a cold run of the flow into a fresh
DuckDB file, and a warm rerun with nothing new. Then, unless ``--no-models``,
the SQL models on a million synthetic deal mentions (``--models-only`` runs
just that). Prints a table per size and the ratios the issue sets targets
for; ``--json PATH`` writes everything as JSON too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.measure import Measured, load_average, run_measured
from bench.report import flow_breakdown, print_report, ratios, stage_row, warm_breakdown

DEFAULT_SIZES = (1000,)
DEFAULT_MENTIONS = 1_000_000
STAGE_TIMEOUT = 3 * 3600.0


class BenchError(RuntimeError):
    pass


def _stage(stage: str, work: Path, env: dict[str, str], **kwargs) -> Measured:
    out = work / f"{stage}-{time.monotonic_ns()}.json"
    measured = run_measured([sys.executable, "-m", "bench.stages", stage, "--out", str(out),
                             "--args", json.dumps(kwargs)], out, env=env, timeout=STAGE_TIMEOUT)
    if measured.returncode != 0:
        raise BenchError(f"stage {stage} failed (exit {measured.returncode}):\n{measured.stderr_tail}")
    return measured


def _environment(work: Path) -> dict[str, str]:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    # A Prefect home of its own: the same for every stage, not the user's history.
    env["PREFECT_HOME"] = str(work / "prefect-home")
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    env.setdefault("PREFECT_LOGGING_LOG_PRINTS", "true")  # as `dealwatch run` sets it
    # Prefect's temporary API server gets 20 s to start; on a busy shared machine that is not enough.
    env.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    return env


@contextmanager
def prefect_api(mode: str, env: dict[str, str]) -> Iterator[Callable[[], float]]:
    """``server``: one Prefect API server for the whole bench, as a deployment has (``dealwatch
    serve``), so no stage pays for starting one and "Prefect's start-up" is a flow run's own cost;
    ``ephemeral``: every run starts Prefect's temporary server, as a bare ``dealwatch run`` does
    (seconds of noise on a busy machine, and its memory counts in the run's process tree).

    Yields a function that waits until the server has worked through what the last run sent it
    (it persists a big run's events and logs for a while after the run ends) and returns the
    seconds waited: a warm rerun 30 minutes after a backfill finds the server idle.
    """
    if mode == "ephemeral":
        yield lambda: 0.0
        return
    # The server process inherits this process's environment: give it the bench's Prefect home.
    for name in ("PREFECT_HOME", "PREFECT_SERVER_ANALYTICS_ENABLED"):
        os.environ[name] = env[name]
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    server.start(timeout=120)
    env["PREFECT_API_URL"] = server.api_url
    try:
        yield lambda: wait_until_idle(server.server_process.pid)
    finally:
        env.pop("PREFECT_API_URL", None)
        server.stop()


def wait_until_idle(pid: int, busy_share: float = 0.05, interval: float = 2.0, limit: float = 180.0) -> float:
    """Wait until process ``pid`` uses less than ``busy_share`` of a core over ``interval`` seconds."""
    started = time.monotonic()
    ticks = os.sysconf("SC_CLK_TCK")

    def cpu_seconds() -> float:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime

    try:
        before = cpu_seconds()
        while time.monotonic() - started < limit:
            time.sleep(interval)
            now = cpu_seconds()
            if now - before < busy_share * interval:
                break
            before = now
    except (OSError, ValueError):  # no /proc, or the server is gone: nothing to wait for
        pass
    return time.monotonic() - started


class CorpusServer:
    """``python -m bench.server`` as a child process; its first stdout line is the manifest."""

    def __init__(self, seed: int, articles: int, feeds: int, env: dict[str, str]):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.server", "--seed", str(seed), "--articles", str(articles),
             "--feeds", str(feeds)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, text=True)
        line = self.proc.stdout.readline()
        if not line:
            raise BenchError("the corpus server did not start")
        self.manifest = json.loads(line)

    def stats(self) -> dict[str, int]:
        with urllib.request.urlopen(self.manifest["stats"], timeout=10) as response:
            return json.loads(response.read())

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _config(path: Path, feeds: list[str], alerts_file: Path) -> None:
    lines = [f'[[feeds]]\nurl = "{url}"\n' for url in feeds]
    # Loopback sites; no pause between two requests to one site (the politeness delay is a
    # deliberate wait, not work: the bench measures work). Per-site concurrency stays default.
    lines.append("[fetch]\nallow_private_networks = true\nper_host_delay = 0.0\n")
    lines.append(f'[alerts]\nurls = ["jsonl://{alerts_file}"]\n')
    path.write_text("\n".join(lines), encoding="utf-8")


def _diff(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {k: after.get(k, 0) - before.get(k, 0) for k in set(after) | set(before) if after.get(k, 0) != before.get(k, 0)}


def _warehouse_facts(db: Path, run_id: str) -> dict:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        def one(sql: str, params: list | None = None):
            return con.execute(sql, params or []).fetchall()[0]

        articles, = one("select count(*) from raw_articles")
        mentions, = one("select count(*) from raw_deal_mentions")
        deals, = one("select count(*) from deals")
        alerts, = one("select count(*) from alerts")
        log = {kind: {"rows": rows, "ms": ms} for kind, rows, ms in con.execute(
            "select kind, count(*), coalesce(sum(ms), 0) from fetch_log where run_id = ? group by kind",
            [run_id]).fetchall()}
        started, ended = one("select started_at, ended_at from runs where run_id = ?", [run_id])
    finally:
        con.close()
    return {"articles": articles, "mentions": mentions, "deals": deals, "alerts": alerts, "fetch_log": log,
            "run_seconds": (ended - started).total_seconds() if started and ended else None}


def _flow_run(server: CorpusServer, config: Path, db: Path, args: argparse.Namespace, work: Path,
              env: dict[str, str]) -> tuple[dict, Measured]:
    """One run of the flow, with what the server served during it and what the warehouse says."""
    before = server.stats()
    measured = _stage("flow", work, env, config=str(config), db=str(db), batch_size=args.batch_size)
    summary = measured.result["summary"]
    return {"summary": summary, "served": _diff(server.stats(), before),
            "warehouse": _warehouse_facts(db, summary["run_id"]), "seconds": measured.seconds,
            "import_seconds": measured.result["import_seconds"],
            "flow_seconds": measured.result["flow_seconds"]}, measured


def bench_size(n: int, args: argparse.Namespace, work: Path, env: dict[str, str],
               settle: Callable[[], float] = lambda: 0.0) -> dict:
    size_dir = work / f"n{n}"
    size_dir.mkdir()
    server = CorpusServer(args.seed, n, args.feeds, env)
    try:
        config = size_dir / "bench.toml"
        _config(config, server.manifest["feeds"], size_dir / "alerts.jsonl")
        db = size_dir / "bench.duckdb"
        rows, facts = {}, {}

        baseline = _stage("baseline", work, env, feeds=server.manifest["feeds"], workers=args.workers)
        rows["baseline"] = stage_row(baseline, baseline.result["pages"])
        facts["baseline"] = baseline.result

        facts["cold"], measured = _flow_run(server, config, db, args, work, env)
        rows["flow cold"] = stage_row(measured, facts["cold"]["summary"]["articles_new"] or None)
        rows.update(flow_breakdown(facts["cold"], n))
        facts["prefect_settle_seconds"] = settle()

        # Then Prefect's start-up and the warm rerun, alternately: a warm rerun costs little more
        # than Prefect itself, so each is the best of --repeat, which keeps a neighbour's burst of
        # CPU from deciding the difference.
        prefect_runs, warm_runs = [], []
        for _ in range(max(1, args.repeat)):
            prefect_runs.append(_stage("prefect", work, env))
            seen, measured = _flow_run(server, config, db, args, work, env)
            facts.setdefault("warm_runs", []).append(seen)
            warm_runs.append(measured)
        best_prefect = min(prefect_runs, key=lambda m: m.seconds)
        best_warm = min(warm_runs, key=lambda m: m.seconds)
        rows["prefect start-up (best)"] = stage_row(best_prefect, None)
        rows["  prefect: imports"] = {"seconds": best_prefect.result["import_seconds"]}
        rows["  prefect: flow call incl. start"] = {"seconds": best_prefect.result["flow_seconds"]}
        rows["flow warm (best)"] = stage_row(best_warm, None)
        rows.update(warm_breakdown(facts["warm_runs"][warm_runs.index(best_warm)]))
        facts["prefect_seconds"] = [m.seconds for m in prefect_runs]
    finally:
        server.close()
    return {"articles": n, "rows": rows, "facts": facts}


def bench_models(args: argparse.Namespace, work: Path, env: dict[str, str]) -> dict:
    measured = _stage("models", work, env, db=str(work / "models.duckdb"), mentions=args.mentions,
                      mentions_per_article=2.5, extra=1000)
    return {"load": measured.load, "tree_peak_mb": measured.tree_peak_mb, "peak_rss_mb": measured.peak_rss_mb,
            **measured.result}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES),
                        help="corpus sizes in articles (default: 1000); e.g. --sizes 5000 20000")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default: 1)")
    parser.add_argument("--feeds", type=int, default=40, help="feeds the articles are spread over (default: 40)")
    parser.add_argument("--batch-size", type=int, default=50, help="the flow's --batch-size (default: 50)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="Prefect start-ups and warm reruns per size, best taken (default: 3)")
    parser.add_argument("--workers", type=int, default=8, help="the baseline's fetch threads (default: 8)")
    parser.add_argument("--mentions", type=int, default=DEFAULT_MENTIONS,
                        help="deal mentions for the models bench (default: 1,000,000)")
    parser.add_argument("--models-only", action="store_true", help="only the SQL models on --mentions mentions")
    parser.add_argument("--no-models", action="store_true", help="skip the SQL models bench")
    parser.add_argument("--prefect", choices=["server", "ephemeral"], default="server",
                        help="server (default): one Prefect API server for every stage, as a deployment has; "
                             "ephemeral: each run starts Prefect's temporary server, as a bare `dealwatch run`")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON to PATH ('-': stdout)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (databases, configs)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="dealwatch-bench-"))
    env = _environment(work)
    results: dict = {"machine": {"cpus": os.cpu_count(), "load_at_start": load_average()},
                     "settings": {"seed": args.seed, "feeds": args.feeds, "batch_size": args.batch_size,
                                  "baseline_workers": args.workers, "prefect": args.prefect}, "sizes": {}}
    try:
        with prefect_api(args.prefect, env) as settle:
            # Prefect creates its database on first use: do that outside any measurement.
            _stage("prefect", work, env)
            if not args.models_only:
                for n in args.sizes:
                    results["sizes"][str(n)] = bench_size(n, args, work, env, settle)
        if args.models_only or not args.no_models:
            results["models"] = bench_models(args, work, env)
        results["ratios"] = ratios(results)
        results["machine"]["load_at_end"] = load_average()
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"work folder kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print_report(results)
    if args.json:
        text = json.dumps(results, indent=2, default=str)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).parent.mkdir(parents=True, exist_ok=True)
            Path(args.json).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
