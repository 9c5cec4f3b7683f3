"""The bench's table, its ratios and the issue's targets."""

from __future__ import annotations

import math

from bench.measure import Measured

# Issue 6's targets, as ratios so they hold on a noisy machine.
COLD_VS_BASELINE_MAX = 1.3  # at N = 5,000
COLD_TARGET_SIZE = 5000
WARM_BEYOND_PREFECT_MAX_S = 2.0
RSS_GROWTH_MAX = 1.5  # N = 20,000 against N = 5,000
RSS_SIZES = (5000, 20000)
MODELS_MAX_S = 10.0
# The flow's RunSummary.stage_seconds, in the order they happen. fetch, parse and extract run side
# by side (threads, worker processes) and are summed over pages; "articles" is their wall-clock span.
STAGES = ("feeds", "fetch", "parse", "extract", "articles", "load", "models", "alerts", "commit", "deliver", "total")
SUMMED_STAGES = ("fetch", "parse", "extract")


def stage_row(measured: Measured, articles: int | None) -> dict:
    """One line of the table, with the 1-minute load average when the stage started."""
    return {"seconds": measured.seconds, "cpu_seconds": measured.cpu_seconds,
            "articles_per_s": articles / measured.seconds if articles and measured.seconds else None,
            "peak_rss_mb": measured.peak_rss_mb, "tree_peak_mb": measured.tree_peak_mb, "load": measured.load}


def flow_breakdown(cold: dict, articles: int) -> dict[str, dict]:
    """Per-stage rows of the cold run: the flow's own ``stage_seconds`` when it reports them,
    else what can be seen from outside (imports, the runs table, the fetch log)."""
    rows: dict[str, dict] = {}
    stage_seconds = cold["summary"].get("stage_seconds") or {}
    rows["  imports"] = {"seconds": cold["import_seconds"]}
    if stage_seconds:
        for name in STAGES + tuple(sorted(set(stage_seconds) - set(STAGES))):
            if name in stage_seconds:
                seconds = stage_seconds[name]
                label = f"  {name} (summed over pages)" if name in SUMMED_STAGES else f"  {name}"
                rows[label] = {"seconds": seconds, "articles_per_s": articles / seconds if seconds > 0.05 else None}
    else:
        # Hook: once RunSummary carries stage_seconds, the rows above replace these.
        pages = cold["warehouse"]["fetch_log"].get("article", {})
        rows["  page fetches (sum of per-page ms)"] = {"seconds": pages.get("ms", 0) / 1000}
    if cold["warehouse"]["run_seconds"] is not None:
        rows["  run start -> commit (runs table)"] = {"seconds": cold["warehouse"]["run_seconds"]}
    return rows


def warm_breakdown(warm: dict) -> dict[str, dict]:
    """Where a warm rerun's time goes, beyond starting Python and Prefect."""
    stage_seconds = warm["summary"].get("stage_seconds") or {}
    rows = {"  warm: imports": {"seconds": warm["import_seconds"]}}
    store = sum(stage_seconds.get(k, 0.0) for k in ("load", "models", "alerts", "commit"))
    for label, seconds in (("feeds (conditional GETs)", stage_seconds.get("feeds")),
                           ("store (load, models, alerts)", store if stage_seconds else None),
                           ("deliver", stage_seconds.get("deliver")), ("flow body", stage_seconds.get("total")),
                           ("flow call incl. Prefect start", warm["flow_seconds"])):
        if seconds is not None:
            rows[f"  warm: {label}"] = {"seconds": seconds}
    return rows


def _parsing_share(cold: dict, cpus: int) -> dict:
    """How close the run is to the cost of its own parsing: its parse and extract work spread over
    every core, against the wall-clock time of the flow's body; and that work per page."""
    stages = cold["summary"].get("stage_seconds") or {}
    pages = cold["summary"]["articles_new"]
    if not stages or not pages:
        return {}
    work = stages["parse"] + stages["extract"]
    return {"parse_ms_per_page": 1000 * stages["parse"] / pages, "extract_ms_per_page": 1000 * stages["extract"] / pages,
            "body_vs_parsing_on_all_cores": _ratio(stages["total"], work / max(1, cpus))}


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or not b:
        return None
    return a / b


def _target(value: float | None, limit: float, strict: bool = False) -> dict:
    met = None if value is None else (value < limit if strict else value <= limit)
    return {"value": value, "limit": limit, "met": met}


def ratios(results: dict) -> dict:
    out: dict = {"per_size": {}}
    for n, size in results.get("sizes", {}).items():
        rows, facts = size["rows"], size["facts"]
        # Every warm rerun counts: none of them may fetch an article page.
        warm_served = {"article": sum(w["served"].get("article", 0) for w in facts["warm_runs"])}
        warm_log = sum(w["warehouse"]["fetch_log"].get("article", {}).get("rows", 0) for w in facts["warm_runs"])
        out["per_size"][n] = {
            "cold_vs_baseline": _ratio(rows["flow cold"]["seconds"], rows["baseline"]["seconds"]),
            "warm_beyond_prefect_s": rows["flow warm (best)"]["seconds"] - rows["prefect start-up (best)"]["seconds"],
            "warm_article_pages_served": warm_served.get("article", 0),
            "warm_article_fetch_log_rows": warm_log,
            "cold_articles_new": facts["cold"]["summary"]["articles_new"],
            **_parsing_share(facts["cold"], results["machine"]["cpus"]),
            "deals": facts["cold"]["warehouse"]["deals"],
            "mentions": facts["cold"]["warehouse"]["mentions"],
        }
    targets: dict = {}
    target_size = out["per_size"].get(str(COLD_TARGET_SIZE))
    if target_size:
        targets["cold_vs_baseline_at_5000"] = _target(target_size["cold_vs_baseline"], COLD_VS_BASELINE_MAX)
    if out["per_size"]:
        worst = max(s["warm_beyond_prefect_s"] for s in out["per_size"].values())
        fetched = sum(s["warm_article_pages_served"] + s["warm_article_fetch_log_rows"]
                      for s in out["per_size"].values())
        targets["warm_beyond_prefect_s"] = _target(worst, WARM_BEYOND_PREFECT_MAX_S)
        targets["warm_article_pages_fetched"] = _target(fetched, 0)
    small, large = (results.get("sizes", {}).get(str(n)) for n in RSS_SIZES)
    if small and large:
        for column in ("peak_rss_mb", "tree_peak_mb"):
            targets[f"rss_{RSS_SIZES[1]}_vs_{RSS_SIZES[0]}_{column}"] = _target(
                _ratio(large["rows"]["flow cold"][column], small["rows"]["flow cold"][column]),
                RSS_GROWTH_MAX, strict=True)
    if "models" in results:
        targets["models_1m_mentions_s"] = _target(results["models"]["models_seconds"], MODELS_MAX_S, strict=True)
    out["targets"] = targets
    return out


def _cell(value, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def print_report(results: dict) -> None:
    settings = results["settings"]
    header = f"{'stage':<38}{'seconds':>9}{'articles/s':>12}{'peak RSS MB':>13}{'tree MB':>9}{'load':>6}"
    for n, size in results.get("sizes", {}).items():
        print(f"\nN = {n} articles (seed {settings['seed']}, {settings['feeds']} feeds, batch {settings['batch_size']},"
              f" {results['machine']['cpus']} CPUs, Prefect API: {settings.get('prefect', 'ephemeral')})")
        print(header)
        print("-" * len(header))
        for stage, row in size["rows"].items():
            print(f"{stage:<38}{_cell(row.get('seconds'), 2):>9}{_cell(row.get('articles_per_s')):>12}"
                  f"{_cell(row.get('peak_rss_mb'), 0):>13}{_cell(row.get('tree_peak_mb'), 0):>9}"
                  f"{_cell(row.get('load'), 2):>6}")
        r = results["ratios"]["per_size"][n]
        baseline = size["rows"]["baseline"]
        baseline_ms = 1000 * baseline.get("cpu_seconds", float("nan")) / int(n)
        if "parse_ms_per_page" in r:
            print(f"per page: parse {r['parse_ms_per_page']:.1f} ms + extract {r['extract_ms_per_page']:.1f} ms of CPU "
                  f"(baseline: {baseline_ms:.1f} ms of CPU for fetch and trafilatura); flow body / "
                  f"(parse + extract spread over {results['machine']['cpus']} cores): "
                  f"{_cell(r['body_vs_parsing_on_all_cores'], 2)}x")
        print(f"cold / baseline: {_cell(r['cold_vs_baseline'], 2)}x   "
              f"warm - prefect start-up: {_cell(r['warm_beyond_prefect_s'], 2)} s "
              f"(best of {len(size['facts']['warm_runs'])}; Prefect's server settled "
              f"{_cell(size['facts'].get('prefect_settle_seconds'), 0)} s after the cold run)   "
              f"article pages fetched by the warm run: {r['warm_article_pages_served']} served, "
              f"{r['warm_article_fetch_log_rows']} in fetch_log   "
              f"deals: {r['deals']} from {r['mentions']} mentions")
    models = results.get("models")
    if models:
        print(f"\nmodels on {models['mentions']:,} deal mentions ({models['articles']:,} articles, "
              f"{models['deals']:,} deals; load {_cell(models['load'], 2)}): "
              f"build {models['models_seconds']:.2f} s, alerts {models['alerts_seconds']:.2f} s, "
              f"rebuild after +{models['extra_mentions']:,} mentions {models['rebuild_seconds']:.2f} s "
              f"(raw rows made in {models['load_seconds']:.1f} s)")
    targets = results.get("ratios", {}).get("targets", {})
    if targets:
        print("\ntargets:")
        for name, t in targets.items():
            verdict = {True: "met", False: "MISSED", None: "n/a"}[t["met"]]
            print(f"  {name:<40} {_cell(t['value'], 2):>8}  (limit {t['limit']})  {verdict}")
