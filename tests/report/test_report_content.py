"""The nightly report: self-contained, honest about missing data, written after a clean run."""

from __future__ import annotations

import re

import duckdb
import pytest

from pipelines.lib.report.build import render_report
from pipelines.lib.report.charts import CHARTS
from pipelines.lib.warehouse import connect
from tests.builders import JiraBuilder
from tests.report.page_dom import parse_report


def test_the_report_is_one_self_contained_file_that_loads_nothing(demo_settings):
    html = demo_settings.report.path.read_text(encoding="utf-8")
    dom = parse_report(html)

    assert dom.scripts_with_src == []
    assert dom.links == []
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "@import" not in html
    assert "url(" not in html
    assert list(dom.panels) == [spec.key for spec in CHARTS]


def test_the_cycle_time_lines_are_the_warehouse_percentiles_over_the_window(demo_settings):
    conn = connect(demo_settings.warehouse.publish_path, read_only=True)
    try:
        p50, p85 = conn.execute(
            "select quantile_cont(cycle_time_hours / 24, 0.5), "
            "quantile_cont(cycle_time_hours / 24, 0.85) from marts.fct_work_items "
            "where kind = 'issue' and category = 'done' and cycle_time_hours is not null "
            "and completed_at > (select as_of - interval 26 week from meta.cfg_run) "
            "and completed_at <= (select as_of from meta.cfg_run)"
        ).fetchone()
    finally:
        conn.close()
    html = demo_settings.report.path.read_text(encoding="utf-8")

    assert f"p50 {p50:.1f} d" in html
    assert f"p85 {p85:.1f} d" in html
    assert "Data as of <strong>01 Nov 2026 00:00 UTC</strong>" in html


def test_each_chart_whose_mart_is_missing_or_empty_says_no_data_yet(tmp_path):
    conn = duckdb.connect(str(tmp_path / "published.duckdb"))
    conn.execute("set timezone = 'UTC'")
    conn.execute("create schema meta; create schema marts; create schema dq")
    conn.execute(
        "create table meta.cfg_run as select timestamptz '2026-06-01 00:00:00+00' as as_of"
    )
    conn.execute(
        "create table marts.fct_work_items as select 'jira:1' as item_id, 'PAY-1' as key, "
        "'issue' as kind, 'payments' as team, 'Pay' as title, 'Done' as status, "
        "'done' as category, timestamptz '2026-05-20 09:00:00+00' as completed_at, "
        "48.0 as cycle_time_hours, null::double as wip_age_hours"
    )
    conn.execute("create table dq.check_results (run_id varchar, checked_at timestamptz)")
    try:
        html, summary = render_report(conn, "published.duckdb")
    finally:
        conn.close()
    dom = parse_report(html)

    assert summary.drawn == ("cycle-time",)
    assert dom.panels["cycle-time"]["data-state"] == "chart"
    assert dom.panels["throughput"]["data-state"] == "empty"
    assert (
        "marts.fct_cycle_time_summary is not in this warehouse yet" in summary.no_data["throughput"]
    )
    assert summary.no_data["aging-wip"] == "No issue is in progress."
    assert "dq.check_results" in summary.no_data["data-quality"]
    assert html.count("No data yet") == len(CHARTS) - 1


@pytest.mark.slow
def test_a_run_whose_blocking_check_fails_leaves_the_previous_report(
    store, fake_jira, make_settings, run_pipeline
):
    jira = JiraBuilder(store)
    jira.issue(
        "2026-05-04 09:00", [("2026-05-05 09:00", "In Progress"), ("2026-05-07 09:00", "Done")]
    )
    settings = make_settings(jira=fake_jira)
    assert run_pipeline(settings).success
    first = settings.report.path.read_text(encoding="utf-8")
    jira.issue("2026-07-10 09:00", [("2026-07-11 09:00", "Done")])  # after as-of: blocks publish

    outcome = run_pipeline(settings)

    assert not outcome.success
    assert settings.report.path.read_text(encoding="utf-8") == first
    assert "1 issues; p50 2.0 days" in first
