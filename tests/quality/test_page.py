"""The analysts' page and the summary the nightly report reads, from dq.check_results."""

from __future__ import annotations

from pipelines.lib.quality import CheckRecord, data_quality_summary, record_checks
from pipelines.lib.suites.page import write_quality_page


def test_the_summary_gives_each_checks_latest_result_failures_first(warehouse):
    record_checks(warehouse, "run-1", [CheckRecord("marts.t", "gx_suite", "ERROR", False, "bad")])
    record_checks(
        warehouse,
        "run-2",
        [
            CheckRecord("marts.t", "gx_suite", "ERROR", True, "fine"),
            CheckRecord("raw/jira", "source_fresh", "WARN", False, "40 h", 1),
            CheckRecord("raw/jira", "changelog_complete", "ERROR", False, "1 truncated", 1),
        ],
    )

    summary = data_quality_summary(warehouse)

    assert [(s["asset"], s["check_name"], s["status"]) for s in summary] == [
        ("raw/jira", "changelog_complete", "failed"),
        ("raw/jira", "source_fresh", "warning"),
        ("marts.t", "gx_suite", "passed"),
    ]
    assert summary[0]["run_id"] == "run-2"
    assert summary[0]["unexpected_count"] == 1


def test_the_page_lists_every_check_and_escapes_what_it_shows(warehouse, tmp_path):
    record_checks(
        warehouse,
        "run-1",
        [
            CheckRecord("marts.t", "gx_suite", "ERROR", False, "<script>x</script>", 2),
            CheckRecord("marts.t", "row_count_not_dropped", "ERROR", True, "10 rows"),
        ],
    )

    page = write_quality_page(warehouse, tmp_path / "published" / "data-quality.html")

    html = page.read_text(encoding="utf-8")
    assert "1 failed, 0 warnings, 1 passed" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
    assert "<script>" not in html
    assert "row_count_not_dropped" in html
