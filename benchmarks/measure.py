"""Stages that measure a warehouse the nightly job built: mart rebuild, GX per layer, raw loads.

``rebuild``  rebuilds every SQL model from raw with ``build_model``, in dependency order, and
             times each one (the transform's whole cost, without Dagster around it).
``gx``       validates each layer's largest table with ``run_suite`` and times read and validate.
``load``     replays raw payloads as response pages (lists of 100 dicts) through ``RawBatch``
             into a fresh warehouse: the pure "pages into DuckDB" throughput, no HTTP.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.child import write_output
from pipelines.lib.quality import run_suite
from pipelines.lib.sql_models import LAYERS, ModelSpec, build_model, discover_models
from pipelines.lib.warehouse import RawRecord, connect, open_warehouse, raw_batches

LAYER_ORDER = ("raw", *LAYERS)
SIMPLE_TYPES = ("VARCHAR", "BIGINT", "INTEGER", "DOUBLE", "BOOLEAN", "DATE", "HUGEINT")
PAGE_SIZE = 100
COMMIT_EVERY_PAGES = 10


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def dependency_order(specs: tuple[ModelSpec, ...]) -> list[ModelSpec]:
    """Topological order of the models by the tables their SQL refers to (stable by layer)."""
    by_name = {(s.layer, s.name): s for s in specs}
    remaining = {key: {r for r in s.refs if r in by_name} for key, s in by_name.items()}
    ordered: list[ModelSpec] = []
    while remaining:
        ready = sorted(
            (k for k, deps in remaining.items() if not deps),
            key=lambda k: (LAYERS.index(k[0]), k[1]),
        )
        if not ready:
            raise ValueError(f"dependency cycle among {sorted(remaining)}")
        for key in ready:
            ordered.append(by_name[key])
            del remaining[key]
        for deps in remaining.values():
            deps.difference_update(ready)
    return ordered


def rebuild(
    warehouse: Path, memory_limit: str | None = None, deadline_seconds: float | None = None
) -> dict[str, Any]:
    """Build every model in order; past the deadline the running query is interrupted and the
    remaining models are listed as not built (the 1M run has a fixed time window)."""
    conn = connect(warehouse)
    timer = None
    if deadline_seconds:
        timer = threading.Timer(deadline_seconds, conn.interrupt)
        timer.daemon = True
        timer.start()
    if memory_limit:
        # what the pipeline would do to bound its memory: DuckDB spills to disk beyond it
        conn.execute(f"set memory_limit = '{memory_limit}'")
    models: dict[str, dict[str, Any]] = {}
    failures: dict[str, str] = {}
    started, cpu = time.monotonic(), _cpu()
    try:
        for spec in dependency_order(discover_models()):
            t0 = time.monotonic()
            if deadline_seconds and t0 - started > deadline_seconds:
                failures[spec.qualified_name] = "not built: past the deadline"
                continue
            try:
                rows = build_model(conn, spec)
            except Exception as exc:
                failures[spec.qualified_name] = (
                    f"after {time.monotonic() - t0:.1f} s: " + str(exc).splitlines()[0][:300]
                )
                continue
            models[spec.qualified_name] = {
                "seconds": round(time.monotonic() - t0, 3),
                "rows": rows,
                # peak so far: the model where it jumps is the one that needed the memory
                "max_rss_mb_after": round(
                    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
                ),
            }
    finally:
        if timer is not None:
            timer.cancel()
        conn.close()
    per_layer = {
        layer: round(sum(m["seconds"] for k, m in models.items() if k.startswith(layer)), 3)
        for layer in LAYERS
    }
    return {
        "seconds": round(time.monotonic() - started, 3),
        "cpu_seconds": round(_cpu() - cpu, 3),
        "per_layer_seconds": per_layer,
        "models": models,
        "failures": failures,
    }


def _largest_tables(conn: Any) -> dict[str, str]:
    rows = conn.execute(
        "select schema_name, table_name, estimated_size from duckdb_tables() "
        "where schema_name in ('raw', 'staging', 'intermediate', 'marts') "
        "order by schema_name, estimated_size desc, table_name"
    ).fetchall()
    largest: dict[str, str] = {}
    for schema, table, _size in rows:
        largest.setdefault(schema, f"{schema}.{table}")
    return largest


def _expectations(columns: list[str], layer: str) -> list[Any]:
    """Key rules for the table: raw keys unique and present, else the leading columns present.

    Built in whichever form ``run_suite`` takes: the suite specs of pipelines.lib.suites when
    that module exists, GX expectation objects otherwise.
    """
    rules: list[tuple[str, dict[str, Any]]] = [("ExpectTableRowCountToBeBetween", {"min_value": 1})]
    if layer == "raw":
        rules.append(
            ("ExpectCompoundColumnsToBeUnique", {"column_list": ["source", "native_id", "version"]})
        )
        rules += [("ExpectColumnValuesToNotBeNull", {"column": c}) for c in ("source", "native_id")]
    else:
        rules += [("ExpectColumnValuesToNotBeNull", {"column": c}) for c in columns[:3]]
    try:
        from pipelines.lib.suites.spec import Expect
    except ImportError:
        import great_expectations as gx

        return [getattr(gx.expectations, name)(**kwargs) for name, kwargs in rules]
    return [Expect(name, kwargs) for name, kwargs in rules]


def validate_layers(warehouse: Path) -> dict[str, Any]:
    conn = connect(warehouse, read_only=True)
    layers: dict[str, Any] = {}
    t0 = time.monotonic()
    run_suite(pd.DataFrame({"x": [1]}), "warm_up", _expectations(["x"], "marts")[:1])
    warm_up = round(time.monotonic() - t0, 3)
    try:
        for layer, table in sorted(
            _largest_tables(conn).items(), key=lambda kv: LAYER_ORDER.index(kv[0])
        ):
            schema, name = table.split(".")
            columns = [
                r[0]
                for r in conn.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, name],
                ).fetchall()
                if r[1].startswith(SIMPLE_TYPES) or r[1].startswith("TIMESTAMP")
            ]
            t0 = time.monotonic()
            select = ", ".join(f'"{c}"' for c in columns)
            frame = conn.execute(f"select {select} from {table}").df()
            read = time.monotonic() - t0
            t1 = time.monotonic()
            outcome = run_suite(frame, table, _expectations(columns, layer))
            layers[layer] = {
                "table": table,
                "rows": len(frame),
                "columns": len(columns),
                "read_seconds": round(read, 3),
                "validate_seconds": round(time.monotonic() - t1, 3),
                "expectations": len(outcome.records),
                "passed": outcome.success,
            }
            del frame
    finally:
        conn.close()
    return {"gx_import_and_context_seconds": warm_up, "layers": layers}


def _pages(conn: Any, table: str, limit: int) -> Iterator[list[RawRecord]]:
    cursor = conn.execute(
        f"select scope, native_id, parent_id, version, payload::varchar from raw.{table} limit ?",
        [limit],
    )
    while True:
        rows = cursor.fetchmany(PAGE_SIZE)
        if not rows:
            return
        yield [RawRecord(r[0], r[1], r[2], r[3], json.loads(r[4])) for r in rows]


def replay_loads(warehouse: Path, target: Path, max_items: int) -> dict[str, Any]:
    """Items/s and CPU per page for RawBatch, fed pages that are already parsed (as after HTTP)."""
    source = connect(warehouse, read_only=True)
    target.unlink(missing_ok=True)
    results: dict[str, Any] = {}
    try:
        with open_warehouse(target) as conn:
            for table in ("jira__issues", "github__issues"):
                items = pages = 0
                load_wall = load_cpu = 0.0
                with raw_batches(conn, "replay", "replay-run") as batch:
                    for page in _pages(source, table, max_items):
                        t0, c0 = time.monotonic(), _cpu()
                        batch.add(table, page)
                        pages += 1
                        if pages % COMMIT_EVERY_PAGES == 0:
                            batch.commit()
                        load_wall += time.monotonic() - t0
                        load_cpu += _cpu() - c0
                        items += len(page)
                    t0, c0 = time.monotonic(), _cpu()
                    batch.commit()
                    load_wall += time.monotonic() - t0
                    load_cpu += _cpu() - c0
                results[table] = {
                    "items": items,
                    "pages": pages,
                    "seconds": round(load_wall, 3),
                    "items_per_second": round(items / load_wall) if load_wall else None,
                    "cpu_ms_per_page": round(1000 * load_cpu / pages, 2) if pages else None,
                }
    finally:
        source.close()
        target.unlink(missing_ok=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["rebuild", "gx", "load"])
    parser.add_argument("--warehouse", required=True, type=Path)
    parser.add_argument("--scratch", type=Path)
    parser.add_argument("--max-items", type=int, default=200_000)
    parser.add_argument("--memory-limit", help="DuckDB memory_limit for the rebuild, e.g. 1GB")
    parser.add_argument("--deadline-seconds", type=float, help="stop the rebuild after this")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    if args.what == "rebuild":
        result = rebuild(args.warehouse, args.memory_limit, args.deadline_seconds)
    elif args.what == "gx":
        result = validate_layers(args.warehouse)
    else:
        result = replay_loads(args.warehouse, args.scratch, args.max_items)
    write_output(args.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
