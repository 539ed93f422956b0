"""Stage: per-source partitions fetched in parallel processes, landed as Parquet, one writer.

The scale-out shape docs/scaling.md describes, run for real at a small scale: one Dagster asset
per (source, scope) partition fetches its issue listing with the project's connectors and writes
each response page as a Parquet file under ``<landing>/<partition>/``; no fetching process
touches DuckDB. One writer asset then loads every landed file into the raw tables with a single
``read_parquet`` per table. The job runs under Dagster's multiprocess executor, once with one
process at a time and once with several, so the difference is the parallel fetch.

Configuration comes from the environment (the job must be reconstructable in child processes):
BENCH_GITHUB_URL, BENCH_JIRA_URL, BENCH_LANDING_DIR, BENCH_LANDING_WAREHOUSE and the
credential variables of benchmarks.trackers.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import dagster as dg
import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.child import write_output
from connectors.github.client import GitHubClient
from connectors.jira.client import JiraClient
from pipelines.lib.warehouse import open_warehouse

PARTITIONS = ("github:acme/api", "github:acme/web", "jira:PAY", "jira:WEB", "jira:OPS")
JIRA_FIELDS = ("summary", "status", "issuetype", "project", "created", "updated")


def _slug(partition: str) -> str:
    return partition.replace(":", "-").replace("/", "-")


def _write_page(folder: Path, number: int, scope: str, rows: list[tuple[str, str, str]]) -> int:
    table = pa.table(
        {
            "scope": [scope] * len(rows),
            "native_id": [r[0] for r in rows],
            "version": [r[1] for r in rows],
            "payload": [r[2] for r in rows],
        }
    )
    pq.write_table(table, folder / f"page-{number:06d}.parquet")
    return len(rows)


def land_partition(partition: str, landing: Path) -> int:
    """Fetch one partition's listing and write each page as one Parquet file."""
    kind, scope = partition.split(":", 1)
    folder = landing / _slug(partition)
    folder.mkdir(parents=True, exist_ok=True)
    rows = 0
    if kind == "github":
        client = GitHubClient.connect(
            os.environ["BENCH_GITHUB_URL"], os.environ["BENCH_GITHUB_TOKEN"]
        )
        for number, page in enumerate(client.pages(client.issues_url(scope, None))):
            items = page.items or []
            rows += _write_page(
                folder,
                number,
                scope,
                [(str(i["id"]), i["updated_at"], json.dumps(i)) for i in items],
            )
    else:
        client = JiraClient.connect(
            os.environ["BENCH_JIRA_URL"],
            flavor="cloud",
            email=os.environ["BENCH_JIRA_EMAIL"],
            token=os.environ["BENCH_JIRA_TOKEN"],
        )
        jql = f"project = {scope} ORDER BY updated ASC, id ASC"
        for number, page in enumerate(client.search_pages(jql, list(JIRA_FIELDS), expand="")):
            rows += _write_page(
                folder,
                number,
                scope,
                [(str(i["id"]), i["fields"]["updated"], json.dumps(i)) for i in page],
            )
    client.http.close()
    return rows


def _partition_asset(partition: str) -> dg.AssetsDefinition:
    @dg.asset(name=f"landed_{_slug(partition).replace('-', '_')}", group_name="landing")
    def landed() -> dg.MaterializeResult:
        rows = land_partition(partition, Path(os.environ["BENCH_LANDING_DIR"]))
        return dg.MaterializeResult(metadata={"rows": rows})

    return landed


def _writer_asset(deps: list[dg.AssetsDefinition]) -> dg.AssetsDefinition:
    @dg.asset(name="raw_writer", deps=deps, group_name="landing")
    def raw_writer() -> dg.MaterializeResult:
        """The one writer: every landed page into the raw tables, one statement per table."""
        landing = Path(os.environ["BENCH_LANDING_DIR"])
        counts: dict[str, int] = {}
        with open_warehouse(os.environ["BENCH_LANDING_WAREHOUSE"]) as conn:
            for kind, table in (("github", "github__issues"), ("jira", "jira__issues")):
                result = conn.execute(
                    f"insert into raw.{table} "
                    "select ?, scope, native_id, null, version, payload::json, now(), 'landing' "
                    "from read_parquet(?)",
                    [f"{kind}-landing", str(landing / f"{kind}-*" / "*.parquet")],
                ).fetchone()
                counts[table] = int(result[0]) if result else 0
        return dg.MaterializeResult(metadata={"rows": counts})

    return raw_writer


def build_job() -> dg.JobDefinition:
    """Module level and argument-free, so the multiprocess executor can rebuild it per step."""
    landed = [_partition_asset(p) for p in PARTITIONS]
    writer = _writer_asset(landed)
    defs = dg.Definitions(
        assets=[*landed, writer],
        jobs=[dg.define_asset_job("landing", executor_def=dg.multiprocess_executor)],
    )
    return defs.resolve_job_def("landing")


def run(max_concurrent: int, workdir: Path) -> dict[str, Any]:
    landing = workdir / f"landing-{max_concurrent}"
    warehouse = workdir / f"landing-{max_concurrent}.duckdb"
    os.environ["BENCH_LANDING_DIR"] = str(landing)
    os.environ["BENCH_LANDING_WAREHOUSE"] = str(warehouse)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as home:
        instance = dg.DagsterInstance.local_temp(home)
        result = dg.execute_job(
            dg.reconstructable(build_job),
            instance=instance,
            run_config={"execution": {"config": {"max_concurrent": max_concurrent}}},
        )
        success = result.success
        steps = {
            e.step_key: round(e.event_specific_data.duration_ms / 1000, 3)
            for e in result.all_events
            if e.event_type_value == "STEP_SUCCESS"
        }
    wall = time.monotonic() - started
    files = len(list(landing.glob("*/*.parquet")))
    with open_warehouse(warehouse) as conn:
        rows = {
            t: int(conn.execute(f"select count(*) from raw.{t}").fetchone()[0])
            for t in ("github__issues", "jira__issues")
        }
    warehouse.unlink(missing_ok=True)
    return {
        "max_concurrent": max_concurrent,
        "success": success,
        "seconds": round(wall, 3),
        "step_seconds": steps,
        "parquet_files": files,
        "rows": rows,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--github", required=True)
    parser.add_argument("--jira", required=True)
    parser.add_argument("--workdir", required=True, type=Path)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    os.environ["BENCH_GITHUB_URL"] = args.github
    os.environ["BENCH_JIRA_URL"] = args.jira
    one = run(1, args.workdir)
    many = run(len(PARTITIONS), args.workdir)
    write_output(
        args.out,
        {
            "one_process": one,
            "parallel_processes": many,
            "speedup": round(one["seconds"] / many["seconds"], 2),
            "same_rows": one["rows"] == many["rows"],
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
