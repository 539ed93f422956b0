"""The vocabulary suites are written in: GX expectations named, not built.

Importing great-expectations costs seconds, and the Dagster definitions must load fast, so a
suite is plain data (the GX class name and its arguments) until a check runs and
`pipelines.lib.quality` turns it into GX objects. Helpers read like the rule they state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

ERROR = "ERROR"
WARN = "WARN"
CATEGORIES = ("todo", "in_progress", "done", "cancelled")
KINDS = ("issue", "subtask", "epic", "initiative", "pull_request")
KIND_SCOPES = (*KINDS, "all")
# A derived column `<event>_hours_after_as_of` (created_at -> created_hours_after_as_of) is
# added to the frame for every timestamp a suite says must not lie in the future; its
# expectation bounds it by the configured skew.
FUTURE_SUFFIX = "_hours_after_as_of"


def future_column(column: str) -> str:
    return column.removesuffix("_at") + FUTURE_SUFFIX


@dataclass(frozen=True)
class Expect:
    """One GX 1.x expectation: its class name in `great_expectations.expectations`, its kwargs."""

    gx_class: str
    kwargs: Mapping[str, Any]
    severity: str = ERROR

    @property
    def columns(self) -> tuple[str, ...]:
        """Frame columns the expectation reads (so missing ones are reported, not crashed on)."""
        names = [
            str(self.kwargs[k]) for k in ("column", "column_A", "column_B") if k in self.kwargs
        ]
        names += [str(c) for c in self.kwargs.get("column_list", ())]
        return tuple(names)


@dataclass(frozen=True)
class TableSuite:
    """Expectations for one table, its key, and the column that orders it in time.

    `window_column` picks the newest rows when the table is larger than GX is allowed to read
    (`quality.gx_max_rows`); keys are then proven on the whole table in SQL.
    """

    table: str
    key: tuple[str, ...]
    expectations: tuple[Expect, ...] = ()
    future_columns: tuple[str, ...] = ()
    window_column: str | None = None
    future_severity: str = ERROR
    metadata: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def schema(self) -> str:
        return self.table.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.table.split(".", 1)[1]

    def all_expectations(self, future_skew_hours: float) -> tuple[Expect, ...]:
        """Key rules first, then the suite's own, then the no-future-timestamps rules."""
        keys: list[Expect] = [not_null(column) for column in self.key]
        if len(self.key) == 1:
            keys.append(Expect("ExpectColumnValuesToBeUnique", {"column": self.key[0]}))
        elif self.key:
            keys.append(Expect("ExpectCompoundColumnsToBeUnique", {"column_list": list(self.key)}))
        future = [
            Expect(
                "ExpectColumnValuesToBeBetween",
                {"column": future_column(column), "max_value": future_skew_hours},
                self.future_severity,
            )
            for column in self.future_columns
        ]
        return (*keys, *self.expectations, *future)


def not_null(column: str, severity: str = ERROR) -> Expect:
    return Expect("ExpectColumnValuesToNotBeNull", {"column": column}, severity)


def in_set(column: str, values: tuple[str, ...], severity: str = ERROR) -> Expect:
    return Expect(
        "ExpectColumnValuesToBeInSet", {"column": column, "value_set": list(values)}, severity
    )


def non_negative(*columns: str, severity: str = ERROR) -> tuple[Expect, ...]:
    return tuple(
        Expect("ExpectColumnValuesToBeBetween", {"column": c, "min_value": 0}, severity)
        for c in columns
    )


def between(column: str, low: float, high: float, severity: str = ERROR) -> Expect:
    return Expect(
        "ExpectColumnValuesToBeBetween",
        {"column": column, "min_value": low, "max_value": high},
        severity,
    )


def not_before(later: str, earlier: str, severity: str = ERROR) -> Expect:
    """`later` >= `earlier` wherever both are set (completed not before created, ...)."""
    return Expect(
        "ExpectColumnPairValuesAToBeGreaterThanB",
        {
            "column_A": later,
            "column_B": earlier,
            "or_equal": True,
            "ignore_row_if": "either_value_is_missing",
        },
        severity,
    )
