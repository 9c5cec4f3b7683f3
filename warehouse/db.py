"""Opening the DuckDB file: the one lock, the schema, transactions."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse.errors import WarehouseError, WarehouseLocked
from warehouse.sqlfiles import read_sql

logger = logging.getLogger(__name__)

# DuckDB lets one process open a file for writing; others get an IOException
# naming the lock. A scheduled run that overlaps a slow one waits this long.
DEFAULT_LOCK_WAIT_SECONDS = 120.0


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set lock" in text)


def connect(path: str | Path, *, read_only: bool = False,
            lock_wait: float = DEFAULT_LOCK_WAIT_SECONDS) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, waiting up to ``lock_wait`` seconds for another process."""
    path = Path(path)
    if read_only and not path.exists():
        raise WarehouseError(f"{path}: no such database (run `dealwatch run` first)")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + lock_wait
    delay = 0.1
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise WarehouseError(f"{path}: cannot open database: {exc}") from None
            if time.monotonic() >= deadline:
                raise WarehouseLocked(
                    f"{path}: the database is in use by another dealwatch process "
                    f"(waited {lock_wait:.0f}s); try again when it has finished") from None
            logger.info("database %s is locked by another process; waiting", path)
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
        except duckdb.Error as exc:
            raise WarehouseError(f"{path}: cannot open database: {exc}") from None
    if not read_only:
        con.execute(read_sql("raw/schema.sql"))
    return con


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: a crash inside leaves the previous state intact."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(scalar(con, "select count(*) from information_schema.tables where table_name = ?", [name]))


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    """The single value a query returns (fetched to the end, as DuckDB 2 asks)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None
