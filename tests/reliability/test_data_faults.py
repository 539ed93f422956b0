"""Data faults: what trackers really send. Unknown statuses, null and missing fields, non-UTC
offsets, an event delivered twice, a transition stamped before the item's creation (clock skew),
very large and non-ASCII text. The run publishes, every item appears exactly once, raw keeps
one row per version and the text byte for byte, and a second run adds nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.builders import GitHubBuilder, JiraBuilder
from tests.reliability.harness import LEDGER

# About a megabyte of text in many scripts: combining marks, right-to-left, emoji, CJK, quotes.
HUGE_TEXT = ("naïve café e\u0301 — עברית \u200f中文 😀🚀 'quoted' \"double\" \\ / \t" * 16_000)[
    :1_000_000
]


def test_awkward_tracker_data_is_loaded_whole_once_and_in_utc(
    store, fake_github, fake_jira, make_settings, run_pipeline, query
):
    for name in (
        "data: unknown status",
        "data: null and missing fields",
        "data: non-UTC offsets",
        "data: duplicate events",
        "data: transition before creation (clock skew)",
        "data: very large non-ASCII text",
    ):
        LEDGER.fault(name)
    jira = JiraBuilder(store)
    jira.issue("2026-03-02 09:00", [("2026-03-03 09:00", "Triage")], key="PAY-1")
    nulls = jira.issue("2026-03-02 09:00", [("2026-03-04 09:00", "In Progress")], key="PAY-2")
    nulls["fields"].update({"summary": None, "resolution": None, "duedate": None})
    for missing in ("labels", "issuetype"):
        nulls["fields"].pop(missing)
    store.put_jira_issue(nulls)
    jira.issue(
        "2026-03-02 09:00+05:30",
        [("2026-03-02 10:00-07:00", "In Progress"), ("2026-03-03 12:00+09:00", "Done")],
        key="PAY-3",
    )
    replayed = jira.issue("2026-03-05 09:00", [("2026-03-06 09:00", "In Progress")], key="PAY-4")
    history = json.loads(store.jira_histories(int(replayed["id"]))[0])
    store.put_jira_history(int(replayed["id"]), {**history, "id": "99001"})  # the same, twice
    jira.issue(
        "2026-03-10 09:00",
        [("2026-03-10 08:55", "In Progress"), ("2026-03-10 10:00", "Done")],
        key="PAY-5",
    )
    jira.issue("2026-03-11 09:00", [("2026-03-12 09:00", "Done")], key="PAY-6", summary=HUGE_TEXT)
    github = GitHubBuilder(store)
    bare = github.issue("2026-03-02 09:00", [("2026-03-03 09:00", "assigned", {})])
    bare.update({"title": None, "body": None, "user": None, "closed_at": None})
    bare.pop("labels")
    store.put_github_issue("acme/api", bare)
    twice = github.issue("2026-03-02 09:00", [("2026-03-04 09:00", "closed", {})])
    events = json.loads(store.github_events("acme/api", 2)[0])
    fake_github.inject(r"/issues/2/events$", 200, body=json.dumps([events, events]))
    github.issue("2026-03-02 09:00", title=HUGE_TEXT)
    settings = make_settings(github=fake_github, jira=fake_jira)

    outcome = run_pipeline(settings)

    assert outcome.success, outcome
    assert any(r.injected for r in fake_github.request_log)  # the duplicate was delivered
    published = settings.warehouse.publish_path
    items = {
        key: rest
        for key, *rest in query(
            published,
            "select key, category, created_at, started_at, lead_time_hours, cycle_time_hours, "
            "length(title) from marts.fct_work_items",
        )
    }
    jira_keys = [f"PAY-{n}" for n in range(1, 7)]
    assert sorted(items) == sorted([*jira_keys, "acme/api#1", "acme/api#2", "acme/api#3"])
    assert items["PAY-1"][0] == "todo"  # a status the tracker does not list counts as todo
    assert items["PAY-3"][1] == datetime(2026, 3, 2, 3, 30, tzinfo=UTC)  # +05:30 read as UTC
    assert items["PAY-3"][2] == datetime(2026, 3, 2, 17, 0, tzinfo=UTC)  # -07:00 read as UTC
    assert items["PAY-3"][3:5] == [23.5, 10.0]  # lead 03:30Z -> 03:00Z+1d; cycle from 17:00Z
    assert items["PAY-5"][3] == 1.0  # lead time from creation
    assert items["PAY-5"][4] >= 0  # started 5 minutes "before" creation: never a negative time
    replays = query(
        published, "select status_changes from marts.fct_work_items where key = 'PAY-4'"
    )
    assert replays == [(1,)]  # the replayed transition counts once
    assert items["PAY-6"][5] == len(HUGE_TEXT)
    assert items["acme/api#3"][5] == len(HUGE_TEXT)
    stored = query(
        settings.warehouse.path,
        "select payload ->> '$.fields.summary' from raw.jira__issues where native_id = ?",
        [_jira_id(query, settings, "PAY-6")],
    )
    assert stored == [(HUGE_TEXT,)]
    event_rows = query(
        settings.warehouse.path,
        "select count(*), count(distinct native_id) from raw.github__issue_events "
        "where parent_id = ?",
        [str(twice["id"])],
    )
    assert event_rows == [(1, 1)]  # the event delivered twice is stored once
    raw_before = _raw_row_counts(query, settings)

    assert run_pipeline(settings).success

    assert _raw_row_counts(query, settings) == raw_before
    duplicates = query(
        settings.warehouse.path,
        "select count(*) - count(distinct (source, native_id, version)) from raw.jira__issues",
    )
    assert duplicates == [(0,)]


def _jira_id(query, settings, key: str) -> str:
    return query(
        settings.warehouse.path,
        "select native_id from raw.jira__issues where payload ->> '$.key' = ?",
        [key],
    )[0][0]


def _raw_row_counts(query, settings) -> dict[str, int]:
    tables = query(
        settings.warehouse.path,
        "select table_name from information_schema.tables where table_schema = 'raw'",
    )
    return {
        t: query(
            settings.warehouse.path,
            # per-run bookkeeping rows (GitHub ETags) are versioned by their run: not data
            f"select count(*) from raw.{t} where version is distinct from _run_id",
        )[0][0]
        for (t,) in tables
    }
