"""Reading the published warehouse for the report, tolerating marts that do not exist yet.

The report is built from the published file, exactly what analysts see. A chart whose mart is
missing, lacks a column, or is empty becomes a "no data yet" panel naming the reason, so one
absent table never costs the rest of the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import pandas as pd


class NoDataError(Exception):
    """The chart cannot be drawn from this warehouse; the message says why, for the reader."""


@dataclass(frozen=True)
class ReportContext:
    """What every chart reads: a read-only connection and the run's as-of time (UTC)."""

    conn: duckdb.DuckDBPyConnection
    as_of: datetime
    window_weeks: int = 26

    @property
    def window_start(self) -> datetime:
        return self.as_of - timedelta(weeks=self.window_weeks)


def table_exists(conn: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, table = qualified.split(".", 1)
    row = conn.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


def table_columns(conn: duckdb.DuckDBPyConnection, qualified: str) -> list[str]:
    schema, table = qualified.split(".", 1)
    rows = conn.execute(
        "select column_name from duckdb_columns() where schema_name = ? and table_name = ? "
        "order by column_index",
        [schema, table],
    ).fetchall()
    return [str(r[0]) for r in rows]


def fetch(
    ctx: ReportContext,
    sql: str,
    tables: tuple[str, ...],
    params: list[Any] | None = None,
    *,
    empty_reason: str = "",
) -> pd.DataFrame:
    """Run a chart's query; NoDataError when a table is missing, lacks columns or gives no rows."""
    for qualified in tables:
        if not table_exists(ctx.conn, qualified):
            raise NoDataError(f"{qualified} is not in this warehouse yet.")
    try:
        frame = ctx.conn.execute(sql, params or []).df()
    except (duckdb.BinderException, duckdb.CatalogException) as exc:
        first_line = str(exc).splitlines()[0]
        raise NoDataError(
            f"{', '.join(tables)} does not have what this chart needs yet ({first_line})."
        ) from None
    if frame.empty:
        raise NoDataError(empty_reason or f"{', '.join(tables)} has no rows for this chart yet.")
    return frame


def run_as_of(conn: duckdb.DuckDBPyConnection) -> datetime:
    """The run's "now" from meta.cfg_run, so the report matches the numbers it shows."""
    if table_exists(conn, "meta.cfg_run"):
        row = conn.execute("select max(as_of) from meta.cfg_run").fetchone()
        if row and row[0] is not None:
            value = row[0]
            return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.now(UTC)


def utc_series(values: pd.Series) -> pd.Series:
    """Dates, naive or aware timestamps, as aware UTC pandas timestamps."""
    return pd.to_datetime(values, utc=True)
