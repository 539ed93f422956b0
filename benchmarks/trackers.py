"""The benchmark's trackers: the sample organisation in an on-disk store, served by the fakes.

The fake servers keep every request in a list for tests to assert on; at a million items a full
sync makes millions of requests, so the benchmark's servers aggregate their log into counters by
endpoint shape and status instead (bounded memory), and the driver reads and resets them between
phases. Changes between syncs are made with the store's own ``touch_*`` methods.
"""

from __future__ import annotations

import random
import re
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from connectors.fakes.github import FakeGitHub
from connectors.fakes.jira import FakeJira
from connectors.fakes.server import Request
from connectors.fakes.store import TrackerStore

GITHUB_TOKEN = "bench-github-token"
JIRA_EMAIL = "bench@acme.example"
JIRA_TOKEN = "bench-jira-token"
CREDENTIAL_ENV = {
    "BENCH_GITHUB_TOKEN": GITHUB_TOKEN,
    "BENCH_JIRA_EMAIL": JIRA_EMAIL,
    "BENCH_JIRA_TOKEN": JIRA_TOKEN,
}
_NUMBER = re.compile(r"/\d+(?=/|$)")


def endpoint_shape(method: str, path: str) -> str:
    """``GET /repos/acme/api/issues/17/events`` -> ``GET /repos/acme/api/issues/{n}/events``."""
    return f"{method} {_NUMBER.sub('/{n}', path)}"


@dataclass
class RequestCounter:
    """Requests by (endpoint shape, status); thread-safe, bounded by the number of shapes."""

    counts: Counter[tuple[str, int]] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, method: str, path: str, status: int) -> None:
        key = (endpoint_shape(method, path), status)
        with self.lock:
            self.counts[key] += 1

    def take(self) -> Counter[tuple[str, int]]:
        """Return the counts so far and start again from zero."""
        with self.lock:
            taken, self.counts = self.counts, Counter()
        return taken


class CountingFakeGitHub(FakeGitHub):
    """FakeGitHub whose request log is a counter (see module docstring)."""

    def __init__(self, store: TrackerStore, counter: RequestCounter, **kwargs: Any) -> None:
        super().__init__(store, **kwargs)
        self.counter = counter

    def _record(self, request: Request, status: int, size: int, injected: bool) -> None:
        self.counter.add(request.method, request.path, status)


class CountingFakeJira(FakeJira):
    """FakeJira whose request log is a counter (see module docstring)."""

    def __init__(self, store: TrackerStore, counter: RequestCounter, **kwargs: Any) -> None:
        super().__init__(store, **kwargs)
        self.counter = counter

    def _record(self, request: Request, status: int, size: int, injected: bool) -> None:
        self.counter.add(request.method, request.path, status)


@dataclass
class Trackers:
    """The running fakes and their counters."""

    store: TrackerStore
    github: CountingFakeGitHub
    jira: CountingFakeJira
    github_counter: RequestCounter
    jira_counter: RequestCounter

    def take_counts(self) -> dict[str, Counter[tuple[str, int]]]:
        return {"github": self.github_counter.take(), "jira": self.jira_counter.take()}


@contextmanager
def serve(store_path: Path) -> Iterator[Trackers]:
    """Serve a populated store on free loopback ports until the block exits.

    Rate limits are off (GitHub) or out of reach (Jira): the benchmark counts requests against
    the API minimum; waiting out a real hourly budget would only measure the sleep.
    """
    store = TrackerStore(store_path)
    gh_counter, jira_counter = RequestCounter(), RequestCounter()
    github = CountingFakeGitHub(store, gh_counter, token=GITHUB_TOKEN, rate_limit=None)
    jira = CountingFakeJira(
        store, jira_counter, email=JIRA_EMAIL, token=JIRA_TOKEN, rate_limit=1_000_000_000
    )
    github.start()
    jira.start()
    try:
        yield Trackers(store, github, jira, gh_counter, jira_counter)
    finally:
        github.stop()
        jira.stop()
        store.close()


@dataclass(frozen=True)
class ChangeSet:
    """Which items were edited between two syncs, for the incremental minimum."""

    jira_issue_ids: tuple[int, ...]
    github_items: tuple[tuple[str, int], ...]

    @property
    def size(self) -> int:
        return len(self.jira_issue_ids) + len(self.github_items)


def touch_fraction(store: TrackerStore, fraction: float, seed: int, now: datetime) -> ChangeSet:
    """Edit ``fraction`` of every tracker's items, spread over the day before ``now``.

    Spreading the edits over 24 hours is what a nightly run sees; edits all stamped at one
    instant would all fall into the next run's overlap window and overstate its cost. Jira
    issues get a labels change in their changelog, GitHub items a ``labeled`` event, so the
    metrics (status history) of the touched items do not move.
    """
    rng = random.Random(seed)
    reader = sqlite3.connect(f"file:{store.path}?mode=ro", uri=True)
    try:
        jira_ids = [int(r[0]) for r in reader.execute("select id from jira_issues order by id")]
        gh_items = [
            (str(r[0]), int(r[1]))
            for r in reader.execute("select repo, number from github_issues order by repo, number")
        ]
    finally:
        reader.close()
    jira_pick = sorted(rng.sample(jira_ids, max(1, round(len(jira_ids) * fraction))))
    gh_pick = sorted(rng.sample(gh_items, max(1, round(len(gh_items) * fraction))))
    start = now - timedelta(hours=24)
    step = timedelta(hours=23) / max(1, len(jira_pick) + len(gh_pick))
    moment = start
    for issue_id in jira_pick:
        moment += step
        store.touch_jira_issue(
            issue_id,
            {"items": [_labels_item()]},
            {"labels": ["benchmark-touch"]},
            moment,
        )
    for repo, number in gh_pick:
        moment += step
        store.touch_github_issue(
            repo,
            number,
            None,
            [{"event": "labeled", "label": {"name": "tech-debt", "color": "c5def5"}}],
            moment,
        )
    return ChangeSet(tuple(jira_pick), tuple(gh_pick))


def _labels_item() -> dict[str, Any]:
    return {
        "field": "labels",
        "fieldtype": "jira",
        "fieldId": "labels",
        "from": None,
        "fromString": "",
        "to": None,
        "toString": "benchmark-touch",
    }


def utc_now() -> datetime:
    return datetime.now(UTC)
