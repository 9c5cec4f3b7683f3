"""The command line: exit codes and one-line messages, through the installed console script."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

DEALWATCH = str(Path(sys.executable).parent / "dealwatch")


def dealwatch(*args, cwd=None, env=None):
    return subprocess.run([DEALWATCH, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


@pytest.mark.parametrize("content, problem", [
    (None, "no such file"),
    ("[[feeds]\nurl=", "not valid TOML"),
    ("[[feeds]]\nurl = 'gopher://example.com/feed'\n", "is not an http(s) URL"),
])
def test_run_with_bad_config_exits_2_with_one_line(tmp_path, content, problem):
    config = tmp_path / "dealwatch.toml"
    if content is not None:
        config.write_text(content)
    result = dealwatch("run", "--config", str(config), "--db", str(tmp_path / "x.duckdb"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(config) in lines[0] and problem in lines[0]
    assert not (tmp_path / "x.duckdb").exists()  # nothing started


def test_unknown_command_and_option_exit_2():
    assert dealwatch("frobnicate").returncode == 2
    assert dealwatch("deals", "--type", "merger").returncode == 2


def test_listing_a_missing_database_is_a_clear_error(tmp_path):
    result = dealwatch("deals", "--db", str(tmp_path / "absent.duckdb"))
    assert result.returncode == 1
    assert "no such database" in result.stderr and "dealwatch run" in result.stderr


def test_bad_sql_is_bad_usage(tmp_path):
    db = tmp_path / "w.duckdb"
    import duckdb

    duckdb.connect(str(db)).close()
    result = dealwatch("sql", "selec nonsense", "--db", str(db))
    assert result.returncode == 2 and result.stderr.count("\n") == 1


def test_sql_connection_is_read_only(tmp_path):
    db = tmp_path / "w.duckdb"
    import duckdb

    con = duckdb.connect(str(db))
    con.execute("create table t as select 1 as x")
    con.close()
    assert dealwatch("sql", "drop table t", "--db", str(db)).returncode == 2
    result = dealwatch("sql", "select x + 1 as y from t", "--db", str(db), "--format", "csv")
    assert result.returncode == 0 and result.stdout.split() == ["y", "2"]


def test_init_writes_a_valid_config_and_refuses_to_overwrite(tmp_path):
    target = tmp_path / "dealwatch.toml"
    assert dealwatch("init", str(target)).returncode == 0
    config = tomllib.loads(target.read_text())
    languages = {feed["language"] for feed in config["feeds"]}
    assert languages == {"en", "es"} and len(config["feeds"]) >= 8
    assert all(feed["url"].startswith("https://") for feed in config["feeds"])
    before = target.read_text()
    again = dealwatch("init", str(target))
    assert again.returncode == 2 and "already exists" in again.stderr
    assert target.read_text() == before


@pytest.mark.parametrize("command", ["run", "demo", "deals", "alerts", "sql", "init"])
def test_every_command_has_help_with_an_example(command):
    result = dealwatch(command, "--help")
    assert result.returncode == 0 and "example:" in result.stdout and "dealwatch " + command in result.stdout
