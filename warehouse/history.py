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
    versions = [row[0] for row in con.execute(f"""
        insert into deal_history by name
        select *, now() as valid_from, cast(null as timestamptz) as valid_to, ? as run_id
        from ({candidates})
        returning version""", [run_id]).fetchall()]
    # A deal with a newer version than its open one: close the open one when the new one starts.
    con.execute("""
        update deal_history as old
        set valid_to = newer.valid_from
        from (select deal_id, max(version) as version, max(valid_from) as valid_from
              from deal_history group by deal_id) as newer
        where old.deal_id = newer.deal_id and old.valid_to is null and old.version < newer.version""")
    changed = sum(1 for version in versions if version > 1)
    if versions:
        logger.info("deal history: %d new deal(s), %d changed", len(versions) - changed, changed)
    return len(versions)
