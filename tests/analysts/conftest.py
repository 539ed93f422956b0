from __future__ import annotations

import pytest

from pipelines.settings import Settings
from tests.analysts.demo_warehouse import shared_demo_settings


@pytest.fixture(scope="session")
def demo_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The demo organisation's published warehouse, Parquet export and report (built once)."""
    return shared_demo_settings(tmp_path_factory)
