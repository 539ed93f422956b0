"""The raw suite: the envelope of the rows one run loaded, per raw table.

Raw is append-only and grows with every night, so GX validates only the window a run added
(`_run_id = this run`), while keys are proven on the whole table in SQL. Tracker timestamps
are read from the payload and must not lie in the future (by the wall clock, not the run's
pinned as-of: raw records what trackers sent, when they sent it). A future `updated` would
drag the incremental cursor ahead and skip real updates, so it is an ERROR here.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.lib.suites.spec import TableSuite, not_null

# The payload field holding each table's tracker timestamp (update time, else event time).
PAYLOAD_TIMES = {
    "github__issues": "payload ->> '$.updated_at'",
    "github__pulls": "payload ->> '$.updated_at'",
    "github__milestones": "payload ->> '$.updated_at'",
    "github__issue_events": "payload ->> '$.created_at'",
    "github__reviews": "payload ->> '$.submitted_at'",
    "jira__issues": "payload -> '$.fields' ->> '$.updated'",
    "jira__changelogs": "payload ->> '$.created'",
}
# Tables whose rows belong to an item: an orphan (no parent id) could never reach staging.
CHILD_TABLES = frozenset(
    {
        "github__issue_events",
        "github__reviews",
        "github__commits",
        "github__timeline",
        "github__sub_issues",
        "jira__changelogs",
    }
)


@dataclass(frozen=True)
class RawWindow:
    suite: TableSuite  # rules for this run's rows of one source
    relation: str  # a parenthesised SELECT with $source and $run_id parameters
    whole_table: TableSuite  # the key, proven on every row of every source


def raw_window(table: str) -> RawWindow:
    time_expression = PAYLOAD_TIMES.get(table)
    tracker_time = (
        f", try_cast({time_expression} as timestamptz) as tracker_time" if time_expression else ""
    )
    relation = (
        f"(select native_id, version, parent_id, _extracted_at{tracker_time} "  # noqa: S608
        f"from raw.{table} where source = $source and _run_id = $run_id)"
    )
    expectations = [not_null("version")]
    if table in CHILD_TABLES:
        expectations.append(not_null("parent_id"))
    if time_expression:
        expectations.append(not_null("tracker_time"))
    suite = TableSuite(
        f"raw.{table}",
        key=("native_id", "version"),
        expectations=tuple(expectations),
        future_columns=("_extracted_at", "tracker_time") if time_expression else ("_extracted_at",),
        window_column="_extracted_at",
    )
    whole = TableSuite(f"raw.{table}", key=("source", "native_id", "version"))
    return RawWindow(suite=suite, relation=relation, whole_table=whole)
