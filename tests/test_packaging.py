"""A plain, non-editable install carries the SQL models and the sample sites and runs from anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True, timeout=300)
    (built,) = out.glob("dealwatch-*.whl")
    return built


def test_wheel_holds_models_and_sample_sites(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    sql_in_tree = {f"warehouse/sql/{p.relative_to(ROOT / 'sql').as_posix()}" for p in (ROOT / "sql").rglob("*.sql")}
    assert sql_in_tree and sql_in_tree <= names
    sites = {f"flows/demo_sites/{p.relative_to(ROOT / 'flows/demo_sites').as_posix()}"
             for p in (ROOT / "flows/demo_sites").rglob("*") if p.suffix in (".xml", ".html")}
    assert len(sites) >= 10 and sites <= names
    assert any(n.startswith("extractors/data/") and not n.endswith(".py") for n in names)
    assert not any(n.startswith("tests/") for n in names)


def test_installed_package_runs_the_demo_from_another_directory(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    str(wheel)], check=True, capture_output=True, timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    probe = subprocess.run([sys.executable, "-c", "import flows, warehouse.sqlfiles as s; "
                            "print(flows.__file__); print(s.sql_root())"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, check=True)
    assert all(line.startswith(str(target)) for line in probe.stdout.split())
    db = elsewhere / "demo.duckdb"
    result = subprocess.run([sys.executable, "-m", "flows.cli", "demo", "--db", str(db), "--port", "0"],
                            cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    con = duckdb.connect(str(db), read_only=True)
    deals = con.execute("select count(*) from deals").fetchall()[0][0]
    con.close()
    assert deals >= 10 and "deals" in result.stdout
