"""``dealwatch serve``: the deployments of prefect.yaml, served by this process on their schedules.

prefect.yaml is the one place deployments are described: ``prefect deploy
--all`` reads it for workers, and this module reads the same names,
entrypoints, parameters, schedules and concurrency limits for Prefect's
``serve()``, so the two ways of running dealwatch never disagree. Work pools
are ignored here: a served deployment runs its flows in subprocesses of this
process, in its working directory.
"""

from __future__ import annotations

import importlib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from extractors.errors import DealwatchError
from flows.config import ConfigError

DEFAULT_PREFECT_FILE = "prefect.yaml"
# Keys of a prefect.yaml deployment this module applies; the others are for workers only.
_SERVED_KEYS = {"name", "description", "tags", "entrypoint", "parameters", "schedules", "concurrency_limit",
                "version"}
_WORKER_KEYS = {"work_pool", "build", "push", "pull", "job_variables"}
_SCHEDULE_KEYS = {"cron", "interval", "rrule", "timezone", "active", "anchor_date", "day_or", "parameters",
                  "slug"}


class PrefectServerUnreachable(DealwatchError):
    """No Prefect server is configured, or the configured one does not answer."""


def find_prefect_file(path: str | Path | None = None) -> Path:
    """``path``; else prefect.yaml in the working directory; else the one beside the source tree."""
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise ConfigError(path, "no such file")
        return path
    for candidate in (Path(DEFAULT_PREFECT_FILE), Path(__file__).resolve().parent.parent / DEFAULT_PREFECT_FILE):
        if candidate.is_file():
            return candidate
    raise ConfigError(DEFAULT_PREFECT_FILE, "no such file here: run `dealwatch serve` in the dealwatch project "
                                            "directory or pass --file")


def read_deployment_specs(path: Path) -> list[dict[str, Any]]:
    """The ``deployments:`` of a prefect.yaml, checked for what serving them needs."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(path, f"not valid YAML: {exc}") from None
    except OSError as exc:
        raise ConfigError(path, f"cannot read: {exc.strerror or exc}") from None
    specs = document.get("deployments") if isinstance(document, dict) else None
    if not isinstance(specs, list) or not specs or not all(isinstance(s, dict) for s in specs):
        raise ConfigError(path, "no deployments: list")
    names = [spec.get("name") for spec in specs]
    for spec, name in zip(specs, names):
        if not isinstance(name, str) or not name:
            raise ConfigError(path, "a deployment has no name")
        if not isinstance(spec.get("entrypoint"), str):
            raise ConfigError(path, f"deployment {name}: no entrypoint")
        unknown = set(spec) - _SERVED_KEYS - _WORKER_KEYS
        if unknown:
            raise ConfigError(path, f"deployment {name}: unknown key(s) {', '.join(sorted(unknown))}")
    if len(set(names)) != len(names):
        raise ConfigError(path, "a deployment name is listed twice")
    return specs


def load_entrypoint(entrypoint: str, where: str):
    """``flows/ingest.py:ingest_news`` -> the flow object, imported as a module (flows.ingest), so it works
    from any directory and from an installed package."""
    file_part, _, attribute = entrypoint.partition(":")
    if not file_part.endswith(".py") or not attribute:
        raise ConfigError(where, f"entrypoint {entrypoint!r} is not of the form path/to/module.py:flow")
    module_name = file_part[:-3].replace("\\", "/").strip("/").replace("/", ".")
    try:
        flow = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(where, f"entrypoint {entrypoint!r} cannot be loaded: {exc}") from None
    return flow


def build_schedule(config: dict[str, Any], where: str):
    """One prefect.yaml schedule entry (cron, interval or rrule, with timezone and active) -> a Prefect schedule."""
    from prefect.schedules import Cron, Interval, RRule

    if not isinstance(config, dict) or set(config) - _SCHEDULE_KEYS:
        raise ConfigError(where, f"schedule {config!r}: expected cron, interval or rrule with "
                                 f"timezone/active/anchor_date/day_or/parameters/slug")
    common = {k: config[k] for k in ("timezone", "active", "parameters", "slug") if config.get(k) is not None}
    kinds = [k for k in ("cron", "interval", "rrule") if config.get(k) is not None]
    if len(kinds) != 1:
        raise ConfigError(where, f"schedule {config!r}: give exactly one of cron, interval, rrule")
    try:
        if kinds == ["cron"]:
            day_or = config.get("day_or")
            return Cron(config["cron"], **common, **({} if day_or is None else {"day_or": day_or}))
        if kinds == ["interval"]:
            interval = config["interval"]
            anchor = config.get("anchor_date")
            if isinstance(anchor, str):
                anchor = datetime.fromisoformat(anchor)
            return Interval(timedelta(seconds=interval) if isinstance(interval, (int, float)) else interval,
                            **({"anchor_date": anchor} if anchor else {}), **common)
        return RRule(config["rrule"], **common)
    except (ValueError, TypeError) as exc:
        raise ConfigError(where, f"schedule {config!r}: {exc}") from None


def _concurrency(value: Any, where: str):
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

    if value is None or isinstance(value, int):
        return value
    if isinstance(value, dict) and isinstance(value.get("limit"), int):
        strategy = str(value.get("collision_strategy", "ENQUEUE")).upper()
        if strategy not in ConcurrencyLimitStrategy.__members__:
            raise ConfigError(where, f"concurrency_limit: unknown collision_strategy {strategy}")
        return ConcurrencyLimitConfig(limit=value["limit"], collision_strategy=ConcurrencyLimitStrategy[strategy])
    raise ConfigError(where, f"concurrency_limit {value!r}: expected a number or {{limit, collision_strategy}}")


def build_deployments(path: Path, overrides: dict[str, Any] | None = None) -> list:
    """A ``RunnerDeployment`` per deployment of ``path``; ``overrides`` replace parameters that a
    deployment's flow accepts (so ``--db`` reaches every flow that has a db_path)."""
    from prefect.deployments.runner import EntrypointType

    deployments = []
    for spec in read_deployment_specs(path):
        where = f"{path}: deployment {spec['name']}"
        flow = load_entrypoint(spec["entrypoint"], where)
        parameters = spec.get("parameters") or {}
        if not isinstance(parameters, dict):
            raise ConfigError(where, "parameters must be a mapping of name: value")
        parameters = dict(parameters)
        accepted = set(flow.parameters.properties)
        unknown = set(parameters) - accepted
        if unknown:
            raise ConfigError(where, f"parameter(s) {', '.join(sorted(unknown))} not accepted by the flow")
        parameters.update({k: v for k, v in (overrides or {}).items() if v is not None and k in accepted})
        deployments.append(flow.to_deployment(
            name=spec["name"],
            description=spec.get("description"),
            tags=spec.get("tags"),
            version=spec.get("version"),
            parameters=parameters,
            schedules=[build_schedule(s, where) for s in spec.get("schedules") or []],
            concurrency_limit=_concurrency(spec.get("concurrency_limit"), where),
            # Imported by module name in the run's subprocess: no dependence on the working directory.
            entrypoint_type=EntrypointType.MODULE_PATH,
        ))
    return deployments


def check_prefect_server() -> str:
    """The API URL of a Prefect server that answers its health check, else PrefectServerUnreachable."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    if not url:
        raise PrefectServerUnreachable(
            "no Prefect server configured: start one with `prefect server start`, then "
            "`prefect config set PREFECT_API_URL=http://127.0.0.1:4200/api` (or export PREFECT_API_URL)")
    with get_client(sync_client=True) as client:
        problem = client.api_healthcheck()
    if problem is not None:
        raise PrefectServerUnreachable(
            f"no Prefect server answers at {url} ({type(problem).__name__}); start one with "
            "`prefect server start` or fix PREFECT_API_URL")
    return url


def serve_deployments(path: Path, overrides: dict[str, Any] | None = None) -> None:
    """Register the deployments of ``path`` with the Prefect server and run them on their schedules,
    until interrupted (the schedules are paused on the way out, as Prefect's serve() does)."""
    from prefect import serve

    deployments = build_deployments(path, overrides)  # a bad prefect.yaml fails before the server is asked
    url = check_prefect_server()
    print(f"serving {len(deployments)} deployments of {path} against {url}: "
          + ", ".join(d.name for d in deployments), flush=True)
    serve(*deployments)
