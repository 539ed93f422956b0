"""What the Dagster UI shows for a publish: row counts, headline figures, markdown previews."""

from __future__ import annotations

import dagster as dg

from pipelines.definitions import build_definitions
from pipelines.defs.schedules import NIGHTLY_JOB
from pipelines.run import nightly_run_config
from tests.builders import JiraBuilder
from tests.conftest import AS_OF


def materialisations(settings) -> dict[str, dict]:
    job = build_definitions(settings).resolve_job_def(NIGHTLY_JOB)
    result = job.execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), run_config=nightly_run_config(AS_OF)
    )
    assert result.success
    return {
        f"publish/{node}": result.asset_materializations_for_node(f"publish__{node}")[0].metadata
        for node in ("warehouse", "report")
    }


def test_the_publish_materialisation_carries_row_counts_headlines_and_a_preview(
    store, fake_jira, make_settings, query
):
    jira = JiraBuilder(store)
    jira.issue(
        "2026-05-04 09:00", [("2026-05-05 09:00", "In Progress"), ("2026-05-07 09:00", "Done")]
    )
    jira.issue("2026-05-10 09:00", [("2026-05-11 09:00", "In Progress")], key="PAY-9")
    settings = make_settings(jira=fake_jira)

    metadata = materialisations(settings)

    published = metadata["publish/warehouse"]
    work_items = query(settings.warehouse.publish_path, "select count(*) from marts.fct_work_items")
    assert published["work_items"].value == work_items[0][0] == 2
    assert published["issues_done_last_4_weeks"].value == 1
    assert published["issues_in_progress"].value == 1
    assert "| marts.fct_work_items | 2 |" in published["mart_row_counts"].value
    assert "| PAY |" in published["headline_per_team"].value
    assert "PAY-9" in published["fct_work_items_preview"].value
    assert published["parquet_files"].value >= 4
    report = metadata["publish/report"]
    assert report["charts"].value == 8
    assert report["path"].value == str(settings.report.path)
