"""A reader in another process holds the published file open while the nightly job runs."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tests.builders import JiraBuilder

READER = textwrap.dedent(
    """
    import sys, duckdb
    conn = duckdb.connect(sys.argv[1], read_only=True)
    count = lambda: conn.execute("select count(*) from marts.fct_work_items").fetchone()[0]
    print("before", count(), flush=True)
    sys.stdin.readline()  # hold the file open until the test says the run is over
    print("after", count(), flush=True)
    conn.close()
    """
)


@pytest.mark.slow
def test_a_reader_process_holding_the_published_file_and_the_nightly_run_both_succeed(
    store, fake_jira, make_settings, run_pipeline, query
):
    jira = JiraBuilder(store)
    jira.issue("2026-03-02 09:00", [("2026-03-03 09:00", "In Progress")])
    settings = make_settings(jira=fake_jira)
    assert run_pipeline(settings).success
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(settings.warehouse.publish_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().split() == ["before", "1"]
        jira.issue("2026-03-04 09:00", [("2026-03-05 09:00", "Done")], key="PAY-78")

        outcome = run_pipeline(settings)

        out, err = reader.communicate("go\n", timeout=60)
    finally:
        reader.kill()
    assert outcome.success, outcome
    assert reader.returncode == 0, err
    assert out.split() == ["after", "1"]  # its snapshot stayed whole: the old night, not half
    assert query(settings.warehouse.publish_path, "select count(*) from marts.fct_work_items") == [
        (2,)
    ]
    assert settings.report.path.exists()
    assert (settings.warehouse.parquet_dir / "marts" / "fct_work_items.parquet").exists()
