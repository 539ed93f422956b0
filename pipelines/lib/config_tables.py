"""Write the configuration into the warehouse as `meta.cfg_*` tables.

The SQL models read status mappings, teams, calendars and the run's as-of time from these
tables rather than from templated strings, so models stay plain SQL, the values they used are
inspectable next to the results, and a rebuild with the same tables gives the same marts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

from pipelines.lib.initiative_values import load_initiative_values, values_table
from pipelines.settings import (
    DEFAULT_WAIT_PATTERNS,
    WEEKDAYS,
    GitHubSource,
    JiraSource,
    Settings,
)


def config_tables(settings: Settings, *, as_of: datetime, run_id: str) -> dict[str, pa.Table]:
    teams = [
        {"team": t.name, "tracker": "jira", "project_or_repo": p}
        for t in settings.teams
        for p in t.jira_projects
    ] + [
        {"team": t.name, "tracker": "github", "project_or_repo": r}
        for t in settings.teams
        for r in t.github_repos
    ]
    workflow = settings.workflow
    return {
        "cfg_run": _table(
            [{"as_of": as_of, "run_id": run_id}],
            {"as_of": pa.timestamp("us", tz="UTC"), "run_id": pa.string()},
        ),
        "cfg_sources": _table(
            [{"source": s.name, "kind": s.kind, "base_url": s.base_url} for s in settings.sources],
            {"source": pa.string(), "kind": pa.string(), "base_url": pa.string()},
        ),
        "cfg_github_repos": _table(
            [
                {"source": s.name, "repo": repo}
                for s in settings.sources
                if isinstance(s, GitHubSource)
                for repo in s.repos
            ],
            {"source": pa.string(), "repo": pa.string()},
        ),
        # linked-key detection in PR text: the Jira projects each source is configured with
        "cfg_jira_projects": _table(
            [
                {"source": s.name, "project_key": key}
                for s in settings.sources
                if isinstance(s, JiraSource)
                for key in s.projects
            ],
            {"source": pa.string(), "project_key": pa.string()},
        ),
        "cfg_teams": _table(
            teams, {"team": pa.string(), "tracker": pa.string(), "project_or_repo": pa.string()}
        ),
        "cfg_status_categories": _table(
            [{"status_name": k, "category": v} for k, v in workflow.status_categories.items()],
            {"status_name": pa.string(), "category": pa.string()},
        ),
        "cfg_wait_statuses": _table(
            [{"status_name": s} for s in workflow.wait_statuses or ()], {"status_name": pa.string()}
        ),
        "cfg_wait_patterns": _table(
            [
                {"pattern": p}
                for p in (DEFAULT_WAIT_PATTERNS if workflow.wait_statuses is None else ())
            ],
            {"pattern": pa.string()},
        ),
        "cfg_not_delivered_resolutions": _table(
            [{"resolution": r} for r in workflow.not_delivered_resolutions],
            {"resolution": pa.string()},
        ),
        "cfg_in_progress_labels": _table(
            [{"label": label} for label in workflow.in_progress_labels], {"label": pa.string()}
        ),
        "cfg_working_days": _table(
            [
                {"isodow": WEEKDAYS.index(d) + 1, "day_name": d}
                for d in settings.calendar.working_days
            ],
            {"isodow": pa.int32(), "day_name": pa.string()},
        ),
        "cfg_holidays": _table(
            [{"day": d} for d in settings.calendar.holidays], {"day": pa.date32()}
        ),
        "cfg_costs": _table(
            [{"team": t, "cost_per_day": c} for t, c in settings.costs.teams.items()]
            + [{"team": None, "cost_per_day": settings.costs.default_cost_per_day}],
            {"team": pa.string(), "cost_per_day": pa.float64()},
        ),
        # initiative discovery rules and the business's value file (docs/initiatives.md)
        "cfg_initiative_issue_types": _table(
            [{"issue_type": t} for t in settings.initiatives.jira_issue_types],
            {"issue_type": pa.string()},
        ),
        "cfg_initiative_rules": _table(
            [
                {
                    "github_milestones": settings.initiatives.github_milestones,
                    "github_label_prefix": settings.initiatives.github_label_prefix,
                }
            ],
            {"github_milestones": pa.bool_(), "github_label_prefix": pa.string()},
        ),
        "cfg_initiative_values": values_table(
            load_initiative_values(settings.initiatives.values_file)
        ),
    }


def write_config_tables(conn: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table]) -> None:
    conn.execute("begin transaction")
    try:
        for name, table in tables.items():
            conn.register("cfg_incoming", table)
            conn.execute(f"create or replace table meta.{name} as select * from cfg_incoming")  # noqa: S608 - names are ours
            conn.unregister("cfg_incoming")
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise


def _table(rows: list[dict[str, Any]], schema: dict[str, pa.DataType]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=pa.schema(list(schema.items())))
