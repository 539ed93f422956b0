"""The complexity and forecast config sections: typed, defaulted, bad values named."""

from __future__ import annotations

import pytest

from pipelines.settings import ComplexitySettings, ConfigError, ForecastSettings


def test_defaults_are_the_contracts(make_settings, fake_github):
    settings = make_settings(github=fake_github)

    assert settings.complexity == ComplexitySettings(window_months=6, min_points=4, alpha=0.05)
    assert settings.forecast == ForecastSettings(trials=10_000, seed=7, history_weeks=12)


def test_given_values_are_read(make_settings, fake_github):
    settings = make_settings(
        github=fake_github,
        complexity={"window_months": 9, "min_points": 5, "alpha": 0.1},
        forecast={"trials": 500, "seed": 42},
    )

    assert settings.complexity == ComplexitySettings(window_months=9, min_points=5, alpha=0.1)
    assert settings.forecast.trials == 500
    assert settings.forecast.seed == 42


@pytest.mark.parametrize(
    ("sections", "named"),
    [
        ({"complexity": {"window_months": 3}}, "complexity.window_months"),
        ({"complexity": {"min_points": 8}}, "complexity.min_points"),
        ({"complexity": {"alpha": 1.5}}, "complexity.alpha"),
        ({"complexity": {"windows": 6}}, "complexity.windows"),
        ({"forecast": {"trials": 2.5e3 + 0.5}}, "forecast.trials"),
        ({"forecast": {"seed": "seven"}}, "forecast.seed"),
    ],
)
def test_bad_values_are_rejected_naming_the_key(make_settings, fake_github, sections, named):
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        make_settings(github=fake_github, **sections)
