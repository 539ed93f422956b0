"""The raw layer's tables: the allow-list every raw identifier in SQL is taken from.

Each table holds one tracker endpoint's objects in the shared raw envelope (see
models/bootstrap/30_raw.sql). `version` tells versions of one object apart: the tracker's
update time for mutable objects, empty for immutable ones (events, changelog histories), and a
hash of the payload where the tracker gives no update time (statuses, fields).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RawTable:
    name: str
    tracker: str
    description: str


RAW_TABLES: tuple[RawTable, ...] = (
    RawTable(
        "github__issues",
        "github",
        "Issues and pull requests from the issues listing, one row per version.",
    ),
    RawTable(
        "github__pulls", "github", "Pull request detail (sizes, draft, merge), one row per version."
    ),
    RawTable("github__issue_events", "github", "Issue and pull request events; immutable."),
    RawTable("github__reviews", "github", "Pull request reviews; one row per review state."),
    RawTable("github__commits", "github", "Pull request commits; immutable."),
    RawTable("github__milestones", "github", "Milestones (state=all), one row per version."),
    RawTable(
        "github__timeline",
        "github",
        "Issue timeline items (cross-referenced, commented, ...); fetched for changed issues.",
    ),
    RawTable(
        "github__sub_issues",
        "github",
        "Sub-issues of a parent issue; one snapshot per fetch (version = run id).",
    ),
    RawTable("github__labels", "github", "Repository labels, one row per version."),
    RawTable(
        "github__etags",
        "github",
        "HTTP validators per URL (ETag, next link), committed with the data they validate.",
    ),
    RawTable(
        "jira__issues", "jira", "Jira issues as searched (embedded changelog may be truncated)."
    ),
    RawTable("jira__changelogs", "jira", "Jira changelog histories, complete; immutable."),
    RawTable("jira__statuses", "jira", "Jira status definitions with their category."),
    RawTable("jira__statuscategories", "jira", "Jira status categories (/statuscategory), by id."),
    RawTable(
        "jira__reconciliations",
        "jira",
        "Reconciliation verdicts: issues found deleted or moved away (and found again).",
    ),
    RawTable("jira__fields", "jira", "Jira field definitions (custom field ids differ per site)."),
    RawTable("jira__myself", "jira", "The API user's profile (its time zone governs JQL dates)."),
)

RAW_TABLE_NAMES = frozenset(t.name for t in RAW_TABLES)


def raw_table(name: str) -> RawTable:
    for table in RAW_TABLES:
        if table.name == name:
            return table
    raise KeyError(f"unknown raw table {name!r}")
