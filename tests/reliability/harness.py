"""The fault-injection harness: a sample organisation behind the fake trackers, configs that
point at it, and a comparison of whole warehouses against an uninterrupted reference run.

"Nothing lost, nothing duplicated" is checked on the data, not on return codes: every raw table
is compared by (source, native_id, version) and payload digest, and every mart row by value,
against a run of the same tracker data that met no fault.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from connectors.fakes.jira import FakeJira
from connectors.fakes.server import Request, Response
from pipelines.lib.warehouse import connect
from pipelines.run import NightlyOutcome, run_nightly
from pipelines.settings import Settings, load_settings

REPO_ROOT = Path(__file__).resolve().parents[2]
# The sample organisation's history ends 2026-11-01; "now" is pinned just after it.
AS_OF = "2026-11-02T00:00:00+00:00"
ORG_ITEMS = 160  # > 100 Jira issues, so the Jira search spans two pages of 100
# Recognisable credential values: the secrets test searches every output for them.
GITHUB_TOKEN = "ghp_RELIABILITYsentinelGH0001"
JIRA_EMAIL = "reliability-bot@acme.example"
JIRA_TOKEN = "ATATT-RELIABILITYsentinelJIRA0002"
CREDENTIAL_ENV = {
    "REL_GITHUB_TOKEN": GITHUB_TOKEN,
    "REL_JIRA_EMAIL": JIRA_EMAIL,
    "REL_JIRA_TOKEN": JIRA_TOKEN,
}
FAST_INGEST = {
    "max_attempts": 4,
    "backoff_base_seconds": 0.01,
    "backoff_cap_seconds": 0.05,
    "max_wait_seconds": 5,
    "commit_every_pages": 1,
    "timeout_seconds": 5,
}
# The demo organisation's workflow and teams, so its runs pass the blocking checks.
ORG_SECTIONS: dict[str, Any] = {
    "teams": {
        "payments": {"jira_projects": ["PAY"], "github_repos": ["acme/api"]},
        "web": {"jira_projects": ["WEB"], "github_repos": ["acme/web"]},
        "platform": {"jira_projects": ["OPS"]},
    },
    "workflow": {
        "status_categories": {"Resolved": "done"},
        "wait_statuses": ["Blocked", "Waiting for QA"],
    },
}


class HookedJira(FakeJira):
    """FakeJira that can act between two pages of the issue search (expire tokens, move or
    delete an issue), exactly when a real site might."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.after_search_page: dict[int, Callable[[], None]] = {}
        self.search_pages_served = 0
        self._hook_lock = threading.Lock()

    def handle(self, request: Request) -> Response:
        response = super().handle(request)
        if request.path.endswith("/search/jql") and response.status == 200:
            body = request.json() if request.method == "POST" else dict(request.query)
            if "changelog" in str(body.get("expand", "")):
                with self._hook_lock:
                    self.search_pages_served += 1
                    hook = self.after_search_page.pop(self.search_pages_served, None)
                if hook is not None:
                    hook()
        return response


def write_config(
    directory: Path,
    *,
    github_url: str | None,
    jira_url: str | None,
    name: str = "metrics.yaml",
    ingest: dict[str, Any] | None = None,
    github_extra: dict[str, Any] | None = None,
    jira_extra: dict[str, Any] | None = None,
    **sections: Any,
) -> Path:
    """A config as a user writes it: credentials by variable name, warehouse under `directory`."""
    sources: list[dict[str, Any]] = []
    if github_url is not None:
        sources.append(
            {
                "name": "github-main",
                "kind": "github",
                "base_url": github_url,
                "token_env": "REL_GITHUB_TOKEN",
                "repos": ["acme/api", "acme/web"],
                **(github_extra or {}),
            }
        )
    if jira_url is not None:
        sources.append(
            {
                "name": "jira-cloud",
                "kind": "jira",
                "flavor": "cloud",
                "base_url": jira_url,
                "email_env": "REL_JIRA_EMAIL",
                "token_env": "REL_JIRA_TOKEN",
                "projects": ["PAY", "WEB", "OPS"],
                **(jira_extra or {}),
            }
        )
    document: dict[str, Any] = {
        "warehouse": {
            "path": str(directory / "warehouse" / "metrics.duckdb"),
            "publish_path": str(directory / "published" / "metrics.duckdb"),
            "lock_timeout_seconds": 2,
        },
        "sources": sources,
        "ingest": {**FAST_INGEST, **(ingest or {})},
        **ORG_SECTIONS,
        **sections,
    }
    if github_url is None:  # a team may only name repos some source lists
        document["teams"] = {
            team: {k: v for k, v in spec.items() if k != "github_repos"}
            for team, spec in document["teams"].items()
        }
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def org_settings(directory: Path, github: Any, jira: Any, **kwargs: Any) -> Settings:
    return load_settings(
        write_config(
            directory,
            github_url=None if github is None else github.base_url,
            jira_url=None if jira is None else jira.base_url,
            **kwargs,
        )
    )


def run(settings: Settings, **kwargs: Any) -> NightlyOutcome:
    return run_nightly(settings, as_of=AS_OF, **kwargs)


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This environment plus the credentials; no DAGSTER_HOME unless asked (ephemeral runs)."""
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env.update(CREDENTIAL_ENV)
    env.update(extra or {})
    return env


def cli(
    config: Path, env: dict[str, str] | None = None, *, wait: bool = True
) -> subprocess.Popen[str] | subprocess.CompletedProcess[str]:
    """`python -m pipelines.run --config ...`, as `make run` and the cron wrapper call it."""
    full_env = cli_env(env)
    command = [sys.executable, "-m", "pipelines.run", "--config", str(config), "--as-of", AS_OF]
    if wait:
        return subprocess.run(
            command, cwd=REPO_ROOT, env=full_env, capture_output=True, text=True, timeout=300
        )
    return subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


# ---------------------------------------------------------------------- warehouse comparison
RawKey = tuple[str, str, str, str]  # table, source, native_id, version


@dataclass(frozen=True)
class WarehouseState:
    """What a night leaves behind that must not depend on faults along the way."""

    raw_rows: Counter[RawKey]  # rows per (table, source, native_id, version)
    raw_digests: dict[RawKey, frozenset[str]]  # scope/parent/payload digest per key
    marts: dict[str, Counter[tuple[Any, ...]]]  # published mart rows, by table
    cursors: frozenset[tuple[str, str, str, str]]  # (source, scope, endpoint, value) of issues


def _normalise(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, list | tuple):
        return tuple(_normalise(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _normalise(v)) for k, v in value.items()))
    return value


def capture(settings: Settings) -> WarehouseState:
    raw_rows: Counter[RawKey] = Counter()
    digests: dict[RawKey, set[str]] = {}
    conn = connect(settings.warehouse.path, read_only=True)
    try:
        tables = [
            t
            for (t,) in conn.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'raw' and table_type = 'BASE TABLE' order by 1"
            ).fetchall()
        ]
        for table in tables:
            for source, native_id, version, scope, parent, digest, rows in conn.execute(
                "select source, native_id, version, scope, parent_id, md5(payload::varchar), "
                f"count(*) over (partition by source, native_id, version) from raw.{table} "
                # per-run bookkeeping (GitHub ETags are versioned by the run that fetched them)
                "where version is distinct from _run_id"
            ).fetchall():
                key = (table, source, native_id, version)
                raw_rows[key] = rows
                digests.setdefault(key, set()).add(f"{scope}|{parent}|{digest}")
        cursors = frozenset(
            conn.execute(
                "select source, scope, endpoint, cursor_value from meta.sync_cursors "
                "where endpoint = 'issues'"
            ).fetchall()
        )
    finally:
        conn.close()
    marts: dict[str, Counter[tuple[Any, ...]]] = {}
    published = connect(settings.warehouse.publish_path, read_only=True)
    try:
        for (table,) in published.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'marts' order by 1"
        ).fetchall():
            rows = published.execute(f"select * from marts.{table}").fetchall()
            marts[table] = Counter(_normalise(row) for row in rows)
    finally:
        published.close()
    return WarehouseState(
        raw_rows=raw_rows,
        raw_digests={k: frozenset(v) for k, v in digests.items()},
        marts=marts,
        cursors=cursors,
    )


@dataclass
class Comparison:
    lost: int = 0  # reference raw rows missing (or with other content) after the fault
    lost_keys: list[RawKey] = field(default_factory=list)
    duplicates: int = 0  # rows beyond one per (source, native_id, version)
    unexpected: list[RawKey] = field(default_factory=list)  # keys the reference does not have
    marts_differ: list[str] = field(default_factory=list)
    cursors_differ: bool = False

    @property
    def identical(self) -> bool:
        return not (
            self.lost
            or self.duplicates
            or self.unexpected
            or self.marts_differ
            or self.cursors_differ
        )


def compare(
    reference: WarehouseState, got: WarehouseState, *, allowed_extra: Iterable[RawKey] = ()
) -> Comparison:
    allowed = set(allowed_extra)
    result = Comparison()
    for key in reference.raw_rows:
        if key not in got.raw_rows or got.raw_digests[key] != reference.raw_digests[key]:
            result.lost += 1
            result.lost_keys.append(key)
    result.duplicates = sum(count - 1 for count in got.raw_rows.values() if count > 1)
    result.unexpected = sorted(k for k in got.raw_rows if k not in reference.raw_rows) or []
    result.unexpected = [k for k in result.unexpected if k not in allowed]
    tables = set(reference.marts) | set(got.marts)
    result.marts_differ = sorted(
        t for t in tables if reference.marts.get(t, Counter()) != got.marts.get(t, Counter())
    )
    result.cursors_differ = reference.cursors != got.cursors
    return result


# ---------------------------------------------------------------------- the matrix's ledger
@dataclass
class Ledger:
    """Counts for the closing note, printed at the end of the session."""

    faults: list[str] = field(default_factory=list)
    recovered: int = 0
    rows_lost: int = 0
    duplicates: int = 0
    secrets_found: int = 0
    outputs_searched: int = 0

    def fault(self, name: str) -> None:
        self.faults.append(name)

    def recovery(self, comparison: Comparison) -> None:
        self.rows_lost += comparison.lost
        self.duplicates += comparison.duplicates
        if comparison.identical:
            self.recovered += 1

    def summary(self) -> str:
        return (
            f"reliability matrix: {len(self.faults)} faults tried, {self.recovered} runs "
            f"recovered to the reference warehouse, {self.rows_lost} rows lost, "
            f"{self.duplicates} duplicates, {self.secrets_found} secrets found in "
            f"{self.outputs_searched} outputs searched"
        )


LEDGER = Ledger()


def assert_recovered(
    reference: WarehouseState,
    settings: Settings,
    *,
    allowed_extra: Iterable[RawKey] = (),
) -> Comparison:
    """The warehouse after the fault (and any re-run) equals the uninterrupted reference."""
    comparison = compare(reference, capture(settings), allowed_extra=allowed_extra)
    LEDGER.recovery(comparison)
    by_table = Counter(key[0] for key in comparison.lost_keys)
    assert comparison.lost == 0, f"{comparison.lost} raw rows lost: {dict(by_table)}, e.g. " + str(
        sorted(comparison.lost_keys)[:3]
    )
    assert comparison.duplicates == 0, f"{comparison.duplicates} duplicated raw rows"
    assert comparison.unexpected == [], comparison.unexpected[:5]
    assert comparison.marts_differ == [], f"marts differ: {comparison.marts_differ}"
    assert not comparison.cursors_differ, "cursors differ from the reference"
    return comparison
