"""robots.txt per RFC 9309: parsing and matching as tables, then the Fetcher against loopback sites."""

from __future__ import annotations

import socket

import pytest

from extractors.errors import RobotsDisallowed, RobotsUnreachable
from extractors.http import is_transient
from extractors.http import Fetcher, FetchSettings
from extractors.robots import ROBOTS_MAX_BYTES, RobotsAnswer, parse_robots, product_token, rules_from_answer
from tests.loopback import Route, serve

AGENT = "dealwatch"

# (robots.txt, path, allowed) -- each row a rule of RFC 9309 or a gap of urllib.robotparser.
MATCHING = [
    # no file content, no rule: everything allowed
    ("", "/anything", True),
    ("User-agent: *\nDisallow: /private/\n", "/private/x.html", False),
    ("User-agent: *\nDisallow: /private/\n", "/public/x.html", True),
    ("User-agent: *\nDisallow: /private/\n", "/private", True),  # prefix match: "/private" is not under "/private/"
    # the longest match wins, whatever the order (robotparser takes the first)
    ("User-agent: *\nDisallow: /news/\nAllow: /news/ai/\n", "/news/ai/deal.html", True),
    ("User-agent: *\nAllow: /news/ai/\nDisallow: /news/\n", "/news/sports.html", False),
    ("User-agent: *\nAllow: /news/\nDisallow: /news/ai/\n", "/news/ai/deal.html", False),
    # on a tie, allow wins
    ("User-agent: *\nDisallow: /page\nAllow: /page\n", "/page", True),
    # wildcards and the end anchor (robotparser knows neither)
    ("User-agent: *\nDisallow: /*.pdf$\n", "/files/report.pdf", False),
    ("User-agent: *\nDisallow: /*.pdf$\n", "/files/report.pdf?download=1", True),
    ("User-agent: *\nDisallow: /*?print=\n", "/a/story.html?print=1", False),
    ("User-agent: *\nDisallow: /*/amp/\n", "/2025/12/amp/story", False),
    ("User-agent: *\nDisallow: /\nAllow: /$\n", "/", True),
    ("User-agent: *\nDisallow: /\nAllow: /$\n", "/story", False),
    # a group naming us replaces the * group, and groups naming us are merged
    ("User-agent: *\nDisallow: /\n\nUser-agent: dealwatch\nAllow: /\n", "/story", True),
    ("User-agent: *\nAllow: /\n\nUser-agent: DealWatch\nDisallow: /news/\n", "/news/x", False),
    ("User-agent: dealwatch\nDisallow: /a/\n\nUser-agent: other\nDisallow: /\n\nUser-agent: dealwatch\nDisallow: /b/\n",
     "/b/x", False),
    ("User-agent: dealwatch\nDisallow: /a/\n\nUser-agent: other\nDisallow: /\n\nUser-agent: dealwatch\nDisallow: /b/\n",
     "/c/x", True),
    # several user-agent lines share one group; a version after the token is ignored
    ("User-agent: other\nUser-agent: dealwatch/2.0\nDisallow: /x/\n", "/x/1", False),
    # a named group with an empty Disallow allows everything to us, even when * disallows all
    ("User-agent: *\nDisallow: /\n\nUser-agent: dealwatch\nDisallow:\n", "/story", True),
    # other crawlers' groups do not apply to us
    ("User-agent: googlebot\nDisallow: /\n", "/story", True),
    # comments, odd case and spacing, unknown lines, rules before any user-agent
    ("Disallow: /early/\n# comment\nUSER-AGENT : *   # all\n  disallow :  /tmp/  # why\nSitemap: /s.xml\n"
     "Crawl-delay: 10\n", "/tmp/x", False),
    ("Disallow: /early/\nUser-agent: *\nDisallow: /tmp/\n", "/early/x", True),
    # percent-encoding: an encoded unreserved character equals the plain one; non-ASCII matches its UTF-8 escapes
    ("User-agent: *\nDisallow: /%7Euser/\n", "/~user/page", False),
    ("User-agent: *\nDisallow: /noticias/economía/\n", "/noticias/econom%C3%ADa/x", False),
    ("User-agent: *\nDisallow: /a%2fb\n", "/a%2Fb", False),
    # robots.txt itself is always allowed
    ("User-agent: *\nDisallow: /\n", "/robots.txt", True),
]


@pytest.mark.parametrize("text, path, allowed", MATCHING)
def test_matching(text: str, path: str, allowed: bool) -> None:
    answer = RobotsAnswer("https://site.example/robots.txt", 200, text.encode("utf-8"))
    verdict = rules_from_answer(answer, AGENT).allows("https://site.example" + path)
    assert verdict.allowed is allowed, verdict.why
    assert not verdict.temporary


@pytest.mark.parametrize("status, error, allowed", [
    (200, None, True),  # an empty file: no rules
    (404, None, True), (410, None, True), (401, None, True), (403, None, True),  # "unavailable": allow all
    (301, None, True),  # redirects beyond the limit: unavailable
    (429, None, False),  # asked to slow down: treated as unreachable
    (500, None, False), (503, None, False),  # "unreachable": disallow all
    (None, "timed out", False),
])
def test_what_a_status_means(status: int | None, error: str | None, allowed: bool) -> None:
    rules = rules_from_answer(RobotsAnswer("https://s.example/robots.txt", status, b"", error=error), AGENT)
    verdict = rules.allows("https://s.example/story")
    assert verdict.allowed is allowed and verdict.temporary is not allowed
    if status != 200:
        assert ("disallowed" if not allowed else "allowed") in verdict.why and "robots.txt" in verdict.why


@pytest.mark.parametrize("user_agent, token", [
    ("dealwatch/0.1 (+https://github.com/dealwatch/dealwatch)", "dealwatch"),
    ("My-Crawler_2", "my-crawler_"),
    ("  DealWatch", "dealwatch"),
])
def test_product_token(user_agent: str, token: str) -> None:
    assert product_token(user_agent) == token


def test_parse_keeps_only_our_rules() -> None:
    text = "User-agent: a\nDisallow: /a\n\nUser-agent: *\nDisallow: /star\n"
    assert [(r.pattern, r.allow) for r in parse_robots(text, "dealwatch")] == [("/star", False)]
    assert [(r.pattern, r.allow) for r in parse_robots(text, "a")] == [("/a", False)]


# --- through the Fetcher, against loopback sites -------------------------------------------------

def fetcher(**overrides) -> Fetcher:
    values = dict(allow_private_networks=True, per_host_delay=0.0, max_per_host=8, retries=0,
                  connect_timeout=1.0, read_timeout=1.0, total_timeout=3.0)
    return Fetcher(FetchSettings(**{**values, **overrides}))


def page_routes(robots: Route | None) -> dict:
    routes = {f"/news/{i}.html": Route(body=f"<p>news {i}</p>") for i in range(3)}
    routes.update({f"/private/{i}.html": Route(body=f"<p>secret {i}</p>") for i in range(3)})
    if robots is not None:
        routes["/robots.txt"] = robots
    return routes


def fetch_all(f: Fetcher, server, paths: list[str]) -> dict[str, str]:
    outcome = {}
    for path in paths:
        try:
            f.fetch(server.url(path), robots=True)
            outcome[path] = "fetched"
        except (RobotsDisallowed, RobotsUnreachable) as exc:
            # a robots.txt that did not answer may answer next run; a rule says the same again
            assert is_transient(exc) is isinstance(exc, RobotsUnreachable)
            outcome[path] = exc.reason
    return outcome


PATHS = ["/news/0.html", "/private/0.html", "/news/1.html", "/private/1.html"]


def test_disallowed_pages_are_never_requested_and_robots_txt_is_asked_once() -> None:
    robots = Route(body="User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    with serve(page_routes(robots)) as server, fetcher() as f:
        outcome = fetch_all(f, server, PATHS)
        log = f.robots_log()
    assert [p for p, o in outcome.items() if o == "fetched"] == ["/news/0.html", "/news/1.html"]
    assert all("disallowed by robots.txt" in o and "Disallow: /private/" in o
               for p, o in outcome.items() if p.startswith("/private/"))
    assert server.hits["/robots.txt"] == 1 and server.hits["/private/0.html"] == server.hits["/private/1.html"] == 0
    assert [(e.url, e.kind, e.status, e.error) for e in log] == [(server.url("/robots.txt"), "robots", 200, None)]
    assert server.requests[0].headers["User-Agent"].startswith("dealwatch/")


@pytest.mark.parametrize("robots, fetched", [
    (None, 4),  # no robots.txt (404): everything allowed
    (Route(status=503, body=b"busy"), 0),  # unreachable: nothing
    (Route(status=429, body=b"slow down"), 0),
    (Route(status=403, body=b"no"), 4),
    (Route(drop_connection=True), 0),  # no HTTP answer at all
    (Route(delay=3.0, body=b"User-agent: *\nAllow: /\n"), 0),  # too slow to answer: unreachable
], ids=["404", "503", "429", "403", "dropped", "hangs"])
def test_what_each_robots_answer_does_to_the_pages(robots: Route | None, fetched: int) -> None:
    with serve(page_routes(robots)) as server, fetcher() as f:
        outcome = fetch_all(f, server, PATHS)
        log = f.robots_log()
    assert sum(o == "fetched" for o in outcome.values()) == fetched
    assert sum(n for path, n in server.hits.items() if path != "/robots.txt") == fetched
    assert len(log) == 1 and log[0].kind == "robots"
    if not fetched:
        assert "unreachable" in log[0].error and all("unreachable" in o for o in outcome.values())


def test_robots_txt_is_per_site_and_checked_on_every_redirect_hop() -> None:
    with serve({"/robots.txt": Route(body="User-agent: *\nDisallow: /\n")}) as closed, \
            serve({"/go": Route.redirect("placeholder"), "/robots.txt": Route(status=404)}) as open_site, \
            fetcher() as f:
        open_site.routes["/go"] = Route.redirect(closed.url("/story.html"))
        with pytest.raises(RobotsDisallowed):
            f.fetch(open_site.url("/go"), robots=True)
    assert open_site.hits["/go"] == 1 and closed.hits["/story.html"] == 0
    assert closed.hits["/robots.txt"] == open_site.hits["/robots.txt"] == 1


def test_a_huge_robots_txt_is_read_up_to_the_cap() -> None:
    filler = "# " + "x" * 1000 + "\n"
    head = "User-agent: *\nDisallow: /private/\n"
    body = head + filler * (2 * ROBOTS_MAX_BYTES // len(filler)) + "Disallow: /news/\n"  # past the cap: unread
    with serve(page_routes(Route(body=body, content_type="text/plain"))) as server, fetcher() as f:
        outcome = fetch_all(f, server, PATHS)
    assert len(body.encode()) > 1.9 * ROBOTS_MAX_BYTES
    assert [p for p, o in outcome.items() if o == "fetched"] == ["/news/0.html", "/news/1.html"]


def test_robots_can_be_turned_off() -> None:
    robots = Route(body="User-agent: *\nDisallow: /\n")
    with serve(page_routes(robots)) as server, fetcher(respect_robots_txt=False) as f:
        outcome = fetch_all(f, server, PATHS)
    assert set(outcome.values()) == {"fetched"} and server.hits["/robots.txt"] == 0


def test_feeds_the_user_listed_are_not_checked() -> None:
    """robots=False (how feeds are fetched): robots.txt is not even asked for."""
    with serve(page_routes(Route(body="User-agent: *\nDisallow: /\n"))) as server, fetcher() as f:
        assert f.fetch(server.url("/news/0.html")).status == 200
    assert server.hits["/robots.txt"] == 0


def test_unreachable_site_is_disallowed_without_a_page_request() -> None:
    with socket.socket() as probe:  # a port with no listener
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with fetcher() as f, pytest.raises(RobotsUnreachable, match="unreachable"):
        f.fetch(f"http://127.0.0.1:{port}/story.html", robots=True)
