"""Wall time and peak memory of one subprocess (and everything it starts).

Two memory figures, because a process pool or Prefect's temporary API
server makes one number misleading:

* ``peak_rss_mb``: the peak resident set of the stage's own process (VmHWM,
  which the stage reports as it ends); where that is unknown, ``ru_maxrss``
  from ``wait4``, which on Linux also counts the pages of the process the
  stage was forked from (kept across exec), so it overstates small stages;
* ``tree_peak_mb``: the largest sum over the whole tree, sampled from
  ``/proc`` every ``SAMPLE_SECONDS``; PSS when the kernel offers it, so pages
  a forked worker shares with its parent are counted once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE_SECONDS = 0.2
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass
class Measured:
    seconds: float
    peak_rss_mb: float
    tree_peak_mb: float | None
    returncode: int
    load: float  # the 1-minute load average when the stage started
    cpu_seconds: float = 0.0  # user + system time of the stage and the children it waited for
    result: dict = field(default_factory=dict)  # what the stage wrote to its --out file
    stderr_tail: str = ""


def load_average() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # comm may hold spaces and parentheses: the fields after the last ')' are safe.
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def _process_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
            for line in handle:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * _PAGE / 2**20
    except OSError:
        return 0.0


def tree_mb(root: int) -> float:
    children = _children_map()
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += _process_mb(pid)
        todo.extend(children.get(pid, ()))
    return total


def run_measured(args: list[str], out_file: Path, env: dict[str, str] | None = None,
                 cwd: str | None = None, timeout: float | None = None) -> Measured:
    """Run ``python -m bench.stages ...``-style ``args``; the stage writes its result to ``out_file``."""
    out_file.unlink(missing_ok=True)
    load = load_average()
    started = time.perf_counter()
    proc = subprocess.Popen(args, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0.0]
    sampling = Path("/proc").is_dir()
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            try:
                peak[0] = max(peak[0], tree_mb(proc.pid))
            except Exception:  # noqa: BLE001 - a process vanishing mid-scan is normal
                pass
            stop.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    if sampling:
        sampler.start()
    stderr_chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: stderr_chunks.append(proc.stderr.read()), daemon=True)
    reader.start()
    deadline = None if timeout is None else started + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if deadline is not None and time.perf_counter() > deadline:
            proc.kill()
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    stop.set()
    reader.join(5)
    if sampling:
        sampler.join(5)
    # ru_maxrss is in kilobytes on Linux, bytes on macOS.
    rss_mb = usage.ru_maxrss / (2**20 if sys.platform == "darwin" else 1024)
    result = json.loads(out_file.read_text()) if out_file.exists() else {}
    stderr = b"".join(stderr_chunks).decode("utf-8", "replace")
    rss_mb = result.get("own_peak_rss_mb") or rss_mb
    return Measured(seconds, rss_mb, peak[0] if sampling else None, proc.returncode, load,
                    usage.ru_utime + usage.ru_stime, result, stderr[-3000:])
