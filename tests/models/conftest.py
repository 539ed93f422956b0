"""Helpers for model tests: run the real nightly job, then read the published marts by name.

Each test states a tiny tracker history with tests/builders.py, runs the whole pipeline (fake
servers over HTTP, real connectors, real Dagster, as_of pinned) and asserts the values
docs/metrics.md defines for that history, worked out by hand in the test.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipelines.demo import serve_sample_org
from pipelines.lib.warehouse import connect
from pipelines.run import NightlyOutcome, run_nightly
from pipelines.settings import Settings, load_settings

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_ORG_ITEMS = 400
# the sample organisation's history ends on 2026-11-01 (connectors/fakes/sample_org.py)
SAMPLE_ORG_AS_OF = "2026-11-02T00:00:00+00:00"


@dataclass
class Published:
    """The published warehouse of one run, read as an analyst would."""

    settings: Settings
    outcome: NightlyOutcome

    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        conn = connect(self.settings.warehouse.publish_path, read_only=True)
        try:
            cursor = conn.execute(sql, params or [])
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            conn.close()

    def item(self, key: str) -> dict[str, Any]:
        """The fct_work_items row of the item with this display key."""
        found = self.rows("select * from marts.fct_work_items where key = ?", [key])
        assert len(found) == 1, f"{key}: {len(found)} rows"
        return found[0]

    def intervals(self, key: str) -> list[tuple[Any, ...]]:
        """(status, category, is_wait, hours) of the item's status stays, in order."""
        return [
            (r["status"], r["category"], r["is_wait"], r["hours"])
            for r in self.rows(
                "select s.* from marts.fct_status_intervals as s "
                "join marts.fct_work_items as w using (item_id) "
                "where w.key = ? order by s.ordinal",
                [key],
            )
        ]


@pytest.fixture
def published(run_pipeline: Callable[..., NightlyOutcome]) -> Callable[..., Published]:
    """Run the nightly job on these settings; fail loudly if the run did not succeed."""

    def run(settings: Settings, **kwargs: Any) -> Published:
        outcome = run_pipeline(settings, **kwargs)
        assert outcome.success, outcome
        return Published(settings, outcome)

    return run


def _demo_config(tmp_path: Path) -> Path:
    """The shipped demo config with free loopback ports and the warehouse under tmp_path."""
    document = yaml.safe_load((REPO_ROOT / "config" / "metrics.yaml").read_text(encoding="utf-8"))
    document["warehouse"] = {
        "path": str(tmp_path / "metrics.duckdb"),
        "publish_path": str(tmp_path / "published" / "metrics.duckdb"),
    }
    for source in document["sources"]:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            source["base_url"] = f"http://127.0.0.1:{s.getsockname()[1]}"
    path = tmp_path / "sample-org.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


@pytest.fixture(scope="package")
def sample_org_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    """The sample organisation (both trackers, every kind of item) through one nightly run.

    The fake servers stay up for the whole package, so a test can run the job again.
    """
    settings = load_settings(_demo_config(tmp_path_factory.mktemp("sample_org")))
    with serve_sample_org(settings, items=SAMPLE_ORG_ITEMS):
        outcome = run_nightly(settings, as_of=SAMPLE_ORG_AS_OF)
        assert outcome.success, outcome
        yield Published(settings, outcome)
