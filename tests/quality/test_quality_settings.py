"""The `quality` config section: typed, validated, and named in every error."""

from __future__ import annotations

import pytest

from pipelines.settings import ConfigError, FreshnessWindow


def test_quality_defaults_apply_when_the_section_is_absent(make_settings, fake_jira):
    quality = make_settings(jira=fake_jira).quality

    assert quality.freshness_for("jira-cloud") == FreshnessWindow(36.0, 72.0)
    assert (quality.row_count_warn_drop, quality.row_count_error_drop) == (0.2, 0.5)
    assert quality.future_skew_hours == 24.0


def test_a_source_can_have_its_own_freshness_window(make_settings, fake_jira):
    settings = make_settings(
        jira=fake_jira,
        quality={
            "freshness": {
                "warn_after_hours": 30,
                "sources": {"jira-cloud": {"error_after_hours": 48}},
            },
            "row_count_drop": {"warn_ratio": 0.1, "error_ratio": 0.3, "min_rows": 10},
            "future_skew_hours": 2,
            "gx_max_rows": 5000,
        },
    )

    quality = settings.quality
    assert quality.freshness_for("jira-cloud") == FreshnessWindow(30.0, 48.0)
    assert quality.freshness_for("other") == FreshnessWindow(30.0, 72.0)
    assert (quality.row_count_min_rows, quality.gx_max_rows) == (10, 5000)


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ({"freshness": {"warn_after_hours": 80}}, "quality.freshness.error_after_hours"),
        ({"freshness": {"sources": {"nope": {}}}}, "quality.freshness.sources.nope"),
        ({"row_count_drop": {"error_ratio": 1.5}}, "quality.row_count_drop.error_ratio"),
        ({"future_skew": 3}, "quality.future_skew"),
        ({"gx_max_rows": 0}, "quality.gx_max_rows"),
    ],
)
def test_bad_quality_settings_are_rejected_naming_the_key(make_settings, fake_jira, section, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        make_settings(jira=fake_jira, quality=section)
