"""Jira field changes for hand-built initiative histories, on top of tests/builders.py.

JiraBuilder writes status histories; initiatives also need parent moves, due date moves and
story point changes in the changelog, and due dates and story points in the issue payload.
These helpers add them in the real Cloud shapes (see connectors/fakes/sample_org.py).
"""

from __future__ import annotations

import itertools
from typing import Any

from connectors.fakes.store import TrackerStore
from tests.builders import jira_time, ts

_HISTORY_IDS = itertools.count(95001)
STORY_POINTS = "customfield_10016"


def set_fields(store: TrackerStore, issue: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """Today's values of fields (duedate, story points...) in the issue payload."""
    issue["fields"].update(fields)
    store.put_jira_issue(issue)
    return issue


def change(
    store: TrackerStore,
    issue: dict[str, Any],
    when: str,
    item: dict[str, Any],
) -> None:
    """Append one changelog history holding one field change."""
    store.put_jira_history(
        int(issue["id"]),
        {
            "id": str(next(_HISTORY_IDS)),
            "author": {"accountId": "557058:abc", "displayName": "A Person"},
            "created": jira_time(ts(when)),
            "items": [item],
        },
    )


def parent_item(old: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "field": "Parent",
        "fieldtype": "jira",
        "fieldId": "parent",
        "from": old["id"] if old else None,
        "fromString": old["key"] if old else None,
        "to": new["id"] if new else None,
        "toString": new["key"] if new else None,
    }


def due_date_item(old: str | None, new: str | None) -> dict[str, Any]:
    return {
        "field": "duedate",
        "fieldtype": "jira",
        "fieldId": "duedate",
        "from": old,
        "fromString": f"{old} 00:00:00.0" if old else None,
        "to": new,
        "toString": f"{new} 00:00:00.0" if new else None,
    }


def story_points_item(old: float, new: float) -> dict[str, Any]:
    """Story point changes carry their values only in fromString / toString."""
    return {
        "field": "Story Points",
        "fieldtype": "custom",
        "fieldId": STORY_POINTS,
        "from": None,
        "fromString": f"{old:g}",
        "to": None,
        "toString": f"{new:g}",
    }
