"""What docs/scaling.md builds on: DuckDB has one writer process, but threads in that process
may write concurrently, so sources can be fetched in parallel into one warehouse."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import duckdb

from benchmarks import parallel
from connectors.fakes.sample_org import SampleOrg


def test_a_second_process_cannot_open_the_warehouse_while_a_writer_holds_it(tmp_path):
    path = tmp_path / "w.duckdb"
    writer = duckdb.connect(str(path))
    writer.execute("create table t (x integer)")
    try:
        second = subprocess.run(
            [sys.executable, "-c", "import duckdb, sys; duckdb.connect(sys.argv[1])", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        writer.close()

    assert second.returncode != 0
    assert "lock" in second.stderr.lower()


def test_threads_of_one_process_append_to_one_table_at_the_same_time(tmp_path):
    conn = duckdb.connect(str(tmp_path / "w.duckdb"))
    conn.execute("create table t (worker integer, n bigint)")

    def append(worker: int) -> None:
        cursor = conn.cursor()
        for _ in range(20):
            cursor.execute("begin transaction")
            cursor.execute("insert into t select ?, range from range(500)", [worker])
            cursor.execute("commit")

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(append, range(4)))  # re-raises any worker's exception

    counts = conn.execute("select worker, count(*) from t group by 1 order by 1").fetchall()
    assert counts == [(w, 20 * 500) for w in range(4)]


def test_sources_synced_in_threads_land_the_same_rows_as_one_after_another(
    store, fake_github, fake_jira, make_settings, tmp_path
):
    SampleOrg(seed=3, items=150).populate(store)
    settings = make_settings(
        github=fake_github, jira=fake_jira, repos=("acme/api", "acme/web"), projects=("PAY", "WEB")
    )

    sequential = parallel.run(settings, tmp_path, "sequential")
    threads = parallel.run(settings, tmp_path, "threads")

    assert threads["errors"] == []
    assert {s["source"] for s in threads["sources"]} == {"github-main", "jira-cloud"}
    assert all(not s["failures"] for s in threads["sources"])
    assert threads["rows"] == sequential["rows"]
    assert threads["rows"]["github__issues"] > 0
    assert threads["rows"]["jira__changelogs"] > 0


def test_nightly_job_with_parallel_sources_syncs_them_at_once_without_lock_errors(
    store, fake_github, fake_jira, make_settings, run_pipeline, query
):
    from tests.conftest import FAST_RETRIES

    SampleOrg(seed=3, items=150).populate(store)
    settings = make_settings(
        github=fake_github,
        jira=fake_jira,
        repos=("acme/api", "acme/web"),
        projects=("PAY", "WEB"),
        ingest={**FAST_RETRIES, "parallel_sources": 2},
    )

    outcome = run_pipeline(settings)

    # ingestion is what this is about: the one step syncing both sources, and its checks
    assert not [step for step in outcome.failed_steps if step.startswith("raw")]
    assert not [check for check in outcome.failed_checks if check.startswith("raw/")]
    logged = query(
        settings.warehouse.path,
        "select source, status, started_at, finished_at from meta.load_log "
        "where run_id = ? order by source",
        [outcome.run_id],
    )
    assert [(r[0], r[1]) for r in logged] == [
        ("github-main", "succeeded"),
        ("jira-cloud", "succeeded"),
    ]
    # the two syncs overlapped in time: each started before the other finished
    assert max(r[2] for r in logged) < min(r[3] for r in logged)
    assert query(settings.warehouse.path, "select count(*) from marts.fct_work_items")[0][0] > 0
