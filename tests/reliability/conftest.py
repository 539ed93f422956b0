"""Fixtures for the fault-injection matrix: one sample organisation served by the fake trackers
for the whole session, and the warehouse an uninterrupted run makes of it (the reference)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from connectors.fakes.github import FakeGitHub
from connectors.fakes.sample_org import SampleOrg
from connectors.fakes.store import TrackerStore
from tests.reliability.harness import (
    CREDENTIAL_ENV,
    GITHUB_TOKEN,
    JIRA_EMAIL,
    JIRA_TOKEN,
    LEDGER,
    ORG_ITEMS,
    HookedJira,
    WarehouseState,
    capture,
    org_settings,
    run,
)


@dataclass
class Org:
    store: TrackerStore
    github: FakeGitHub
    jira: HookedJira
    reference: WarehouseState


@pytest.fixture(scope="session")
def reliability_env() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        for name, value in CREDENTIAL_ENV.items():
            mp.setenv(name, value)
        yield


def serve_org(store: TrackerStore) -> tuple[FakeGitHub, HookedJira]:
    github = FakeGitHub(store, token=GITHUB_TOKEN, rate_limit=None)
    jira = HookedJira(store, flavor="cloud", email=JIRA_EMAIL, token=JIRA_TOKEN, rate_limit=10**6)
    return github.start(), jira.start()


@pytest.fixture(scope="session")
def org(tmp_path_factory: pytest.TempPathFactory, reliability_env: None) -> Iterator[Org]:
    """The sample organisation, served for the session; never mutated by a test."""
    store = TrackerStore()
    SampleOrg(seed=7, items=ORG_ITEMS).populate(store)
    github, jira = serve_org(store)
    try:
        settings = org_settings(tmp_path_factory.mktemp("reference"), github, jira)
        outcome = run(settings)
        assert outcome.success, outcome
        yield Org(store, github, jira, capture(settings))
    finally:
        github.stop()
        jira.stop()
        store.close()


@pytest.fixture
def served(org: Org) -> Iterator[Org]:
    """The session's organisation, with no fault, hook or logged request from anything before."""
    _reset(org)
    yield org
    _reset(org)


def _reset(org: Org) -> None:
    for server in (org.github, org.jira):
        server.clear_faults()
        server.clear_log()
    org.jira.after_search_page.clear()
    org.jira.search_pages_served = 0


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if LEDGER.faults:
        terminalreporter.write_line(LEDGER.summary())
