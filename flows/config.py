"""The config file (TOML): feeds, fetch settings, alert channels."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from extractors.errors import UsageError
from extractors.http import FetchSettings

DEFAULT_CONFIG = "dealwatch.toml"
DEFAULT_DB = "dealwatch.duckdb"
ALERT_SCHEMES_BUILTIN = ("jsonl", "http", "https")


class ConfigError(UsageError):
    """The config file is missing, unreadable or says something impossible."""

    def __init__(self, path: str | os.PathLike, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = str(path)
        self.problem = problem


@dataclass(frozen=True)
class FeedConfig:
    url: str
    name: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Config:
    path: str
    feeds: tuple[FeedConfig, ...]
    fetch: FetchSettings = field(default_factory=FetchSettings)
    # Kept exactly as written: ${VAR} placeholders are expanded only when an
    # alert is sent, so secrets never reach the database or the logs.
    alert_urls: tuple[str, ...] = ()


def resolve_db_path(db: str | os.PathLike | None) -> str:
    """``--db``, else ``$DEALWATCH_DB``, else dealwatch.duckdb in the working directory."""
    return str(db or os.environ.get("DEALWATCH_DB") or DEFAULT_DB)


def load_config(path: str | os.PathLike = DEFAULT_CONFIG) -> Config:
    path = Path(path)
    if not path.exists():
        raise ConfigError(path, "no such file (create one with `dealwatch init`)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(path, f"not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(path, f"cannot read: {exc.strerror or exc}") from None
    return parse_config(data, path)


def parse_config(data: dict, path: str | os.PathLike = "<config>") -> Config:
    unknown = set(data) - {"feeds", "fetch", "alerts"}
    if unknown:
        raise ConfigError(path, f"unknown section(s): {', '.join(sorted(unknown))}")
    feeds = tuple(_parse_feed(item, i, path) for i, item in enumerate(_list_of_tables(data, "feeds", path)))
    if not feeds:
        raise ConfigError(path, "no [[feeds]] given: add at least one feed url")
    seen: set[str] = set()
    for feed in feeds:
        if feed.url in seen:
            raise ConfigError(path, f"feed listed twice: {feed.url}")
        seen.add(feed.url)
    return Config(
        path=str(path),
        feeds=feeds,
        fetch=_parse_fetch(_table(data, "fetch", path), path),
        alert_urls=_parse_alert_urls(_table(data, "alerts", path), path),
    )


def _table(data: dict, key: str, path) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(path, f"[{key}] must be a table")
    return value


def _list_of_tables(data: dict, key: str, path) -> list[dict]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ConfigError(path, f"{key} must be written as [[{key}]] tables")
    return value


def _parse_feed(item: dict, index: int, path) -> FeedConfig:
    where = f"feeds[{index}]"
    unknown = set(item) - {"url", "name", "language"}
    if unknown:
        raise ConfigError(path, f"{where}: unknown key(s): {', '.join(sorted(unknown))}")
    url = item.get("url")
    if not isinstance(url, str) or not url.strip():
        raise ConfigError(path, f"{where}: url is missing")
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(path, f"{where}: url {url!r} is not an http(s) URL")
    name = item.get("name")
    language = item.get("language")
    for key, value in (("name", name), ("language", language)):
        if value is not None and not isinstance(value, str):
            raise ConfigError(path, f"{where}: {key} must be a string")
    return FeedConfig(url=url, name=name, language=language.lower()[:2] if language else None)


_FETCH_KEYS = {
    "allow_private_networks": bool,
    "user_agent": str,
    "connect_timeout": (int, float),
    "read_timeout": (int, float),
    "total_timeout": (int, float),
    "max_bytes": int,
    "retries": int,
    "backoff": (int, float),
    "max_retry_after": (int, float),
    "per_host_delay": (int, float),
    "max_per_host": int,
    "respect_robots_txt": bool,
}
# Keys where 0 makes sense: no retries, no pause between requests to one site.
_MAY_BE_ZERO = {"retries", "per_host_delay"}


def _parse_fetch(table: dict, path) -> FetchSettings:
    values = {}
    for key, value in table.items():
        expected = _FETCH_KEYS.get(key)
        if expected is None:
            raise ConfigError(path, f"[fetch]: unknown key {key!r} (known: {', '.join(sorted(_FETCH_KEYS))})")
        # bool is an int in Python: keep `retries = true` from passing as 1.
        if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
            raise ConfigError(path, f"[fetch]: {key} has the wrong type ({type(value).__name__})")
        if expected is not bool and expected is not str:
            if value < 0 or (value == 0 and key not in _MAY_BE_ZERO):
                raise ConfigError(path, f"[fetch]: {key} must be {'zero or more' if key in _MAY_BE_ZERO else 'positive'}")
        values[key] = value
    return FetchSettings(**values)


def _parse_alert_urls(table: dict, path) -> tuple[str, ...]:
    unknown = set(table) - {"urls"}
    if unknown:
        raise ConfigError(path, f"[alerts]: unknown key(s): {', '.join(sorted(unknown))}")
    urls = table.get("urls", [])
    if not isinstance(urls, list) or not all(isinstance(u, str) and u.strip() for u in urls):
        raise ConfigError(path, "[alerts] urls must be a list of non-empty strings")
    for url in urls:
        scheme = urlsplit(url).scheme
        if not scheme:
            raise ConfigError(path, f"[alerts]: {url!r} has no scheme (jsonl://, https://, or an apprise URL)")
    if len(set(urls)) != len(urls):
        raise ConfigError(path, "[alerts]: a url is listed twice")
    return tuple(u.strip() for u in urls)
