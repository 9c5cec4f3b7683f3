"""Keeping every version of every deal (``deal_history``, an SCD2 table).

After the models are rebuilt, :func:`snapshot_deals` compares ``deals`` with
each deal's current version (``sql/snapshots/deal_history.sql`` decides what
counts as a change) and, in the caller's transaction, inserts the new versions
and closes the ones they replace. ``deal_changes`` and the ``deal_changed``
alerts are read from those versions, so a change, its history and its alert
are committed together or not at all.
"""

from __future__ import annotations

import logging

import duckdb

from warehouse.sqlfiles import read_sql

logger = logging.getLogger(__name__)


def snapshot_deals(con: duckdb.DuckDBPyConnection, run_id: str) -> int:
    """Record the deals that are new or changed since their last version; return how many versions."""
    candidates = read_sql("snapshots/deal_history.sql").strip().rstrip(";")
    versions = con.execute(f"""
        insert into deal_history by name
        select *, now() as valid_from, cast(null as timestamptz) as valid_to, ? as run_id
        from ({candidates})
        returning deal_id, version""", [run_id]).fetchall()
    # Close the version each new one replaces, and only those: no scan of the whole history.
    replaced = [(deal_id, version - 1) for deal_id, version in versions if version > 1]
    if replaced:
        con.execute("""
            update deal_history as old
            set valid_to = now()
            from (select unnest(?) as deal_id, unnest(?) as version) as replaced
            where old.deal_id = replaced.deal_id and old.version = replaced.version""",
                    [[d for d, _ in replaced], [v for _, v in replaced]])
    if versions:
        logger.info("deal history: %d new deal(s), %d changed", len(versions) - len(replaced), len(replaced))
    return len(versions)
