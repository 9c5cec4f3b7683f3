"""Finding the SQL files of ``sql/``, wherever the package is installed.

In the source tree they live at the top level in ``sql/``; installed, they
travel as the package data ``warehouse.sql`` (see pyproject.toml).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path


@cache
def sql_root() -> Traversable:
    try:
        return resources.files("warehouse.sql")
    except ModuleNotFoundError:
        # A source tree that was never installed: sql/ sits beside warehouse/.
        return Path(__file__).resolve().parent.parent / "sql"


def read_sql(relative: str) -> str:
    node = sql_root()
    for part in relative.split("/"):
        node = node / part
    return node.read_text(encoding="utf-8")


def list_sql(folder: str) -> list[tuple[str, str]]:
    """(model name, SQL text) of every ``*.sql`` in ``folder``, sorted by name."""
    node = sql_root() / folder
    files = sorted((f for f in node.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return [(f.name[:-4], f.read_text(encoding="utf-8")) for f in files]
