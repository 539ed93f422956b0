"""Initiatives and complexity trends: the parts computed in Python around the SQL models.

The SQL models in models/intermediate rebuild initiatives, their membership history and their
promise from tracker history. Three things need Python: the pipeline's own SCD2 snapshots of
initiative state (a merge that appends, never rebuilds), the Monte Carlo forecast, and the
Theil-Sen / Mann-Kendall trend test. These assets do that, run the SQL in pipelines/sql/, and
write `meta.initiative_snapshots`, `marts.fct_initiative_delivery` and
`marts.fct_complexity_trends` (documented in models/marts/_initiatives.yml, as COMMENT ON).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import yaml

from pipelines.defs.ingest import OWNERS
from pipelines.defs.resources import WarehouseResource
from pipelines.defs.run_context import RUN_CONTEXT_KEY
from pipelines.lib.forecast import forecast_completion
from pipelines.lib.initiative_values import load_initiative_values, unknown_keys_error
from pipelines.lib.sql_models import MODELS_DIR, ModelSpec, apply_comments
from pipelines.lib.trends import directions, relative_slopes, trend
from pipelines.settings import ComplexitySettings, ForecastSettings, Settings

SQL_DIR = Path(__file__).resolve().parents[1] / "sql"
SNAPSHOTS_KEY = dg.AssetKey(["meta", "initiative_snapshots"])
DELIVERY_KEY = dg.AssetKey(["marts", "fct_initiative_delivery"])
TRENDS_KEY = dg.AssetKey(["marts", "fct_complexity_trends"])
PYTHON_BUILT_MARTS = (DELIVERY_KEY, TRENDS_KEY)


def _sql(name: str) -> str:
    return (SQL_DIR / name).read_text(encoding="utf-8")


def _statements(sql: str) -> list[str]:
    """Split a script into statements on line-ending semicolons, without comment lines."""
    code = "\n".join(line for line in sql.splitlines() if not line.strip().startswith("--"))
    return [chunk.strip() for chunk in code.split(";\n") if chunk.strip().rstrip(";")]


def mart_spec(name: str) -> ModelSpec:
    """The table's documentation from models/marts/_initiatives.yml, for COMMENT ON."""
    document = yaml.safe_load((MODELS_DIR / "marts" / "_initiatives.yml").read_text("utf-8"))
    doc = (document.get("models") or {}).get(name) or {}
    return ModelSpec(
        layer="marts",
        name=name,
        sql="",
        refs=frozenset(),
        description=str(doc.get("description", "")).strip(),
        columns={str(k): str(v).strip() for k, v in (doc.get("columns") or {}).items()},
    )


def _in_transaction(conn: duckdb.DuckDBPyConnection, work: Any) -> Any:
    conn.execute("begin transaction")
    try:
        result = work()
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    return result


# ------------------------------------------------------------------------------ snapshots
def merge_snapshots(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Append today's initiative state where it changed; returns version counts."""
    as_of, run_id = conn.execute("select as_of, run_id from meta.cfg_run").fetchone()  # type: ignore[misc]

    def work() -> None:
        for statement in _statements(_sql("initiative_snapshots.sql")):
            params = {
                k: v for k, v in {"as_of": as_of, "run_id": run_id}.items() if f"${k}" in statement
            }
            conn.execute(statement, params or None)

    _in_transaction(conn, work)
    total, current, tonight = conn.execute(
        "select count(*), count(*) filter (where valid_to is null), "
        "count(*) filter (where valid_from = ?) from meta.initiative_snapshots",
        [as_of],
    ).fetchone()  # type: ignore[misc]
    return {"versions": int(total), "initiatives": int(current), "new_versions": int(tonight)}


# ------------------------------------------------------------------------------ delivery
def build_initiative_delivery(
    conn: duckdb.DuckDBPyConnection, forecast: ForecastSettings
) -> dict[str, Any]:
    """Build marts.fct_initiative_delivery, then forecast the open initiatives into it."""
    spec = mart_spec("fct_initiative_delivery")

    def work() -> dict[str, Any]:
        conn.execute(
            "create or replace table marts.fct_initiative_delivery as\n"
            + _sql("fct_initiative_delivery.sql")
        )
        forecasts = forecast_frame(conn, forecast)
        if not forecasts.empty:
            conn.register("initiative_forecasts", forecasts)
            conn.execute(
                "update marts.fct_initiative_delivery as delivery "
                "set forecast_p50_date = forecasts.p50_date, "
                "forecast_p85_date = forecasts.p85_date, p_on_time = forecasts.p_on_time "
                "from initiative_forecasts as forecasts "
                "where forecasts.initiative_item_id = delivery.initiative_item_id"
            )
            conn.unregister("initiative_forecasts")
        apply_comments(conn, spec)
        return {"forecast_initiatives": len(forecasts)}

    metadata = _in_transaction(conn, work)
    rows, completed, measured = conn.execute(
        "select count(*), count(completed_at), count(completed_at) filter (where value_measured) "
        "from marts.fct_initiative_delivery"
    ).fetchone()  # type: ignore[misc]
    coverage = measured / completed if completed else None
    return {
        "dagster/row_count": int(rows),
        "completed_initiatives": int(completed),
        "measurement_coverage": dg.MetadataValue.float(coverage)
        if coverage is not None
        else dg.MetadataValue.text("no completed initiatives"),
        **metadata,
    }


def forecast_frame(conn: duckdb.DuckDBPyConnection, settings: ForecastSettings) -> pd.DataFrame:
    """One row per open initiative with remaining items: p50/p85 dates and P(on time)."""
    as_of_date = conn.execute("select timezone('UTC', as_of)::date from meta.cfg_run").fetchone()[0]  # type: ignore[index]
    open_initiatives = conn.execute(
        "select initiative_item_id, team, remaining_items, promised_date "
        "from marts.fct_initiative_delivery "
        "where completed_at is null and not coalesce(is_cancelled, false) and remaining_items > 0 "
        "order by initiative_item_id"
    ).df()
    columns = ["initiative_item_id", "p50_date", "p85_date", "p_on_time"]
    if open_initiatives.empty:
        return pd.DataFrame(columns=columns)
    throughput = conn.execute(
        _sql("team_daily_throughput.sql"), {"days": settings.history_weeks * 7}
    ).df()
    history = {
        team: frame["items"].to_numpy() for team, frame in throughput.groupby("team", sort=False)
    }
    rows = []
    for initiative in open_initiatives.itertuples(index=False):  # one per initiative
        due = initiative.promised_date
        days_to_due = None if pd.isna(due) else (pd.Timestamp(due).date() - as_of_date).days
        result = forecast_completion(
            int(initiative.remaining_items),
            history.get(initiative.team, np.zeros(0)),
            days_to_due=days_to_due,
            trials=settings.trials,
            seed=settings.seed,
            key=initiative.initiative_item_id,
        )
        rows.append(
            {
                "initiative_item_id": initiative.initiative_item_id,
                "p50_date": None
                if result.p50_days is None
                else as_of_date + timedelta(days=result.p50_days),
                "p85_date": None
                if result.p85_days is None
                else as_of_date + timedelta(days=result.p85_days),
                "p_on_time": result.p_on_time,
            }
        )
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("p50_date", "p85_date"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    return frame


# ------------------------------------------------------------------------------ trends
def build_complexity_trends(
    conn: duckdb.DuckDBPyConnection, settings: ComplexitySettings
) -> dict[str, Any]:
    """Build marts.fct_complexity_trends from the monthly indicators over the trend window."""
    spec = mart_spec("fct_complexity_trends")
    window_end = conn.execute(
        "select (date_trunc('month', timezone('UTC', as_of)) - interval 1 month)::date "
        "from meta.cfg_run"
    ).fetchone()[0]  # type: ignore[index]
    months = pd.date_range(end=pd.Timestamp(window_end), periods=settings.window_months, freq="MS")
    monthly = conn.execute(
        "select scope_type, scope_id, indicator, month, value "
        "from intermediate.int_complexity__monthly where month between ? and ?",
        [months[0].date(), months[-1].date()],
    ).df()
    frame = trends_frame(monthly, months, settings)

    def work() -> None:
        conn.register("complexity_trends", frame)
        conn.execute(
            "create or replace table marts.fct_complexity_trends as "
            "select scope_type::varchar as scope_type, scope_id::varchar as scope_id, "
            "indicator::varchar as indicator, window_start::date as window_start, "
            "window_end::date as window_end, n_periods::integer as n_periods, "
            "slope_per_month::double as slope_per_month, "
            "relative_slope::double as relative_slope, p_value::double as p_value, "
            "direction::varchar as direction, window_median::double as window_median "
            "from complexity_trends order by scope_type, scope_id, indicator"
        )
        conn.unregister("complexity_trends")
        apply_comments(conn, spec)

    _in_transaction(conn, work)
    return {
        "dagster/row_count": len(frame),
        "rising": int((frame["direction"] == "rising").sum()),
        "falling": int((frame["direction"] == "falling").sum()),
        "window": f"{months[0]:%Y-%m} .. {months[-1]:%Y-%m}",
    }


def trends_frame(
    monthly: pd.DataFrame, months: pd.DatetimeIndex, settings: ComplexitySettings
) -> pd.DataFrame:
    """One row per (scope, indicator) with enough points: the trend test over the window."""
    columns = [
        "scope_type",
        "scope_id",
        "indicator",
        "window_start",
        "window_end",
        "n_periods",
        "slope_per_month",
        "relative_slope",
        "p_value",
        "direction",
        "window_median",
    ]
    if monthly.empty:
        return pd.DataFrame(columns=columns)
    monthly = monthly.assign(month=pd.to_datetime(monthly["month"]))
    matrix = monthly.pivot_table(
        index=["scope_type", "scope_id", "indicator"], columns="month", values="value"
    ).reindex(columns=months)
    result = trend(matrix.to_numpy(dtype=float))
    frame = matrix.index.to_frame(index=False)
    frame["window_start"] = months[0]
    frame["window_end"] = months[-1]
    frame["n_periods"] = result.n_periods
    frame["slope_per_month"] = result.slope
    frame["relative_slope"] = relative_slopes(result.slope, result.median)
    frame["p_value"] = result.p_value
    frame["direction"] = directions(result.slope, result.p_value, settings.alpha)
    frame["window_median"] = result.median
    return frame[frame["n_periods"] >= settings.min_points][columns].reset_index(drop=True)


# ------------------------------------------------------------------------------ assets
def build_initiative_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    @dg.asset(
        key=SNAPSHOTS_KEY,
        deps=[
            RUN_CONTEXT_KEY,
            dg.AssetKey(["intermediate", "int_initiatives__discovered"]),
            dg.AssetKey(["intermediate", "int_initiative_items__membership"]),
        ],
        group_name="meta",
        kinds={"duckdb"},
        owners=OWNERS,
        pool="duckdb",
    )
    def initiative_snapshots(warehouse: WarehouseResource) -> dg.MaterializeResult:
        """The pipeline's own SCD2 history of initiative state, appended when it changes.

        Grain: one row per (initiative_item_id, valid_from). Kept forever: it is the only
        record of what trackers do not keep (a milestone's due date on a given day).
        """
        with warehouse.connection() as conn:
            counts = merge_snapshots(conn)
        return dg.MaterializeResult(metadata={"dagster/row_count": counts["versions"], **counts})

    @dg.asset(
        key=DELIVERY_KEY,
        deps=[
            SNAPSHOTS_KEY,
            dg.AssetKey(["intermediate", "int_initiatives__delivery"]),
            dg.AssetKey(["marts", "fct_work_items"]),
        ],
        group_name="marts",
        kinds={"duckdb", "python"},
        owners=OWNERS,
        pool="duckdb",
    )
    def fct_initiative_delivery(warehouse: WarehouseResource) -> dg.MaterializeResult:
        """One row per initiative: promised versus delivered, ROI and the completion forecast.

        Measurement coverage (share of completed initiatives whose value was measured) is a
        headline figure in this asset's metadata.
        """
        with warehouse.connection() as conn:
            metadata = build_initiative_delivery(conn, settings.forecast)
        return dg.MaterializeResult(metadata=metadata)

    @dg.asset(
        key=TRENDS_KEY,
        deps=[dg.AssetKey(["intermediate", "int_complexity__monthly"])],
        group_name="marts",
        kinds={"duckdb", "python"},
        owners=OWNERS,
        pool="duckdb",
    )
    def fct_complexity_trends(warehouse: WarehouseResource) -> dg.MaterializeResult:
        """One row per (scope, indicator): Theil-Sen slope and Mann-Kendall test over the window.

        Vectorised numpy over every series at once (pipelines/lib/trends.py).
        """
        with warehouse.connection() as conn:
            metadata = build_complexity_trends(conn, settings.complexity)
        return dg.MaterializeResult(metadata=metadata)

    return [initiative_snapshots, fct_initiative_delivery, fct_complexity_trends]


def build_initiative_checks(settings: Settings) -> list[dg.AssetChecksDefinition]:
    @dg.asset_check(asset=DELIVERY_KEY, name="values_file_keys_known", blocking=False)
    def values_file_keys_known(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        """Every initiative_key in the value file names a discovered initiative.

        A typo in the business's file would otherwise silently leave an initiative unvalued.
        Not blocking: the rest of the warehouse still publishes, and the run reports the error.
        """
        path = settings.initiatives.values_file
        values = load_initiative_values(path)
        with warehouse.connection() as conn:
            known = [
                row[0]
                for row in conn.execute(
                    "select key from intermediate.int_initiatives__discovered"
                ).fetchall()
            ]
        error = unknown_keys_error(values, known, path)
        return dg.AssetCheckResult(
            passed=error is None,
            severity=dg.AssetCheckSeverity.ERROR,
            description="every key names an initiative" if error is None else str(error),
            metadata={"keys_in_file": len(values)},
        )

    return [values_file_keys_known]
