"""The nightly report in a real headless browser: every chart drawn, no script error."""

from __future__ import annotations

import pytest

from pipelines.lib.report.charts import CHARTS
from tests.analysts.demo_warehouse import graph_tables
from tests.report.browser import dump_dom
from tests.report.page_dom import parse_report

pytestmark = pytest.mark.browser


def test_every_chart_of_the_demo_report_renders_in_chromium_without_script_errors(
    chromium, demo_settings
):
    dom = parse_report(dump_dom(chromium, demo_settings.report.path))

    assert dom.body.get("data-check") == "done", "the page's render check did not run"
    assert dom.body.get("data-script-errors") == "0", dom.errors_text
    assert dom.errors_text == ""
    assert list(dom.panels) == [spec.key for spec in CHARTS]
    for spec in CHARTS:
        panel = dom.panels[spec.key]
        assert panel["data-rendered"] == "yes", f"{spec.key} did not render: {panel}"
        if set(spec.sources) <= graph_tables():
            # the pipeline builds this chart's tables, so the demo must draw it
            assert panel["data-state"] == "chart", f"{spec.key} has no data: {panel}"
            assert int(panel["data-visible-marks"]) > 0
    assert int(dom.body["data-charts-drawn"]) == sum(
        p["data-state"] == "chart" for p in dom.panels.values()
    )


def test_a_script_error_in_the_page_is_caught_and_shown(chromium, demo_settings, tmp_path):
    broken = tmp_path / "report.html"
    html = demo_settings.report.path.read_text(encoding="utf-8")
    broken.write_text(
        html.replace("</main>", "</main><script>undefinedChartLibrary.draw();</script>"),
        encoding="utf-8",
    )

    dom = parse_report(dump_dom(chromium, broken))

    assert dom.body["data-script-errors"] == "1"
    assert "undefinedChartLibrary is not defined" in dom.errors_text


def test_a_chart_that_draws_nothing_visible_is_reported_as_not_rendered(
    chromium, demo_settings, tmp_path
):
    hidden = tmp_path / "report.html"
    html = demo_settings.report.path.read_text(encoding="utf-8")
    hidden.write_text(
        html.replace('<svg class="chart"', '<svg style="display:none" class="chart"', 1),
        encoding="utf-8",
    )

    dom = parse_report(dump_dom(chromium, hidden))

    assert dom.panels[CHARTS[0].key]["data-rendered"] == "no"
