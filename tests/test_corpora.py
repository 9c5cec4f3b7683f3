"""The labeled corpora under tests/ are well formed (FORMAT.md), so scores computed on them mean something."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractors.feeds import parse_feed

BASE = "http://corpus.test"
CORPORA = sorted(p for p in Path(__file__).parent.glob("corpus_own*") if (p / "gold.json").exists())
DEAL_TYPES = {"investment", "chip_supply", "cloud_contract"}


def feeds(corpus: Path, batch: str):
    for path in sorted((corpus / batch / "feeds").glob("*.xml")):
        content = path.read_bytes().replace(b"__BASE__", BASE.encode())
        yield path, parse_feed(content, f"{BASE}/{path.relative_to(corpus).as_posix()}")


@pytest.mark.parametrize("corpus", CORPORA, ids=[c.name for c in CORPORA])
def test_every_feed_item_links_to_a_page_of_the_corpus(corpus):
    linked = set()
    for batch in ("batch1", "batch2"):
        for path, feed in feeds(corpus, batch):
            assert feed.entries, path
            for entry in feed.entries:
                assert entry.link.startswith(BASE + "/batch"), entry.link
                relative = entry.link[len(BASE) + 1:]
                assert (corpus / relative).is_file(), relative
                linked.add(relative)
    pages = {p.relative_to(corpus).as_posix() for p in corpus.glob("batch*/articles/*.html")}
    assert linked == pages


@pytest.mark.parametrize("corpus", CORPORA, ids=[c.name for c in CORPORA])
def test_batch2_feeds_repeat_every_batch1_item(corpus):
    first = {path.name: {e.guid for e in feed.entries} for path, feed in feeds(corpus, "batch1")}
    second = {path.name: {e.guid for e in feed.entries} for path, feed in feeds(corpus, "batch2")}
    assert first.keys() == second.keys()
    assert all(first[name] < second[name] or first[name] == second[name] for name in first)
    assert sum(len(second[n] - first[n]) for n in first) == len(list(corpus.glob("batch2/articles/*.html")))


@pytest.mark.parametrize("corpus", CORPORA, ids=[c.name for c in CORPORA])
def test_gold_is_consistent(corpus):
    gold = json.loads((corpus / "gold.json").read_text(encoding="utf-8"))
    articles = {a["path"] for a in gold["articles"]}
    assert articles == {p.relative_to(corpus).as_posix() for p in corpus.glob("batch*/articles/*.html")}
    keys = set()
    for deal in gold["deals"]:
        assert deal["deal_type"] in DEAL_TYPES and deal["payer"] != deal["payee"]
        assert deal["status"] in ("rumored", "announced", "completed")
        assert deal["difficulty"] in ("core", "hard") and deal["batch"] in (1, 2)
        assert deal["articles"] and set(deal["articles"]) <= articles
        key = (deal["deal_type"], deal["payer"], deal["payee"])
        assert key not in keys, key
        keys.add(key)
    for alert in gold["batch2_alerts"]:
        assert (alert["deal_type"], alert["payer"], alert["payee"]) in keys
