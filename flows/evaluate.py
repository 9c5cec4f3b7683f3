"""``dealwatch eval``: the real flow on a labeled corpus, scored against its gold.

The corpus (``shared/corpus/FORMAT.md``) is served on loopback with
``__BASE__`` replaced, the flow runs on ``batch1`` and then ``batch2`` into a
temporary database, and ``flows.scoring`` compares the ``deals`` table and
the batch-2 alerts with ``gold.json``.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extractors.errors import UsageError
from flows.runner import run_once
from flows.scoring import FoundDeal, RaisedAlert, score
from flows.sites import SiteServer
from warehouse.db import connect

logger = logging.getLogger(__name__)

BATCHES = ("batch1", "batch2")


class CorpusError(UsageError):
    """The folder given to ``dealwatch eval`` is not a labeled corpus."""


@dataclass(frozen=True)
class Target:
    """One figure the CI gate holds extraction to."""

    name: str
    minimum: float
    read: Callable[[dict], float | None]


def _language_targets(report: dict) -> list[Target]:
    targets = []
    for lang in report["by_language"]:
        targets.append(Target(f"core recall ({lang})", 0.95,
                              lambda r, lang=lang: r["by_language"][lang].get("core_recall")))
        targets.append(Target(f"precision ({lang})", 0.90, lambda r, lang=lang: r["by_language"][lang]["precision"]))
    return targets


# The accuracy bar of issue 3: analyst quality on both languages.
FIXED_TARGETS = [
    Target("core recall", 0.95, lambda r: r["recall_by_difficulty"].get("core", {}).get("recall")),
    Target("precision", 0.90, lambda r: r["overall"]["precision"]),
    Target("hard recall", 0.60, lambda r: r["recall_by_difficulty"].get("hard", {}).get("recall")),
    Target("amount accuracy", 0.95, lambda r: r["accuracy"]["amount"]["share"]),
    Target("status accuracy", 0.90, lambda r: r["accuracy"]["status"]["share"]),
]


def missed_targets(report: dict) -> list[str]:
    """One line per figure below its target (a figure with nothing to measure passes)."""
    failures = []
    for target in FIXED_TARGETS + _language_targets(report):
        value = target.read(report)
        if value is not None and value < target.minimum:
            failures.append(f"{target.name} {value:.3f} < {target.minimum:.2f}")
    if report["distractor_deals"]:
        failures.append(f"{report['distractor_deals']} deal(s) extracted from distractor articles, want 0")
    return failures


def load_gold(corpus: Path) -> dict[str, Any]:
    gold_path = corpus / "gold.json"
    if not corpus.is_dir():
        raise CorpusError(f"{corpus} is not a folder")
    if not gold_path.is_file():
        raise CorpusError(f"{corpus} has no gold.json: not a labeled corpus (see shared/corpus/FORMAT.md)")
    try:
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise CorpusError(f"{gold_path} is not valid JSON: {exc}") from None
    if not isinstance(gold, dict) or not isinstance(gold.get("deals"), list):
        raise CorpusError(f"{gold_path} has no \"deals\" list")
    missing = [batch for batch in BATCHES if not (corpus / batch / "feeds").is_dir()]
    if missing:
        raise CorpusError(f"{corpus} has no {', '.join(f'{b}/feeds' for b in missing)} folder")
    return gold


def _config_text(feed_urls: list[str]) -> str:
    feeds = "".join(f'[[feeds]]\nurl = "{url}"\n' for url in feed_urls)
    # The corpus is served on loopback by this process: pacing is for other people's servers.
    return f"{feeds}\n[fetch]\nallow_private_networks = true\nper_host_delay = 0\n"


def _found_deals(db_path: str, base_url: str, lang_of: dict[str, str]) -> list[FoundDeal]:
    con = connect(db_path, read_only=True)
    try:
        rows = con.execute("""
            select d.deal_type, d.payer, d.payee, d.amount, d.currency, d.stake_pct, d.status,
                   list(distinct struct_pack(url := a.url, language := a.language))
            from deals d
            join deal_mentions m using (deal_id)
            join articles a using (article_id)
            group by all
            order by d.deal_type, d.payer, d.payee  -- a stable order: duplicates match the same way every run
        """).fetchall()
    finally:
        con.close()
    prefix = base_url.rstrip("/") + "/"
    deals = []
    for deal_type, payer, payee, amount, currency, stake, status, sources in rows:
        # The corpus's language labels win; the detected language covers pages it does not list.
        pages = {(source["url"].removeprefix(prefix), source["language"]) for source in sources}
        paths = frozenset(path for path, _ in pages)
        languages = {lang_of.get(path) or detected for path, detected in pages} - {None}
        deals.append(FoundDeal(deal_type, payer, payee, amount, currency, stake, status, paths,
                               frozenset(languages)))
    return deals


def _alerts_of_run(db_path: str, run_id: str) -> list[RaisedAlert]:
    con = connect(db_path, read_only=True)
    try:
        rows = con.execute("""
            select a.alert_type,
                   coalesce(d.deal_type, json_extract_string(a.payload, '$.deal_type')),
                   coalesce(d.payer, json_extract_string(a.payload, '$.payer')),
                   coalesce(d.payee, json_extract_string(a.payload, '$.payee')),
                   a.field, a.old_value, a.new_value
            from alerts a left join deals d using (deal_id)
            where a.run_id = ?
            order by a.alert_id
        """, [run_id]).fetchall()
    finally:
        con.close()
    return [RaisedAlert(*row) for row in rows]


def evaluate_corpus(corpus: Path, batch_size: int = 50) -> dict[str, Any]:
    """Run the flow on ``batch1`` then ``batch2`` of ``corpus`` and score the result."""
    corpus = Path(corpus)
    gold = load_gold(corpus)
    lang_of = {article["path"]: article.get("lang") for article in gold.get("articles", [])}
    with tempfile.TemporaryDirectory(prefix="dealwatch-eval-") as tmp, SiteServer(corpus) as site:
        db_path = str(Path(tmp) / "eval.duckdb")
        runs = {}
        for batch in BATCHES:
            config = Path(tmp) / f"{batch}.toml"
            config.write_text(_config_text(site.feed_urls(batch)), encoding="utf-8")
            logger.info("eval: running the flow on %s/%s", corpus, batch)
            runs[batch] = run_once(str(config), db_path, batch_size=batch_size)
        found = _found_deals(db_path, site.base_url, lang_of)
        raised = _alerts_of_run(db_path, runs["batch2"].run_id)
    report = {"corpus": str(corpus), "articles": len(gold.get("articles", [])),
              "gold_deals": len(gold["deals"]), "found_deals": len(found)}
    report |= score(gold, found, raised)
    report["runs"] = {batch: {"articles_new": run.articles_new, "articles_failed": run.articles_failed,
                              "feeds_failed": run.feeds_failed, "alerts_new": run.alerts_new}
                      for batch, run in runs.items()}
    report["missed_targets"] = missed_targets(report)
    return report
