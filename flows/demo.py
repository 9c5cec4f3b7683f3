"""``dealwatch demo``: the real flow against the bundled sample sites, served on loopback."""

from __future__ import annotations

import tempfile
from pathlib import Path

from extractors.errors import DealwatchError
from flows.output import print_frame, print_run_summary
from flows.progress import Progress
from flows.runner import run_once
from flows.sites import SiteServer, demo_sites_root
from warehouse.queries import list_alerts, list_deals

DEAL_COLUMNS = ["deal_type", "payer", "payee", "amount", "currency", "stake_pct", "status", "source_count"]
ALERT_COLUMNS = ["alert_type", "summary", "delivery"]


def demo_config(feed_urls: list[str], alerts_file: Path) -> str:
    feeds = "\n".join(f'[[feeds]]\nurl = "{url}"\n' for url in feed_urls)
    # The sample sites are served on loopback by this process: no pacing needed.
    return (f"{feeds}\n[fetch]\nallow_private_networks = true\nper_host_delay = 0\n\n"
            f"[alerts]\nurls = [\"jsonl://{alerts_file.resolve()}\"]\n")


class DemoError(DealwatchError):
    """The demo could not start its loopback server."""


def _start_server(port: int) -> SiteServer:
    try:
        return SiteServer(demo_sites_root(), port=port).__enter__()
    except OSError as exc:
        raise DemoError(f"cannot serve the sample sites on 127.0.0.1:{port} ({exc.strerror or exc}); "
                        "pass --port with a free port, or --port 0 for any") from None


def run_demo(db_path: str, port: int = 8765, progress: Progress | None = None) -> int:
    alerts_file = Path(db_path).with_suffix(".alerts.jsonl")
    server = _start_server(port)
    with server, tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "demo.toml"
        config.write_text(demo_config(server.feed_urls(), alerts_file), encoding="utf-8")
        print(f"serving the sample sites at {server.base_url}; running the flow into {db_path}")
        summary = run_once(str(config), db_path, progress=progress)
    print_run_summary(summary)
    print_frame(list_deals(db_path), "table", title="deals", columns=DEAL_COLUMNS)
    print_frame(list_alerts(db_path), "table", title=f"alerts (also appended to {alerts_file})",
                columns=ALERT_COLUMNS)
    return 1 if summary.failed else 0
