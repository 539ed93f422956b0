"""The initiatives value file: loaded from CSV or YAML, every problem named on load."""

from __future__ import annotations

from datetime import date

import pytest

from pipelines.lib.initiative_values import (
    InitiativeValuesError,
    load_initiative_values,
    unknown_keys_error,
)

HEADER = "initiative_key,expected_value,estimated_cost,realized_value,value_measured_at,currency\n"


def test_a_valid_csv_loads_with_blanks_as_not_given(tmp_path):
    path = tmp_path / "values.csv"
    path.write_text(HEADER + "PAY-1,120000,40000,,,EUR\nPAY-2,1e5,5000,90000,2026-05-20,USD\n")

    values = load_initiative_values(path)

    assert [(v.initiative_key, v.expected_value, v.realized_value) for v in values] == [
        ("PAY-1", 120000.0, None),
        ("PAY-2", 100000.0, 90000.0),
    ]
    assert values[1].value_measured_at == date(2026, 5, 20)


def test_yaml_mapping_by_key_loads_like_the_csv(tmp_path):
    path = tmp_path / "values.yaml"
    path.write_text(
        "initiatives:\n  PAY-1: {expected_value: 10, estimated_cost: 5, currency: EUR,"
        " committed_at: 2026-03-01}\n"
    )

    (value,) = load_initiative_values(path)

    assert value.initiative_key == "PAY-1"
    assert value.committed_at == date(2026, 3, 1)


def test_negative_costs_bad_dates_and_bad_numbers_are_all_named_with_their_line(tmp_path):
    path = tmp_path / "values.csv"
    path.write_text(
        HEADER
        + "PAY-1,100,-5,,,EUR\n"
        + "PAY-2,100,5,80,2026-02-30,EUR\n"
        + "PAY-3,lots,5,,,euro\n"
    )

    with pytest.raises(InitiativeValuesError) as error:
        load_initiative_values(path)

    message = str(error.value)
    assert str(path) in message
    assert "line 2: 'estimated_cost' must not be negative, got -5" in message
    assert "line 3: 'value_measured_at' must be a YYYY-MM-DD date, got '2026-02-30'" in message
    assert "line 4: 'expected_value' must be a number, got 'lots'" in message
    assert "line 4: 'currency' must be an ISO 4217 code" in message


def test_duplicate_keys_unknown_columns_and_half_measured_values_are_rejected(tmp_path):
    path = tmp_path / "values.csv"
    path.write_text(
        "initiative_key,realized_value,value_measured_at,owner\nPAY-1,10,,ana\nPAY-1,,,ana\n"
    )

    with pytest.raises(InitiativeValuesError) as error:
        load_initiative_values(path)

    message = str(error.value)
    assert "'owner' is not a known column" in message
    assert "'value_measured_at' is required when realized_value is given" in message
    assert "initiative_key 'PAY-1' is given twice" in message


def test_unknown_initiative_keys_are_named(tmp_path):
    path = tmp_path / "values.csv"
    path.write_text(HEADER + "PAY-1,1,1,,,EUR\nPAY-99,1,1,,,EUR\nNOPE-1,1,1,,,EUR\n")
    values = load_initiative_values(path)

    error = unknown_keys_error(values, ["PAY-1", "PAY-2"], path)

    assert error is not None
    assert "NOPE-1, PAY-99" in str(error)
    assert unknown_keys_error(values[:1], ["PAY-1"], path) is None


def test_a_missing_file_is_a_clear_error_and_no_path_means_no_values(tmp_path):
    with pytest.raises(InitiativeValuesError, match="cannot read the initiatives value file"):
        load_initiative_values(tmp_path / "absent.csv")
    assert load_initiative_values(None) == []
