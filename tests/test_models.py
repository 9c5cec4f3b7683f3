"""The SQL models: every model's key is unique and not null, and models build in dependency order."""

from __future__ import annotations

import duckdb
import pytest

from tests.test_warehouse import article, commit, mention
from tests.conftest import utc
from warehouse.errors import ModelError
from warehouse.models import Model, _topological, load_models

MODELS = load_models()


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A warehouse holding overlapping mentions in two languages, built by two runs."""
    db = str(tmp_path_factory.mktemp("models") / "w.duckdb")
    commit(db, [
        article("http://a.test/1", utc(2025, 3, 1), [
            mention("cloud_contract", "OpenAI", "CoreWeave", amount=11.9e9),
            mention("investment", "OpenAI", "CoreWeave", status="completed", amount=350e6),
            mention("chip_supply", "CoreWeave", "Nvidia"),
        ]),
        article("http://b.test/2", utc(2025, 9, 25), [
            mention("cloud_contract", "OpenAI", "CoreWeave", amount=22.4e9),
            mention("investment", "Microsoft", "OpenAI", stake=27),
        ], language="es"),
    ], run_id="r1")
    # The second run closes a loop (OpenAI -> CoreWeave -> Nvidia -> OpenAI) and changes a status.
    commit(db, [article("http://c.test/3", None, [mention("investment", "ASML", "Mistral", amount=1.3e9,
                                                          currency="EUR")]),
                article("http://d.test/4", utc(2025, 10, 1), [
                    mention("investment", "Nvidia", "OpenAI", amount=100e9),
                    mention("investment", "Microsoft", "OpenAI", status="completed", stake=27),
                ])], run_id="r2")
    con = duckdb.connect(db, read_only=True)
    yield con
    con.close()


def test_every_model_declares_a_key():
    assert MODELS and all(model.key for model in MODELS)


@pytest.mark.parametrize("model", MODELS, ids=[m.name for m in MODELS])
def test_model_key_is_unique_and_not_null(built, model):
    key = ", ".join(model.key)
    rows, distinct, nulls = built.execute(
        f"select count(*), count(distinct ({key})), count(*) filter (where {' or '.join(c + ' is null' for c in model.key)}) "
        f"from {model.name}").fetchall()[0]
    assert rows > 0, f"{model.name} is empty: the check would prove nothing"
    assert (distinct, nulls) == (rows, 0)


def test_deals_are_one_row_per_type_payer_payee(built):
    rows, distinct = built.execute(
        "select count(*), count(distinct (deal_type, payer, payee)) from deals").fetchall()[0]
    assert rows == distinct == 6


def test_models_come_after_what_they_read():
    position = {model.name: i for i, model in enumerate(MODELS)}
    for model in MODELS:
        assert all(position[dep] < position[model.name] for dep in model.depends_on), model.name
    assert "deal_mentions" in next(m for m in MODELS if m.name == "deals").depends_on
    assert "stg_deal_mentions" in next(m for m in MODELS if m.name == "deal_mentions").depends_on


def test_a_cycle_between_models_is_refused():
    a = Model("a", "select * from b", "view", frozenset({"b"}), ("x",))
    b = Model("b", "select * from a", "view", frozenset({"a"}), ("x",))
    with pytest.raises(ModelError, match="cycle"):
        _topological({"a": a, "b": b})
