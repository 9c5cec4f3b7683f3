"""The ``dealwatch`` command: a thin face over the flows and the warehouse.

Library code raises :class:`DealwatchError`; only here is it turned into a
one-line message. Exit codes: 0 success, 1 the run failed, 2 bad usage or a
bad config.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from extractors.errors import DealwatchError, UsageError
from flows.config import DEFAULT_CONFIG, ConfigError, resolve_db_path

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEAL_TABLE_COLUMNS = ["deal_type", "payer", "payee", "amount", "currency", "stake_pct", "status",
                      "source_count", "first_seen_at"]
ALERT_TABLE_COLUMNS = ["created_at", "alert_type", "summary", "delivery"]


def _quiet_prefect_defaults() -> None:
    # No telemetry from machines that may have no internet; users can override.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LOG_PRINTS", "true")


def _parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="dealwatch",
        description="Watch AI-industry news and turn it into a DuckDB warehouse of deals.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n  dealwatch demo\n  dealwatch run --config dealwatch.toml\n"
               "  dealwatch deals --company Nvidia --format csv",
    )
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str, example: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=help, epilog=f"example:\n  {example}",
                              formatter_class=argparse.RawDescriptionHelpFormatter)

    db_help = "DuckDB file (default: $DEALWATCH_DB, else dealwatch.duckdb)"
    fmt = dict(choices=["table", "csv", "json"], default="table", help="output format (default: table)")
    no_progress = {"action": "store_true", "help": "show no progress on stderr (by default: a live display on a "
                   "terminal, plain `HH:MM:SS.mmm | progress | ...` lines otherwise)"}

    run = command("run", "run one ingest pass (feeds -> deals -> alerts) as a Prefect flow; progress on "
                  "stderr, the summary on stdout",
                  "dealwatch run --config dealwatch.toml --db deals.duckdb")
    run.add_argument("--config", default=DEFAULT_CONFIG, help=f"config file (default: {DEFAULT_CONFIG})")
    run.add_argument("--db", help=db_help)
    run.add_argument("--batch-size", type=int, default=50, help="articles per task (default: 50)")
    run.add_argument("--no-progress", **no_progress)

    demo = command("demo", "serve the bundled sample sites on loopback and run the flow on them",
                   "dealwatch demo --db demo.duckdb")
    demo.add_argument("--db", help=db_help)
    demo.add_argument("--port", type=int, default=8765,
                      help="loopback port for the sample sites (default: 8765; the same port on every "
                           "run keeps article URLs stable, so a second demo adds nothing)")
    demo.add_argument("--no-progress", **no_progress)

    deals = command("deals", "list deals", "dealwatch deals --type investment --company Amazon --since 2025-01-01")
    deals.add_argument("--db", help=db_help)
    deals.add_argument("--type", choices=["investment", "chip_supply", "cloud_contract"], help="deal type")
    deals.add_argument("--company", help="payer or payee (aliases fold: AWS finds Amazon)")
    deals.add_argument("--since", help="first seen on or after this date (YYYY-MM-DD)")
    deals.add_argument("--status", choices=["rumored", "announced", "completed"], help="deal status")
    deals.add_argument("--format", **fmt)

    alerts = command("alerts", "list alerts and their delivery", "dealwatch alerts --pending")
    alerts.add_argument("--db", help=db_help)
    alerts.add_argument("--pending", action="store_true", help="only alerts not yet delivered everywhere")
    alerts.add_argument("--format", **fmt)

    sql = command("sql", "run a query on a read-only connection", 'dealwatch sql "select * from investments"')
    sql.add_argument("query", help="SQL text")
    sql.add_argument("--db", help=db_help)
    sql.add_argument("--format", **fmt)

    evaluate = command("eval", "score extraction on a labeled corpus (shared/corpus/FORMAT.md): the real flow on "
                       "batch1 then batch2, deals and alerts compared with gold.json",
                       "dealwatch eval --corpus ../shared/corpus/dev --format json")
    evaluate.add_argument("--corpus", required=True, help="corpus folder with gold.json, batch1/ and batch2/")
    evaluate.add_argument("--format", choices=["table", "json"], default="table",
                          help="output format (default: table)")
    evaluate.add_argument("--check", action="store_true",
                          help="exit 1 when a figure is below the accuracy targets (core recall 0.95 and "
                               "precision 0.90 overall and per language, hard recall 0.60, amount 0.95, "
                               "status 0.90, no deal from a distractor article)")

    init = command("init", "write a starter config with curated real feeds", "dealwatch init dealwatch.toml")
    init.add_argument("file", nargs="?", default=DEFAULT_CONFIG, help=f"where to write (default: {DEFAULT_CONFIG})")

    serve = command("serve", "long-running: serve the deployments of prefect.yaml (ingest-news, daily-digest) on "
                    "their schedules; needs a Prefect server (`prefect server start`, then set PREFECT_API_URL)",
                    "PREFECT_API_URL=http://127.0.0.1:4200/api dealwatch serve --db /var/lib/dealwatch/deals.duckdb")
    serve.add_argument("--file", help="deployments file (default: prefect.yaml here, else the project's)")
    serve.add_argument("--config", help="config_path for every deployment (default: as prefect.yaml says)")
    serve.add_argument("--db", help="db_path for every deployment (default: as prefect.yaml says; "
                                    "null there means $DEALWATCH_DB, else dealwatch.duckdb)")
    return top


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _quiet_prefect_defaults()
    try:
        return _COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"dealwatch: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DealwatchError as exc:
        print(f"dealwatch: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("dealwatch: interrupted", file=sys.stderr)
        return 130


def _cmd_run(args) -> int:
    from flows.config import load_config

    load_config(args.config)  # a bad config fails here, before Prefect starts
    if args.batch_size < 1:
        raise ConfigError("--batch-size", "must be at least 1")
    from flows.progress import for_terminal
    from flows.runner import run_once

    # Progress goes to stderr; stdout keeps only the summary, for scripts.
    summary = run_once(args.config, resolve_db_path(args.db), batch_size=args.batch_size,
                       progress=for_terminal(sys.stderr, enabled=not args.no_progress))
    from flows.output import print_run_summary

    print_run_summary(summary)
    return EXIT_FAILED if summary.failed else EXIT_OK


def _cmd_demo(args) -> int:
    from flows.demo import run_demo
    from flows.progress import for_terminal

    return run_demo(resolve_db_path(args.db), port=args.port,
                    progress=for_terminal(sys.stderr, enabled=not args.no_progress))


def _cmd_deals(args) -> int:
    from flows.output import print_frame
    from warehouse.queries import list_deals

    frame = list_deals(resolve_db_path(args.db), deal_type=args.type, company=args.company,
                       since=args.since, status=args.status)
    # A terminal table keeps to what fits; CSV and JSON carry every column.
    print_frame(frame, args.format, title="deals", columns=DEAL_TABLE_COLUMNS if args.format == "table" else None)
    return EXIT_OK


def _cmd_alerts(args) -> int:
    from flows.output import print_frame
    from warehouse.queries import list_alerts

    print_frame(list_alerts(resolve_db_path(args.db), pending_only=args.pending), args.format, title="alerts",
                columns=ALERT_TABLE_COLUMNS if args.format == "table" else None)
    return EXIT_OK


def _cmd_sql(args) -> int:
    from flows.output import print_frame
    from warehouse.queries import run_query

    print_frame(run_query(resolve_db_path(args.db), args.query), args.format)
    return EXIT_OK


def _cmd_eval(args) -> int:
    import json
    import logging

    from flows.evaluate import evaluate_corpus
    from flows.output import print_eval_report

    # The figures are the output; the flow's own progress lines would bury them.
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    logging.getLogger("prefect").setLevel(logging.WARNING)
    report = evaluate_corpus(Path(args.corpus))
    if args.format == "json":
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print_eval_report(report)
    return EXIT_FAILED if args.check and report["missed_targets"] else EXIT_OK


def _cmd_init(args) -> int:
    from flows.starter import write_starter_config

    path = write_starter_config(Path(args.file))
    print(f"wrote {path}: edit the feeds and [alerts] urls, then run `dealwatch run --config {path}`")
    return EXIT_OK


def _cmd_serve(args) -> int:
    from flows.serve import find_prefect_file, serve_deployments

    serve_deployments(find_prefect_file(args.file), {"config_path": args.config, "db_path": args.db})
    return EXIT_OK


_COMMANDS = {"run": _cmd_run, "demo": _cmd_demo, "deals": _cmd_deals, "alerts": _cmd_alerts,
             "sql": _cmd_sql, "eval": _cmd_eval, "init": _cmd_init, "serve": _cmd_serve}


if __name__ == "__main__":
    sys.exit(main())
