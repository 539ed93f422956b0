"""Data-quality validation with great-expectations, and the `dq.check_results` record.

Suites run in an ephemeral GX context (nothing written to disk by GX) against a frame read
from the warehouse. Every expectation's outcome becomes one row in `dq.check_results`, with
observed values and unexpected counts, so analysts can query what was checked and what failed.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pandas as pd

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckRecord:
    asset: str
    check_name: str
    severity: str
    success: bool
    observed: str = ""
    unexpected_count: int = 0
    details: str = ""


@dataclass(frozen=True)
class SuiteOutcome:
    suite_name: str
    records: tuple[CheckRecord, ...]

    @property
    def success(self) -> bool:
        return all(r.success for r in self.records)

    @property
    def failed(self) -> tuple[CheckRecord, ...]:
        return tuple(r for r in self.records if not r.success)


def record_checks(
    conn: duckdb.DuckDBPyConnection, run_id: str, records: Sequence[CheckRecord]
) -> None:
    if not records:
        return
    checked_at = datetime.now(UTC)
    frame = pd.DataFrame(
        {
            "run_id": run_id,
            "checked_at": checked_at,
            "asset": [r.asset for r in records],
            "check_name": [r.check_name for r in records],
            "severity": [r.severity for r in records],
            "success": [r.success for r in records],
            "observed": [r.observed for r in records],
            "unexpected_count": [r.unexpected_count for r in records],
            "details": [r.details for r in records],
        }
    )
    conn.register("incoming_checks", frame)
    try:
        conn.execute("insert into dq.check_results select * from incoming_checks")
    finally:
        conn.unregister("incoming_checks")


def run_suite(
    frame: pd.DataFrame, suite_name: str, expectations: Sequence[Any], *, severity: str = "ERROR"
) -> SuiteOutcome:
    """Validate `frame` against GX expectations; one CheckRecord per expectation."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx  # heavy import, only where validation runs
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    data_source = context.data_sources.add_pandas(name="warehouse")
    batch_definition = data_source.add_dataframe_asset(
        name=suite_name
    ).add_batch_definition_whole_dataframe("whole_table")
    suite = context.suites.add(gx.ExpectationSuite(name=suite_name))
    for expectation in expectations:
        suite.add_expectation(expectation)
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{suite_name}.validation", data=batch_definition, suite=suite)
    )
    result = validation.run(batch_parameters={"dataframe": frame})
    records = []
    for item in result.results:
        config = item.expectation_config
        kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
        detail = item.result or {}
        unexpected = int(detail.get("unexpected_count") or 0)
        sample = detail.get("partial_unexpected_list") or []
        records.append(
            CheckRecord(
                asset=suite_name,
                check_name=f"{config.type}({_describe(kwargs)})",
                severity=severity,
                success=bool(item.success),
                observed=str(detail.get("observed_value", f"{unexpected} unexpected"))[:500],
                unexpected_count=unexpected,
                details=f"sample: {sample[:10]}" if sample else "",
            )
        )
    return SuiteOutcome(suite_name=suite_name, records=tuple(records))


def _describe(kwargs: dict[str, Any]) -> str:
    parts = []
    for key, value in sorted(kwargs.items()):
        text = repr(value)
        parts.append(f"{key}={text if len(text) < 60 else text[:57] + '...'}")
    return ", ".join(parts)
