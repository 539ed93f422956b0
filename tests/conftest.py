"""Fixtures that build real things: fake trackers on 127.0.0.1:0, configs that point at them,
warehouses in tmp_path, and real Dagster runs of the nightly job."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from connectors.fakes.github import FakeGitHub
from connectors.fakes.jira import FakeJira
from connectors.fakes.store import TrackerStore
from pipelines.lib.warehouse import connect
from pipelines.run import NightlyOutcome, run_nightly
from pipelines.settings import Settings, load_settings

GITHUB_TOKEN = "test-github-token-4f1c"
JIRA_EMAIL = "robot@acme.example"
JIRA_TOKEN = "test-jira-token-9d2e"
AS_OF = "2026-06-01T00:00:00+00:00"
FAST_RETRIES = {
    "max_attempts": 4,
    "backoff_base_seconds": 0.01,
    "backoff_cap_seconds": 0.05,
    "max_wait_seconds": 5,
    "commit_every_pages": 2,
}


@pytest.fixture
def store() -> Iterator[TrackerStore]:
    tracker_store = TrackerStore()
    yield tracker_store
    tracker_store.close()


@pytest.fixture
def fake_github(store: TrackerStore) -> Iterator[FakeGitHub]:
    server = FakeGitHub(store, token=GITHUB_TOKEN, rate_limit=None)
    with server.start():
        yield server


@pytest.fixture
def fake_jira(store: TrackerStore) -> Iterator[FakeJira]:
    server = FakeJira(
        store, flavor="cloud", email=JIRA_EMAIL, token=JIRA_TOKEN, rate_limit=1_000_000
    )
    with server.start():
        yield server


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_GITHUB_TOKEN", GITHUB_TOKEN)
    monkeypatch.setenv("TEST_JIRA_EMAIL", JIRA_EMAIL)
    monkeypatch.setenv("TEST_JIRA_TOKEN", JIRA_TOKEN)


ConfigFactory = Callable[..., Settings]


@pytest.fixture
def make_settings(tmp_path: Path, credentials: None) -> ConfigFactory:
    """Write a config for the given fake servers into tmp_path and load it as a user would."""

    def make(
        *,
        github: FakeGitHub | None = None,
        jira: FakeJira | None = None,
        repos: tuple[str, ...] = ("acme/api",),
        projects: tuple[str, ...] = ("PAY",),
        **sections: Any,
    ) -> Settings:
        sources: list[dict[str, Any]] = []
        if github is not None:
            sources.append(
                {
                    "name": "github-main",
                    "kind": "github",
                    "base_url": github.base_url,
                    "token_env": "TEST_GITHUB_TOKEN",
                    "repos": list(repos),
                }
            )
        if jira is not None:
            sources.append(
                {
                    "name": "jira-cloud",
                    "kind": "jira",
                    "flavor": jira.flavor,
                    "base_url": jira.base_url,
                    "email_env": "TEST_JIRA_EMAIL",
                    "token_env": "TEST_JIRA_TOKEN",
                    "projects": list(projects),
                }
            )
        document: dict[str, Any] = {
            "warehouse": {
                "path": str(tmp_path / "warehouse" / "metrics.duckdb"),
                "publish_path": str(tmp_path / "published" / "metrics.duckdb"),
            },
            "sources": sources,
            "ingest": dict(FAST_RETRIES),
            **sections,
        }
        path = tmp_path / "metrics.yaml"
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        return load_settings(path)

    return make


@pytest.fixture
def run_pipeline() -> Callable[..., NightlyOutcome]:
    def run(settings: Settings, as_of: str = AS_OF) -> NightlyOutcome:
        return run_nightly(settings, as_of=as_of)

    return run


@pytest.fixture
def query() -> Callable[..., list[tuple[Any, ...]]]:
    """Run SQL against a warehouse file read-only, as an analyst would."""

    def run(path: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        conn = connect(path, read_only=True)
        try:
            return conn.execute(sql, params or []).fetchall()
        finally:
            conn.close()

    return run
