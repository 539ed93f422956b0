"""Stage: land a full sync's raw layer straight from the fake trackers' store, without HTTP.

Why: a full sync of a million items through loopback HTTP makes about 850,000 requests; at the
~5 ms each measured on this shared 2-core machine that is over an hour, more than the 1M window
allows. The million-item warehouse (for rebuild time, memory, validation and the incremental
runs that follow) is therefore seeded here with the rows a full sync lands, in the same raw
envelope, through the pipeline's own bulk insert (``INSERT_RAW``, NDJSON spooled in chunks),
with the cursors a full sync leaves behind. At 10k items the result is checked against a real
HTTP full sync (raw row counts per table; docs/benchmarks.md).

Mirrors pipelines/lib/sync_github.py and sync_jira.py: issues and PRs; events of every item;
the timeline of every issue (events plus timeline-only items); PR detail, reviews and commits
(first 250); sub-issues of parents; Jira issues with the fields the connector asks for, and
every changelog history. Definitions, milestones, labels and validators are left to the next
nightly run, which fetches them over HTTP as it does every night.
"""

from __future__ import annotations

import argparse
import json
import logging
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.child import write_output
from pipelines.lib.config_tables import config_tables, write_config_tables
from pipelines.lib.sync_github import timeline_native_id
from pipelines.lib.sync_jira import (
    ISSUES_ENDPOINT,
    RECONCILE_ENDPOINT,
    SYSTEM_FIELDS,
    custom_field_ids,
    search_scope,
)
from pipelines.lib.timestamps import format_utc, parse_timestamp
from pipelines.lib.warehouse import INSERT_RAW, open_warehouse
from pipelines.settings import GitHubSource, JiraSource, load_settings

CHUNK_LINES = 150_000
TIMELINE_ABSENT = ("base_ref_changed", "automatic_base_change_succeeded")
PR_COMMIT_CAP = 250
Line = tuple[str, str, str | None, str | None, str]  # scope, native id, parent, version, payload


def _line(scope: str, native_id: str, parent: str | None, version: str | None, payload: str) -> str:
    head = json.dumps(
        {"scope": scope, "native_id": native_id, "parent_id": parent, "version": version},
        separators=(",", ":"),
    )
    return head[:-1] + ',"payload":' + payload + "}"


class Lander:
    """Spools lines per raw table and inserts them in chunks with the pipeline's INSERT_RAW."""

    def __init__(self, conn: Any, source: str, run_id: str, spool: Path) -> None:
        self.conn, self.source, self.run_id, self.spool = conn, source, run_id, spool
        self.rows: dict[str, int] = {}

    def land(self, table: str, lines: Iterator[str]) -> None:
        batch: list[str] = []
        for line in lines:
            batch.append(line)
            if len(batch) >= CHUNK_LINES:
                self._insert(table, batch)
                batch = []
        if batch:
            self._insert(table, batch)

    def _insert(self, table: str, lines: list[str]) -> None:
        path = self.spool / f"{table}.ndjson"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        result = self.conn.execute(
            INSERT_RAW.replace("{table}", table),
            {
                "source": self.source,
                "extracted_at": datetime.now(UTC),
                "run_id": self.run_id,
                "path": str(path),
            },
        ).fetchone()
        self.rows[table] = self.rows.get(table, 0) + (int(result[0]) if result else 0)
        path.unlink()


def land_github(store: sqlite3.Connection, lander: Lander, source: GitHubSource) -> dict[str, str]:
    repos = tuple(source.repos)
    marks = ",".join("?" * len(repos))
    ids: dict[tuple[str, int], str] = {}
    newest: dict[str, str] = {}
    prs: set[tuple[str, int]] = set()
    parents: list[tuple[str, int]] = []

    def issues() -> Iterator[str]:
        for repo, number, issue_id, is_pr, payload in store.execute(
            f"select repo, number, id, is_pr, payload from github_issues where repo in ({marks})",
            repos,
        ):
            issue = json.loads(payload)
            ids[(repo, number)] = str(issue_id)
            if is_pr:
                prs.add((repo, number))
            if (issue.get("sub_issues_summary") or {}).get("total"):
                parents.append((repo, number))
            stamp = format_utc(parse_timestamp(issue["updated_at"]))
            newest[repo] = max(newest.get(repo, stamp), stamp)
            yield _line(repo, str(issue_id), None, issue["updated_at"], payload)

    lander.land("github__issues", issues())

    def children(sql: str, make: Any) -> Iterator[str]:
        for row in store.execute(sql, repos):
            key = (row[0], row[1])
            if key in ids:
                line = make(row, ids[key])
                if line is not None:
                    yield line

    lander.land(
        "github__issue_events",
        children(
            f"select repo, number, id, payload from github_events where repo in ({marks})",
            lambda r, parent: _line(r[0], str(r[2]), parent, "", r[3]),
        ),
    )

    def timeline_line(r: tuple[Any, ...], parent: str) -> str | None:
        if (r[0], r[1]) in prs:
            return None
        item = json.loads(r[2])
        if item.get("event") in TIMELINE_ABSENT:
            return None
        native = timeline_native_id(parent, item)
        return _line(r[0], native, parent, item.get("updated_at") or "", r[2])

    lander.land("github__timeline", _timeline(store, repos, ids, prs, timeline_line))
    lander.land(
        "github__pulls",
        children(
            f"select repo, number, payload from github_pulls where repo in ({marks})",
            lambda r, parent: _line(r[0], parent, None, json.loads(r[2]).get("updated_at"), r[2]),
        ),
    )
    lander.land(
        "github__reviews",
        children(
            f"select repo, number, id, payload from github_reviews where repo in ({marks})",
            lambda r, parent: _line(r[0], str(r[2]), parent, None, r[3]),
        ),
    )
    lander.land(
        "github__commits",
        children(
            "select repo, number, sha, payload from (select *, row_number() over "
            "(partition by repo, number order by seq) as n from github_commits "
            f"where repo in ({marks})) where n <= {PR_COMMIT_CAP}",
            lambda r, parent: _line(r[0], str(r[2]), parent, "", r[3]),
        ),
    )

    def sub_issues() -> Iterator[str]:
        for repo, number in parents:
            for child_id, payload in store.execute(
                "select i.id, i.payload from github_sub_issues as s join github_issues as i "
                "on i.repo = s.repo and i.number = s.child_number "
                "where s.repo = ? and s.parent_number = ? order by s.rowid",
                (repo, number),
            ):
                yield _line(repo, str(child_id), ids[(repo, number)], lander.run_id, payload)

    lander.land("github__sub_issues", sub_issues())
    return newest


def _timeline(
    store: sqlite3.Connection,
    repos: tuple[str, ...],
    ids: dict[tuple[str, int], str],
    prs: set[tuple[str, int]],
    make: Any,
) -> Iterator[str]:
    marks = ",".join("?" * len(repos))
    sql = (
        f"select repo, number, payload from github_events where repo in ({marks}) "
        f"union all select repo, number, payload from github_timeline where repo in ({marks})"
    )
    for row in store.execute(sql, repos + repos):
        key = (row[0], row[1])
        if key in ids and key not in prs:
            line = make(row, ids[key])
            if line is not None:
                yield line


def land_jira(
    store: sqlite3.Connection, lander: Lander, source: JiraSource, field_ids: list[str]
) -> str | None:
    wanted = {*SYSTEM_FIELDS, *field_ids}
    projects = tuple(source.projects)
    marks = ",".join("?" * len(projects))
    newest: list[str] = []
    project_of: dict[int, str] = {}

    def issues() -> Iterator[str]:
        latest: str | None = None
        for issue_id, project, payload in store.execute(
            f"select id, project, payload from jira_issues where project in ({marks})",
            projects,
        ):
            issue = json.loads(payload)
            issue["fields"] = {k: v for k, v in issue["fields"].items() if k in wanted}
            project_of[int(issue_id)] = project
            updated = issue["fields"].get("updated")
            stamp = format_utc(parse_timestamp(updated))
            latest = stamp if latest is None or stamp > latest else latest
            yield _line(
                project, str(issue_id), None, updated, json.dumps(issue, separators=(",", ":"))
            )
        if latest:
            newest.append(latest)

    lander.land("jira__issues", issues())

    def histories() -> Iterator[str]:
        for history_id, issue_id, payload in store.execute(
            "select history_id, issue_id, payload from jira_histories"
        ):
            project = project_of.get(int(issue_id))
            if project is not None:
                yield _line(project, str(history_id), str(issue_id), "", payload)

    lander.land("jira__changelogs", histories())
    return newest[0] if newest else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True, type=Path)
    parser.add_argument("--store", required=True, type=Path)
    parser.add_argument("--warehouse", type=Path, help="instead of the config's warehouse")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    settings = load_settings(args.config)
    store = sqlite3.connect(f"file:{args.store}?mode=ro", uri=True)
    fields = [json.loads(r[0]) for r in store.execute("select payload from jira_fields")]
    started = time.monotonic()
    now = format_utc(datetime.now(UTC))
    rows: dict[str, dict[str, int]] = {}
    target = args.warehouse or settings.warehouse.path
    with open_warehouse(target) as conn, tempfile.TemporaryDirectory() as spool:
        for source in settings.sources:
            lander = Lander(conn, source.name, "direct-land", Path(spool))
            conn.execute("begin transaction")
            if isinstance(source, GitHubSource):
                cursors = {
                    (repo, ISSUES_ENDPOINT): value
                    for repo, value in land_github(store, lander, source).items()
                }
            else:
                scope = search_scope(source)
                latest = land_jira(store, lander, source, custom_field_ids(fields))
                cursors = {(scope, RECONCILE_ENDPOINT): now}
                if latest:
                    cursors[(scope, ISSUES_ENDPOINT)] = latest
            for (scope, endpoint), value in cursors.items():
                conn.execute(
                    "insert or replace into meta.sync_cursors values (?, ?, ?, ?, ?, ?)",
                    [source.name, scope, endpoint, value, "direct-land", datetime.now(UTC)],
                )
            conn.execute("commit")
            rows[source.name] = lander.rows
        # what the nightly's run-context asset writes, so models can be built without it
        write_config_tables(
            conn, config_tables(settings, as_of=datetime.now(UTC), run_id="direct-land")
        )
    store.close()
    write_output(args.out, {"seconds": round(time.monotonic() - started, 3), "rows": rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
