"""Read-only queries behind the CLI's listing commands."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from extractors.companies import canonical_name
from extractors.errors import UsageError
from warehouse.db import connect, table_exists


class QueryError(UsageError):
    """A query given by the user failed."""


def _read(db_path: str, sql: str, params: list | None = None) -> pd.DataFrame:
    con = connect(db_path, read_only=True)
    try:
        return con.execute(sql, params or []).df()
    except duckdb.Error as exc:
        raise QueryError(str(exc).splitlines()[0]) from None
    finally:
        con.close()


def _has_models(db_path: str) -> bool:
    con = connect(db_path, read_only=True)
    try:
        return table_exists(con, "deals")
    finally:
        con.close()


def list_deals(db_path: str, *, deal_type: str | None = None, company: str | None = None,
               since: str | None = None, status: str | None = None) -> pd.DataFrame:
    where, params = [], []
    if deal_type:
        where.append("deal_type = ?")
        params.append(deal_type)
    if company:
        name = canonical_name(company)
        where.append("(lower(payer) = lower(?) or lower(payee) = lower(?))")
        params += [name, name]
    if since:
        try:
            since_date = date.fromisoformat(since)
        except ValueError:
            raise QueryError(f"--since {since!r} is not a date (YYYY-MM-DD)") from None
        where.append("first_seen_at >= ?")
        params.append(since_date)
    if status:
        where.append("status = ?")
        params.append(status)
    if not _has_models(db_path):
        return pd.DataFrame()
    clause = f"where {' and '.join(where)}" if where else ""
    return _read(db_path, f"""
        select deal_type, payer, payee, amount, currency, amount_usd, stake_pct, status,
               source_count, first_seen_at, last_seen_at, deal_id, source_urls
        from deals {clause}
        order by first_seen_at, deal_type, payer, payee""", params)


def list_alerts(db_path: str, *, pending_only: bool = False) -> pd.DataFrame:
    """Alerts and their delivery state per channel, oldest first.

    ``delivery`` is for reading: one line per channel, the channel as written
    in the config (``${VAR}`` unexpanded), its status, attempts and last error.
    ``deliveries`` holds the same as a list of records for JSON. With
    ``pending_only``, the alerts some channel has not received (pending or failed).
    """
    clause = "where a.alert_id in (select alert_id from alert_deliveries where status <> 'delivered')" \
        if pending_only else ""
    return _read(db_path, f"""
        with deliveries as (
            select alert_id,
                   string_agg(channel || ': ' || status || ', '
                              || case attempts when 0 then 'not tried yet' when 1 then '1 attempt'
                                               else attempts || ' attempts' end
                              || coalesce(': ' || last_error, ''),
                              chr(10) order by channel) as delivery,
                   list({{'channel': channel, 'status': status, 'attempts': attempts, 'last_error': last_error,
                          'last_attempt_at': strftime(timezone('UTC', last_attempt_at), '%Y-%m-%dT%H:%M:%SZ'),
                          'delivered_at': strftime(timezone('UTC', delivered_at), '%Y-%m-%dT%H:%M:%SZ')}}
                        order by channel) as deliveries
            from alert_deliveries group by alert_id
        )
        select a.created_at, a.alert_type, a.summary, a.field, a.old_value, a.new_value,
               a.delivered_at, coalesce(d.delivery, '') as delivery, coalesce(d.deliveries, []) as deliveries,
               a.alert_id, a.deal_id
        from alerts a left join deliveries d using (alert_id)
        {clause}
        order by a.created_at, a.alert_id""")


def run_query(db_path: str, sql: str) -> pd.DataFrame:
    return _read(db_path, sql)
