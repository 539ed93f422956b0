"""Load and validate the initiatives value file the business maintains (CSV or YAML).

Why a separate file: expected value, estimated cost and realized value live in business
spreadsheets, not in trackers. The file is configuration, so it is validated the way the config
is: every problem (a negative cost, a date that is not a date, a key given twice) is collected
and reported together, each naming the file, the row and the column, and nothing is loaded
until the file is right. Keys that name no discovered initiative can only be checked against the
warehouse; `unknown_keys_error` does that once discovery has run.

Columns (one row per initiative): initiative_key (the `key` of `marts.fct_initiative_delivery`:
`PAY-12`, `acme/api#42`, `acme/api:milestone:2026.03`, `acme/api:label:initiative:checkout`),
expected_value, estimated_cost, realized_value, value_measured_at, currency, and optionally
committed_at (the date the initiative was committed to, which overrides the tracker's evidence).
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

COLUMNS = (
    "initiative_key",
    "expected_value",
    "estimated_cost",
    "realized_value",
    "value_measured_at",
    "currency",
    "committed_at",
)
REQUIRED = ("initiative_key",)
CURRENCY = re.compile(r"^[A-Z]{3}$")
SCHEMA = pa.schema(
    [
        ("initiative_key", pa.string()),
        ("expected_value", pa.float64()),
        ("estimated_cost", pa.float64()),
        ("realized_value", pa.float64()),
        ("value_measured_at", pa.date32()),
        ("currency", pa.string()),
        ("committed_at", pa.date32()),
    ]
)


class InitiativeValuesError(ValueError):
    """The value file is unreadable or invalid; the message lists every problem found."""


@dataclass(frozen=True)
class InitiativeValue:
    """One initiative's business figures; None where the business has not said."""

    initiative_key: str
    expected_value: float | None = None
    estimated_cost: float | None = None
    realized_value: float | None = None
    value_measured_at: date | None = None
    currency: str | None = None
    committed_at: date | None = None


def load_initiative_values(path: Path | None) -> list[InitiativeValue]:
    """Read and validate the file (.csv, .yaml or .yml); an absent path means no values."""
    if path is None:
        return []
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InitiativeValuesError(
            f"{path}: cannot read the initiatives value file ({exc.strerror})"
        ) from None
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        rows = _csv_rows(text)
    elif suffix in (".yaml", ".yml"):
        rows = _yaml_rows(text, path)
    else:
        raise InitiativeValuesError(f"{path}: must be a .csv, .yaml or .yml file")
    return parse_rows(rows, path)


def _csv_rows(text: str) -> list[tuple[str, Mapping[str, Any]]]:
    reader = csv.DictReader(line for line in text.splitlines() if line.strip())
    # line 1 is the header, so data row n sits on line n + 1
    return [(f"line {i + 2}", row) for i, row in enumerate(reader)]


def _yaml_rows(text: str, path: Path) -> list[tuple[str, Mapping[str, Any]]]:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        raise InitiativeValuesError(f"{path}: not valid YAML") from None
    if isinstance(document, Mapping) and "initiatives" in document:
        document = document["initiatives"]
    if document is None:
        return []
    if isinstance(document, Mapping):  # {PAY-12: {expected_value: ...}, ...}
        return [
            (f"entry {key!r}", {"initiative_key": key, **(fields or {})})
            for key, fields in document.items()
        ]
    if isinstance(document, list):
        return [(f"entry {i + 1}", row) for i, row in enumerate(document)]
    raise InitiativeValuesError(f"{path}: must be a list of initiatives or a mapping by key")


def parse_rows(
    rows: Iterable[tuple[str, Mapping[str, Any]]], path: Path | str
) -> list[InitiativeValue]:
    """Validate every row; raise one error listing all problems, or return the values."""
    problems: list[str] = []
    values: list[InitiativeValue] = []
    seen: dict[str, str] = {}
    for where, row in rows:
        if not isinstance(row, Mapping):
            problems.append(f"{where}: must be a mapping of column to value")
            continue
        unknown = sorted(str(k) for k in row if k is not None and str(k) not in COLUMNS)
        problems += [f"{where}: '{name}' is not a known column" for name in unknown]
        key = _text(row.get("initiative_key"))
        if key is not None and key in seen:
            problems.append(
                f"{where}: initiative_key {key!r} is given twice (first at {seen[key]})"
            )
        elif key is not None:
            seen[key] = where
        parsed = _parse_row(where, row, problems)
        if parsed is not None:
            values.append(parsed)
    if problems:
        raise InitiativeValuesError(
            f"{path}: invalid initiatives value file:\n  " + "\n  ".join(problems)
        )
    return values


def _parse_row(where: str, row: Mapping[str, Any], problems: list[str]) -> InitiativeValue | None:
    before = len(problems)
    key = _text(row.get("initiative_key"))
    if key is None:
        problems.append(f"{where}: 'initiative_key' is required")
    numbers = {
        name: _number(where, name, row.get(name), problems)
        for name in ("expected_value", "estimated_cost", "realized_value")
    }
    if numbers["estimated_cost"] is not None and numbers["estimated_cost"] < 0:
        problems.append(
            f"{where}: 'estimated_cost' must not be negative, got {numbers['estimated_cost']:g}"
        )
    dates = {
        name: _date(where, name, row.get(name), problems)
        for name in ("value_measured_at", "committed_at")
    }
    currency = _text(row.get("currency"))
    if currency is not None and not CURRENCY.match(currency):
        problems.append(f"{where}: 'currency' must be an ISO 4217 code like EUR, got {currency!r}")
    if numbers["realized_value"] is not None and dates["value_measured_at"] is None:
        problems.append(f"{where}: 'value_measured_at' is required when realized_value is given")
    if dates["value_measured_at"] is not None and numbers["realized_value"] is None:
        problems.append(f"{where}: 'realized_value' is required when value_measured_at is given")
    if len(problems) > before or key is None:
        return None
    return InitiativeValue(
        initiative_key=key,
        expected_value=numbers["expected_value"],
        estimated_cost=numbers["estimated_cost"],
        realized_value=numbers["realized_value"],
        value_measured_at=dates["value_measured_at"],
        currency=currency,
        committed_at=dates["committed_at"],
    )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _number(where: str, name: str, value: Any, problems: list[str]) -> float | None:
    if isinstance(value, bool):
        problems.append(f"{where}: '{name}' must be a number, got {value!r}")
        return None
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = _text(value)
        if text is None:
            return None
        try:
            number = float(text.replace("_", ""))
        except ValueError:
            problems.append(f"{where}: '{name}' must be a number, got {text!r}")
            return None
    if not math.isfinite(number):
        problems.append(f"{where}: '{name}' must be a finite number, got {value!r}")
        return None
    return number


def _date(where: str, name: str, value: Any, problems: list[str]) -> date | None:
    if isinstance(value, date):
        return value
    text = _text(value)
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.append(f"{where}: '{name}' must be a YYYY-MM-DD date, got {text!r}")
        return None


def unknown_keys_error(
    values: Iterable[InitiativeValue], known_keys: Iterable[str], path: Path | str | None
) -> InitiativeValuesError | None:
    """The error naming every key in the file that no discovered initiative has, if any."""
    known = set(known_keys)
    unknown = sorted({v.initiative_key for v in values} - known)
    if not unknown:
        return None
    return InitiativeValuesError(
        f"{path}: initiative_key names no discovered initiative: {', '.join(unknown)}"
    )


def values_table(values: Iterable[InitiativeValue]) -> pa.Table:
    """The values as an Arrow table for `meta.cfg_initiative_values` (empty when no file)."""
    return pa.Table.from_pylist(
        [{name: getattr(v, name) for name in COLUMNS} for v in values], schema=SCHEMA
    )
