"""Process faults: `python -m pipelines.run` killed with SIGKILL mid-ingestion and
mid-transformation, then run again: the warehouse ends identical to an uninterrupted run's.

The trackers run in this test process, so the kill can be timed exactly: from the fake Jira
between two search pages (ingestion), or when the run's own Dagster event log shows the first
SQL model starting (transformation).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from pipelines.settings import load_settings
from tests.reliability.conftest import Org
from tests.reliability.harness import LEDGER, assert_recovered, cli, run, write_config


def _config(tmp_path: Path, org: Org) -> Path:
    return write_config(tmp_path, github_url=org.github.base_url, jira_url=org.jira.base_url)


def _events(dagster_home: Path) -> list[tuple[str, str | None]]:
    """(event type, step key) of every event the killed run's instance stored so far."""
    events: list[tuple[str, str | None]] = []
    for db in sorted((dagster_home / "history").rglob("*.db")):
        try:
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
            try:
                events += conn.execute(
                    "select dagster_event_type, step_key from event_logs "
                    "where dagster_event_type is not null"
                ).fetchall()
            finally:
                conn.close()
        except sqlite3.Error:
            continue  # not an event-log database, or mid-creation: look again next poll
    return events


@pytest.mark.slow
def test_a_run_killed_during_ingestion_is_completed_by_the_next_run(served: Org, tmp_path):
    LEDGER.fault("SIGKILL during ingestion")
    config = _config(tmp_path, served)
    process = None

    def kill_between_pages() -> None:
        # Page 1 has been committed with its cursor; page 2 is being served.
        assert process is not None
        os.kill(process.pid, signal.SIGKILL)

    served.jira.after_search_page[2] = kill_between_pages
    process = cli(config, wait=False)
    output, _ = process.communicate(timeout=180)

    assert process.returncode == -signal.SIGKILL, output
    settings = load_settings(config)
    assert not settings.warehouse.publish_path.exists()  # it died long before publishing
    assert run(settings).success
    assert_recovered(served.reference, settings)


@pytest.mark.slow
def test_a_run_killed_during_transformation_is_completed_by_the_next_run(served: Org, tmp_path):
    LEDGER.fault("SIGKILL during transformation")
    config = _config(tmp_path, served)
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    process = cli(config, {"DAGSTER_HOME": str(dagster_home)}, wait=False)
    deadline = time.monotonic() + 180
    killed_after: list[tuple[str, str | None]] = []
    try:
        while time.monotonic() < deadline and process.poll() is None:
            events = _events(dagster_home)
            if any(
                kind == "STEP_START" and (step or "").startswith(("staging__", "intermediate__"))
                for kind, step in events
            ):
                os.kill(process.pid, signal.SIGKILL)
                killed_after = events
                break
            time.sleep(0.02)
    finally:
        if process.poll() is None and not killed_after:
            process.kill()
        output, _ = process.communicate(timeout=60)

    assert process.returncode == -signal.SIGKILL, output
    succeeded = {step for kind, step in killed_after if kind == "STEP_SUCCESS"}
    assert {"raw__github_main", "raw__jira_cloud"} <= succeeded  # ingestion had finished
    assert "publish__warehouse" not in succeeded
    settings = load_settings(config)
    assert not settings.warehouse.publish_path.exists()

    assert run(settings).success
    assert_recovered(served.reference, settings)
