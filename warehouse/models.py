"""Building the SQL models of ``sql/staging`` and ``sql/marts``.

Each model file is one ``select`` (a chain of named CTEs); its header says
how to materialise it (``-- materialized: view`` or ``table``) and which
columns identify a row (``-- key: deal_id``), which the tests check. Models
are built in dependency order, found by which model names each file
mentions, so adding a model is adding a file.

Each built model carries a comment with its SQL's fingerprint, so a run that
stored nothing new can tell that the models are already what the code would
build (:func:`models_current`) and skip the rebuild, whose cost grows with the
history.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass

import duckdb

from warehouse.db import scalar
from warehouse.errors import ModelError
from warehouse.sqlfiles import list_sql

logger = logging.getLogger(__name__)

MODEL_FOLDERS = ("staging", "marts")
_MATERIALIZED = re.compile(r"--\s*materialized:\s*(view|table)", re.IGNORECASE)
_KEY = re.compile(r"--\s*key:\s*([\w, ]+)", re.IGNORECASE)


@dataclass(frozen=True)
class Model:
    name: str
    sql: str
    materialized: str  # "view" or "table"
    depends_on: frozenset[str]
    key: tuple[str, ...]  # the columns that identify a row (`-- key:` line); tested unique and not null


def load_models() -> list[Model]:
    """Every model, in an order where each comes after the models it reads."""
    raw = [(name, sql) for folder in MODEL_FOLDERS for name, sql in list_sql(folder)]
    names = {name for name, _ in raw}
    models = {}
    for name, sql in raw:
        match = _MATERIALIZED.search(sql)
        if not match:
            raise ModelError(name, "first line must say `-- materialized: view` or `-- materialized: table`")
        key = _KEY.search(sql)
        if not key:
            raise ModelError(name, "needs a `-- key: column[, column]` line naming what identifies a row")
        body = _strip_comments(sql)
        deps = frozenset(n for n in names if n != name and re.search(rf"\b{re.escape(n)}\b", body))
        columns = tuple(c.strip() for c in key.group(1).split(",") if c.strip())
        models[name] = Model(name, sql.strip().rstrip(";"), match.group(1).lower(), deps, columns)
    return _topological(models)


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)


def _topological(models: dict[str, Model]) -> list[Model]:
    ordered: list[Model] = []
    state: dict[str, str] = {}

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            raise ModelError(name, f"models depend on each other in a cycle: {' -> '.join(chain + (name,))}")
        state[name] = "visiting"
        for dep in sorted(models[name].depends_on):
            visit(dep, chain + (name,))
        state[name] = "done"
        ordered.append(models[name])

    for name in sorted(models):
        visit(name, ())
    return ordered


def _stamp(model: Model) -> str:
    return f"dealwatch model {model.materialized} {hashlib.sha1(model.sql.encode('utf-8')).hexdigest()[:20]}"


def models_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether every model exists as built from the SQL it has now (by the fingerprint it carries)."""
    stamps = dict(con.execute(
        "select table_name, comment from duckdb_tables() where schema_name = 'main' "
        "union all select view_name, comment from duckdb_views() where schema_name = 'main' and not internal"
    ).fetchall())
    return all(stamps.get(model.name) == _stamp(model) for model in load_models())


def build_models(con: duckdb.DuckDBPyConnection) -> list[str]:
    """(Re)build every model; the caller decides the transaction."""
    built = []
    for model in load_models():
        kind = "table" if model.materialized == "table" else "view"
        # A model may change materialisation between versions: drop the other kind.
        # (Asked of the catalog: a failed DROP would abort the caller's transaction.)
        existing = scalar(con, "select table_type from information_schema.tables "
                               "where table_schema = 'main' and table_name = ?", [model.name])
        if existing is not None and (existing == "VIEW") != (kind == "view"):
            con.execute(f"drop {'view' if existing == 'VIEW' else 'table'} {model.name}")
        try:
            con.execute(f"create or replace {kind} {model.name} as\n{model.sql}")
        except duckdb.Error as exc:
            raise ModelError(model.name, str(exc).splitlines()[0]) from exc
        con.execute(f"comment on {kind} {model.name} is '{_stamp(model)}'")
        built.append(model.name)
    logger.debug("built models: %s", ", ".join(built))
    return built
