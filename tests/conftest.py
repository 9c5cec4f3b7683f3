"""Shared fixtures: a fresh database per test, records built by hand."""

from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest

# No telemetry or update checks from test runs on machines without internet.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@pytest.fixture
def db_path(tmp_path):
    """A fresh DuckDB file per test."""
    return str(tmp_path / "warehouse.duckdb")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)
