"""Fault injection: the real flow against a site that misbehaves, next to well-behaved feeds.

Every fault of tests/faultserver.py gets the same test: one run over the two feeds of the mini
site plus the faulty feed must end in bounded time, record the fault in fetch_log (and runs),
and store every article of the good feeds. A fault that may pass must cost nothing for good: the
next run against the healed site stores every page it withheld.

All traffic goes to loopback: an audit hook records any connection (or name lookup) elsewhere
and every test asserts there was none. The private-address guard is proven against the loopback
servers themselves, with allow_private_networks = false: not one request may reach them.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest

from flows.ingest import ingest_news
from tests.faultserver import FAULTS, FEED, PAGES, Fault, heal
from tests.loopback import LoopbackServer, serve
from tests.test_flow import MINI, article_paths, query, table_counts, write_config

pytestmark = pytest.mark.slow

# Short limits so that a hang costs two seconds, not a minute; the size cap keeps its default.
FETCH = """allow_private_networks = true
connect_timeout = 0.5
read_timeout = 0.75
total_timeout = 2.0
retries = 1
backoff = 0.05
max_retry_after = 1.0
per_host_delay = 0.01
max_per_host = 4
"""

_LOOPBACK = ("127.0.0.1", "::1", "localhost", "::ffff:127.0.0.1")
_outside: list[tuple[str, object]] = []


def _audit(event: str, args: tuple) -> None:
    """Note every connection or lookup aimed anywhere but loopback (unix sockets are local)."""
    if event == "socket.connect" and isinstance(args[1], tuple) and args[1][0] not in _LOOPBACK:
        _outside.append((event, args[1]))
    elif event == "socket.getaddrinfo" and args[0] not in _LOOPBACK and args[0] is not None:
        _outside.append((event, args[0]))


sys.addaudithook(_audit)  # cannot be removed again; it only records


@pytest.fixture(scope="module")
def good_site():
    """The mini site's batch 1 (two feeds, five articles), on a server that counts requests."""
    with serve(directory=MINI, replace={b"__BASE__": None}) as server:
        yield server


@pytest.fixture
def fault_site():
    with serve() as server:
        heal(server)
        yield server


def good_feeds(site: LoopbackServer) -> list[str]:
    return sorted(site.url(f"/batch1/feeds/{p.name}") for p in (MINI / "batch1" / "feeds").glob("*.xml"))


def good_pages(site: LoopbackServer) -> set[str]:
    return {site.url(path) for path in article_paths("batch1")}


def stored_urls(db: str) -> set[str]:
    return {url for (url,) in query(db, "select url from articles")}


def timed_run(config: Path, db: str):
    started = time.monotonic()
    summary = ingest_news(config_path=str(config), db_path=db)
    return summary, time.monotonic() - started


def fails_the_feed(fault: Fault) -> bool:
    return fault.kind == "feed" and fault.error is not None and not fault.stored


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_fault(prefect, tmp_path, good_site, fault_site, fault: Fault) -> None:
    outside_before = len(_outside)
    fault.install(fault_site)
    db = str(tmp_path / "deals.duckdb")
    feed_url = fault_site.url(FEED)
    config = write_config(tmp_path / "dealwatch.toml", good_feeds(good_site) + [feed_url], [], fetch=FETCH)

    summary, seconds = timed_run(config, db)

    # bounded time
    assert seconds < fault.max_seconds, f"the run took {seconds:.1f}s"
    # the fault is recorded where a user would look
    rows = query(db, "select status, error, ms from fetch_log where run_id = ? and kind = ? and url = ?",
                 [summary.run_id, fault.kind, fault_site.url(fault.path)])
    assert len(rows) == 1, query(db, "select kind, url, status, error from fetch_log")
    status, error, ms = rows[0]
    assert status == fault.status
    if fault.error is None:
        assert error is None
    else:
        assert error is not None and re.search(fault.error, error), error
    failed = fails_the_feed(fault)
    assert summary.feed_errors == ({feed_url: error} if failed else {})
    assert query(db, "select status, feeds_tried, feeds_failed from runs where run_id = ?",
                 [summary.run_id]) == [("completed", 3, int(failed))]
    if fault.max_hits is not None:
        assert fault_site.hits[fault.path] <= fault.max_hits, fault_site.hits
    # every good article kept; of the faulty site, exactly what could be read
    stored = stored_urls(db)
    lost = good_pages(good_site) - stored
    assert not lost
    assert {u for u in stored if u.startswith(fault_site.base_url)} == {fault_site.url(p) for p in fault.stored}
    if fault.check is not None:
        fault.check(query(db, "select url, title, text from articles"))

    healed_lost: set[str] = set()
    if fault.heals:  # once the site behaves, the next run gets everything the fault withheld
        heal(fault_site)
        again, _ = timed_run(config, db)
        healed_lost = {fault_site.url(p) for p in PAGES} - stored_urls(db)
        assert again.feeds_failed == 0 and not healed_lost
        assert not good_pages(good_site) - stored_urls(db)
    assert _outside[outside_before:] == []
    # one line for the fault matrix (visible with -s)
    print(f"\nFAULT|{fault.name}|{fault.what}|{status}|{error}|{ms}|{seconds:.2f}|{len(lost) + len(healed_lost)}"
          f"|{'healed run stored all' if fault.heals else ''}")


def test_private_addresses_are_refused_before_any_request(prefect, tmp_path, good_site, fault_site) -> None:
    """allow_private_networks = false against the loopback servers themselves: every feed is
    refused, not one request reaches either server, and nothing stored before is lost."""
    outside_before = len(_outside)
    db = str(tmp_path / "deals.duckdb")
    feeds = good_feeds(good_site) + [fault_site.url(FEED)]
    allowed, _ = timed_run(write_config(tmp_path / "allowed.toml", feeds, [], fetch=FETCH), db)
    assert allowed.feeds_failed == 0 and allowed.articles_new == 5 + len(PAGES)
    tables = table_counts(db)
    hits = (good_site.total_hits, fault_site.total_hits)

    refused_fetch = FETCH.replace("allow_private_networks = true", "allow_private_networks = false")
    refused, seconds = timed_run(write_config(tmp_path / "refused.toml", feeds, [], fetch=refused_fetch), db)

    assert (good_site.total_hits, fault_site.total_hits) == hits  # no request reached them
    assert refused.feeds_failed == refused.feeds_tried == 3 and refused.failed
    errors = query(db, "select url, status, error from fetch_log where run_id = ? order by url", [refused.run_id])
    assert [(url, status) for url, status, _ in errors] == [(url, None) for url in sorted(feeds)]
    assert all(re.fullmatch(r"refused: 127\.0\.0\.1 resolves to 127\.0\.0\.1, a loopback address "
                            r"\(set allow_private_networks to fetch it\)", e) for _, _, e in errors)
    assert table_counts(db) == tables  # rows lost: 0
    assert seconds < 5
    assert _outside[outside_before:] == []
    print(f"\nFAULT|private address|allow_private_networks = false, every feed on 127.0.0.1|None|"
          f"{errors[0][2]}|{query(db, 'select max(ms) from fetch_log where run_id = ?', [refused.run_id])[0][0]}|"
          f"{seconds:.2f}|0|0 requests reached the servers")
