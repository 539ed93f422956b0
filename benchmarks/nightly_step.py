"""Stage: the real nightly job, in two parts so ingestion can be measured on its own.

Part one materialises the raw assets (the real connectors through the real sync code, as the
schedule runs them); part two materialises everything else (run context, every SQL model, the
checks, publish). Both parts run in this one process, so its peak memory is the whole run's.
"""

from __future__ import annotations

import argparse
import logging
import resource
import time
from typing import Any

import dagster as dg

from benchmarks.child import write_output
from pipelines.definitions import build_definitions
from pipelines.defs.schedules import NIGHTLY_JOB
from pipelines.lib.warehouse import connect
from pipelines.run import nightly_run_config
from pipelines.settings import load_settings


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _execute(job: Any, keys: list[dg.AssetKey], run_config: dict[str, Any]) -> dict[str, Any]:
    started, cpu = time.monotonic(), _cpu()
    result = job.execute_in_process(
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
        run_config=run_config,
        asset_selection=keys,
    )
    steps: dict[str, float] = {}
    failed: list[str] = []
    for event in result.all_events:
        if event.event_type_value == "STEP_SUCCESS":
            steps[event.step_key or ""] = event.event_specific_data.duration_ms / 1000
        elif event.event_type_value == "STEP_FAILURE":
            failed.append(event.step_key or "")
    failed_checks = [
        f"{e.asset_key.to_user_string()}:{e.check_name}"
        for e in result.get_asset_check_evaluations()
        if not e.passed
    ]
    return {
        "run_id": result.run_id,
        "wall_seconds": round(time.monotonic() - started, 3),
        "cpu_seconds": round(_cpu() - cpu, 3),
        "step_seconds": {k: round(v, 3) for k, v in sorted(steps.items())},
        "failed_steps": failed,
        "failed_checks": failed_checks,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--as-of", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--ingest-only", action="store_true", help="only the raw assets")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    settings = load_settings(args.config)
    defs = build_definitions(settings)
    job = defs.resolve_job_def(NIGHTLY_JOB)
    graph = defs.resolve_asset_graph()
    all_keys = sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string())
    raw_keys = [k for k in all_keys if k.path[0] == "raw"]
    rest_keys = [k for k in all_keys if k.path[0] != "raw"]
    quiet = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
    ingest = _execute(job, raw_keys, quiet)
    conn = connect(settings.warehouse.path, read_only=True)
    try:
        load_log = [
            {
                "source": r[0],
                "status": r[1],
                "requests": r[2],
                "rows": r[3],
                "error": r[4],
                "seconds": round(r[5], 3) if r[5] is not None else None,
            }
            for r in conn.execute(
                "select source, status, requests, rows_inserted, error, "
                "epoch(finished_at) - epoch(started_at) from meta.load_log "
                "where run_id = ? order by source",
                [ingest["run_id"]],
            ).fetchall()
        ]
    finally:
        conn.close()
    if args.ingest_only:
        rest: dict[str, Any] = {"skipped": True}
    else:
        run_config = nightly_run_config(args.as_of)
        run_config["loggers"] = quiet["loggers"]
        rest = _execute(job, rest_keys, run_config)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    write_output(
        args.out,
        {
            "ingest": {**ingest, "load_log": load_log},
            "transform_check_publish": rest,
            "self_max_rss_mb": round(usage.ru_maxrss / 1024, 1),
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
