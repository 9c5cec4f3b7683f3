"""Shared fixtures: a fresh database per test, records built by hand, one Prefect test harness."""

from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest

# No telemetry or update checks from test runs on machines without internet.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@pytest.fixture(scope="session")
def prefect():
    """Prefect's test harness (a temporary API server), started once for every test that runs
    the flow in-process; its URL also serves `dealwatch run` subprocesses (see api_env)."""
    import prefect.settings
    from prefect.testing.utilities import prefect_test_harness

    # Flow-run heartbeats (for spotting crashed runs on a server) sleep in one-second steps
    # that every flow run waits out when it ends; tests have no use for them.
    with prefect_test_harness(server_startup_timeout=120), prefect.settings.temporary_settings(
            updates={prefect.settings.PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


@pytest.fixture(scope="session")
def api_env(prefect) -> dict[str, str]:
    """Environment for a `dealwatch` subprocess that talks to the harness's API server instead
    of starting its own temporary one (seconds faster, and nothing left behind by a kill -9)."""
    from prefect.settings import PREFECT_API_URL

    return {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


@pytest.fixture
def db_path(tmp_path):
    """A fresh DuckDB file per test."""
    return str(tmp_path / "warehouse.duckdb")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)
