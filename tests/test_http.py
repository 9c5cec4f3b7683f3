"""Fetcher against a real loopback server: retries, timeouts, caps, redirects, address guard."""

from __future__ import annotations

import gzip
import socket
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from extractors.errors import FetchError, ResponseTooLarge, UnwantedContentType, UrlRefused
from extractors.http import FEED, HOST_FAILURE_LIMIT, MAX_REDIRECTS, PAGE, Fetcher, FetchSettings, Wanted, is_transient
from extractors.records import CacheValidators
from tests.loopback import RequestRecord, Route, serve

# Loopback is private, so every test that should reach the server opts in explicitly.
FAST = FetchSettings(allow_private_networks=True, backoff=0.01, connect_timeout=1.0, read_timeout=2.0,
                     total_timeout=5.0, per_host_delay=0.0, max_per_host=8)


def fetcher(**overrides) -> Fetcher:
    values = {**FAST.__dict__, **overrides}
    return Fetcher(FetchSettings(**values))


def test_fetch_returns_body_headers_and_sends_identity() -> None:
    page = "<p>Señal – “quoted”</p>".encode("utf-8")
    with serve({"/page": Route(body=page, headers={"X-Extra": "1"})}) as server, fetcher() as f:
        result = f.fetch(server.url("/page"), accept="text/html")
    assert result.content == page
    assert result.status == 200
    assert result.url == result.final_url == server.url("/page")
    assert result.content_type == "text/html; charset=utf-8"
    assert result.headers["x-extra"] == "1"
    sent = server.requests[0].headers
    assert sent["User-Agent"] == FAST.user_agent
    assert sent["Accept"] == "text/html"


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_retries_a_failing_status_then_succeeds(status: int) -> None:
    with serve({"/flaky": Route(body=b"ok", fail_first=1, fail_status=status)}) as server, fetcher() as f:
        result = f.fetch(server.url("/flaky"))
    assert result.content == b"ok"
    assert server.hits["/flaky"] == 2


def test_gives_up_after_the_configured_retries_and_reports_the_status() -> None:
    with serve({"/down": Route(body=b"ok", fail_first=100, fail_status=503)}) as server, fetcher(retries=2) as f:
        with pytest.raises(FetchError) as caught:
            f.fetch(server.url("/down"))
    assert caught.value.status == 503
    assert server.hits["/down"] == 3  # the first try and two retries


@pytest.mark.parametrize("status", [400, 403, 404, 410])
def test_client_errors_are_not_retried(status: int) -> None:
    with serve({"/gone": Route(body=b"no", status=status)}) as server, fetcher() as f:
        with pytest.raises(FetchError) as caught:
            f.fetch(server.url("/gone"))
    assert caught.value.status == status
    assert server.hits["/gone"] == 1


def test_429_waits_for_retry_after() -> None:
    route = Route(body=b"ok", fail_first=1, fail_status=429, fail_headers={"Retry-After": "1"})
    with serve({"/limited": route}) as server, fetcher() as f:
        started = time.monotonic()
        result = f.fetch(server.url("/limited"))
        waited = time.monotonic() - started
    assert result.content == b"ok"
    assert server.hits["/limited"] == 2
    assert 0.9 <= waited < 3


def test_retry_after_is_capped() -> None:
    route = Route(body=b"ok", fail_first=1, fail_status=429, fail_headers={"Retry-After": "3600"})
    with serve({"/limited": route}) as server, fetcher(max_retry_after=0.2) as f:
        started = time.monotonic()
        result = f.fetch(server.url("/limited"))
    assert result.content == b"ok"
    assert time.monotonic() - started < 2


def test_retry_waits_never_pass_the_total_deadline() -> None:
    route = Route(body=b"ok", fail_first=100, fail_status=503, fail_headers={"Retry-After": "30"})
    with serve({"/busy": route}) as server, fetcher(total_timeout=0.8, retries=5) as f:
        started = time.monotonic()
        with pytest.raises(FetchError):
            f.fetch(server.url("/busy"))
    assert time.monotonic() - started < 2.5


def test_connection_refused_is_a_fetch_error() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago and has no listener
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with fetcher(retries=1) as f, pytest.raises(FetchError) as caught:
        f.fetch(f"http://127.0.0.1:{port}/")
    assert caught.value.status is None


def test_slow_headers_hit_the_read_timeout() -> None:
    with serve({"/slow": Route(body=b"late", delay=2.0)}) as server, fetcher(read_timeout=0.3, retries=0) as f:
        started = time.monotonic()
        with pytest.raises(FetchError, match="timed out"):
            f.fetch(server.url("/slow"))
    assert time.monotonic() - started < 1.5


def test_trickling_body_hits_the_total_deadline() -> None:
    # Each chunk arrives well within the read timeout; only the overall deadline can stop it.
    route = Route(body=b"x" * 4000, trickle=0.1, chunk_size=100)
    with serve({"/drip": route}) as server, fetcher(total_timeout=0.6, read_timeout=2.0) as f:
        started = time.monotonic()
        with pytest.raises(FetchError, match="within"):
            f.fetch(server.url("/drip"))
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize("send_length", [True, False], ids=["content-length", "no-content-length"])
def test_size_cap(send_length: bool) -> None:
    routes = {"/big": Route(body=b"a" * 5000, send_length=send_length), "/fits": Route(body=b"a" * 1000)}
    with serve(routes) as server, fetcher(max_bytes=1000) as f:
        assert len(f.fetch(server.url("/fits")).content) == 1000
        with pytest.raises(ResponseTooLarge):
            f.fetch(server.url("/big"))


def test_size_cap_counts_decompressed_bytes() -> None:
    bomb = gzip.compress(b"\0" * 2_000_000)
    route = Route(body=bomb, headers={"Content-Encoding": "gzip"}, content_type="text/html")
    with serve({"/bomb": route}) as server, fetcher(max_bytes=100_000) as f:
        assert len(bomb) < 100_000
        with pytest.raises(ResponseTooLarge):
            f.fetch(server.url("/bomb"))


def test_gzip_body_is_decompressed() -> None:
    route = Route(body=gzip.compress(b"<p>hello</p>"), headers={"Content-Encoding": "gzip"})
    with serve({"/z": route}) as server, fetcher() as f:
        assert f.fetch(server.url("/z")).content == b"<p>hello</p>"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_follows_redirects_and_reports_the_final_url(status: int) -> None:
    routes = {
        "/old": Route.redirect("/middle", status),
        "/middle": Route.redirect("final?x=1", status),  # relative to /middle
        "/final": Route(body=b"here"),
    }
    with serve(routes) as server, fetcher() as f:
        result = f.fetch(server.url("/old"))
    assert result.content == b"here"
    assert result.url == server.url("/old")
    assert result.final_url == server.url("/final?x=1")


@pytest.mark.parametrize("hops, ok", [(MAX_REDIRECTS, True), (MAX_REDIRECTS + 1, False)])
def test_redirect_limit(hops: int, ok: bool) -> None:
    routes = {f"/r{i}": Route.redirect(f"/r{i + 1}") for i in range(hops)}
    routes[f"/r{hops}"] = Route(body=b"end")
    with serve(routes) as server, fetcher() as f:
        if ok:
            assert f.fetch(server.url("/r0")).content == b"end"
        else:
            with pytest.raises(FetchError, match="redirects"):
                f.fetch(server.url("/r0"))
            assert server.hits[f"/r{hops}"] == 0


def test_redirect_loop_is_detected() -> None:
    routes = {"/a": Route.redirect("/b"), "/b": Route.redirect("/a")}
    with serve(routes) as server, fetcher() as f, pytest.raises(FetchError, match="loop"):
        f.fetch(server.url("/a"))
    assert server.hits == {"/a": 1, "/b": 1}


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://127.0.0.1/pub/x", "gopher://127.0.0.1:70/"])
def test_every_redirect_hop_is_checked(target: str) -> None:
    with serve({"/jump": Route.redirect(target)}) as server, fetcher() as f:
        with pytest.raises(FetchError, match="scheme"):
            f.fetch(server.url("/jump"))


def test_redirect_without_location_is_an_error() -> None:
    with serve({"/odd": Route(status=302)}) as server, fetcher() as f, pytest.raises(FetchError, match="Location"):
        f.fetch(server.url("/odd"))


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_private_address_refused_without_any_request(host: str) -> None:
    with serve({"/": b"secret"}) as server, Fetcher(FetchSettings(allow_private_networks=False)) as f:
        with pytest.raises(FetchError, match="refused"):
            f.fetch(f"http://{host}:{server.port}/")
    assert server.total_hits == 0


def test_shared_by_a_thread_pool() -> None:
    routes = {f"/p{i}": Route(body=f"page {i}".encode(), delay=0.2) for i in range(8)}
    with serve(routes) as server, fetcher() as f, ThreadPoolExecutor(max_workers=8) as pool:
        started = time.monotonic()
        results = list(pool.map(lambda i: f.fetch(server.url(f"/p{i}")), range(8)))
        elapsed = time.monotonic() - started
    assert [r.content for r in results] == [f"page {i}".encode() for i in range(8)]
    assert elapsed < 8 * 0.2  # they ran side by side


def test_loopback_handler_route_sees_the_request() -> None:
    """The helper's escape hatch: a route computed from the request."""

    def echo(record: RequestRecord) -> Route:
        return Route(body=record.headers.get("Accept", "").encode(), content_type="text/plain")

    with serve({"/echo": Route(handler=echo)}) as server, fetcher() as f:
        assert f.fetch(server.url("/echo"), accept="application/rss+xml").content == b"application/rss+xml"


# --- conditional GET ------------------------------------------------------------------------------

def _conditional(record: RequestRecord) -> Route:
    """A server that knows one version of its body: ETag "v1", Last-Modified in 2025."""
    if record.headers.get("If-None-Match") == '"v1"' or record.headers.get("If-Modified-Since") == LAST_MODIFIED:
        return Route(status=304, headers={"ETag": '"v1"'}, content_type=None)
    return Route(body=b"<rss/>", headers={"ETag": '"v1"', "Last-Modified": LAST_MODIFIED},
                 content_type="application/rss+xml")


LAST_MODIFIED = "Wed, 10 Dec 2025 08:00:00 GMT"


@pytest.mark.parametrize("validators", [
    CacheValidators(etag='"v1"'),
    CacheValidators(last_modified=LAST_MODIFIED),
    CacheValidators(etag='"v1"', last_modified=LAST_MODIFIED),
])
def test_conditional_get_costs_one_304(validators: CacheValidators) -> None:
    with serve({"/feed": Route(handler=_conditional)}) as server, fetcher() as f:
        first = f.fetch(server.url("/feed"))
        second = f.fetch(server.url("/feed"), validators=validators)
    assert (first.status, first.not_modified, first.content) == (200, False, b"<rss/>")
    assert first.validators == CacheValidators('"v1"', LAST_MODIFIED)
    assert (second.status, second.not_modified, second.content) == (304, True, b"")
    sent = server.requests[1].headers
    assert sent.get("If-None-Match") == validators.etag and sent.get("If-Modified-Since") == validators.last_modified
    assert "If-None-Match" not in server.requests[0].headers
    assert server.hits["/feed"] == 2


def test_a_304_nobody_asked_for_is_an_error() -> None:
    with serve({"/odd": Route(status=304, content_type=None)}) as server, fetcher() as f:
        with pytest.raises(FetchError) as caught:
            f.fetch(server.url("/odd"))
    assert caught.value.status == 304


def test_stale_validators_get_the_new_body() -> None:
    with serve({"/feed": Route(handler=_conditional)}) as server, fetcher() as f:
        result = f.fetch(server.url("/feed"), validators=CacheValidators(etag='"v0"'))
    assert result.status == 200 and result.content == b"<rss/>"


# --- content types ------------------------------------------------------------------------------

@pytest.mark.parametrize("content_type, wanted, ok", [
    ("text/html; charset=utf-8", PAGE, True),
    ("application/xhtml+xml", PAGE, True),
    (None, PAGE, True),  # no type: the parser sniffs
    ("application/pdf", PAGE, False),
    ("image/jpeg", PAGE, False),
    ("application/rss+xml; charset=utf-8", FEED, True),
    ("application/atom+xml", FEED, True),
    ("text/xml", FEED, True),
    ("application/xml", FEED, True),
    ("text/html", FEED, True),  # often a mislabelled feed; parse_feed tells from the bytes
    ("video/mp4", FEED, False),
    ("application/octet-stream", FEED, False),
])
def test_unwanted_content_types_are_skipped_with_a_reason(content_type, wanted: Wanted, ok: bool) -> None:
    with serve({"/x": Route(body=b"<p>body</p>", content_type=content_type)}) as server, fetcher() as f:
        if ok:
            assert f.fetch(server.url("/x"), wanted=wanted).content == b"<p>body</p>"
        else:
            with pytest.raises(UnwantedContentType) as caught:
                f.fetch(server.url("/x"), wanted=wanted)
            assert caught.value.reason == f"skipped: content type {content_type} is not {wanted.what}"
            assert caught.value.status == 200 and not is_transient(caught.value)


def test_an_unwanted_body_is_not_downloaded() -> None:
    sent = []

    def forty_megabytes():
        for _ in range(40 * 16):
            sent.append(1)
            yield b"\0" * 65536

    route = Route(stream=forty_megabytes, content_type="video/mp4")
    with serve({"/video": route}) as server, fetcher() as f, pytest.raises(UnwantedContentType):
        f.fetch(server.url("/video"), wanted=PAGE)
    time.sleep(0.2)  # let the server notice the closed connection
    assert server.bytes_sent["/video"] < 40 * 1024 * 1024


# --- pacing, concurrency, Retry-After, failing sites ------------------------------------------------

def test_requests_to_one_site_are_paced() -> None:
    routes = {f"/p{i}": Route(body=b"ok") for i in range(5)}
    with serve(routes) as server, fetcher(per_host_delay=0.15, max_per_host=4) as f, \
            ThreadPoolExecutor(max_workers=5) as pool:
        list(pool.map(lambda i: f.fetch(server.url(f"/p{i}")), range(5)))
    starts = sorted(r.at for r in server.requests)
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert len(starts) == 5 and min(gaps) >= 0.13, gaps


def test_sites_are_paced_apart_from_each_other() -> None:
    with serve({"/a": b"a"}) as one, serve({"/b": b"b"}) as two, fetcher(per_host_delay=1.0) as f:
        started = time.monotonic()
        f.fetch(one.url("/a"))
        f.fetch(two.url("/b"))
        assert time.monotonic() - started < 0.8


def test_concurrency_per_site_is_limited() -> None:
    routes = {f"/slow{i}": Route(body=b"ok", delay=0.2) for i in range(6)}
    with serve(routes) as server, fetcher(max_per_host=2) as f, ThreadPoolExecutor(max_workers=6) as pool:
        started = time.monotonic()
        list(pool.map(lambda i: f.fetch(server.url(f"/slow{i}")), range(6)))
        elapsed = time.monotonic() - started
    assert server.peak_in_flight == 2
    assert elapsed >= 3 * 0.2 - 0.05  # three rounds of two


def test_retry_after_holds_back_the_next_request_to_the_site() -> None:
    routes = {"/limited": Route(status=429, headers={"Retry-After": "1"}, body=b"slow down"), "/next": b"ok"}
    with serve(routes) as server, fetcher(retries=0) as f:
        with pytest.raises(FetchError) as caught:
            f.fetch(server.url("/limited"))
        f.fetch(server.url("/next"))
    assert caught.value.status == 429
    first, second = server.requests
    assert second.at - first.at >= 0.9


def test_retry_after_hold_is_capped() -> None:
    routes = {"/limited": Route(status=503, headers={"Retry-After": "3600"}, body=b"later"), "/next": b"ok"}
    with serve(routes) as server, fetcher(retries=0, max_retry_after=0.3) as f:
        with pytest.raises(FetchError):
            f.fetch(server.url("/limited"))
        started = time.monotonic()
        f.fetch(server.url("/next"))
        assert 0.2 <= time.monotonic() - started < 1.5


def test_a_site_that_keeps_failing_is_skipped_for_the_rest_of_the_run() -> None:
    routes = {f"/hang{i}": Route(body=b"late", delay=2.0) for i in range(6)}
    routes["/ok"] = b"fine"
    with serve(routes) as server, serve({"/other": b"other"}) as other, \
            fetcher(read_timeout=0.2, retries=0) as f:
        reasons = []
        for i in range(6):
            with pytest.raises(FetchError) as caught:
                f.fetch(server.url(f"/hang{i}"))
            reasons.append(caught.value.reason)
            assert is_transient(caught.value)
        assert f.fetch(other.url("/other")).content == b"other"  # other sites are unaffected
        with pytest.raises(FetchError, match="failed 3 times in a row"):
            f.fetch(server.url("/ok"))
    assert sum(server.hits.values()) == HOST_FAILURE_LIMIT
    assert all("timed out" in r for r in reasons[:3]), reasons
    assert all("in a row" in r for r in reasons[3:]), reasons


def test_an_answer_clears_the_failure_count() -> None:
    routes = {"/down": Route(status=500, body=b"no"), "/up": b"yes"}
    with serve(routes) as server, fetcher(retries=0) as f:
        for _ in range(2 * HOST_FAILURE_LIMIT):
            for path in ("/down", "/down", "/up"):
                try:
                    f.fetch(server.url(path))
                except FetchError as exc:
                    assert exc.status == 500
    assert server.hits["/down"] == 4 * HOST_FAILURE_LIMIT


@pytest.mark.parametrize("target", [
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://2852039166/latest/meta-data/",  # 169.254.169.254 as one number
    "http://169.254.10.1/",
    "http://[::ffff:169.254.169.254]/",
])
def test_metadata_and_link_local_redirects_are_refused_even_when_private_networks_are_allowed(target: str) -> None:
    with serve({"/jump": Route.redirect(target)}) as server, fetcher() as f:
        with pytest.raises(UrlRefused, match="refused even with allow_private_networks"):
            f.fetch(server.url("/jump"))
    assert server.hits["/jump"] == 1
