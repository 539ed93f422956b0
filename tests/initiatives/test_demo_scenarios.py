"""The demo organisation (seed 7, 3000 items) holds every story the README tells."""

from __future__ import annotations

import pytest

from pipelines.demo import serve_sample_org
from pipelines.run import run_nightly
from pipelines.settings import load_settings
from tests.pipelines.test_demo import demo_config_in


@pytest.mark.slow
def test_the_demo_has_a_slipped_an_on_time_an_unmeasured_a_grown_initiative_and_rising_team(
    tmp_path, query
):
    settings = load_settings(demo_config_in(tmp_path))
    with serve_sample_org(settings):
        outcome = run_nightly(settings, as_of="2026-11-02T02:00:00+00:00")
    assert outcome.steps_succeeded, outcome.failed_steps
    published = settings.warehouse.publish_path

    def count(sql: str) -> int:
        return query(published, sql)[0][0]

    assert count("select count(*) from marts.fct_initiative_delivery where slip_days > 0") > 0
    assert count("select count(*) from marts.fct_initiative_delivery where on_time") > 0
    assert (
        count(
            "select count(*) from marts.fct_initiative_delivery "
            "where completed_at is not null and not value_measured "
            "and key in ('PAY-1', 'WEB-1')"
        )
        == 2
    )
    assert count("select count(*) from marts.fct_initiative_delivery where added_items > 0") > 0
    rising = query(
        published,
        "select indicator from marts.fct_complexity_trends "
        "where scope_type = 'team' and scope_id = 'payments' and direction = 'rising'",
    )
    assert ("size_lines",) in rising
