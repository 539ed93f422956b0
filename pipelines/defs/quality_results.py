"""Shared by the quality check definitions: Dagster results, the run's as-of, the page path."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.lib.quality import CheckRecord
from pipelines.lib.suites.spec import ERROR, WARN
from pipelines.settings import Settings


def page_path(settings: Settings) -> Path:
    return settings.quality.page_path or (
        settings.warehouse.publish_path.parent / "data-quality.html"
    )


def run_as_of(conn: duckdb.DuckDBPyConnection) -> datetime:
    """The run's "now" (meta.cfg_run), which future-timestamp rules are measured against."""
    row = conn.execute("select as_of from meta.cfg_run").fetchone()
    if row is None:
        raise RuntimeError("meta.cfg_run is empty: the meta/run_context asset has not run")
    return row[0]


def check_result(
    check_name: str, records: list[CheckRecord], asset_key: dg.AssetKey | None = None
) -> dg.AssetCheckResult:
    """Dagster's view of a group of records: ERROR if any ERROR failed, else WARN if any did."""
    failed = [r for r in records if not r.success]
    errors = [r for r in failed if r.severity == ERROR]
    severity = dg.AssetCheckSeverity.ERROR if errors or not failed else dg.AssetCheckSeverity.WARN
    return dg.AssetCheckResult(
        asset_key=asset_key,
        check_name=check_name,
        passed=not failed,
        severity=severity,
        description="all rules met" if not failed else f"{len(failed)} rule(s) failed",
        metadata={
            "rules": len(records),
            "failed": [
                f"[{r.severity}] {r.check_name}: {r.observed} ({r.unexpected_count} unexpected)"
                for r in failed
            ][:20],
        },
    )


def suite_summary(asset: str, records: list[CheckRecord], validated: str) -> CheckRecord:
    """One `gx_suite` row per run per asset, so every Dagster check has a row by its name."""
    failed = [r for r in records if not r.success]
    worst = ERROR if any(r.severity == ERROR for r in failed) or not failed else WARN
    return CheckRecord(
        asset,
        "gx_suite",
        worst,
        not failed,
        f"{len(records) - len(failed)} of {len(records)} rules met on {validated}",
        sum(r.unexpected_count for r in failed),
        "; ".join(f"{r.asset}: {r.check_name}" for r in failed)[:1000],
    )
