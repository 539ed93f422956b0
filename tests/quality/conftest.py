"""Warehouses seeded directly in DuckDB, for the layer-level suites (seed -> check -> assert)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.warehouse import open_warehouse
from pipelines.settings import QualitySettings

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A real, bootstrapped warehouse file with the run's as-of pinned in meta.cfg_run."""
    with open_warehouse(tmp_path / "metrics.duckdb") as conn:
        conn.execute(
            "create table meta.cfg_run as select ?::timestamptz as as_of, 'r' as run_id", [AS_OF]
        )
        yield conn


@pytest.fixture
def quality() -> QualitySettings:
    return QualitySettings()
