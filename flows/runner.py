"""Running the ingest flow once, from the CLI or the demo."""

from __future__ import annotations

from extractors.errors import DealwatchError
from flows.ingest import RunSummary, ingest_news
from flows.progress import Progress, reporting
from warehouse.db import run_lock


class RunFailed(DealwatchError):
    """The flow run ended in a failed state."""


def run_once(config_path: str, db_path: str, batch_size: int = 50, progress: Progress | None = None) -> RunSummary:
    """One ingest run. The database's run lock is taken before Prefect starts, so a second run
    waits for the first (bounded by $DEALWATCH_LOCK_WAIT), or fails with WarehouseLocked.

    ``progress`` is shown the run's stages as they pass (see flows/progress.py); it is closed
    when the run ends, however it ends. None shows nothing."""
    with run_lock(db_path), reporting(progress):
        state = ingest_news(config_path=config_path, db_path=db_path, batch_size=batch_size, return_state=True)
    result = state.result(raise_on_failure=False)
    if isinstance(result, DealwatchError):
        raise result
    if isinstance(result, BaseException) or not state.is_completed():
        raise RunFailed(f"the ingest run failed: {result}")
    return result
