"""Stage: dlt's rest_api source, configured for the same entities, against the same fake servers.

A peer, not a dependency: dlt is installed only by the ``bench`` extra and imported only here.
The configuration is what the dlt documentation shows for these APIs, written the way a team
adopting dlt would write it:

GitHub, one pipeline per repo: ``issues`` (state=all, sorted by update, ``since`` bound to dlt's
incremental cursor on ``updated_at``, merged on ``id``); per issue its ``events``; per pull
request (issues filtered on the ``pull_request`` key) the PR ``detail`` (merged on ``id``),
``reviews`` and ``commits``; ``milestones`` (state=all) and ``labels`` replaced every run.
Child resources keep dlt's default write disposition (append).

Jira: ``POST /rest/api/3/search/jql`` with the same fields and ``expand=changelog``, paged with
the body cursor ``nextPageToken``, the JQL bound to dlt's incremental cursor on
``fields.updated`` (converted to Jira's minute-precision literal), merged on ``id``; the
embedded changelog lands as dlt's nested table. ``/myself``, ``/status`` and ``/field`` are
replaced every run.

Run it three times on one work directory (full, incremental, nothing changed); after each run
it reports row counts and duplicated rows (rows minus distinct natural keys) per table.
"""

from __future__ import annotations

import argparse
import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from benchmarks.child import write_output

GITHUB_REPOS = ("acme/api", "acme/web")
JIRA_PROJECTS = ("PAY", "WEB", "OPS")
JIRA_FIELDS = [
    "summary", "status", "issuetype", "project", "created", "updated", "resolution",
    "resolutiondate", "parent", "labels", "duedate", "priority", "issuelinks", "comment",
    "customfield_10014", "customfield_10016", "customfield_10020", "customfield_10023",
]  # fmt: skip
#: natural key per landed table, to count duplicates
NATURAL_KEYS = {
    "issues": "id",
    "events": "id",
    "pull_details": "id",
    "reviews": "id",
    "commits": "sha",
    "milestones": "id",
    "labels": "id",
    "jira_issues": "id",
    "jira_issues__changelog__histories": "id",
}


def _jql_literal(value: Any) -> str:
    """dlt's cursor value (a Jira timestamp) as a JQL literal: minute precision, UTC profile."""
    text = str(value)
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"
    return datetime.fromisoformat(text).strftime("%Y-%m-%d %H:%M")


def github_source(base_url: str, token: str, repo: str) -> Any:
    import dlt
    from dlt.sources.rest_api import rest_api_resources

    def is_pull(item: dict[str, Any]) -> bool:
        return bool(item.get("pull_request"))

    config: dict[str, Any] = {
        "client": {
            "base_url": base_url + "/",
            "auth": {"type": "bearer", "token": token},
            "paginator": "header_link",
            "headers": {"Accept": "application/vnd.github+json"},
        },
        "resource_defaults": {"endpoint": {"params": {"per_page": 100}}},
        "resources": [
            {
                "name": "issues",
                "primary_key": "id",
                "write_disposition": "merge",
                "endpoint": {
                    "path": f"repos/{repo}/issues",
                    "params": {
                        "state": "all",
                        "sort": "updated",
                        "direction": "asc",
                        "since": {
                            "type": "incremental",
                            "cursor_path": "updated_at",
                            "initial_value": "1970-01-01T00:00:00Z",
                        },
                    },
                },
            },
            {
                "name": "events",
                "endpoint": {"path": f"repos/{repo}/issues/{{resources.issues.number}}/events"},
                "include_from_parent": ["id"],
            },
            {
                "name": "milestones",
                "write_disposition": "replace",
                "endpoint": {"path": f"repos/{repo}/milestones", "params": {"state": "all"}},
            },
            {
                "name": "labels",
                "write_disposition": "replace",
                "endpoint": {"path": f"repos/{repo}/labels"},
            },
        ],
    }
    # The PR-only children hang off a filtered fork of the issues resource (not a second
    # listing): rest_api accepts ready-made resources among its resources.
    resources = {
        r.name: r for r in rest_api_resources({**config, "resources": config["resources"][:2]})
    }
    issues = resources["issues"]

    @dlt.transformer(data_from=issues, selected=False, name="prs")
    def prs(items: list[dict[str, Any]]) -> Any:
        yield [i for i in items if is_pull(i)]

    children = rest_api_resources(
        {
            "client": config["client"],
            "resource_defaults": config["resource_defaults"],
            "resources": [
                prs,
                {
                    "name": "pull_details",
                    "primary_key": "id",
                    "write_disposition": "merge",
                    "endpoint": {"path": f"repos/{repo}/pulls/{{resources.prs.number}}"},
                },
                {
                    "name": "reviews",
                    "endpoint": {"path": f"repos/{repo}/pulls/{{resources.prs.number}}/reviews"},
                },
                {
                    "name": "commits",
                    "endpoint": {"path": f"repos/{repo}/pulls/{{resources.prs.number}}/commits"},
                },
                *config["resources"][2:],
            ],
        }
    )

    @dlt.source(name="github")
    def source() -> Any:
        return [issues, resources["events"], *children]

    return source()


def jira_source(base_url: str, email: str, token: str) -> Any:
    import dlt
    from dlt.sources.rest_api import rest_api_resources

    projects = ", ".join(JIRA_PROJECTS)
    resources = rest_api_resources(
        {
            "client": {
                "base_url": base_url + "/",
                "auth": {"type": "http_basic", "username": email, "password": token},
            },
            "resources": [
                {
                    "name": "jira_issues",
                    "primary_key": "id",
                    "write_disposition": "merge",
                    "endpoint": {
                        "path": "rest/api/3/search/jql",
                        "method": "POST",
                        "json": {
                            "jql": f"project in ({projects}) AND updated >= "
                            '"{incremental.start_value}" ORDER BY updated ASC',
                            "fields": JIRA_FIELDS,
                            "expand": "changelog",
                            "maxResults": 100,
                        },
                        "incremental": {
                            "cursor_path": "fields.updated",
                            "initial_value": "2000-01-01T00:00:00.000+0000",
                            "convert": _jql_literal,
                        },
                        "paginator": {
                            "type": "cursor",
                            "cursor_path": "nextPageToken",
                            "cursor_body_path": "nextPageToken",
                        },
                        "data_selector": "issues",
                    },
                },
                {
                    "name": "jira_myself",
                    "write_disposition": "replace",
                    "endpoint": {"path": "rest/api/3/myself", "paginator": "single_page"},
                },
                {
                    "name": "jira_statuses",
                    "write_disposition": "replace",
                    "endpoint": {"path": "rest/api/3/status", "paginator": "single_page"},
                },
                {
                    "name": "jira_fields",
                    "write_disposition": "replace",
                    "endpoint": {"path": "rest/api/3/field", "paginator": "single_page"},
                },
            ],
        }
    )

    @dlt.source(name="jira")
    def source() -> Any:
        return resources

    return source()


def duplicates(db_path: Path, dataset: str) -> dict[str, dict[str, int]]:
    import duckdb

    conn = duckdb.connect(str(db_path), read_only=True)
    try:
        tables = {
            r[0]
            for r in conn.execute(
                "select table_name from information_schema.tables where table_schema = ?",
                [dataset],
            ).fetchall()
        }
        found: dict[str, dict[str, int]] = {}
        for table, key in NATURAL_KEYS.items():
            if table not in tables:
                continue
            rows, distinct = conn.execute(
                f'select count(*), count(distinct "{key}") from "{dataset}"."{table}"'
            ).fetchone()
            found[table] = {"rows": int(rows), "duplicated": int(rows) - int(distinct)}
        return found
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--github", required=True)
    parser.add_argument("--jira", required=True)
    parser.add_argument("--workdir", required=True, type=Path)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    logging.basicConfig(level=logging.ERROR)
    import dlt

    args.workdir.mkdir(parents=True, exist_ok=True)
    tables: dict[str, Any] = {}
    runs = [
        (
            f"github_{repo.replace('/', '_')}",
            github_source(args.github, os.environ["BENCH_GITHUB_TOKEN"], repo),
        )
        for repo in GITHUB_REPOS
    ]
    runs.append(
        (
            "jira",
            jira_source(args.jira, os.environ["BENCH_JIRA_EMAIL"], os.environ["BENCH_JIRA_TOKEN"]),
        )
    )
    for name, source in runs:
        db_path = args.workdir / f"peer_{name}.duckdb"
        pipeline = dlt.pipeline(
            pipeline_name=name,
            pipelines_dir=str(args.workdir / "state"),
            destination=dlt.destinations.duckdb(str(db_path)),
            dataset_name=name,
        )
        pipeline.run(source)
        tables[name] = duplicates(db_path, name)
    dup = {
        f"{name}.{table}": counts["duplicated"]
        for name, per_table in tables.items()
        for table, counts in per_table.items()
        if counts["duplicated"]
    }
    write_output(args.out, {"tables": tables, "duplicates": dup})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
