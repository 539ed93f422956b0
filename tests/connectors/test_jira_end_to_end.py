"""Jira end to end: real recorded payloads, Data Center, reconciliation and unmapped statuses.

Every test runs the real nightly job (Dagster, DuckDB, great-expectations) against the fake
Jira over loopback, then reads the warehouse as an analyst would.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import yaml

from connectors.fakes.jira import FakeJira
from pipelines.run import run_nightly
from pipelines.settings import Settings, load_settings
from tests.builders import JiraBuilder
from tests.conftest import AS_OF, JIRA_EMAIL, JIRA_TOKEN
from tests.realdata_jira import (
    actionableagile_issues,
    current_statuses,
    devlake_issues,
    expected_status_changes,
    load_actionableagile,
    load_devlake_jira,
)

STATUS_SQL = """
select issue_id, history_id, changed_at, from_status_id, from_status, to_status_id, to_status
from staging.stg_jira__status_changes
"""


def assert_jira_layers_built(outcome) -> None:
    """Raw, staging and the status categorisation succeeded (later layers are not ours to test).

    Marts and their checks belong to the flow-metrics work; a failure there must not hide
    whether the Jira connector and its staging did their job.
    """
    ours = [
        step
        for step in outcome.failed_steps
        if step.startswith(("raw__", "staging__"))
        or step in ("meta__run_context", "intermediate__int_status_changes__categorized")
    ]
    assert ours == [], outcome.causes
    assert not [c for c in outcome.failed_checks if "sync_succeeded" in c], outcome.causes


def status_rows(query, settings: Settings, issues: list[dict[str, Any]]) -> tuple[set, set]:
    actual = {
        (r[0], r[1], r[2].astimezone(UTC), r[3], r[4], r[5], r[6])
        for r in query(settings.warehouse.path, STATUS_SQL)
    }
    expected = {
        (
            e.issue_id,
            e.history_id,
            e.changed_at,
            e.from_status_id,
            e.from_status,
            e.to_status_id,
            e.to_status,
        )
        for e in expected_status_changes(issues)
    }
    return actual, expected


def test_devlake_jira_history_loads_with_every_transition_and_timestamp(
    store, fake_jira, make_settings, run_pipeline, query
):
    summary = load_devlake_jira(store)
    settings = make_settings(jira=fake_jira, projects=summary.projects)

    outcome = run_pipeline(settings)

    assert_jira_layers_built(outcome)
    actual, expected = status_rows(query, settings, devlake_issues())
    assert len(expected) == 165
    assert actual == expected
    histories = query(settings.warehouse.path, "select count(*) from raw.jira__changelogs")[0][0]
    assert histories == summary.histories  # 522: truncated embeds were completed
    bulk = [r for r in fake_jira.request_log if r.path == "/rest/api/3/changelog/bulkfetch"]
    assert len(bulk) == 1  # one page of issues, one follow-up request for all truncated ones
    # the 2021 workflow migration "Closed -> 已完成" is a transition like any other
    assert any(e[4] == "Closed" and e[6] == "已完成" for e in actual)


@pytest.mark.slow
def test_actionableagile_history_loads_and_unlisted_statuses_are_reported_until_mapped(
    store, fake_jira, make_settings, query, tmp_path
):
    summary = load_actionableagile(store)
    issues = actionableagile_issues()
    listed = {s["id"] for s in current_statuses(issues)}
    timeline: Counter[str] = Counter()  # statuses entered, per the raw JSON
    by_issue: dict[str, list] = {}
    for change in expected_status_changes(issues):
        by_issue.setdefault(change.issue_id, []).append(change)
    for changes in by_issue.values():
        entered = [(changes[0].from_status_id, changes[0].from_status)]
        entered += [(c.to_status_id, c.to_status) for c in changes]
        timeline.update(name for sid, name in entered if sid not in listed)
    assert set(timeline) == {"Backlog", "Analysis Active"}
    settings = make_settings(jira=fake_jira, projects=summary.projects)
    instance = dg.DagsterInstance.ephemeral()

    outcome = run_nightly(settings, instance=instance, as_of=AS_OF)

    assert_jira_layers_built(outcome)
    actual, expected = status_rows(query, settings, issues)
    assert actual == expected
    assert len(expected) == 64
    unmapped = query(
        settings.warehouse.path,
        "select status, count(*) from intermediate.int_status_changes__categorized "
        "where not is_mapped group by status",
    )
    assert dict(unmapped) == dict(timeline)
    assert unmapped_metadata(instance) == dict(timeline)

    mapped = settings_with(
        tmp_path,
        workflow={"status_categories": {"Backlog": "todo", "Analysis Active": "in_progress"}},
    )
    assert_jira_layers_built(run_nightly(mapped, instance=instance, as_of=AS_OF))
    assert unmapped_metadata(instance) == {}
    remaining = query(
        settings.warehouse.path,
        "select count(*) from intermediate.int_status_changes__categorized where not is_mapped",
    )
    assert remaining == [(0,)]


def unmapped_metadata(instance: dg.DagsterInstance) -> dict[str, int]:
    event = instance.get_latest_materialization_event(
        dg.AssetKey(["intermediate", "int_status_changes__categorized"])
    )
    assert event is not None
    assert event.asset_materialization is not None
    value = event.asset_materialization.metadata.get("unmapped_statuses")
    return {} if value is None else dict(value.value)


def settings_with(tmp_path: Path, **sections: Any) -> Settings:
    """The config make_settings wrote, with sections replaced (and source keys merged)."""
    path = tmp_path / "metrics.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    jira_source = sections.pop("jira_source", None)
    if jira_source:
        document["sources"] = [
            {**s, **jira_source} if s["kind"] == "jira" else s for s in document["sources"]
        ]
    document.update(sections)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return load_settings(path)


# ---------------------------------------------------------------------- Data Center
EPIC_LINK = "customfield_10014"
PARENT_LINK = "customfield_10018"
DC_FIELDS = [
    {
        "id": EPIC_LINK,
        "name": "Epic Link",
        "custom": True,
        "schema": {"type": "any", "custom": "com.pyxis.greenhopper.jira:gh-epic-link"},
    },
    {
        "id": PARENT_LINK,
        "name": "Parent Link",
        "custom": True,
        "schema": {"type": "any", "custom": "com.atlassian.jpo:jpo-custom-field-parent"},
    },
    {
        "id": "customfield_10020",
        "name": "Sprint",
        "custom": True,
        "schema": {"type": "array", "custom": "com.pyxis.greenhopper.jira:gh-sprint"},
    },
]


@pytest.fixture
def dc_jira(store) -> Any:
    server = FakeJira(
        store, flavor="datacenter", email=JIRA_EMAIL, token=JIRA_TOKEN, rate_limit=1_000_000
    )
    with server.start():
        yield server


def test_data_center_flavour_end_to_end_with_epic_link_and_parent_link_hierarchy(
    store, dc_jira, make_settings, run_pipeline, query
):
    jira = JiraBuilder(store)
    store.put_many_jira_fields(DC_FIELDS)
    initiative = jira.issue("2026-01-05 09:00", issue_type="Initiative")
    epic = jira.issue("2026-01-06 09:00", issue_type="Epic")
    story = jira.issue("2026-01-07 09:00", [("2026-01-08 09:00", "In Progress")])
    subtask = jira.issue("2026-01-07 10:00", issue_type="Sub-task", parent=story)
    at = datetime(2026, 1, 9, 9, tzinfo=UTC)
    link = {"hasEpicLinkFieldDependency": False, "showField": True}
    parent_link = {**link, "data": {"id": int(initiative["id"]), "key": "PAY-1"}}
    store.touch_jira_issue(int(epic["id"]), None, {PARENT_LINK: parent_link}, at)
    sprint = "com.atlassian.greenhopper.service.sprint.Sprint@5f2b[id=7,rapidViewId=3,name=S7]"
    store.touch_jira_issue(
        int(story["id"]), None, {EPIC_LINK: "PAY-2", "customfield_10020": [sprint]}, at
    )
    for _n in range(120):  # more than one offset page
        jira.issue("2026-02-01 09:00", [("2026-02-02 09:00", "In Progress")])
    settings = make_settings(jira=dc_jira)

    outcome = run_pipeline(settings)

    assert_jira_layers_built(outcome)
    searches = [r for r in dc_jira.request_log if r.path == "/rest/api/2/search"]
    # two offset pages of 100 (a data-quality probe may add a one-id count request)
    assert len([r for r in searches if r.response_bytes > 1000]) == 2
    stored = query(
        settings.warehouse.path, "select count(distinct native_id) from raw.jira__issues"
    )
    assert stored == [(124,)]
    assert all(r.auth_scheme == "Bearer" for r in dc_jira.request_log)
    assert not any(r.path.startswith("/rest/api/3") for r in dc_jira.request_log)
    rows = query(
        settings.warehouse.path,
        "select key, parent_key, hierarchy_level, sprint_ids from staging.stg_jira__issues "
        "where key in ('PAY-1', 'PAY-2', 'PAY-3', 'PAY-4') order by key",
    )
    assert rows == [
        ("PAY-1", None, 2, []),
        ("PAY-2", "PAY-1", 1, []),
        ("PAY-3", "PAY-2", 0, ["7"]),
        ("PAY-4", "PAY-3", -1, []),
    ]
    parents = query(
        settings.warehouse.path,
        "select child.key, parent.key from staging.stg_jira__issues as child "
        "join staging.stg_jira__issues as parent on parent.item_id = child.parent_item_id "
        "order by child.key",
    )
    assert parents == [("PAY-2", "PAY-1"), ("PAY-3", "PAY-2"), ("PAY-4", "PAY-3")]
    assert subtask["key"] == "PAY-4"
    assert query(settings.warehouse.path, "select count(*) from staging.stg_jira__issues") == [
        (124,)
    ]


# ---------------------------------------------------------------------- reconciliation
@pytest.mark.slow
def test_reconciliation_flags_deleted_and_moved_away_issues_and_keeps_key_history(
    store, fake_jira, make_settings, query, tmp_path
):
    jira = JiraBuilder(store)
    store.put_jira_project({"id": "10200", "key": "OPS", "name": "OPS"})
    store.put_jira_project({"id": "10300", "key": "WEB", "name": "WEB"})
    kept = jira.issue("2026-03-02 09:00", [("2026-03-03 09:00", "In Progress")], key="PAY-1")
    doomed = jira.issue("2026-03-02 09:00", [("2026-03-03 10:00", "In Progress")], key="PAY-2")
    leaving = jira.issue("2026-03-02 09:00", [("2026-03-03 11:00", "In Progress")], key="PAY-3")
    moving = jira.issue("2026-03-02 09:00", [("2026-03-03 12:00", "In Progress")], key="PAY-4")
    make_settings(jira=fake_jira, projects=("PAY", "WEB"))
    settings = settings_with(tmp_path, jira_source={"reconcile_every_days": 0})
    assert_jira_layers_built(run_nightly(settings, as_of=AS_OF))

    store.delete_jira_issue(int(doomed["id"]))
    # moved out of scope without bumping `updated`: only reconciliation can notice
    store.move_jira_issue(int(leaving["id"]), "OPS-7")
    store.move_jira_issue(int(moving["id"]), "WEB-9", at=datetime(2026, 3, 4, 9, tzinfo=UTC))
    assert_jira_layers_built(run_nightly(settings, as_of=AS_OF))

    wh = settings.warehouse.path
    verdicts = query(
        wh,
        "select last_key, status, current_key from staging.stg_jira__reconciliations order by 1",
    )
    assert verdicts == [("PAY-2", "deleted", None), ("PAY-3", "moved_out", "OPS-7")]
    keys = query(wh, "select key from staging.stg_jira__issues order by key")
    assert keys == [("PAY-1",), ("WEB-9",)]
    history = query(
        wh,
        "select key, is_current from staging.stg_jira__issue_keys where issue_id = ? order by key",
        [moving["id"]],
    )
    assert history == [("PAY-4", False), ("WEB-9", True)]
    assert kept["key"] == "PAY-1"
    # ghosts leave the work items too, and with them their status history
    unioned = query(wh, "select key from intermediate.int_work_items__unioned order by key")
    assert unioned == [("PAY-1",), ("WEB-9",)]
