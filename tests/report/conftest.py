"""Report fixtures: the shared demo warehouse, and the headless browser the report opens in.

The browser tests need Debian's chromium. In CI (CI=true) a missing chromium FAILS them, since
.ci/run installs it; elsewhere, without chromium, they are deselected and the reason printed.
"""

from __future__ import annotations

import os

import pytest

from pipelines.settings import Settings
from tests.analysts.demo_warehouse import shared_demo_settings
from tests.report.browser import find_chromium

NO_BROWSER = (
    "browser tests deselected: no chromium on PATH (apt-get install chromium); "
    "with CI=true they fail instead"
)
_deselected: list[pytest.Item] = []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: opens the report in headless chromium")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"true", "1", "yes"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if find_chromium() or in_ci():
        return
    browser = [item for item in items if item.get_closest_marker("browser")]
    if browser:
        _deselected.extend(browser)
        items[:] = [item for item in items if item not in browser]
        config.hook.pytest_deselected(items=browser)


def pytest_terminal_summary(terminalreporter) -> None:
    if _deselected:
        terminalreporter.write_line(f"{len(_deselected)} {NO_BROWSER}", yellow=True)


@pytest.fixture(scope="session")
def chromium() -> str:
    binary = find_chromium()
    if binary is None:
        pytest.fail(
            "CI=true but no chromium on PATH: .ci/run must install Debian's chromium "
            "(apt-get install -y chromium)"
        )
    return binary


@pytest.fixture(scope="session")
def demo_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The demo organisation's published warehouse, Parquet export and report (built once)."""
    return shared_demo_settings(tmp_path_factory)
