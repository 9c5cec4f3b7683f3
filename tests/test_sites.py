"""The loopback site server and the sample sites it serves (demo + test sites).

Everything goes over real sockets to a SiteServer started here; the sample
files are checked as a reader (and the pipeline) will meet them.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import re
import socket
import time
import xml.etree.ElementTree as ET
import zipfile
from datetime import datetime
from importlib.resources.abc import Traversable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from extractors.records import DEAL_TYPES, STATUSES
from flows.sites import SiteServer, demo_sites_root, feed_content_type

SITES = Path(__file__).parent / "sites"
MINI = SITES / "mini"
MINI_BATCH2 = SITES / "mini_batch2"
DEMO = Path(str(demo_sites_root()))
SITE_FOLDERS = {"demo": DEMO, "mini": MINI, "mini_batch2": MINI_BATCH2}

ATOM = "{http://www.w3.org/2005/Atom}"
SEED_NAME = "amazon-considera-invertir-openai.html"
SEED_SHA256 = "ec2080064b2d47cbb261ccabb9b1fe88e409abd37626a37f837e397d81e97c12"


def _files(suffix: str) -> list[tuple[str, Path]]:
    folder_name = "feeds" if suffix == ".xml" else "articles"
    return [
        (name, path)
        for name, site in SITE_FOLDERS.items()
        for path in sorted((site / folder_name).glob(f"*{suffix}"))
    ]


FEEDS = _files(".xml")
ARTICLES = _files(".html")


def _ids(items: list[tuple[str, Path]]) -> list[str]:
    return [f"{name}/{path.name}" for name, path in items]


def declared_charset(page: bytes) -> str:
    match = re.search(rb"<meta\s+charset=[\"']?([\w-]+)", page, re.I)
    assert match, "page declares no <meta charset>"
    return match.group(1).decode("ascii")


def feed_links(feed_bytes: bytes) -> list[tuple[str, str]]:
    """(guid or id, link) of every item of an RSS 2.0 or Atom feed."""
    root = ET.fromstring(feed_bytes)
    if root.tag == "rss":
        return [
            ((item.findtext("guid") or item.findtext("link")).strip(), item.findtext("link").strip())
            for item in root.iter("item")
        ]
    assert root.tag == f"{ATOM}feed", f"unknown feed root {root.tag}"
    links = []
    for entry in root.iter(f"{ATOM}entry"):
        alternate = [l for l in entry.findall(f"{ATOM}link") if l.get("rel", "alternate") == "alternate"]
        assert len(alternate) == 1
        links.append((entry.findtext(f"{ATOM}id").strip(), alternate[0].get("href")))
    return links


def news_article(page: bytes) -> dict:
    text = page.decode(declared_charset(page))
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
    assert blocks, "no JSON-LD"
    for block in blocks:
        data = json.loads(block)
        candidates = data if isinstance(data, list) else data.get("@graph", [data])
        for item in candidates:
            if item.get("@type") == "NewsArticle":
                return item
    raise AssertionError("no NewsArticle in JSON-LD")


def raw_get(site: SiteServer, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """One request with the path sent exactly as given (requests would normalize '..')."""
    conn = http.client.HTTPConnection(site.host, site.port, timeout=5)
    try:
        conn.request(method, path)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def mini_site():
    with SiteServer(MINI) as site:
        yield site


# -- serving ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path, content_type",
    [
        ("feeds/circuit-street.xml", "application/rss+xml"),
        ("feeds/nube-y-silicio.xml", "application/atom+xml"),
        ("articles/microsoft-invests-5-billion-in-anthropic.html", "text/html"),
        ("articles/nvidia-invertira-5000-millones-intel.html", "text/html"),
    ],
)
def test_serves_files_with_base_replaced_and_plain_content_type(mini_site, path, content_type):
    response = requests.get(mini_site.url_for(path), timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type  # no charset, like a static server
    expected = (MINI / path).read_bytes().replace(b"__BASE__", mini_site.base_url.encode())
    assert response.content == expected
    assert b"__BASE__" not in response.content
    assert mini_site.base_url.encode() + b"/articles/" in response.content


@pytest.mark.parametrize(
    "page",
    [
        DEMO / "articles" / "asml-invertira-1300-millones-euros-mistral.html",
        MINI / "articles" / "nvidia-invertira-5000-millones-intel.html",
    ],
    ids=lambda p: p.name,
)
def test_windows_1252_page_bytes_survive(page):
    raw = page.read_bytes()
    assert declared_charset(raw).lower() == "windows-1252"
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # really cp1252 on disk, so a transcoding server would show
    site_root = page.parent.parent
    with SiteServer(site_root) as site:
        served = requests.get(site.url_for(f"articles/{page.name}"), timeout=5).content
        assert served == raw.replace(b"__BASE__", site.base_url.encode())
    text = served.decode("cp1252")
    assert "“" in text and "”" in text and "—" in text


def test_euro_sign_of_windows_1252_demo_page_is_byte_0x80():
    with SiteServer(demo_sites_root()) as site:
        body = requests.get(
            site.url_for("articles/asml-invertira-1300-millones-euros-mistral.html"), timeout=5
        ).content
    assert b"14,99 \x80 al mes" in body
    assert "14,99 € al mes" in body.decode("cp1252")


@pytest.mark.parametrize(
    "path",
    [
        "/robots.txt",
        "/",
        "/feeds/",
        "/feeds/missing.xml",
        "/articles/missing.html",
        "/expected.json",
        "/README.md",
        "/articles/../expected.json",
        "/%2e%2e/mini/expected.json",
        "/articles/%2e%2e/feeds/circuit-street.xml",
        "/archive/nvidia-shares-slip.html",
        "/feeds/circuit-street.html",
        "/articles/circuit-street.xml",
        "/feeds/.hidden.xml",
        "//etc/passwd",
    ],
)
def test_unknown_paths_are_404(mini_site, path):
    status, _, _ = raw_get(mini_site, path)
    assert status == 404


@pytest.mark.parametrize(
    "path",
    ["/site/feeds/notes.txt", "/site/articles/photo.jpg", "/site/other/page.html", "/site/feeds/x.xml.bak",
     "/expected.json", "/site/expected.json"],
)
def test_only_feeds_and_articles_exist(tmp_path, path):
    for name in ("feeds/notes.txt", "articles/photo.jpg", "other/page.html", "feeds/x.xml.bak", "expected.json"):
        (tmp_path / "site" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "site" / name).write_bytes(b"__BASE__")
    (tmp_path / "expected.json").write_bytes(b"[]")
    (tmp_path / "site" / "feeds" / "real.xml").write_bytes(b"<rss/>")
    with SiteServer(tmp_path) as site:
        assert raw_get(site, "/site/feeds/real.xml")[0] == 200
        assert raw_get(site, path)[0] == 404


def test_head_sends_headers_without_body(mini_site):
    status, headers, body = raw_get(mini_site, "/feeds/circuit-street.xml", method="HEAD")
    full = requests.get(mini_site.url_for("feeds/circuit-street.xml"), timeout=5).content
    assert status == 200
    assert body == b""
    assert int(headers["Content-Length"]) == len(full)
    assert headers["Content-Type"] == "application/rss+xml"


def test_query_string_is_ignored_like_a_static_server(mini_site):
    response = requests.get(mini_site.url_for("feeds/circuit-street.xml?utm_source=test"), timeout=5)
    assert response.status_code == 200
    assert response.content.startswith(b"<?xml")


def test_conditional_get_with_etag_gets_304(mini_site):
    url = mini_site.url_for("feeds/nube-y-silicio.xml")
    first = requests.get(url, timeout=5)
    second = requests.get(url, headers={"If-None-Match": first.headers["ETag"]}, timeout=5)
    assert second.status_code == 304
    assert second.content == b""
    other = requests.get(mini_site.url_for("feeds/circuit-street.xml"), timeout=5)
    assert other.headers["ETag"] != first.headers["ETag"]


def test_a_stalled_client_does_not_block_others(mini_site):
    stalled = socket.create_connection((mini_site.host, mini_site.port), timeout=5)
    try:
        stalled.sendall(b"GET /feeds/circuit-street.xml HTTP/1.1\r\nHost: x\r\n")  # never finished
        started = time.monotonic()
        response = requests.get(mini_site.url_for("feeds/circuit-street.xml"), timeout=3)
        assert response.status_code == 200
        assert time.monotonic() - started < 2
    finally:
        stalled.close()


def test_base_url_needs_a_running_server_and_port_is_released():
    site = SiteServer(MINI)
    with pytest.raises(RuntimeError):
        site.base_url
    with site:
        url = site.url_for("feeds/circuit-street.xml")
        assert url.startswith("http://127.0.0.1:")
        assert requests.get(url, timeout=5).status_code == 200
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=2)


def test_missing_root_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError):
        SiteServer(tmp_path / "nope")


def test_swapping_root_republishes_under_the_same_urls():
    with SiteServer(MINI) as site:
        feed_url = site.url_for("feeds/circuit-street.xml")
        before = requests.get(feed_url, timeout=5).text
        site.root = MINI_BATCH2
        after = requests.get(feed_url, timeout=5).text
        new_link = f"{site.base_url}/articles/meta-signs-14-billion-coreweave-contract.html"
        with pytest.raises(FileNotFoundError):
            site.root = MINI / "no-such-batch"
    assert new_link not in before
    assert new_link in after


def test_serves_from_a_zip_traversable(tmp_path):
    archive = tmp_path / "site.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in MINI.rglob("*"):
            if path.is_file():
                zf.write(path, f"mini/{path.relative_to(MINI).as_posix()}")
    root = zipfile.Path(archive, "mini/")
    assert isinstance(root, Traversable)
    with SiteServer(root) as site:
        urls = site.feed_urls()
        assert [urlsplit(u).path for u in urls] == ["/feeds/circuit-street.xml", "/feeds/nube-y-silicio.xml"]
        page = requests.get(site.url_for("articles/nvidia-invertira-5000-millones-intel.html"), timeout=5)
        assert page.status_code == 200
        assert page.content == (MINI / "articles" / "nvidia-invertira-5000-millones-intel.html").read_bytes().replace(
            b"__BASE__", site.base_url.encode()
        )


# -- feed_urls -------------------------------------------------------------


@pytest.mark.parametrize(
    "root, subdir, expected_paths",
    [
        (MINI, "", ["/feeds/circuit-street.xml", "/feeds/nube-y-silicio.xml"]),
        (SITES, "mini_batch2", ["/mini_batch2/feeds/circuit-street.xml", "/mini_batch2/feeds/nube-y-silicio.xml"]),
        (SITES, "/mini/", ["/mini/feeds/circuit-street.xml", "/mini/feeds/nube-y-silicio.xml"]),
        (
            SITES,
            "",
            [
                "/mini/feeds/circuit-street.xml",
                "/mini/feeds/nube-y-silicio.xml",
                "/mini_batch2/feeds/circuit-street.xml",
                "/mini_batch2/feeds/nube-y-silicio.xml",
            ],
        ),
    ],
)
def test_feed_urls_lists_every_feed_sorted(root, subdir, expected_paths):
    with SiteServer(root) as site:
        urls = site.feed_urls(subdir)
        assert urls == sorted(urls)
        assert all(u.startswith(site.base_url + "/") for u in urls)
        assert [urlsplit(u).path for u in urls] == expected_paths
        assert all(requests.get(u, timeout=5).status_code == 200 for u in urls)


def test_feed_urls_refuses_a_missing_subdir():
    with SiteServer(SITES) as site:
        with pytest.raises(FileNotFoundError):
            site.feed_urls("batch9")


def test_demo_sites_are_package_data_served_over_http():
    root = demo_sites_root()
    assert isinstance(root, Traversable)
    with SiteServer(root) as site:
        urls = site.feed_urls()
        assert len(urls) >= 3
        for url in urls:
            feed = requests.get(url, timeout=5)
            assert feed.status_code == 200
            for _, link in feed_links(feed.content):
                assert link.startswith(site.base_url + "/articles/")
                assert requests.head(link, timeout=5).status_code == 200, link


@pytest.mark.parametrize(
    "body, expected",
    [
        (b'<?xml version="1.0"?>\n<!-- c --><rss version="2.0"><channel/></rss>', "application/rss+xml"),
        (b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"/>', "application/atom+xml"),
        (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>', "application/rdf+xml"),
        (b"<?xml version='1.0'?><opml/>", "application/xml"),
        (b"", "application/xml"),
    ],
)
def test_feed_content_type_sniffs_the_root_element(body, expected):
    assert feed_content_type(body) == expected


# -- the sample files ------------------------------------------------------


@pytest.mark.parametrize("site_name, feed", FEEDS, ids=_ids(FEEDS))
def test_feed_parses_and_every_item_links_to_an_article_file(site_name, feed):
    items = feed_links(feed.read_bytes())
    assert items, "feed has no items"
    guids = [guid for guid, _ in items]
    assert len(set(guids)) == len(guids), "duplicate guid/id"
    for _, link in items:
        assert link.startswith("__BASE__/articles/"), link
        assert (SITE_FOLDERS[site_name] / link.removeprefix("__BASE__/")).is_file(), link


@pytest.mark.parametrize("site_name, page", ARTICLES, ids=_ids(ARTICLES))
def test_article_has_news_article_json_ld(site_name, page):
    article = news_article(page.read_bytes())
    assert article["headline"].strip()
    assert datetime.fromisoformat(article["datePublished"]).tzinfo is not None
    assert article["inLanguage"].split("-")[0] in ("en", "es")


@pytest.mark.parametrize("site_name, page", ARTICLES, ids=_ids(ARTICLES))
def test_article_urls_use_the_base_placeholder(site_name, page):
    raw = page.read_bytes()
    assert raw.count(b"__BASE__") >= 3  # canonical, og:url, links
    assert not re.search(rb"__BASE__(?!/)", raw)
    assert not re.search(rb"https?://(127\.0\.0\.1|localhost)", raw)


@pytest.mark.parametrize("site_name", sorted(SITE_FOLDERS))
def test_every_article_is_listed_in_a_feed(site_name):
    folder = SITE_FOLDERS[site_name]
    linked = {
        link.removeprefix("__BASE__/articles/")
        for feed in (folder / "feeds").glob("*.xml")
        for _, link in feed_links(feed.read_bytes())
    }
    assert linked == {p.name for p in (folder / "articles").glob("*.html")}


def test_demo_covers_languages_feed_formats_and_charsets():
    kinds = set()
    for _, feed in (item for item in FEEDS if item[0] == "demo"):
        root = ET.fromstring(feed.read_bytes())
        fmt = "rss" if root.tag == "rss" else "atom"
        lang = (root.findtext("channel/language") or root.get("{http://www.w3.org/XML/1998/namespace}lang"))[:2]
        kinds.add((lang, fmt))
    assert {("en", "rss"), ("en", "atom"), ("es", "rss")} <= kinds
    charsets = {declared_charset(p.read_bytes()).lower() for n, p in ARTICLES if n == "demo"}
    assert "windows-1252" in charsets
    languages = [news_article(p.read_bytes())["inLanguage"][:2] for n, p in ARTICLES if n == "demo"]
    assert languages.count("en") >= 5 and languages.count("es") >= 4


def test_demo_ships_the_seed_article_unchanged():
    assert hashlib.sha256((DEMO / "articles" / SEED_NAME).read_bytes()).hexdigest() == SEED_SHA256


# -- expected deals of the test sites --------------------------------------


def load_expected(folder: Path) -> list[dict]:
    return json.loads((folder / "expected.json").read_text(encoding="utf-8"))


def site_text(folder: Path) -> str:
    return "\n".join(
        p.read_bytes().decode(declared_charset(p.read_bytes())) for p in (folder / "articles").glob("*.html")
    )


@pytest.mark.parametrize("folder", [MINI, MINI_BATCH2], ids=lambda p: p.name)
def test_expected_deals_are_well_formed_and_named_in_the_articles(folder):
    deals = load_expected(folder)
    assert deals
    text = site_text(folder)
    keys = set()
    for deal in deals:
        assert set(deal) == {"deal_type", "payer", "payee", "amount", "currency", "stake_pct", "status"}
        assert deal["deal_type"] in DEAL_TYPES
        assert deal["status"] in STATUSES
        assert deal["payer"] != deal["payee"]
        assert deal["payer"] in text and deal["payee"] in text
        assert (deal["amount"] is None) == (deal["currency"] is None)
        assert deal["amount"] is None or deal["amount"] > 0
        assert deal["stake_pct"] is None or 0 < deal["stake_pct"] <= 100
        keys.add((deal["deal_type"], deal["payer"], deal["payee"]))
    assert len(keys) == len(deals), "a deal is listed twice"


def test_batch2_republishes_everything_and_adds_one_new_deal():
    old, new = load_expected(MINI), load_expected(MINI_BATCH2)
    assert all(deal in new for deal in old)
    added = [deal for deal in new if deal not in old]
    assert [(d["deal_type"], d["payer"], d["payee"]) for d in added] == [("cloud_contract", "Meta", "CoreWeave")]
    for page in (MINI / "articles").glob("*.html"):
        assert (MINI_BATCH2 / "articles" / page.name).read_bytes() == page.read_bytes()
    for feed in (MINI / "feeds").glob("*.xml"):
        old_items = set(feed_links(feed.read_bytes()))
        new_items = set(feed_links((MINI_BATCH2 / "feeds" / feed.name).read_bytes()))
        assert old_items <= new_items
    new_pages = {p.name for p in (MINI_BATCH2 / "articles").glob("*.html")} - {
        p.name for p in (MINI / "articles").glob("*.html")
    }
    assert new_pages == {"meta-signs-14-billion-coreweave-contract.html"}
