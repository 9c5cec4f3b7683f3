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
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from importlib.resources.abc import Traversable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from extractors.records import DEAL_TYPES, STATUSES
from flows.sites import SiteServer, demo_sites_root, feed_content_type

SITES = Path(__file__).parent / "sites"
MINI = SITES / "mini"
DEMO = Path(str(demo_sites_root()))

# Every batch of every sample site: (site name, site root, batch folder).
# The demo is one flat batch (feeds/ and articles/ at its root); the mini test
# site is in the corpus layout, batch1/ then batch2/ then batch3/, served from one root.
BATCHES = [("demo", DEMO, ""), ("mini", MINI, "batch1"), ("mini", MINI, "batch2"), ("mini", MINI, "batch3")]
NEW_IN_BATCH2 = "meta-signs-14-billion-coreweave-contract.html"
MINI_FEEDS = ["feeds/circuit-street.xml", "feeds/nube-y-silicio.xml"]  # in every batch

ATOM = "{http://www.w3.org/2005/Atom}"
SEED_NAME = "amazon-considera-invertir-openai.html"
SEED_SHA256 = "ec2080064b2d47cbb261ccabb9b1fe88e409abd37626a37f837e397d81e97c12"
# A URL of a feed or an article inside any file (not /archive/, /about...:
# those are dead links on purpose, as on real sites).
SITE_FILE_REF = re.compile(rb"__BASE__/((?:[\w-]+/)?(?:feeds/[\w.-]+\.xml|articles/[\w.-]+\.html))")


def batches_of(site_name: str) -> list[str]:
    return [batch for name, _, batch in BATCHES if name == site_name]


def batch_dir(root: Path, batch: str) -> Path:
    return root / batch if batch else root


def _files(suffix: str) -> list[tuple[str, Path, str, Path]]:
    """(site name, site root, batch, file) of every feed or article of every batch."""
    folder_name = "feeds" if suffix == ".xml" else "articles"
    return [
        (name, root, batch, path)
        for name, root, batch in BATCHES
        for path in sorted((batch_dir(root, batch) / folder_name).glob(f"*{suffix}"))
    ]


FEEDS = _files(".xml")
ARTICLES = _files(".html")
# Pages we wrote. The seed article is shipped byte for byte as the corpus has
# it, so its own links keep the corpus's batch1/ paths.
OUR_ARTICLES = [item for item in ARTICLES if item[3].name != SEED_NAME]


def _ids(items: list[tuple[str, Path, str, Path]]) -> list[str]:
    return [f"{name}/{batch + '/' if batch else ''}{path.name}" for name, _, batch, path in items]


def declared_charset(page: bytes) -> str:
    match = re.search(rb"<meta\s+charset=[\"']?([\w-]+)", page, re.IGNORECASE)
    assert match, "page declares no <meta charset>"
    return match.group(1).decode("ascii")


@dataclass(frozen=True)
class FeedItem:
    guid: str  # RSS guid (or link), Atom id
    link: str
    published: datetime
    xml: bytes  # the whole item as parsed, to compare items across batches


def feed_items(feed_bytes: bytes) -> list[FeedItem]:
    """Every item of an RSS 2.0 or Atom feed."""
    root = ET.fromstring(feed_bytes)
    items = []
    if root.tag == "rss":
        for item in root.iter("item"):
            link = item.findtext("link").strip()
            guid = (item.findtext("guid") or link).strip()
            items.append(FeedItem(guid, link, parsedate_to_datetime(item.findtext("pubDate")), _item_xml(item)))
        return items
    assert root.tag == f"{ATOM}feed", f"unknown feed root {root.tag}"
    for entry in root.iter(f"{ATOM}entry"):
        alternate = [l for l in entry.findall(f"{ATOM}link") if l.get("rel", "alternate") == "alternate"]
        assert len(alternate) == 1
        published = datetime.fromisoformat(entry.findtext(f"{ATOM}published"))
        guid = entry.findtext(f"{ATOM}id").strip()
        items.append(FeedItem(guid, alternate[0].get("href"), published, _item_xml(entry)))
    return items


def _item_xml(element: ET.Element) -> bytes:
    element.tail = None  # the whitespace after an item depends on its position, not its content
    return ET.tostring(element)


def feed_links(feed_bytes: bytes) -> list[tuple[str, str]]:
    """(guid or id, link) of every item of an RSS 2.0 or Atom feed."""
    return [(item.guid, item.link) for item in feed_items(feed_bytes)]


def news_article(page: bytes) -> dict:
    text = page.decode(declared_charset(page))
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', text, re.DOTALL)
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
    "path, content_type, links_to",
    [
        ("batch1/feeds/circuit-street.xml", "application/rss+xml", ["batch1/articles/"]),
        ("batch1/feeds/nube-y-silicio.xml", "application/atom+xml", ["batch1/articles/"]),
        ("batch2/feeds/circuit-street.xml", "application/rss+xml", ["batch1/articles/", "batch2/articles/"]),
        ("batch1/articles/microsoft-invests-5-billion-in-anthropic.html", "text/html", ["batch1/articles/"]),
        ("batch1/articles/nvidia-invertira-5000-millones-intel.html", "text/html", ["batch1/articles/"]),
        (f"batch2/articles/{NEW_IN_BATCH2}", "text/html", ["batch2/articles/"]),
    ],
)
def test_serves_files_with_base_replaced_and_plain_content_type(mini_site, path, content_type, links_to):
    response = requests.get(mini_site.url_for(path), timeout=5)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type  # no charset, like a static server
    expected = (MINI / path).read_bytes().replace(b"__BASE__", mini_site.base_url.encode())
    assert response.content == expected
    assert b"__BASE__" not in response.content
    for prefix in links_to:
        assert f"{mini_site.base_url}/{prefix}".encode() in response.content


@pytest.mark.parametrize(
    "root, path",
    [
        (DEMO, "articles/asml-invertira-1300-millones-euros-mistral.html"),
        (MINI, "batch1/articles/nvidia-invertira-5000-millones-intel.html"),
    ],
    ids=lambda v: v if isinstance(v, str) else v.name,
)
def test_windows_1252_page_bytes_survive(root, path):
    raw = (root / path).read_bytes()
    assert declared_charset(raw).lower() == "windows-1252"
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # really cp1252 on disk, so a transcoding server would show
    with SiteServer(root) as site:
        served = requests.get(site.url_for(path), timeout=5).content
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
        "/batch1/",
        "/batch1/feeds/",
        "/batch1/feeds/missing.xml",
        "/batch1/articles/missing.html",
        "/feeds/circuit-street.xml",  # the flat layout is gone
        "/articles/microsoft-invests-5-billion-in-anthropic.html",
        "/batch2/articles/microsoft-invests-5-billion-in-anthropic.html",  # batch2 holds no copies
        f"/batch1/articles/{NEW_IN_BATCH2}",  # nor does batch1 know the future
        "/expected.json",
        "/README.md",
        "/batch1/articles/../../expected.json",
        "/%2e%2e/mini/expected.json",
        "/batch1/articles/%2e%2e/feeds/circuit-street.xml",
        "/archive/nvidia-shares-slip.html",
        "/batch1/feeds/circuit-street.html",
        "/batch1/articles/circuit-street.xml",
        "/batch1/feeds/.hidden.xml",
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
    status, headers, body = raw_get(mini_site, "/batch1/feeds/circuit-street.xml", method="HEAD")
    full = requests.get(mini_site.url_for("batch1/feeds/circuit-street.xml"), timeout=5).content
    assert status == 200
    assert body == b""
    assert int(headers["Content-Length"]) == len(full)
    assert headers["Content-Type"] == "application/rss+xml"


def test_query_string_is_ignored_like_a_static_server(mini_site):
    response = requests.get(mini_site.url_for("batch1/feeds/circuit-street.xml?utm_source=test"), timeout=5)
    assert response.status_code == 200
    assert response.content.startswith(b"<?xml")


def test_conditional_get_with_etag_gets_304(mini_site):
    url = mini_site.url_for("batch1/feeds/nube-y-silicio.xml")
    first = requests.get(url, timeout=5)
    second = requests.get(url, headers={"If-None-Match": first.headers["ETag"]}, timeout=5)
    assert second.status_code == 304
    assert second.content == b""
    other = requests.get(mini_site.url_for("batch1/feeds/circuit-street.xml"), timeout=5)
    assert other.headers["ETag"] != first.headers["ETag"]


def test_a_stalled_client_does_not_block_others(mini_site):
    stalled = socket.create_connection((mini_site.host, mini_site.port), timeout=5)
    try:
        stalled.sendall(b"GET /batch1/feeds/circuit-street.xml HTTP/1.1\r\nHost: x\r\n")  # never finished
        started = time.monotonic()
        response = requests.get(mini_site.url_for("batch1/feeds/circuit-street.xml"), timeout=3)
        assert response.status_code == 200
        assert time.monotonic() - started < 2
    finally:
        stalled.close()


def test_base_url_needs_a_running_server_and_port_is_released():
    site = SiteServer(MINI)
    with pytest.raises(RuntimeError):
        _ = site.base_url
    with site:
        url = site.url_for("batch1/feeds/circuit-street.xml")
        assert url.startswith("http://127.0.0.1:")
        assert requests.get(url, timeout=5).status_code == 200
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=2)


def test_missing_root_is_refused(tmp_path):
    with pytest.raises(FileNotFoundError):
        SiteServer(tmp_path / "nope")


def test_swapping_root_republishes_under_the_same_urls():
    # The server feature, exercised on two batch folders served as flat sites
    # (the mini site itself needs no swap: one root serves both batches).
    with SiteServer(MINI / "batch1") as site:
        feed_url = site.url_for("feeds/circuit-street.xml")
        before = requests.get(feed_url, timeout=5).text
        site.root = MINI / "batch2"
        after = requests.get(feed_url, timeout=5).text
        new_link = f"{site.base_url}/batch2/articles/{NEW_IN_BATCH2}"
        with pytest.raises(FileNotFoundError):
            site.root = MINI / "no-such-batch"
        assert requests.get(feed_url, timeout=5).text == after  # a refused swap keeps the old root
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
        urls = site.feed_urls("batch2")
        assert [urlsplit(u).path for u in urls] == [f"/batch2/{f}" for f in MINI_FEEDS]
        page_path = "batch1/articles/nvidia-invertira-5000-millones-intel.html"
        page = requests.get(site.url_for(page_path), timeout=5)
        assert page.status_code == 200
        assert page.content == (MINI / page_path).read_bytes().replace(b"__BASE__", site.base_url.encode())


# -- feed_urls -------------------------------------------------------------


@pytest.mark.parametrize(
    "root, subdir, expected_paths",
    [
        (MINI, "batch1", [f"/batch1/{f}" for f in MINI_FEEDS]),
        (MINI, "/batch2/", [f"/batch2/{f}" for f in MINI_FEEDS]),
        (MINI, "", [f"/batch{n}/{f}" for n in (1, 2, 3) for f in MINI_FEEDS]),
        (SITES, "mini/batch2", [f"/mini/batch2/{f}" for f in MINI_FEEDS]),
        (SITES, "", [f"/mini/batch{n}/{f}" for n in (1, 2, 3) for f in MINI_FEEDS]),
        (DEMO, "", [f"/feeds/{p.name}" for p in sorted((DEMO / "feeds").glob("*.xml"))]),
    ],
)
def test_feed_urls_lists_every_feed_sorted(root, subdir, expected_paths):
    with SiteServer(root) as site:
        urls = site.feed_urls(subdir)
        assert urls == sorted(urls)
        assert all(u.startswith(site.base_url + "/") for u in urls)
        assert [urlsplit(u).path for u in urls] == expected_paths
        assert all(requests.get(u, timeout=5).status_code == 200 for u in urls)


@pytest.mark.parametrize("root, subdir", [(MINI, "batch9"), (MINI, "batch1/feeds/circuit-street.xml"),
                                          (SITES, "mini_batch2")])
def test_feed_urls_refuses_a_missing_subdir(root, subdir):
    with SiteServer(root) as site, pytest.raises(FileNotFoundError):
        site.feed_urls(subdir)


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


@pytest.mark.parametrize("batch", batches_of("mini"))
def test_every_mini_feed_link_is_served(mini_site, batch):
    urls = mini_site.feed_urls(batch)
    assert len(urls) == len(MINI_FEEDS)
    for url in urls:
        for _, link in feed_links(requests.get(url, timeout=5).content):
            assert link.startswith(mini_site.base_url + "/batch")
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


def allowed_batches(site_name: str, batch: str) -> list[str]:
    """Batch folders a file of ``batch`` may link to: its own and earlier ones."""
    batches = batches_of(site_name)
    return batches[: batches.index(batch) + 1]


def check_site_path(site_name: str, root: Path, batch: str, relative: str, folder: str) -> None:
    """``relative`` (a URL path without ``__BASE__/``) is a file of ``folder``
    in ``batch`` or an earlier batch of the site, or of a flat site's root."""
    parts = relative.split("/")
    if batch:
        assert len(parts) == 3 and parts[1] == folder, relative
        assert parts[0] in allowed_batches(site_name, batch), relative
    else:
        assert len(parts) == 2 and parts[0] == folder, relative
    assert (root / relative).is_file(), relative


@pytest.mark.parametrize("site_name, root, batch, feed", FEEDS, ids=_ids(FEEDS))
def test_feed_parses_and_every_item_links_to_an_article_file(site_name, root, batch, feed):
    items = feed_items(feed.read_bytes())
    assert items, "feed has no items"
    guids = [item.guid for item in items]
    assert len(set(guids)) == len(guids), "duplicate guid/id"
    for item in items:
        assert item.link.startswith("__BASE__/"), item.link
        check_site_path(site_name, root, batch, item.link.removeprefix("__BASE__/"), "articles")
        assert item.published.tzinfo is not None


@pytest.mark.parametrize("site_name, root, batch, path", FEEDS + OUR_ARTICLES, ids=_ids(FEEDS + OUR_ARTICLES))
def test_every_feed_and_article_url_in_a_file_resolves(site_name, root, batch, path):
    refs = [m.group(1).decode() for m in SITE_FILE_REF.finditer(path.read_bytes())]
    assert refs, "links to no feed or article at all"
    for relative in refs:
        folder = relative.split("/")[-2]
        check_site_path(site_name, root, batch, relative, folder)
        if folder == "feeds":  # a page links to its outlet's feed as published in its own batch
            assert relative.split("/")[0] == (batch or "feeds"), relative


@pytest.mark.parametrize("site_name, root, batch, page", OUR_ARTICLES, ids=_ids(OUR_ARTICLES))
def test_article_canonical_url_is_its_own_address(site_name, root, batch, page):
    raw = page.read_bytes()
    canonical = re.findall(rb'<link rel="canonical" href="([^"]+)"', raw)
    assert canonical == [b"__BASE__/" + page.relative_to(root).as_posix().encode()]


@pytest.mark.parametrize("site_name, root, batch, page", ARTICLES, ids=_ids(ARTICLES))
def test_article_has_news_article_json_ld(site_name, root, batch, page):
    article = news_article(page.read_bytes())
    assert article["headline"].strip()
    assert datetime.fromisoformat(article["datePublished"]).tzinfo is not None
    assert article["inLanguage"].split("-")[0] in ("en", "es")


@pytest.mark.parametrize("site_name, root, batch, page", ARTICLES, ids=_ids(ARTICLES))
def test_article_urls_use_the_base_placeholder(site_name, root, batch, page):
    raw = page.read_bytes()
    assert raw.count(b"__BASE__") >= 3  # canonical, og:url, links
    assert not re.search(rb"__BASE__(?!/)", raw)
    assert not re.search(rb"https?://(127\.0\.0\.1|localhost)", raw)


@pytest.mark.parametrize("site_name, root, batch", BATCHES, ids=[f"{n}/{b}" for n, _, b in BATCHES])
def test_every_article_of_a_batch_is_listed_in_that_batchs_feeds(site_name, root, batch):
    folder = batch_dir(root, batch)
    own_prefix = f"__BASE__/{batch + '/' if batch else ''}articles/"
    linked = {
        link.removeprefix(own_prefix)
        for feed in (folder / "feeds").glob("*.xml")
        for _, link in feed_links(feed.read_bytes())
        if link.startswith(own_prefix)
    }
    assert linked == {p.name for p in (folder / "articles").glob("*.html")}


def test_mini_batches_hold_no_copies_of_earlier_articles():
    seen: set[str] = set()
    for batch in batches_of("mini"):
        names = {p.name for p in (MINI / batch / "articles").glob("*.html")}
        assert names, f"{batch} publishes no article"
        assert not names & seen, f"{batch} copies {names & seen}"
        seen |= names
    assert {p.name for p in MINI.iterdir()} == {*batches_of("mini"), "expected.json"}


def test_demo_covers_languages_feed_formats_and_charsets():
    kinds = set()
    for _, _, _, feed in (item for item in FEEDS if item[0] == "demo"):
        root = ET.fromstring(feed.read_bytes())
        fmt = "rss" if root.tag == "rss" else "atom"
        lang = (root.findtext("channel/language") or root.get("{http://www.w3.org/XML/1998/namespace}lang"))[:2]
        kinds.add((lang, fmt))
    assert {("en", "rss"), ("en", "atom"), ("es", "rss")} <= kinds
    demo_pages = [p for n, _, _, p in ARTICLES if n == "demo"]
    charsets = {declared_charset(p.read_bytes()).lower() for p in demo_pages}
    assert "windows-1252" in charsets
    languages = [news_article(p.read_bytes())["inLanguage"][:2] for p in demo_pages]
    assert languages.count("en") >= 5 and languages.count("es") >= 4


def test_mini_covers_both_languages_feed_formats_and_a_windows_1252_page():
    formats = {ET.fromstring(f.read_bytes()).tag for n, _, b, f in FEEDS if n == "mini" and b == "batch1"}
    assert formats == {"rss", f"{ATOM}feed"}
    pages = [p.read_bytes() for n, _, _, p in ARTICLES if n == "mini"]
    assert {news_article(p)["inLanguage"][:2] for p in pages} == {"en", "es"}
    assert "windows-1252" in {declared_charset(p).lower() for p in pages}


def test_demo_ships_the_seed_article_unchanged():
    assert hashlib.sha256((DEMO / "articles" / SEED_NAME).read_bytes()).hexdigest() == SEED_SHA256


# -- expected deals and alerts of the mini site ------------------------------

DEAL_FIELDS = {"deal_type", "payer", "payee", "amount", "currency", "stake_pct", "status"}
CHANGING_FIELDS = ("amount", "stake_pct", "status")


def load_expected() -> dict:
    return json.loads((MINI / "expected.json").read_text(encoding="utf-8"))


def deal_key(deal: dict) -> tuple[str, str, str]:
    return deal["deal_type"], deal["payer"], deal["payee"]


def batch_text(batches: list[str]) -> str:
    pages = [p.read_bytes() for batch in batches for p in (MINI / batch / "articles").glob("*.html")]
    return "\n".join(page.decode(declared_charset(page)) for page in pages)


def test_expected_has_the_deals_after_each_batch_and_the_alerts_of_each_later_one():
    batches = batches_of("mini")
    assert set(load_expected()) == {*batches, *(f"{b}_alerts" for b in batches[1:])}


@pytest.mark.parametrize("batch", batches_of("mini"))
def test_expected_deals_are_well_formed_and_named_in_the_articles(batch):
    deals = load_expected()[batch]
    assert deals
    text = batch_text(allowed_batches("mini", batch))  # what a reader has seen by then
    keys = set()
    for deal in deals:
        assert set(deal) == DEAL_FIELDS
        assert deal["deal_type"] in DEAL_TYPES
        assert deal["status"] in STATUSES
        assert deal["payer"] != deal["payee"]
        assert deal["payer"] in text and deal["payee"] in text
        assert (deal["amount"] is None) == (deal["currency"] is None)
        assert deal["amount"] is None or deal["amount"] > 0
        assert deal["stake_pct"] is None or 0 < deal["stake_pct"] <= 100
        keys.add(deal_key(deal))
    assert len(keys) == len(deals), "a deal is listed twice"


# What each later batch is for: batch 2 brings one new deal and changes none; batch 3 brings no
# new deal and changes two (a rumour confirmed with its amount, an investment completed).
ALERTS_OF_BATCH = {
    "batch2": [("new_deal", "cloud_contract", "Meta", "CoreWeave", None)],
    "batch3": [("deal_changed", "chip_supply", "Meta", "Google", "amount"),
               ("deal_changed", "chip_supply", "Meta", "Google", "status"),
               ("deal_changed", "investment", "SoftBank", "OpenAI", "status")],
}


@pytest.mark.parametrize("earlier, later", list(zip(batches_of("mini"), batches_of("mini")[1:])))
def test_alerts_of_a_batch_are_exactly_the_difference_from_the_one_before(earlier, later):
    expected = load_expected()
    before = {deal_key(d): d for d in expected[earlier]}
    after = {deal_key(d): d for d in expected[later]}
    assert before.keys() <= after.keys(), f"a deal vanished in {later}"
    wanted = [{"alert_type": "new_deal", "deal_type": t, "payer": p, "payee": e}
              for t, p, e in sorted(after.keys() - before.keys())]
    for key in sorted(before.keys()):
        for name in CHANGING_FIELDS:
            if before[key][name] != after[key][name]:
                wanted.append({"alert_type": "deal_changed", "deal_type": key[0], "payer": key[1], "payee": key[2],
                               "field": name, "old": before[key][name], "new": after[key][name]})
    alerts = expected[f"{later}_alerts"]
    assert sorted(alerts, key=json.dumps) == sorted(wanted, key=json.dumps)
    assert sorted((a["alert_type"], a["deal_type"], a["payer"], a["payee"], a.get("field")) for a in alerts) \
        == ALERTS_OF_BATCH[later]
    new_text = batch_text([later])
    assert all(a["payer"] in new_text and a["payee"] in new_text for a in alerts)


@pytest.mark.parametrize("earlier, later", list(zip(batches_of("mini"), batches_of("mini")[1:])))
def test_later_feeds_republish_every_earlier_item_unchanged(earlier, later):
    old_feeds = sorted(p.name for p in (MINI / earlier / "feeds").glob("*.xml"))
    assert sorted(p.name for p in (MINI / later / "feeds").glob("*.xml")) == old_feeds
    for name in old_feeds:
        new_items = {item.guid: item for item in feed_items((MINI / later / "feeds" / name).read_bytes())}
        for item in feed_items((MINI / earlier / "feeds" / name).read_bytes()):
            assert item.guid in new_items, f"{name} dropped {item.guid}"
            assert new_items[item.guid] == item, f"{name} changed {item.guid}"
            assert item.link.startswith(f"__BASE__/{earlier}/articles/") or earlier != "batch1"


def test_batch2_adds_one_article_that_is_new_by_guid_not_by_date():
    new_items = []
    for feed in sorted((MINI / "batch2" / "feeds").glob("*.xml")):
        old = feed_items((MINI / "batch1" / "feeds" / feed.name).read_bytes())
        old_guids = {item.guid for item in old}
        for item in feed_items(feed.read_bytes()):
            if item.guid not in old_guids:
                new_items.append(item)
                # Dated before items already seen: a reader going by dates would miss it.
                assert item.published < max(o.published for o in old), item.guid
    assert [item.link for item in new_items] == [f"__BASE__/batch2/articles/{NEW_IN_BATCH2}"]
