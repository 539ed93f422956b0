"""Publishing: atomic, never blocked by readers, and never done when a blocking check fails."""

from __future__ import annotations

from pipelines.lib.warehouse import connect
from tests.builders import JiraBuilder


def test_a_failing_blocking_check_leaves_the_previous_published_warehouse(
    store, fake_jira, make_settings, run_pipeline, query
):
    jira = JiraBuilder(store)
    jira.issue(
        "2026-03-02 09:00", [("2026-03-03 09:00", "In Progress"), ("2026-03-05 09:00", "Done")]
    )
    settings = make_settings(jira=fake_jira)
    assert run_pipeline(settings).success
    # an item created after the run's as-of time: a broken clock the suite must not publish
    jira.issue("2026-07-10 09:00", [("2026-07-11 09:00", "Done")])

    outcome = run_pipeline(settings)

    assert "marts/fct_work_items:gx_suite" in outcome.failed_checks
    assert "publish__warehouse" not in outcome.failed_steps  # skipped, not failed
    assert query(settings.warehouse.publish_path, "select count(*) from marts.fct_work_items") == [
        (1,)
    ]
    failed = query(
        settings.warehouse.path,
        "select check_name, unexpected_count from dq.check_results where not success",
    )
    assert any("created_hours_after_as_of" in name and count == 1 for name, count in failed)


def test_a_reader_holding_the_published_file_never_blocks_the_nightly_run(
    store, fake_jira, make_settings, run_pipeline, query
):
    jira = JiraBuilder(store)
    jira.issue("2026-03-02 09:00", [("2026-03-03 09:00", "In Progress")])
    settings = make_settings(jira=fake_jira)
    assert run_pipeline(settings).success
    reader = connect(settings.warehouse.publish_path, read_only=True)
    try:
        jira.issue("2026-03-04 09:00", key="PAY-77")

        assert run_pipeline(settings).success

        # the open reader still sees its complete snapshot; a new reader sees the new one
        assert reader.execute("select count(*) from marts.fct_work_items").fetchone() == (1,)
    finally:
        reader.close()
    assert query(settings.warehouse.publish_path, "select count(*) from marts.fct_work_items") == [
        (2,)
    ]


def test_every_published_mart_column_is_documented(
    store, fake_jira, make_settings, run_pipeline, query
):
    JiraBuilder(store).issue("2026-03-02 09:00")
    settings = make_settings(jira=fake_jira)
    assert run_pipeline(settings).success

    undocumented = query(
        settings.warehouse.publish_path,
        "select table_name, column_name from duckdb_columns() "
        "where schema_name = 'marts' and (comment is null or comment = '')",
    )
    tables = query(
        settings.warehouse.publish_path,
        "select table_name from duckdb_tables() "
        "where schema_name = 'marts' and (comment is null or comment = '')",
    )
    assert undocumented == []
    assert tables == []


def test_a_transition_stamped_before_creation_counts_from_creation(
    store, fake_jira, make_settings, run_pipeline, query
):
    JiraBuilder(store).issue("2026-03-10 09:00", [("2026-03-01 09:00", "Done")])
    settings = make_settings(jira=fake_jira)

    assert run_pipeline(settings).success

    rows = query(
        settings.warehouse.publish_path,
        "select category, lead_time_hours from marts.fct_work_items",
    )
    assert rows == [("done", 0.0)]
