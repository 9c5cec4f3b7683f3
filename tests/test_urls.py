"""canonical_url and the private-network guard. No test here opens a connection or asks DNS."""

from __future__ import annotations

import socket

import pytest

from extractors.errors import FetchError, UrlRefused
from extractors.urls import canonical_url, check_url_allowed, origin


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("HTTPS://Example.COM/News/Story.html#comments", "https://example.com/News/Story.html"),
        ("http://example.com:80/a/", "http://example.com/a"),
        ("https://example.com:443/", "https://example.com/"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/a?utm_source=x&utm_medium=rss&id=7", "https://example.com/a?id=7"),
        ("https://example.com/a?fbclid=abc&gclid=def&mc_eid=1", "https://example.com/a"),
        ("https://example.com/a?b=2&a=1&UTM_Campaign=z", "https://example.com/a?a=1&b=2"),
        ("https://example.com/a?q=two%20words&empty=", "https://example.com/a?empty=&q=two%20words"),
        ("https://example.com/es/noticia/?page=2", "https://example.com/es/noticia?page=2"),
        ("http://[::1]:8080/x/", "http://[::1]:8080/x"),
        ("  https://example.com/x  ", "https://example.com/x"),
        ("not a url", "not a url"),
        ("/relative/path", "/relative/path"),
    ],
)
def test_canonical_url(raw: str, expected: str) -> None:
    assert canonical_url(raw) == expected


def test_canonical_url_is_idempotent() -> None:
    once = canonical_url("HTTP://Site.example:80/a/b/?z=1&utm_term=x&a=%C3%B1#top")
    assert canonical_url(once) == once


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything tries to connect or resolve a name."""

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", forbidden)
    monkeypatch.setattr(socket, "getaddrinfo", forbidden)


@pytest.mark.parametrize(
    "url, reason",
    [
        ("http://10.1.2.3/admin", "private"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://192.168.1.10:8080/", "private"),
        ("http://172.16.5.4/", "private"),
        ("http://127.0.0.1/", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://[fe80::1]/", "link-local"),
        ("http://[fd00:ec2::254]/", "metadata"),
        ("http://[::ffff:10.0.0.1]/", "private"),
        ("http://100.64.0.1/", "non-public"),
        ("http://224.0.0.1/", "multicast"),
        ("http://0.0.0.0/", "non-public"),
        ("file:///etc/passwd", "scheme"),
        ("ftp://93.184.216.34/pub/file", "scheme"),
        ("javascript:alert(1)", "scheme"),
        ("http:///no-host", "no host"),
    ],
)
def test_refused_urls(url: str, reason: str, no_network: None) -> None:
    with pytest.raises(FetchError, match=reason) as caught:
        check_url_allowed(url, allow_private_networks=False)
    assert caught.value.url == url


@pytest.mark.parametrize("url", ["http://93.184.216.34/", "https://[2606:4700:4700::1111]/dns", "HTTPS://8.8.8.8:443/"])
def test_public_literals_allowed(url: str, no_network: None) -> None:
    check_url_allowed(url, allow_private_networks=False)


@pytest.mark.parametrize("url", ["http://10.1.2.3/", "http://127.0.0.1:8765/feed.xml", "http://[::1]/", "http://intranet.local/"])
def test_private_allowed_when_opted_in(url: str, no_network: None) -> None:
    check_url_allowed(url, allow_private_networks=True)


@pytest.mark.parametrize("url", ["ftp://10.1.2.3/", "file:///etc/passwd"])
def test_opting_in_never_allows_other_schemes(url: str, no_network: None) -> None:
    with pytest.raises(FetchError, match="scheme"):
        check_url_allowed(url, allow_private_networks=True)


@pytest.mark.parametrize("host", ["2130706433", "0x7f.0.0.1", "localhost"])
def test_numeric_and_local_spellings_of_loopback_are_refused(host: str) -> None:
    # These go through getaddrinfo, which answers them locally (no DNS server is asked).
    with pytest.raises(FetchError, match="loopback"):
        check_url_allowed(f"http://{host}/", allow_private_networks=False)


from urllib.parse import parse_qsl, urlsplit

from hypothesis import given, settings
from hypothesis import strategies as st

_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-_.~ñ%", min_size=1, max_size=8)
_param = st.tuples(st.one_of(_word, st.sampled_from(["utm_source", "UTM_medium", "fbclid", "gclid", "id"])), _word)


@settings(max_examples=200, deadline=None)
@given(
    scheme=st.sampled_from(["http", "HTTP", "https", "HttpS"]),
    host=st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,10}\.(com|example|ES)", fullmatch=True),
    port=st.sampled_from(["", ":80", ":443", ":8080"]),
    segments=st.lists(_word, max_size=4),
    trailing=st.booleans(),
    params=st.lists(_param, max_size=4),
    fragment=st.one_of(st.just(""), _word.map(lambda w: "#" + w)),
)
def test_canonical_url_properties(scheme, host, port, segments, trailing, params, fragment) -> None:
    path = "/" + "/".join(segments) + ("/" if trailing and segments else "")
    query = "&".join(f"{k}={v}" for k, v in params)
    url = f"{scheme}://{host}{port}{path}" + (f"?{query}" if query else "") + fragment
    once = canonical_url(url)
    assert canonical_url(once) == once  # idempotent
    names = [name for name, _ in parse_qsl(urlsplit(once).query, keep_blank_values=True)]
    assert "#" not in once
    assert not any(n.lower().startswith("utm_") or n.lower() in ("fbclid", "gclid") for n in names)
    assert names == sorted(names)
    assert once.startswith(("http://", "https://")) and host.lower() in once


# Where a hostile feed or redirect may point. Checked by the address guard alone: no test here
# connects anywhere (the fetcher applies the same check to every hop; see tests/test_http.py).
REDIRECT_TARGETS = [
    ("http://10.0.0.5/admin", "private"),
    ("http://10.255.255.254:8080/", "private"),
    ("http://172.31.0.1/", "private"),
    ("http://192.168.0.1/router", "private"),
    ("http://169.254.169.254/latest/meta-data/", "metadata"),
    ("http://2852039166/latest/meta-data/", "metadata"),  # 169.254.169.254 as one decimal number
    ("http://0xA9FEA9FE/", "metadata"),  # ... in hexadecimal
    ("http://169.254.43518/", "metadata"),  # ... in the a.b.c form
    ("http://[::ffff:169.254.169.254]/", "metadata"),
    ("http://[fd00:ec2::254]/", "metadata"),
    ("http://169.254.1.1/", "link-local"),
    ("http://0177.0.0.1/", "loopback"),  # octal
    ("http://127.1/", "loopback"),
    ("http://[::ffff:7f00:1]/", "loopback"),
    ("http://[fc00::1]/", "private"),
    ("http://100.100.100.200/", "non-public"),  # carrier-grade NAT (Alibaba's metadata endpoint)
]


@pytest.mark.parametrize("url, reason", REDIRECT_TARGETS)
def test_redirect_targets_are_refused_without_any_lookup(url: str, reason: str, no_network: None) -> None:
    with pytest.raises(UrlRefused, match=reason):
        check_url_allowed(url, allow_private_networks=False)


@pytest.mark.parametrize("url", [u for u, reason in REDIRECT_TARGETS if reason in ("metadata", "link-local")])
def test_metadata_and_link_local_stay_refused_with_private_networks_allowed(url: str, no_network: None) -> None:
    with pytest.raises(UrlRefused, match="refused even with allow_private_networks"):
        check_url_allowed(url, allow_private_networks=True)


@pytest.mark.parametrize("url, expected", [
    ("HTTPS://News.Example.COM/a/b?x=1", "https://news.example.com:443"),
    ("http://news.example.com:8080/", "http://news.example.com:8080"),
    ("http://127.0.0.1:5000/feed.xml", "http://127.0.0.1:5000"),
    ("http://[::1]/x", "http://[::1]:80"),
])
def test_origin(url: str, expected: str) -> None:
    assert origin(url) == expected
