"""Data-quality validation with great-expectations, and the `dq.check_results` record.

Suites (pipelines/lib/suites) run in ONE ephemeral GX context per process, nothing written to
disk by GX, against a frame read from the warehouse: importing GX and building a context cost
seconds, validating a small frame a fraction of one. Every expectation's outcome becomes one
row in `dq.check_results`, with observed values and unexpected counts, so analysts can query
what was checked and what failed. Tables larger than `quality.gx_max_rows` are validated on
their newest rows (a window) and their keys proven on the whole table in SQL, because GX over
pandas costs seconds per million rows per expectation (benchmarks/quality_gx_suite.py).
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pandas as pd

from pipelines.lib.suites.spec import ERROR, WARN, Expect, TableSuite, future_column

log = logging.getLogger(__name__)
_names = itertools.count()


@dataclass(frozen=True)
class CheckRecord:
    """One row of `dq.check_results` (run_id and checked_at are stamped when written)."""

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
    rows: int = 0
    validated_rows: int = 0

    @property
    def success(self) -> bool:
        return all(r.success for r in self.records)

    @property
    def failed(self) -> tuple[CheckRecord, ...]:
        return tuple(r for r in self.records if not r.success)

    @property
    def errors(self) -> tuple[CheckRecord, ...]:
        return tuple(r for r in self.failed if r.severity == ERROR)


def record_checks(
    conn: duckdb.DuckDBPyConnection, run_id: str, records: Sequence[CheckRecord]
) -> None:
    """Append the records in one statement (a check's rows land together or not at all)."""
    if not records:
        return
    frame = pd.DataFrame(
        {
            "run_id": run_id,
            "checked_at": datetime.now(UTC),
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
        conn.execute(
            "insert into dq.check_results (run_id, checked_at, asset, check_name, severity, "
            "success, observed, unexpected_count, details) "
            "select run_id, checked_at, asset, check_name, severity, success, observed, "
            "unexpected_count, details from incoming_checks"
        )
    finally:
        conn.unregister("incoming_checks")


@functools.cache
def _gx_context() -> Any:
    """The process's one ephemeral GX context (GX import ~2-3 s; paid once per process)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx  # heavy import, only where validation runs
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def run_suite(frame: pd.DataFrame, suite_name: str, expectations: Sequence[Expect]) -> SuiteOutcome:
    """Validate `frame` against the expectations; one CheckRecord per expectation."""
    validation = _validation_definition(
        suite_name,
        tuple((e.gx_class, repr(sorted(e.kwargs.items())), e.severity) for e in expectations),
        tuple(expectations),
    )
    result = validation.run(batch_parameters={"dataframe": frame})
    records = tuple(_record(suite_name, item) for item in result.results)
    order = {_check_name(e.gx_class, e.kwargs): i for i, e in enumerate(expectations)}
    records = tuple(sorted(records, key=lambda r: order.get(r.check_name, len(order))))
    return SuiteOutcome(suite_name=suite_name, records=records, validated_rows=len(frame))


_validations: dict[tuple[str, tuple[tuple[str, str, str], ...]], Any] = {}


def _validation_definition(
    suite_name: str,
    signature: tuple[tuple[str, str, str], ...],
    expectations: tuple[Expect, ...],
) -> Any:
    """Build a suite's GX objects once per process and reuse them every run.

    Registering expectations is the expensive part of a GX validation (each one re-serialises
    the suite), so the suite, its data asset and validation definition are cached by content;
    only the frame changes from run to run.
    """
    key = (suite_name, signature)
    cached = _validations.get(key)
    if cached is not None:
        return cached
    import great_expectations as gx

    context = _gx_context()
    name = f"{suite_name}.{next(_names)}"
    batch_definition = (
        context.data_sources.add_pandas(name=name)
        .add_dataframe_asset(name=suite_name)
        .add_batch_definition_whole_dataframe("whole_table")
    )
    built = []
    for spec in expectations:
        expectation = getattr(gx.expectations, spec.gx_class)(**spec.kwargs)
        expectation.meta = {"severity": spec.severity}
        built.append(expectation)
    suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=built))
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
    )
    _validations[key] = validation
    return validation


def _record(asset: str, item: Any) -> CheckRecord:
    config = item.expectation_config
    detail = item.result or {}
    unexpected = int(detail.get("unexpected_count") or 0)
    sample = list(detail.get("partial_unexpected_list") or [])[:5]
    exception = item.exception_info or {}
    if exception.get("raised_exception"):
        message = str(exception.get("exception_message") or "expectation raised")[:300]
        details = f"GX could not evaluate: {message}"
    else:
        details = f"sample: {[_plain(v) for v in sample]}" if sample else ""
    if "observed_value" in detail:
        observed = str(_plain(detail["observed_value"]))
    elif "element_count" in detail:
        observed = f"{unexpected} of {detail['element_count']} rows unexpected"
    else:
        observed = f"{unexpected} unexpected"
    return CheckRecord(
        asset=asset,
        check_name=_check_name(config.type, config.kwargs),
        severity=str((config.meta or {}).get("severity", ERROR)),
        success=bool(item.success),
        observed=observed[:500],
        unexpected_count=unexpected,
        details=details[:1000],
    )


def _plain(value: Any) -> Any:
    """Timestamps and numpy scalars as readable text/values for the results table."""
    if isinstance(value, tuple | list):
        return tuple(_plain(v) for v in value)
    if hasattr(value, "item") and not hasattr(value, "isoformat"):
        value = value.item()  # numpy scalars, datetime64 included
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _check_name(gx_type: str, kwargs: Any) -> str:
    """`expect_column_values_to_be_unique(column='item_id')`: the rule, readable in SQL."""
    if not gx_type.startswith("expect_"):
        gx_type = "".join(f"_{c.lower()}" if c.isupper() else c for c in gx_type).lstrip("_")
    parts = []
    for key, value in sorted(dict(kwargs).items()):
        if key in ("batch_id", "result_format", "catch_exceptions", "meta"):
            continue
        text = repr(value)
        parts.append(f"{key}={text if len(text) < 60 else text[:57] + '...'}")
    return f"{gx_type}({', '.join(parts)})"


def table_columns(
    conn: duckdb.DuckDBPyConnection, relation: str, params: dict[str, Any] | None = None
) -> set[str]:
    """Columns of a table or parenthesised subquery; empty when it does not exist."""
    try:
        cursor = conn.execute(f"select * from {relation} limit 0", params or {})  # noqa: S608
    except duckdb.CatalogException:
        return set()
    return {str(column[0]) for column in cursor.description or ()}


def validate_table(
    conn: duckdb.DuckDBPyConnection,
    suite: TableSuite,
    *,
    as_of: datetime,
    future_skew_hours: float,
    max_rows: int,
    relation: str | None = None,
    params: dict[str, Any] | None = None,
) -> SuiteOutcome:
    """Run a table's suite; missing tables or columns are failures, never crashes.

    `relation` (a parenthesised SELECT with `params`) replaces the table when only part of it
    is validated, e.g. the raw rows one run loaded. Column names come from the suite
    definitions (code), checked against the catalog, so no user input is spliced into SQL.
    """
    relation = relation or suite.table
    params = dict(params or {})
    columns = table_columns(conn, relation, params)
    if not columns:
        missing = CheckRecord(suite.table, "table_exists", ERROR, False, "table not found")
        return SuiteOutcome(suite.table, (missing,))
    expectations = suite.all_expectations(future_skew_hours)
    records: list[CheckRecord] = []
    runnable: list[Expect] = []
    absent: set[str] = set()
    derived = {future_column(c): c for c in suite.future_columns}
    for expectation in expectations:
        needed = {derived.get(c, c) for c in expectation.columns}
        if needed <= columns:
            runnable.append(expectation)
        else:
            absent |= needed - columns
    records += [
        CheckRecord(suite.table, f"column_exists(column={c!r})", ERROR, False, "column missing")
        for c in sorted(absent)
    ]
    row = conn.execute(f"select count(*) from {relation}", params).fetchone()  # noqa: S608
    total = int(row[0]) if row else 0
    windowed = total > max_rows and suite.window_column in columns
    frame = _frame(conn, suite, relation, params, runnable, as_of, max_rows if windowed else None)
    if len(frame) == 0:
        records += [
            CheckRecord(suite.table, _check_name(e.gx_class, e.kwargs), e.severity, True, "0 rows")
            for e in runnable
        ]
    else:
        records += run_suite(frame, suite.table, runnable).records
    if windowed or (total > max_rows and suite.key):
        records += key_checks_sql(conn, suite)
    return SuiteOutcome(suite.table, tuple(records), rows=total, validated_rows=len(frame))


def _frame(
    conn: duckdb.DuckDBPyConnection,
    suite: TableSuite,
    relation: str,
    params: dict[str, Any],
    expectations: Sequence[Expect],
    as_of: datetime,
    limit: int | None,
) -> pd.DataFrame:
    wanted = sorted({c for e in expectations for c in e.columns})
    derived = {future_column(c): c for c in suite.future_columns}
    select = []
    for column in wanted:
        base = derived.get(column, column)
        if column != base:
            select.append(f'date_diff(\'millisecond\', $as_of, "{base}") / 3600000.0 as "{column}"')
        else:
            select.append(f'"{column}"')
    sql = f"select {', '.join(select) or 'count(*) as n'} from {relation}"  # noqa: S608 - names from suites
    if limit is not None and suite.window_column:
        sql += f' order by "{suite.window_column}" desc nulls last limit {int(limit)}'
    if "$as_of" in sql:
        params = {**params, "as_of": as_of}
    return conn.execute(sql, params).df()


def key_checks_sql(conn: duckdb.DuckDBPyConnection, suite: TableSuite) -> list[CheckRecord]:
    """Key not null and unique over the whole table, set-based (any size, milliseconds)."""
    if not suite.key:
        return []
    key = ", ".join(f'"{c}"' for c in suite.key)
    nulls = " or ".join(f'"{c}" is null' for c in suite.key)
    row = conn.execute(
        f"select count(*) filter (where {nulls}), "  # noqa: S608 - key names from suites
        f"(select count(*) from (select {key} from {suite.table} "
        f"group by all having count(*) > 1)) from {suite.table}"
    ).fetchone()
    null_keys, duplicate_keys = (int(row[0]), int(row[1])) if row else (0, 0)
    label = ", ".join(suite.key)
    return [
        CheckRecord(
            suite.table,
            "primary_key_not_null",
            ERROR,
            null_keys == 0,
            f"{null_keys} rows with a null key ({label})",
            null_keys,
        ),
        CheckRecord(
            suite.table,
            "primary_key_unique",
            ERROR,
            duplicate_keys == 0,
            f"{duplicate_keys} duplicated keys ({label})",
            duplicate_keys,
        ),
    ]


SUMMARY_SQL = """
select run_id, checked_at, asset, check_name, severity, success, observed,
       unexpected_count, details
from dq.check_results
qualify row_number() over (partition by asset, check_name order by checked_at desc) = 1
order by success, severity, asset, check_name
"""


def data_quality_summary(conn: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The latest result of every check ever run, failures first, as plain dicts.

    `status` is `passed`, `warning` (a failed WARN check) or `failed` (a failed ERROR check).
    For the nightly report and the data-quality page; reads only `dq.check_results`.
    """
    rows = conn.execute(SUMMARY_SQL).fetchall()
    names = ("run_id", "checked_at", "asset", "check_name", "severity", "success", "observed")
    summary = []
    for row in rows:
        item = dict(zip(names, row[:7], strict=True))
        item["unexpected_count"] = int(row[7] or 0)
        item["details"] = row[8] or ""
        item["status"] = "passed" if row[5] else ("warning" if row[4] == WARN else "failed")
        summary.append(item)
    return summary
