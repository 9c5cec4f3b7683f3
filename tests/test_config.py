"""The config file: what it accepts, and a one-line error naming the file for what it does not."""

from __future__ import annotations

import pytest

from flows.config import ConfigError, load_config, resolve_db_path

GOOD = """
[[feeds]]
url = "https://example.com/ai/feed.xml"
name = "Example"
language = "EN"

[[feeds]]
url = "http://example.org/rss"

[fetch]
allow_private_networks = true
user_agent = "dealwatch-test/1"
read_timeout = 3.5

[alerts]
urls = ["jsonl:///tmp/alerts.jsonl", "https://hooks.example.com/deals?key=${HOOK_KEY}"]
"""


def write(tmp_path, text, name="dealwatch.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_contract_example_loads(tmp_path):
    config = load_config(write(tmp_path, GOOD))
    assert [f.url for f in config.feeds] == ["https://example.com/ai/feed.xml", "http://example.org/rss"]
    assert config.feeds[0].language == "en" and config.feeds[1].name is None
    assert config.fetch.allow_private_networks is True
    assert config.fetch.user_agent == "dealwatch-test/1" and config.fetch.read_timeout == 3.5
    # placeholders are kept as written: expanded only when sending
    assert config.alert_urls[1].endswith("key=${HOOK_KEY}")


BAD = [
    ("not toml [[", "not valid TOML"),
    ("[[feeds]]\nurl = 'ftp://example.com/feed.xml'\n", "is not an http(s) URL"),
    ("[[feeds]]\nurl = 'file:///etc/passwd'\n", "is not an http(s) URL"),
    ("[[feeds]]\nname = 'no url'\n", "url is missing"),
    ("[fetch]\nallow_private_networks = true\n", "no [[feeds]] given"),
    ("[[feeds]]\nurl = 'https://a.example/f'\n[[feeds]]\nurl = 'https://a.example/f'\n", "feed listed twice"),
    ("[[feeds]]\nurl = 'https://a.example/f'\n[fetch]\nallow_private_networks = 'yes'\n", "wrong type"),
    ("[[feeds]]\nurl = 'https://a.example/f'\n[fetch]\nread_timeout = 0\n", "must be positive"),
    ("[[feeds]]\nurl = 'https://a.example/f'\n[fetch]\nspeed = 3\n", "unknown key 'speed'"),
    ("[[feeds]]\nurl = 'https://a.example/f'\n[fetch]\nper_host_delay = -1\n", "per_host_delay must be zero or more"),
    ("[[feeds]]\nurl = 'https://a.example/f'\n[fetch]\nretries = -1\n", "retries must be zero or more"),
    ("[[feeds]]\nurl = 'https://a.example/f'\n[fetch]\nmax_per_host = 0\n", "max_per_host must be positive"),
    ("[[feeds]]\nurl = 'https://a.example/f'\n[fetch]\nmax_per_host = 1.5\n", "max_per_host has the wrong type"),
    ("[[feeds]]\nurl = 'https://a.example/f'\n[fetch]\nrespect_robots_txt = 'no'\n", "respect_robots_txt has the wrong type"),
    ("[[feeds]]\nurl = 'https://a.example/f'\n[alerts]\nurls = 'jsonl://x'\n", "must be a list"),
    ("[[feeds]]\nurl = 'https://a.example/f'\n[alerts]\nurls = ['no-scheme']\n", "has no scheme"),
    ("[[feeds]]\nurl = 'https://a.example/f'\n[alert]\nurls = []\n", "unknown section(s): alert"),
    ("feeds = 'https://a.example/f'\n", "must be written as [[feeds]]"),
]


@pytest.mark.parametrize("text, problem", BAD, ids=[p for _, p in BAD])
def test_bad_config_names_file_and_problem(tmp_path, text, problem):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    message = str(raised.value)
    assert message.startswith(str(path)) and problem in message
    assert "\n" not in message


def test_missing_file_says_how_to_create_one(tmp_path):
    with pytest.raises(ConfigError, match="no such file.*dealwatch init"):
        load_config(tmp_path / "absent.toml")


def test_db_path_defaults(monkeypatch):
    monkeypatch.delenv("DEALWATCH_DB", raising=False)
    assert resolve_db_path(None) == "dealwatch.duckdb"
    monkeypatch.setenv("DEALWATCH_DB", "/data/deals.duckdb")
    assert resolve_db_path(None) == "/data/deals.duckdb"
    assert resolve_db_path("x.duckdb") == "x.duckdb"


def test_politeness_defaults_and_overrides(tmp_path):
    defaults = load_config(write(tmp_path, "[[feeds]]\nurl = 'https://a.example/f'\n")).fetch
    assert (defaults.per_host_delay, defaults.max_per_host, defaults.respect_robots_txt) == (0.5, 2, True)
    assert defaults.allow_private_networks is False
    tuned = load_config(write(tmp_path, "[[feeds]]\nurl = 'https://a.example/f'\n[fetch]\nper_host_delay = 0\n"
                                        "max_per_host = 1\nrespect_robots_txt = false\nretries = 0\n", "b.toml")).fetch
    assert (tuned.per_host_delay, tuned.max_per_host, tuned.respect_robots_txt, tuned.retries) == (0, 1, False, 0)
