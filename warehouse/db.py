"""Opening the DuckDB file: the locks, the schema, transactions."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: DuckDB's own file lock still keeps writers apart
    fcntl = None  # type: ignore[assignment]

import duckdb

from warehouse.errors import WarehouseError, WarehouseLocked
from warehouse.sqlfiles import read_sql

logger = logging.getLogger(__name__)

# DuckDB lets one process open a file for writing; others get an IOException
# naming the lock. A scheduled run that overlaps a slow one waits this long
# (for the run lock below, and for DuckDB's), unless $DEALWATCH_LOCK_WAIT says otherwise.
DEFAULT_LOCK_WAIT_SECONDS = 120.0
LOCK_WAIT_ENV = "DEALWATCH_LOCK_WAIT"


def lock_wait_seconds() -> float:
    """How long to wait for another dealwatch process: $DEALWATCH_LOCK_WAIT, else two minutes."""
    value = os.environ.get(LOCK_WAIT_ENV, "").strip()
    if not value:
        return DEFAULT_LOCK_WAIT_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        raise WarehouseError(f"${LOCK_WAIT_ENV}: {value!r} is not a number of seconds") from None
    return max(0.0, seconds)


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set lock" in text)


def connect(path: str | Path, *, read_only: bool = False,
            lock_wait: float | None = None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, waiting up to ``lock_wait`` seconds (default :func:`lock_wait_seconds`)
    for another process."""
    path = Path(path)
    if lock_wait is None:
        lock_wait = lock_wait_seconds()
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
                    f"(waited {lock_wait:g}s); try again when it has finished") from None
            logger.info("database %s is locked by another process; waiting", path)
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
        except duckdb.Error as exc:
            raise WarehouseError(f"{path}: cannot open database: {exc}") from None
    if not read_only:
        con.execute(read_sql("raw/schema.sql"))
    return con


# Run locks this thread holds: the CLI takes the lock before Prefect starts (so a busy database
# is one clean line, not a failed flow run) and the flow takes it again (deployments call the
# flow directly); the inner one must not wait for the outer.
_held = threading.local()


@contextmanager
def run_lock(path: str | Path, wait: float | None = None) -> Iterator[None]:
    """One ingest run at a time per database, for the whole run.

    DuckDB's lock only covers the moments a file is open, so two overlapping runs would both
    fetch everything and both deliver alerts. This advisory lock on ``<db>.lock`` is held from
    start to end; the OS drops it when the process dies, so ``kill -9`` leaves no stale lock.
    Waits up to ``wait`` seconds (default :func:`lock_wait_seconds`), then raises WarehouseLocked.
    Re-entrant within a thread.
    """
    lock_path = Path(f"{path}.lock")
    key = os.path.realpath(lock_path)
    held: set[str] = _held.__dict__.setdefault("paths", set())
    if fcntl is None or key in held:
        yield
        return
    wait = lock_wait_seconds() if wait is None else wait
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        logged = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _lock_holder(fd)
                if time.monotonic() >= deadline:
                    raise WarehouseLocked(
                        f"{path}: another dealwatch run{holder} is using this database "
                        f"(waited {wait:g}s); try again when it has finished") from None
                if not logged:
                    logger.warning("database %s is in use by another dealwatch run%s; waiting up to %gs",
                                   path, holder, wait)
                    logged = True
                time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        held.add(key)
        try:
            yield
        finally:
            held.discard(key)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _lock_holder(fd: int) -> str:
    """The holder's pid as ' (pid N)', read from the lock file; empty when unreadable."""
    try:
        pid = os.pread(fd, 32, 0).decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (pid {pid})" if pid.isdigit() else ""


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
