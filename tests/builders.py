"""Hand-built tracker histories for tests, in the real API shapes, written into a TrackerStore.

Tests state a history the way a person would ("created Monday, In Progress Tuesday, Done
Thursday"); the fake servers then serve it to the real connectors, so every assertion covers
the whole path from HTTP to the marts.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connectors.fakes.store import TrackerStore

CATEGORY = {
    "new": {"id": 2, "key": "new", "name": "To Do", "colorName": "blue-gray"},
    "indeterminate": {
        "id": 4,
        "key": "indeterminate",
        "name": "In Progress",
        "colorName": "yellow",
    },
    "done": {"id": 3, "key": "done", "name": "Done", "colorName": "green"},
}
# name -> (id, statusCategory key); "Resolved" is deliberately missing from /status.
JIRA_STATUSES = {
    "To Do": ("10000", "new"),
    "In Progress": ("10001", "indeterminate"),
    "In Review": ("10002", "indeterminate"),
    "Blocked": ("10003", "indeterminate"),
    "Done": ("10004", "done"),
    "Closed": ("10005", "done"),
}
UNLISTED_STATUSES = {"Resolved": "10099"}
ISSUE_TYPES = {
    "Story": (0, False),
    "Task": (0, False),
    "Bug": (0, False),
    "Sub-task": (-1, True),
    "Epic": (1, False),
    "Initiative": (2, False),
}


def ts(text: str) -> datetime:
    """'2026-03-02 09:00' (UTC unless an offset is given) -> aware datetime."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def jira_time(moment: datetime) -> str:
    offset = moment.strftime("%z") or "+0000"
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}" + offset


def github_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _status_id(name: str) -> str:
    if name in JIRA_STATUSES:
        return JIRA_STATUSES[name][0]
    return UNLISTED_STATUSES.get(name, str(10500 + sum(map(ord, name))))


@dataclass
class JiraBuilder:
    store: TrackerStore
    project: str = "PAY"
    _ids: itertools.count = field(default_factory=lambda: itertools.count(20001))
    _history_ids: itertools.count = field(default_factory=lambda: itertools.count(90001))
    _numbers: itertools.count = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.store.put_jira_project({"id": "10100", "key": self.project, "name": self.project})
        self.store.put_many_jira_statuses(
            {"id": sid, "name": name, "statusCategory": CATEGORY[cat]}
            for name, (sid, cat) in JIRA_STATUSES.items()
        )
        self.store.put_many_jira_fields(
            [
                {
                    "id": "summary",
                    "name": "Summary",
                    "custom": False,
                    "schema": {"type": "string", "system": "summary"},
                },
                {
                    "id": "customfield_10016",
                    "name": "Story Points",
                    "custom": True,
                    "schema": {
                        "type": "number",
                        "custom": "com.pyxis.greenhopper.jira:jsw-story-points",
                    },
                },
            ]
        )

    def issue(
        self,
        created: str,
        transitions: list[tuple[str, str]] = (),  # type: ignore[assignment]
        *,
        initial: str = "To Do",
        issue_type: str = "Story",
        resolution: str | None = None,
        parent: dict[str, Any] | None = None,
        key: str | None = None,
        summary: str = "work",
    ) -> dict[str, Any]:
        """An issue created in `initial`, then moved through `transitions` [(when, status)]."""
        issue_id = str(next(self._ids))
        key = key or f"{self.project}-{next(self._numbers)}"
        created_at = ts(created)
        current = initial
        histories = []
        last = created_at
        for when, status in transitions:
            moment = ts(when)
            histories.append(
                {
                    "id": str(next(self._history_ids)),
                    "author": {"accountId": "557058:abc", "displayName": "A Person"},
                    "created": jira_time(moment),
                    "items": [
                        {
                            "field": "status",
                            "fieldtype": "jira",
                            "fieldId": "status",
                            "from": _status_id(current),
                            "fromString": current,
                            "to": _status_id(status),
                            "toString": status,
                        }
                    ],
                }
            )
            current = status
            last = max(last, moment)
        level, subtask = ISSUE_TYPES[issue_type]
        category = JIRA_STATUSES.get(current, ("", "new"))[1]
        fields: dict[str, Any] = {
            "summary": summary,
            "project": {"id": "10100", "key": self.project, "name": self.project},
            "issuetype": {
                "id": str(100 + level),
                "name": issue_type,
                "subtask": subtask,
                "hierarchyLevel": level,
            },
            "status": {
                "id": _status_id(current),
                "name": current,
                "statusCategory": CATEGORY[category],
            },
            "created": jira_time(created_at),
            "updated": jira_time(last),
            "resolution": {"name": resolution} if resolution else None,
            "resolutiondate": jira_time(last) if category == "done" else None,
            "labels": [],
            "duedate": None,
        }
        if parent is not None:
            fields["parent"] = {"id": parent["id"], "key": parent["key"]}
        issue = {
            "id": issue_id,
            "key": key,
            "self": f"https://jira.example/rest/api/3/issue/{issue_id}",
            "fields": fields,
        }
        self.store.put_jira_issue(issue)
        self.store.put_many_jira_histories((int(issue_id), h) for h in histories)
        return issue


@dataclass
class GitHubBuilder:
    store: TrackerStore
    repo: str = "acme/api"
    _ids: itertools.count = field(default_factory=lambda: itertools.count(500001))
    _event_ids: itertools.count = field(default_factory=lambda: itertools.count(700001))
    _numbers: itertools.count = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        self.store.put_github_repo(self.repo, 4242)

    def _event(self, number: int, event: str, when: str, **extra: Any) -> dict[str, Any]:
        payload = {
            "id": next(self._event_ids),
            "event": event,
            "created_at": github_time(ts(when)),
            **extra,
        }
        self.store.put_many_github_events(self.repo, [(number, payload)])
        return payload

    def issue(
        self,
        created: str,
        events: list[tuple[str, str, dict[str, Any]]] = (),  # type: ignore[assignment]
        *,
        state_reason: str | None = None,
        labels: list[str] = (),  # type: ignore[assignment]
        title: str = "an issue",
    ) -> dict[str, Any]:
        """An issue with events [(when, event, extra)]; its state follows the last close/reopen."""
        number = next(self._numbers)
        state, closed_at, last = "open", None, ts(created)
        for when, event, extra in events:
            self._event(number, event, when, **extra)
            last = max(last, ts(when))
            if event == "closed":
                state, closed_at = "closed", github_time(ts(when))
            elif event == "reopened":
                state, closed_at = "open", None
        issue = {
            "id": next(self._ids),
            "number": number,
            "title": title,
            "state": state,
            "state_reason": state_reason if state == "closed" else None,
            "labels": [{"name": label} for label in labels],
            "created_at": github_time(ts(created)),
            "updated_at": github_time(last),
            "closed_at": closed_at,
            "user": {"login": "someone"},
        }
        self.store.put_github_issue(self.repo, issue)
        return issue

    def pull(
        self,
        created: str,
        events: list[tuple[str, str, dict[str, Any]]] = (),  # type: ignore[assignment]
        *,
        merged: str | None = None,
        draft: bool = False,
        title: str = "a change",
        head_ref: str = "feature/x",
        additions: int = 10,
        deletions: int = 2,
        reviews: list[tuple[str, str, str]] = (),  # type: ignore[assignment]
        commits: list[str] = (),  # type: ignore[assignment]
        author: str = "someone",
    ) -> dict[str, Any]:
        """A PR; `merged` adds the merged event and the accompanying closed event."""
        number = next(self._numbers)
        state, closed_at, last = "open", None, ts(created)
        all_events = list(events)
        if merged:
            all_events += [(merged, "merged", {}), (merged, "closed", {})]
        for when, event, extra in all_events:
            self._event(number, event, when, **extra)
            last = max(last, ts(when))
            if event == "closed":
                state, closed_at = "closed", github_time(ts(when))
            elif event == "reopened":
                state, closed_at = "open", None
        issue_id = next(self._ids)
        merged_at = github_time(ts(merged)) if merged else None
        issue = {
            "id": issue_id,
            "number": number,
            "title": title,
            "state": state,
            "state_reason": None,
            "labels": [],
            "created_at": github_time(ts(created)),
            "updated_at": github_time(last),
            "closed_at": closed_at,
            "user": {"login": author},
            "pull_request": {
                "url": f"https://api.github.com/repos/{self.repo}/pulls/{number}",
                "html_url": f"https://github.com/{self.repo}/pull/{number}",
                "merged_at": merged_at,
            },
        }
        self.store.put_github_issue(self.repo, issue)
        self.store.put_many_github_pulls(
            self.repo,
            [
                {
                    "id": issue_id + 1_000_000,
                    "number": number,
                    "title": title,
                    "body": "",
                    "state": state,
                    "draft": draft,
                    "merged": merged is not None,
                    "merged_at": merged_at,
                    "closed_at": closed_at,
                    "created_at": github_time(ts(created)),
                    "updated_at": github_time(last),
                    "additions": additions,
                    "deletions": deletions,
                    "changed_files": 1,
                    "commits": max(1, len(commits)),
                    "head": {"ref": head_ref},
                    "base": {"ref": "main"},
                    "user": {"login": author},
                }
            ],
        )
        self.store.put_many_github_reviews(
            self.repo,
            [
                (
                    number,
                    {
                        "id": next(self._event_ids),
                        "state": state_,
                        "submitted_at": github_time(ts(when)),
                        "user": {"login": who},
                    },
                )
                for when, state_, who in reviews
            ],
        )
        self.store.put_many_github_commits(
            self.repo,
            [
                (
                    number,
                    {
                        "sha": f"{number:04d}{i:036d}",
                        "commit": {"author": {"date": github_time(ts(when))}},
                    },
                )
                for i, when in enumerate(commits)
            ],
        )
        return issue
