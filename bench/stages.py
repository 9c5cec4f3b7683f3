"""The measured work. Each stage runs in a subprocess of its own:
``python -m bench.stages STAGE --out FILE --args JSON``, and writes what it
saw to FILE as JSON, so its wall time and peak memory are its own.

* ``flow``: the real ``ingest_news`` flow (through ``flows.runner.run_once``, as
  ``dealwatch run`` calls it) on a config listing the bench feeds.
* ``baseline``: what cannot be avoided -- the same pages fetched by a thread
  pool of ``requests`` and their text extracted by trafilatura, the HTML
  extractor the flow uses, with the flow's options. Nothing else.
* ``prefect``: a flow that does nothing: Prefect's own start-up and shutdown.
* ``models``: the SQL models built on synthetic raw rows made by DuckDB itself.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from pathlib import Path


def flow_stage(config: str, db: str, batch_size: int) -> dict:
    started = time.perf_counter()
    from flows.runner import run_once

    imported = time.perf_counter()
    summary = run_once(config, db, batch_size=batch_size)
    done = time.perf_counter()
    return {"import_seconds": imported - started, "flow_seconds": done - imported,
            "summary": dataclasses.asdict(summary)}


def baseline_stage(feeds: list[str], workers: int) -> dict:
    import xml.etree.ElementTree as ET
    from concurrent.futures import ThreadPoolExecutor

    import requests
    import trafilatura
    from requests.adapters import HTTPAdapter

    started = time.perf_counter()
    session = requests.Session()
    session.mount("http://", HTTPAdapter(pool_connections=64, pool_maxsize=workers))
    links: list[str] = []
    for url in feeds:
        response = session.get(url, timeout=60)
        response.raise_for_status()
        links += [link.text for link in ET.fromstring(response.content).findall("./channel/item/link") if link.text]

    def fetch_and_extract(url: str) -> int:
        response = session.get(url, timeout=60)
        response.raise_for_status()
        # The options of the flow's main call (extractors.articles._trafilatura).
        text = trafilatura.extract(response.content, url=url, favor_precision=True, include_comments=False,
                                   include_tables=False, include_images=False, include_links=False,
                                   output_format="txt")
        return len(text or "")

    with ThreadPoolExecutor(max_workers=workers) as pool:
        sizes = list(pool.map(fetch_and_extract, links))
    return {"pages": len(sizes), "empty": sum(1 for s in sizes if not s), "chars": sum(sizes),
            "work_seconds": time.perf_counter() - started}


def prefect_stage() -> dict:
    started = time.perf_counter()
    from prefect import flow

    @flow(name="bench-noop")
    def noop() -> int:
        return 1

    imported = time.perf_counter()
    noop()
    return {"import_seconds": imported - started, "flow_seconds": time.perf_counter() - imported}


def models_stage(db: str, mentions: int, mentions_per_article: float, extra: int) -> dict:
    from bench.synthetic_raw import add_mentions, fill_raw_tables
    from warehouse.alerts import raise_alerts
    from warehouse.db import connect, scalar, transaction
    from warehouse.history import snapshot_deals
    from warehouse.models import build_models

    con = connect(db)
    try:
        t0 = time.perf_counter()
        articles = fill_raw_tables(con, mentions, mentions_per_article)
        t1 = time.perf_counter()
        with transaction(con):
            build_models(con)
            snapshot_deals(con, "bench-models")
        t2 = time.perf_counter()
        with transaction(con):
            alerts = raise_alerts(con, "bench-models", ())
        t3 = time.perf_counter()
        deals = scalar(con, "select count(*) from deals")
        loops = scalar(con, "select count(*) from circular_deals")
        # A later run: a few new articles on top of the history, then the same build.
        add_mentions(con, mentions, extra, mentions_per_article)
        t4 = time.perf_counter()
        with transaction(con):
            build_models(con)
            snapshot_deals(con, "bench-models-2")
            raise_alerts(con, "bench-models-2", ())
        t5 = time.perf_counter()
    finally:
        con.close()
    return {"mentions": mentions, "articles": articles, "deals": deals, "loops": loops, "alerts": alerts,
            "load_seconds": t1 - t0, "models_seconds": t2 - t1, "alerts_seconds": t3 - t2,
            "extra_mentions": extra, "rebuild_seconds": t5 - t4}


def own_peak_rss_mb() -> float | None:
    """This process's peak resident set since it started (VmHWM): ``ru_maxrss`` would also count the
    pages of the process it was forked from, which Linux keeps across exec."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


STAGES = {"flow": flow_stage, "baseline": baseline_stage, "prefect": prefect_stage, "models": models_stage}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="one measured bench stage")
    parser.add_argument("stage", choices=sorted(STAGES))
    parser.add_argument("--out", required=True, help="where to write the stage's result (JSON)")
    parser.add_argument("--args", default="{}", help="keyword arguments of the stage, as JSON")
    options = parser.parse_args(argv)
    result = STAGES[options.stage](**json.loads(options.args))
    result["own_peak_rss_mb"] = own_peak_rss_mb()
    Path(options.out).write_text(json.dumps(result, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
