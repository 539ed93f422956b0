"""Benchmark entry point (``make bench``): ``python -m benchmarks.run --sizes 10000 100000``.

For each size it generates the sample organisation into an on-disk store under
``--workdir`` (default /tmp/bench-<size>), serves it from the fake trackers, and measures:

1. a full sync, an incremental one after 1% of items changed, and one after nothing changed,
   each as the real nightly job in a child process (requests counted by the servers, against
   the API minimum in benchmarks/minimum.py; CPU and peak memory from the kernel);
2. the mart rebuild from raw, model by model; great-expectations time per layer; raw load
   throughput from parsed pages into DuckDB; a row-wise pandas baseline of cycle times;
3. dlt's rest_api source against the same servers, full, incremental and unchanged.

Results go to benchmarks/results/ (JSON per size, plus ``latest.md``, the table
docs/benchmarks.md quotes). Work directories are deleted afterwards unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import shutil
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from benchmarks.child import ChildResult, run_stage
from benchmarks.minimum import compute_minimum
from benchmarks.report import render_markdown
from benchmarks.trackers import CREDENTIAL_ENV, Trackers, serve, touch_fraction
from connectors.fakes.sample_org import SampleOrg
from connectors.fakes.store import TrackerStore

log = logging.getLogger("benchmarks")
REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
CHANGED_FRACTION = 0.01
GITHUB_PACE_MS = 3600 * 1000 / 5000  # GitHub's primary limit: 5,000 requests an hour per token
PARALLEL_ITEMS = 2_000
#: per-response delay for the concurrency runs: a GitHub REST call, a Jira search page with
#: expanded changelogs (orders of magnitude; real latencies vary by site and payload)
PARALLEL_LATENCY_MS = {"github": 20.0, "jira": 200.0}


def machine() -> dict[str, Any]:
    """nproc, memory and CPU model, as docs/benchmarks.md reports them."""
    import os

    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return {
        "nproc": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "cpu_model": model,
        "python": platform.python_version(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def write_config(workdir: Path, trackers: Trackers) -> Path:
    """The demo organisation's config, pointed at this run's fakes and work directory."""
    document = yaml.safe_load((REPO_ROOT / "config" / "metrics.yaml").read_text(encoding="utf-8"))
    document["warehouse"] = {
        "path": str(workdir / "warehouse" / "metrics.duckdb"),
        "publish_path": str(workdir / "published" / "metrics.duckdb"),
        "parquet_dir": str(workdir / "published" / "parquet"),
    }
    if "report" in document:
        document["report"] = {"path": str(workdir / "published" / "report.html")}
    for source in document["sources"]:
        if source["kind"] == "github":
            source["base_url"] = trackers.github.base_url
            source["token_env"] = "BENCH_GITHUB_TOKEN"
        else:
            source["base_url"] = trackers.jira.base_url
            source["email_env"] = "BENCH_JIRA_EMAIL"
            source["token_env"] = "BENCH_JIRA_TOKEN"
    path = workdir / "bench.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def summarise_counts(counts: dict[str, Counter[tuple[str, int]]]) -> dict[str, Any]:
    """Requests per tracker, how many were 304s, and the top endpoint shapes."""
    summary: dict[str, Any] = {}
    for tracker, counter in counts.items():
        by_shape: Counter[str] = Counter()
        for (shape, _status), n in counter.items():
            by_shape[shape] += n
        summary[tracker] = {
            "requests": sum(counter.values()),
            "not_modified": sum(n for (_s, status), n in counter.items() if status == 304),
            "errors": sum(n for (_s, status), n in counter.items() if status >= 400),
            "by_endpoint": dict(by_shape.most_common()),
        }
    summary["total"] = sum(v["requests"] for v in summary.values())
    return summary


def _ratio(made: int, minimum: int) -> float | None:
    return round(made / minimum, 3) if minimum else None


def nightly_phase(
    name: str,
    workdir: Path,
    config: Path,
    trackers: Trackers,
    minimum: dict[str, int] | None,
    *,
    ingest_only: bool = False,
) -> dict[str, Any]:
    log.info("%s: nightly job (%s)", workdir.name, name)
    trackers.take_counts()
    as_of = datetime.now(UTC).isoformat()
    child = run_stage(
        "benchmarks.nightly_step",
        ["--config", str(config), "--as-of", as_of, *(["--ingest-only"] if ingest_only else [])],
        workdir / f"nightly-{name}.json",
        env=CREDENTIAL_ENV,
    )
    counts = summarise_counts(trackers.take_counts())
    result: dict[str, Any] = {"child": child.as_dict(), "requests": counts}
    if minimum is not None:
        result["minimum"] = minimum
        result["ratio"] = {
            "github": _ratio(counts["github"]["requests"], minimum["github"]),
            "jira": _ratio(counts["jira"]["requests"], minimum["jira"]),
            "total": _ratio(counts["total"], minimum["total"]),
        }
    ingest = child.output.get("ingest", {})
    requests = counts["total"]
    if ingest and requests:
        result["ingest_cpu_ms_per_request"] = round(1000 * ingest["cpu_seconds"] / requests, 3)
        result["ingest_wall_ms_per_request"] = round(1000 * ingest["wall_seconds"] / requests, 3)
        rows = sum(r.get("rows") or 0 for r in ingest.get("load_log", []))
        result["ingest_rows_per_second"] = round(rows / ingest["wall_seconds"]) if rows else 0
    return result


def dlt_phase(name: str, workdir: Path, trackers: Trackers) -> dict[str, Any]:
    log.info("%s: dlt peer (%s)", workdir.name, name)
    trackers.take_counts()
    child = run_stage(
        "benchmarks.dlt_peer",
        [
            "--github",
            trackers.github.base_url,
            "--jira",
            trackers.jira.base_url,
            "--workdir",
            str(workdir / "dlt"),
        ],
        workdir / f"dlt-{name}.json",
        env=CREDENTIAL_ENV,
    )
    return {"child": child.as_dict(), "requests": summarise_counts(trackers.take_counts())}


LARGE_REBUILD_DEADLINE_SECONDS = 600
#: the machine is shared: a model that does not scale fails at this much instead of taking
#: DuckDB's default (80% of RAM) from everyone else
LARGE_MEMORY_LIMIT = "4GB"


def run_large(
    result: dict[str, Any],
    workdir: Path,
    config: Path,
    trackers: Trackers,
    store_path: Path,
    seed: int,
) -> None:
    """The 1M path, sized for its time window: raw seeded without HTTP, definitions over HTTP,
    every model rebuilt once (with a deadline), GX per layer, then 1% changed and the
    incremental ingestion over HTTP. Each stage is its own process; the run's peak memory is
    the largest of theirs."""
    warehouse = workdir / "warehouse" / "metrics.duckdb"
    log.info("%s: seeding the raw layer from the store (no HTTP)", workdir.name)
    result["direct_land"] = _stage(
        "benchmarks.direct_land",
        ["--config", str(config), "--store", str(store_path)],
        workdir / "direct.json",
    )
    result["full_sync_over_http"] = False
    result["seeded"] = ingest_phase("seeded", workdir, config, trackers, None)
    result["full"] = result["seeded"]
    result["warehouse_gb"] = round(warehouse.stat().st_size / 1e9, 2)
    log.info("%s: rebuilding every model", workdir.name)
    result["rebuild"] = _stage(
        "benchmarks.measure",
        [
            *("rebuild", "--warehouse", str(warehouse)),
            *("--deadline-seconds", str(LARGE_REBUILD_DEADLINE_SECONDS)),
            *("--memory-limit", LARGE_MEMORY_LIMIT),
        ],
        workdir / "rb.json",
    )
    result["gx"] = _stage(
        "benchmarks.measure", ["gx", "--warehouse", str(warehouse)], workdir / "gx.json"
    )
    result["pandas"] = _stage(
        "benchmarks.naive_pandas", ["--warehouse", str(warehouse)], workdir / "pd.json"
    )
    changes = touch_fraction(trackers.store, CHANGED_FRACTION, seed, datetime.now(UTC))
    result["changed_items"] = changes.size
    incr_min = compute_minimum(store_path, changes).as_dict()
    result["incremental"] = ingest_phase("incremental", workdir, config, trackers, incr_min)
    stages = ("direct_land", "rebuild", "gx")
    peaks = {name: result[name].get("max_rss_mb") for name in stages}
    peaks |= {name: result[name]["child"]["max_rss_mb"] for name in ("seeded", "incremental")}
    result["peak_rss_by_stage_mb"] = peaks


def ingest_phase(
    name: str, workdir: Path, config: Path, trackers: Trackers, minimum: dict[str, int] | None
) -> dict[str, Any]:
    """The nightly job's raw assets only (the large path rebuilds models separately)."""
    return nightly_phase(name, workdir, config, trackers, minimum, ingest_only=True)


class Checkpointed(dict):
    """The size's results, rewritten to ``path`` (marked partial) whenever a phase lands, so a
    run stopped halfway (the 1M time window) still leaves what it measured."""

    def __init__(self, path: Path | None) -> None:
        super().__init__()
        self.path = path

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        if self.path is not None:
            self.path.write_text(
                json.dumps({**self, "partial": True}, indent=2, default=str), encoding="utf-8"
            )


def model_seconds(phase: dict[str, Any]) -> dict[str, Any]:
    """Per-model build times out of a nightly run's step durations (same build_model calls)."""
    from pipelines.lib.sql_models import LAYERS, discover_models

    steps = phase.get("child", {}).get("transform_check_publish", {}).get("step_seconds", {})
    models = {
        f"{spec.layer}.{spec.name}": {"seconds": steps[f"{spec.layer}__{spec.name}"]}
        for spec in discover_models()
        if f"{spec.layer}__{spec.name}" in steps
    }
    per_layer = {
        layer: round(sum(m["seconds"] for k, m in models.items() if k.startswith(layer)), 3)
        for layer in LAYERS
    }
    return {
        "seconds": round(sum(per_layer.values()), 3),
        "per_layer_seconds": per_layer,
        "models": models,
        "failures": {},
        "from_nightly_steps": True,
    }


def _stage(module: str, args: list[str], out: Path) -> dict[str, Any]:
    result: ChildResult = run_stage(module, args, out)
    return result.as_dict()


def run_size(
    items: int,
    workdir: Path,
    *,
    seed: int,
    with_dlt: bool,
    seed_directly: bool = False,
    verify_direct_land: bool = False,
    large: bool = False,
    checkpoint: Path | None = None,
) -> dict[str, Any]:
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    store_path = workdir / "store.sqlite"
    t0 = time.monotonic()
    store = TrackerStore(store_path)
    summary = SampleOrg(seed=seed, items=items).populate(store)
    store.close()
    result: dict[str, Any] = Checkpointed(checkpoint)
    result |= {
        "items": items,
        "generate_seconds": round(time.monotonic() - t0, 1),
        "store_gb": round(store_path.stat().st_size / 1e9, 2),
        "org": {
            "jira_issues": summary.jira_issues,
            "jira_histories": summary.jira_histories,
            "github_issues": summary.github_issues,
            "github_prs": summary.github_prs,
            "github_events": summary.github_events,
            "github_reviews": summary.github_reviews,
            "github_commits": summary.github_commits,
        },
    }
    log.info("%s: generated in %.0fs", workdir.name, result["generate_seconds"])
    warehouse = workdir / "warehouse" / "metrics.duckdb"
    with serve(store_path) as trackers:
        config = write_config(workdir, trackers)
        full_min = compute_minimum(store_path, None).as_dict()
        result["full_minimum"] = full_min
        if large:
            run_large(result, workdir, config, trackers, store_path, seed)
            return result
        if seed_directly:
            log.info("%s: seeding the raw layer from the store (no HTTP)", workdir.name)
            result["direct_land"] = _stage(
                "benchmarks.direct_land",
                ["--config", str(config), "--store", str(store_path)],
                workdir / "direct.json",
            )
            result["seeded"] = nightly_phase("seeded", workdir, config, trackers, None)
            result["full"] = result["seeded"]
            result["full_sync_over_http"] = False
        else:
            result["full"] = nightly_phase("full", workdir, config, trackers, full_min)
            result["full_sync_over_http"] = True
            if verify_direct_land:
                result["direct_land_check"] = check_direct_land(workdir, config, store_path)
        if not warehouse.exists():
            log.error("%s: the nightly job built no warehouse: %s", workdir.name, result["full"])
            return result
        result["warehouse_gb"] = round(warehouse.stat().st_size / 1e9, 2)
        result["nightly_model_seconds"] = model_seconds(result["full"])
        log.info("%s: measuring rebuild, gx, loads, pandas", workdir.name)
        if large:
            # the nightly run just rebuilt every model: its model steps are the rebuild time
            result["rebuild"] = result["nightly_model_seconds"]
        else:
            result["rebuild"] = _stage(
                "benchmarks.measure",
                ["rebuild", "--warehouse", str(warehouse)],
                workdir / "rb.json",
            )
            result["load"] = _stage(
                "benchmarks.measure",
                ["load", "--warehouse", str(warehouse), "--scratch", str(workdir / "replay.db")],
                workdir / "load.json",
            )
        result["gx"] = _stage(
            "benchmarks.measure", ["gx", "--warehouse", str(warehouse)], workdir / "gx.json"
        )
        result["pandas"] = _stage(
            "benchmarks.naive_pandas", ["--warehouse", str(warehouse)], workdir / "pd.json"
        )
        if with_dlt:
            result["dlt_full"] = dlt_phase("full", workdir, trackers)
        changes = touch_fraction(trackers.store, CHANGED_FRACTION, seed, datetime.now(UTC))
        result["changed_items"] = changes.size
        incr_min = compute_minimum(store_path, changes).as_dict()
        result["incremental"] = nightly_phase("incremental", workdir, config, trackers, incr_min)
        if with_dlt:
            result["dlt_incremental"] = dlt_phase("incremental", workdir, trackers)
        if not large:  # at 1M only the incremental run is affordable in the time window
            result["unchanged"] = nightly_phase("unchanged", workdir, config, trackers, None)
        if with_dlt:
            result["dlt_unchanged"] = dlt_phase("unchanged", workdir, trackers)
    return result


def check_direct_land(workdir: Path, config: Path, store_path: Path) -> dict[str, Any]:
    """Raw rows per table: the HTTP full sync's warehouse against a directly landed one."""
    import duckdb

    target = workdir / "direct-check.duckdb"
    landed = _stage(
        "benchmarks.direct_land",
        ["--config", str(config), "--store", str(store_path), "--warehouse", str(target)],
        workdir / "direct-check.json",
    )
    http = duckdb.connect(str(workdir / "warehouse" / "metrics.duckdb"), read_only=True)
    try:
        by_http: dict[str, int] = {}
        tables = [
            r[0]
            for r in http.execute(
                "select table_name from duckdb_tables() where schema_name = 'raw' order by 1"
            ).fetchall()
        ]
        for table in tables:
            for source, rows in http.execute(
                f"select source, count(*) from raw.{table} group by source"
            ).fetchall():
                by_http[f"{source}:{table}"] = int(rows)
    finally:
        http.close()
    direct = {
        f"{source}:{table}": rows
        for source, per_table in landed.get("rows", {}).items()
        for table, rows in per_table.items()
    }
    target.unlink(missing_ok=True)
    return {
        "seconds": landed.get("seconds"),
        "tables": {
            key: {"http": by_http.get(key), "direct": rows} for key, rows in sorted(direct.items())
        },
    }


def run_parallel(
    workdir: Path, items: int, seed: int, latency_ms: dict[str, float]
) -> dict[str, Any]:
    """Sources one after another vs at once (threads), and partitions in processes (Parquet).

    A small organisation of its own, and every response delayed by a per-tracker latency, so
    the runs wait on the network as against real trackers instead of on loopback CPU.
    """
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    store = TrackerStore(workdir / "store.sqlite")
    SampleOrg(seed=seed, items=items).populate(store)
    store.close()
    with serve(workdir / "store.sqlite") as trackers:
        config = write_config(workdir, trackers)
        trackers.github.inject(".*", None, times=10**9, delay_seconds=latency_ms["github"] / 1000)
        trackers.jira.inject(".*", None, times=10**9, delay_seconds=latency_ms["jira"] / 1000)
        log.info("parallel: %s items, latency %s ms: threads", items, latency_ms)
        threads = run_stage(
            "benchmarks.parallel", ["--config", str(config)], workdir / "par.json", CREDENTIAL_ENV
        )
        log.info("parallel: processes and Parquet")
        processes = run_stage(
            "benchmarks.landing",
            [
                *("--github", trackers.github.base_url),
                *("--jira", trackers.jira.base_url),
                *("--workdir", str(workdir)),
            ],
            workdir / "landing.json",
            env=CREDENTIAL_ENV,
        )
        counts = summarise_counts(trackers.take_counts())
    return {
        "items": items,
        "latency_ms": latency_ms,
        "threads": threads.as_dict(),
        "processes": processes.as_dict(),
        "requests": counts,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=int, nargs="*", default=list(DEFAULT_SIZES), help="none: only --parallel"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp"))
    parser.add_argument("--results", type=Path, default=RESULTS_DIR)
    parser.add_argument("--no-dlt", action="store_true", help="skip the dlt peer")
    parser.add_argument("--dlt-max-items", type=int, default=10_000, help="largest size for dlt")
    parser.add_argument("--keep", action="store_true", help="keep the work directories")
    parser.add_argument(
        "--parallel",
        action="store_true",
        help="also time sources sequential vs concurrent on a small org with API-like latency",
    )
    parser.add_argument(
        "--seed-directly-from",
        type=int,
        default=1_000_000,
        help="from this size on, land the full sync's raw rows from the store (no HTTP)",
    )
    parser.add_argument(
        "--large-from",
        type=int,
        default=1_000_000,
        help="from this size on: rebuild time from the nightly steps, no load replay, "
        "no unchanged run (time window)",
    )
    parser.add_argument(
        "--verify-direct-land",
        action="store_true",
        help="at HTTP sizes, compare a direct landing with the HTTP full sync, table by table",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    args.results.mkdir(parents=True, exist_ok=True)
    info = machine()
    runs = []
    for size in args.sizes:
        workdir = args.workdir / f"bench-{size}"
        with_dlt = not args.no_dlt and size <= args.dlt_max_items
        try:
            run = run_size(
                size,
                workdir,
                seed=args.seed,
                with_dlt=with_dlt,
                seed_directly=size >= args.seed_directly_from,
                verify_direct_land=args.verify_direct_land,
                large=size >= args.large_from,
                checkpoint=args.results / f"bench-{size}.json",
            )
        finally:
            if not args.keep:
                shutil.rmtree(workdir, ignore_errors=True)
        run["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        (args.results / f"bench-{size}.json").write_text(
            json.dumps({"machine": info, **run}, indent=2, default=str), encoding="utf-8"
        )
        runs.append(run)
        log.info("size %s done", size)
    if args.parallel:
        workdir = args.workdir / "bench-parallel"
        try:
            result = run_parallel(workdir, PARALLEL_ITEMS, args.seed, PARALLEL_LATENCY_MS)
        finally:
            if not args.keep:
                shutil.rmtree(workdir, ignore_errors=True)
        (args.results / "parallel.json").write_text(
            json.dumps({"machine": info, **result}, indent=2), encoding="utf-8"
        )
    paths = sorted(args.results.glob("bench-*.json"), key=lambda p: int(p.stem.split("-")[1]))
    collected = [json.loads(path.read_text(encoding="utf-8")) for path in paths]
    markdown = render_markdown(collected)
    (args.results / "latest.md").write_text(markdown, encoding="utf-8")
    print(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
