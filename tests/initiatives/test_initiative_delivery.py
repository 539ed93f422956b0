"""Promised versus delivered, from hand-built Jira histories through the real nightly job.

One epic, committed when it went In Progress on Monday 2026-03-09, due 2026-04-30:
- A: a 5-point story under the epic from the start, re-estimated to 8 after commitment, done in
  exactly four business days (Mon 03-09 00:00 -> Fri 03-13 00:00);
- B: a 3-point story under the epic from the start, moved out of it after commitment;
- C: a story created under the epic after commitment;
- D: a story that existed before commitment and was attached to the epic after it.
The epic's due date is moved to 2026-05-31 after commitment. A second epic, due 2026-03-20,
finishes its only story on 2026-03-25, and the business never measured its value.
"""

from __future__ import annotations

import pytest

from tests.builders import JiraBuilder
from tests.initiatives.histories import (
    STORY_POINTS,
    change,
    due_date_item,
    parent_item,
    set_fields,
    story_points_item,
)

DELIVERY_SQL = """
select key, committed_at::date, promised_items, promised_points, promised_date, promise_source,
       delivered_items, delivered_points, added_items, removed_items, completed_at::date,
       slip_days, on_time, delivery_ratio, expected_value, estimated_cost, realized_value,
       actual_cost, promised_roi, delivered_roi, value_measured
from marts.fct_initiative_delivery
where key = ?
"""
COLUMNS = [
    "key",
    "committed",
    "promised_items",
    "promised_points",
    "promised_date",
    "promise_source",
    "delivered_items",
    "delivered_points",
    "added_items",
    "removed_items",
    "completed",
    "slip_days",
    "on_time",
    "delivery_ratio",
    "expected_value",
    "estimated_cost",
    "realized_value",
    "actual_cost",
    "promised_roi",
    "delivered_roi",
    "value_measured",
]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """Build the histories once, run the nightly job once; tests read the published marts."""
    from connectors.fakes.jira import FakeJira
    from connectors.fakes.store import TrackerStore
    from tests.conftest import FAST_RETRIES, JIRA_EMAIL, JIRA_TOKEN

    tmp_path = tmp_path_factory.mktemp("initiatives")
    store = TrackerStore()
    jira = JiraBuilder(store)
    epic = jira.issue(
        "2026-03-02 09:00", [("2026-03-09 00:00", "In Progress")], issue_type="Epic", key="PAY-1"
    )
    set_fields(store, epic, duedate="2026-05-31")
    change(store, epic, "2026-04-01 10:00", due_date_item("2026-04-30", "2026-05-31"))

    a = jira.issue(
        "2026-03-03 09:00",
        [("2026-03-09 00:00", "In Progress"), ("2026-03-13 00:00", "Done")],
        parent=epic,
        key="PAY-2",
    )
    set_fields(store, a, **{STORY_POINTS: 8.0})
    change(store, a, "2026-03-20 10:00", story_points_item(5, 8))

    b = jira.issue("2026-03-03 10:00", key="PAY-3")
    set_fields(store, b, **{STORY_POINTS: 3.0})
    change(store, b, "2026-03-20 11:00", parent_item(epic, None))

    jira.issue("2026-03-15 09:00", parent=epic, key="PAY-4")

    d = jira.issue("2026-03-01 09:00", parent=epic, key="PAY-5")
    change(store, d, "2026-03-12 09:00", parent_item(None, epic))

    late = jira.issue(
        "2026-03-02 09:00", [("2026-03-05 09:00", "In Progress")], issue_type="Epic", key="PAY-6"
    )
    set_fields(store, late, duedate="2026-03-20")
    jira.issue(
        "2026-03-02 10:00",
        [("2026-03-05 10:00", "In Progress"), ("2026-03-25 10:00", "Done")],
        parent=late,
        key="PAY-7",
    )

    values = tmp_path / "initiatives.csv"
    values.write_text(
        "initiative_key,expected_value,estimated_cost,realized_value,value_measured_at,currency\n"
        "PAY-1,100000,40000,9600,2026-05-20,EUR\n"
        "PAY-6,50000,20000,,,EUR\n",
        encoding="utf-8",
    )
    server = FakeJira(
        store, flavor="cloud", email=JIRA_EMAIL, token=JIRA_TOKEN, rate_limit=1_000_000
    )
    with pytest.MonkeyPatch.context() as env, server.start():
        env.setenv("TEST_JIRA_EMAIL", JIRA_EMAIL)
        env.setenv("TEST_JIRA_TOKEN", JIRA_TOKEN)
        settings = _settings(tmp_path, server, values, FAST_RETRIES)
        from pipelines.run import run_nightly

        outcome = run_nightly(settings, as_of="2026-06-01T00:00:00+00:00")
    store.close()
    assert outcome.steps_succeeded, outcome.failed_steps
    return settings.warehouse.publish_path


def _settings(tmp_path, server, values, retries):
    import yaml

    from pipelines.settings import load_settings

    document = {
        "warehouse": {
            "path": str(tmp_path / "warehouse" / "metrics.duckdb"),
            "publish_path": str(tmp_path / "published" / "metrics.duckdb"),
        },
        "sources": [
            {
                "name": "jira-cloud",
                "kind": "jira",
                "flavor": "cloud",
                "base_url": server.base_url,
                "email_env": "TEST_JIRA_EMAIL",
                "token_env": "TEST_JIRA_TOKEN",
                "projects": ["PAY"],
            }
        ],
        "ingest": dict(retries),
        "initiatives": {"values_file": str(values)},
        "forecast": {"trials": 500},
    }
    path = tmp_path / "metrics.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return load_settings(path)


def delivery(query, warehouse, key):
    (row,) = query(warehouse, DELIVERY_SQL, [key])
    return dict(zip(COLUMNS, row, strict=True))


def test_children_attached_at_commitment_are_the_promise_with_their_points_then(query, warehouse):
    epic = delivery(query, warehouse, "PAY-1")

    assert str(epic["committed"]) == "2026-03-09"
    assert epic["promised_items"] == 2  # A and B; not C (created later) nor D (attached later)
    assert epic["promised_points"] == 8.0  # A's 5 (re-estimated to 8 later) + B's 3
    assert epic["promise_source"] == "changelog"


def test_a_child_added_after_commitment_counts_as_added_not_promised(query, warehouse):
    epic = delivery(query, warehouse, "PAY-1")

    assert epic["added_items"] == 2  # C created under the epic, D moved into it


def test_a_child_removed_after_commitment_counts_as_removed(query, warehouse):
    epic = delivery(query, warehouse, "PAY-1")

    assert epic["removed_items"] == 1  # B
    assert epic["delivered_items"] == 1  # A
    assert epic["delivered_points"] == 5.0
    assert epic["delivery_ratio"] == 0.5


def test_a_due_date_moved_after_commitment_does_not_change_the_promise(query, warehouse):
    epic = delivery(query, warehouse, "PAY-1")

    assert str(epic["promised_date"]) == "2026-04-30"  # not today's 2026-05-31
    assert str(epic["completed"]) == "2026-03-13"  # the last promised item still attached
    assert epic["slip_days"] == -48
    assert epic["on_time"] is True


def test_slip_is_counted_in_days_past_the_promised_date(query, warehouse):
    late = delivery(query, warehouse, "PAY-6")

    assert str(late["promised_date"]) == "2026-03-20"
    assert str(late["completed"]) == "2026-03-25"
    assert late["slip_days"] == 5
    assert late["on_time"] is False


def test_roi_formulas_on_known_numbers(query, warehouse):
    epic = delivery(query, warehouse, "PAY-1")

    # actual cost: A's 4 business days at the default 800 a day (C and D have no cycle time)
    assert epic["actual_cost"] == pytest.approx(3200.0)
    assert epic["promised_roi"] == pytest.approx((100000 - 40000) / 40000)
    assert epic["delivered_roi"] == pytest.approx((9600 - 3200) / 3200)
    assert epic["value_measured"] is True


def test_unmeasured_value_is_flagged_and_left_out_of_delivered_roi(query, warehouse):
    late = delivery(query, warehouse, "PAY-6")

    assert late["value_measured"] is False
    assert late["realized_value"] is None
    assert late["delivered_roi"] is None
    assert late["promised_roi"] == pytest.approx(1.5)
    assert late["actual_cost"] > 0


def test_snapshots_record_initiative_state_once_per_change(query, warehouse):
    rows = query(
        warehouse,
        "select key, due_date, len(member_item_ids), valid_to from meta.initiative_snapshots "
        "order by key",
    )

    assert [(key, str(due), members, valid_to) for key, due, members, valid_to in rows] == [
        ("PAY-1", "2026-05-31", 3, None),
        ("PAY-6", "2026-03-20", 1, None),
    ]
