"""Stage: sources synced one after another, then all at once in threads sharing one DuckDB.

Each thread gets its own client (its own HTTP session, so its own rate-limit budget and
backoff) and its own cursor on one DuckDB connection: DuckDB has one writer *process*, but
within that process concurrent transactions may append to the same tables. Both warehouses
must end with the same rows; any exception (a lock error among them) is reported.
The driver slows every response down (``--latency-ms``) so the runs see a real API's latency.
"""

from __future__ import annotations

import argparse
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks.child import write_output
from pipelines.defs.resources import build_resources
from pipelines.lib.raw_tables import RAW_TABLES
from pipelines.lib.sync_github import sync_github
from pipelines.lib.sync_jira import sync_jira
from pipelines.lib.warehouse import open_warehouse
from pipelines.settings import GitHubSource, Settings, Source, load_settings


def _sync_one(settings: Settings, source: Source, conn: Any, run_id: str) -> dict[str, Any]:
    client = build_resources(settings)[source.resource_key].client()  # type: ignore[attr-defined]
    started = time.monotonic()
    try:
        sync = sync_github if isinstance(source, GitHubSource) else sync_jira
        report = sync(conn, source, client, run_id)  # type: ignore[arg-type]
    finally:
        client.http.close()
    return {
        "source": source.name,
        "seconds": round(time.monotonic() - started, 3),
        "requests": report.http.requests,
        "failures": report.failures,
    }


def _counts(conn: Any) -> dict[str, int]:
    return {
        t.name: int(conn.execute(f"select count(*) from raw.{t.name}").fetchone()[0])
        for t in RAW_TABLES
    }


def run(settings: Settings, workdir: Path, mode: str) -> dict[str, Any]:
    path = workdir / f"parallel-{mode}.duckdb"
    path.unlink(missing_ok=True)
    errors: list[str] = []
    started = time.monotonic()
    with open_warehouse(path) as conn:
        if mode == "sequential":
            sources = [_sync_one(settings, s, conn, "seq") for s in settings.sources]
        else:
            with ThreadPoolExecutor(max_workers=len(settings.sources)) as pool:
                futures = [
                    pool.submit(_sync_one, settings, s, conn.cursor(), "par")
                    for s in settings.sources
                ]
                sources = []
                for future in futures:
                    try:
                        sources.append(future.result())
                    except Exception as exc:
                        errors.append(f"{type(exc).__name__}: {exc}")
        wall = time.monotonic() - started
        counts = _counts(conn)
    path.unlink(missing_ok=True)
    return {"seconds": round(wall, 3), "sources": sources, "errors": errors, "rows": counts}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True, type=Path)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    settings = load_settings(args.config)
    sequential = run(settings, args.config.parent, "sequential")
    concurrent = run(settings, args.config.parent, "threads")
    write_output(
        args.out,
        {
            "sequential": sequential,
            "threads": concurrent,
            "speedup": round(sequential["seconds"] / concurrent["seconds"], 2),
            "same_rows": sequential["rows"] == concurrent["rows"],
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
