"""Run one benchmark stage in a child process and read its own CPU time and peak memory.

Each stage runs as ``python -m benchmarks.<stage>`` so its peak resident set size is its own:
``os.wait4`` returns the child's rusage (max RSS, user and system CPU) directly, which is what
``getrusage(RUSAGE_CHILDREN)`` would report for a single child, without mixing in earlier ones.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class ChildResult:
    """What a stage reported (its JSON) plus what the kernel measured about it."""

    returncode: int
    wall_seconds: float
    cpu_seconds: float
    max_rss_mb: float
    output: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "returncode": self.returncode,
            "wall_seconds": round(self.wall_seconds, 3),
            "cpu_seconds": round(self.cpu_seconds, 3),
            "max_rss_mb": round(self.max_rss_mb, 1),
            **self.output,
        }


def run_stage(
    module: str, args: list[str], out_path: Path, env: dict[str, str] | None = None
) -> ChildResult:
    """Run ``python -m module args --out out_path`` and wait for it with ``os.wait4``."""
    out_path.unlink(missing_ok=True)
    log_path = out_path.with_suffix(".stderr")
    started = time.monotonic()
    with log_path.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", module, *args, "--out", str(out_path)],
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT), **(env or {})},
            cwd=REPO_ROOT,
            stderr=stderr,
        )
        _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    output: dict[str, Any] = {}
    if out_path.exists():
        output = json.loads(out_path.read_text(encoding="utf-8"))
    if process.returncode != 0:
        lines = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        output["error"] = lines[-1][:500] if lines else f"exit {process.returncode}"
    return ChildResult(
        returncode=process.returncode,
        wall_seconds=wall,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        max_rss_mb=usage.ru_maxrss / 1024,  # Linux reports kilobytes
        output=output,
    )


def write_output(path: str, payload: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
