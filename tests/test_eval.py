"""``dealwatch eval`` end to end: the real flow on a labeled corpus served on loopback, scored against gold."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).parent / "corpus_own9"


def dealwatch(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flows.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="module")
def corpus_report(tmp_path_factory) -> tuple[dict, dict]:
    work = tmp_path_factory.mktemp("eval")
    result = dealwatch("eval", "--corpus", str(CORPUS), "--format", "json", cwd=work)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), json.loads((CORPUS / "gold.json").read_text(encoding="utf-8"))


def test_json_report_accounts_for_every_gold_deal_and_alert(corpus_report):
    report, gold = corpus_report
    required = [d for d in gold["deals"] if not d.get("optional")]
    assert report["overall"]["tp"] + report["overall"]["fn"] == len(required)
    assert len(report["missed"]) == report["overall"]["fn"]
    assert len(report["extra"]) == report["overall"]["fp"]
    assert sum(d["total"] for d in report["recall_by_difficulty"].values()) == len(required)
    assert report["alerts_batch2"]["expected"] == len(gold["batch2_alerts"])
    assert set(report["by_language"]) == {a["lang"] for a in gold["articles"]}
    assert report["runs"]["batch1"]["articles_new"] == sum(a["path"].startswith("batch1/") for a in gold["articles"])
    assert report["runs"]["batch2"]["articles_new"] == sum(a["path"].startswith("batch2/") for a in gold["articles"])


def test_the_flow_finds_most_of_the_corpus(corpus_report):
    report, _ = corpus_report
    # A floor far below the CI targets: this checks the eval measures a working extractor, not its quality.
    assert report["overall"]["recall"] >= 0.6
    assert report["overall"]["precision"] >= 0.6


def test_a_deal_no_article_states_is_missed_and_fails_the_check(tmp_path, corpus_report):
    report, gold = corpus_report
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    invented = {"deal_type": "investment", "payer": "Zeta Capital", "payee": "Quanta Robotics",
                "amount": 1e9, "currency": "USD", "amount_usd": 1e9, "stake_pct": None, "status": "announced",
                "difficulty": "core", "batch": 1, "articles": [gold["articles"][0]["path"]]}
    gold["deals"].append(invented)
    (corpus / "gold.json").write_text(json.dumps(gold), encoding="utf-8")

    result = dealwatch("eval", "--corpus", str(corpus), "--check", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "missed core investment Zeta Capital -> Quanta Robotics" in result.stdout
    assert "targets missed: core recall" in result.stdout
    assert "extraction scores" in result.stdout


@pytest.mark.parametrize(("layout", "message"), [
    ({}, "has no gold.json"),
    ({"gold.json": "{not json"}, "is not valid JSON"),
    ({"gold.json": '{"deals": []}'}, "has no batch1/feeds, batch2/feeds folder"),
])
def test_a_folder_that_is_not_a_corpus_is_a_usage_error(tmp_path, layout, message):
    for name, text in layout.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = dealwatch("eval", "--corpus", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
