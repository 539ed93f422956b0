"""Deterministic, seeded generator of a realistic engineering organisation for the fake trackers.

Why generated rather than recorded: the demo, the tests and the benchmarks need the same messy
situations real trackers produce (review loops, reopens, cancellations, legacy statuses, epic links,
late scope changes, drafts, self-reviews, >100 histories), at any size from a few thousand to a
million items, reproducible byte for byte from a seed. Everything derives from
``random.Random(seed)`` and a fixed ``end`` instant; nothing reads the wall clock or the global
random state.

Items are generated one unit at a time (an issue, or a story with its sub-tasks, or a GitHub parent
with its sub-issues) and streamed to the store in batches, so memory stays bounded.
"""

from __future__ import annotations

import hashlib
import logging
import math
import random
import uuid
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from connectors.fakes.store import (
    GITHUB_PLACEHOLDER_API,
    JIRA_PLACEHOLDER_SITE,
    TrackerStore,
    github_timestamp,
    jira_timestamp,
)

logger = logging.getLogger(__name__)

DEFAULT_END = datetime(2026, 11, 1, tzinfo=UTC)
SITE = JIRA_PLACEHOLDER_SITE
API = GITHUB_PLACEHOLDER_API
GITHUB_WEB = "https://github.com"

# ---------------------------------------------------------------------------- fixed org layout
#: Jira project key -> (project id, project name, owning team). The demo config names these.
JIRA_PROJECTS: dict[str, tuple[str, str, str]] = {
    "PAY": ("10000", "Payments", "payments"),
    "WEB": ("10001", "Web", "web"),
    "OPS": ("10002", "Platform Operations", "platform"),
}
#: GitHub repository -> (repository id, owning team).
GITHUB_REPOS: dict[str, tuple[int, str]] = {
    "acme/api": (501001, "payments"),
    "acme/web": (501002, "web"),
}
#: The demo's rising-complexity team: pull requests in this repo grow month by month.
COMPLEXITY_GROWTH_REPO = "acme/api"
COMPLEXITY_GROWTH_PER_MONTH = 0.25
TEAM_PROJECT = {"payments": "PAY", "web": "WEB", "platform": "OPS"}
_TEAM_PEOPLE: dict[str, list[str]] = {
    "payments": ["Ana Silva", "Ben Okafor", "Chen Wei", "Dara Murphy", "Eli Cohen"],
    "web": ["Fatima Zahra", "Gus Lindqvist", "Hana Sato", "Ivan Petrov", "Jo Martin"],
    "platform": ["Kai Nakamura", "Lena Vogel", "Mo Haddad", "Nia Brown"],
}
_USER_OFFSETS = ["+0000", "+0100", "-0700", "+0530", "+0000", "-0400"]
#: Fixed-offset zones (no DST), so the profile zone always agrees with the rendered offset.
_OFFSET_ZONES = {
    "+0000": "Etc/GMT",
    "+0100": "Africa/Lagos",
    "-0700": "America/Phoenix",
    "+0530": "Asia/Kolkata",
    "-0400": "America/Santo_Domingo",
}


@dataclass(frozen=True)
class JiraStatus:
    """A workflow status and the category that decides its meaning for metrics."""

    id: str
    name: str
    category: str  # new | indeterminate | done


TODO = JiraStatus("10000", "To Do", "new")
IN_PROGRESS = JiraStatus("3", "In Progress", "indeterminate")
IN_REVIEW = JiraStatus("10001", "In Review", "indeterminate")
BLOCKED = JiraStatus("10002", "Blocked", "indeterminate")
WAITING_QA = JiraStatus("10003", "Waiting for QA", "indeterminate")
DONE = JiraStatus("10004", "Done", "done")
CLOSED = JiraStatus("6", "Closed", "done")
#: Legacy status from the pre-migration workflow: appears in old changelogs, not served by /status.
RESOLVED_LEGACY = JiraStatus("5", "Resolved", "done")
LISTED_STATUSES = [TODO, IN_PROGRESS, IN_REVIEW, BLOCKED, WAITING_QA, DONE, CLOSED]
_CATEGORY = {
    "new": {"id": 2, "key": "new", "colorName": "blue-gray", "name": "To Do"},
    "indeterminate": {
        "id": 4,
        "key": "indeterminate",
        "colorName": "yellow",
        "name": "In Progress",
    },
    "done": {"id": 3, "key": "done", "colorName": "green", "name": "Done"},
}
RESOLUTIONS = {
    "Done": ("10000", "Work has been completed on this issue."),
    "Won't Do": ("10001", "This issue won't be actioned."),
    "Duplicate": ("10002", "The problem is a duplicate of an existing issue."),
}
#: name -> (id, hierarchyLevel, subtask)
ISSUE_TYPES: dict[str, tuple[str, int, bool]] = {
    "Epic": ("10000", 1, False),
    "Story": ("10001", 0, False),
    "Task": ("10002", 0, False),
    "Sub-task": ("10003", -1, True),
    "Bug": ("10004", 0, False),
    "Initiative": ("10005", 2, False),
}
FIELD_STORY_POINTS = "customfield_10016"
FIELD_EPIC_LINK = "customfield_10014"
FIELD_SPRINT = "customfield_10020"
FIELD_TARGET_END = "customfield_10023"
_PRIORITIES = [("1", "Highest"), ("2", "High"), ("3", "Medium"), ("3", "Medium"), ("4", "Low")]
_POINTS = ["1", "2", "3", "3", "5", "5", "8", "13"]
_INITIATIVE_NAMES = [
    "Checkout revamp",
    "Observability overhaul",
    "Self-serve onboarding",
    "Multi-currency ledger",
    "Edge caching",
    "Accessibility audit",
]
_TOPICS = [
    "retries",
    "login",
    "invoice export",
    "refund flow",
    "rate limiting",
    "search page",
    "audit log",
    "dark mode",
    "webhook signing",
    "metrics dashboard",
    "session timeout",
    "card tokenisation",
    "feature flags",
    "cache warmup",
    "alert routing",
]
_VERBS = ["Add", "Fix", "Refactor", "Improve", "Remove", "Document", "Harden", "Speed up"]
_GH_LABELS = [
    ("bug", "d73a4a", "Something isn't working"),
    ("enhancement", "a2eeef", "New feature or request"),
    ("in progress", "fbca04", "Someone is working on it"),
    ("initiative:checkout-revamp", "5319e7", "Part of the checkout revamp initiative"),
    ("initiative:observability", "0e8a16", "Part of the observability initiative"),
    ("tech-debt", "c5def5", "Internal clean-up"),
]


# ---------------------------------------------------------------------------- people
@dataclass(frozen=True)
class Person:
    """One engineer, with both a Jira account and a GitHub login."""

    display_name: str
    team: str
    account_id: str
    email: str
    login: str
    github_id: int
    offset: str

    def jira(self) -> dict[str, Any]:
        """Cloud user object (accountId, no name/key: GDPR)."""
        return {
            "self": f"{SITE}/rest/api/3/user?accountId={self.account_id}",
            "accountId": self.account_id,
            "emailAddress": self.email,
            "displayName": self.display_name,
            "active": True,
            "timeZone": _OFFSET_ZONES[self.offset],
            "accountType": "atlassian",
        }

    def github(self) -> dict[str, Any]:
        """Simple user object as embedded in issues, events and reviews."""
        return {
            "login": self.login,
            "id": self.github_id,
            "node_id": f"U_kgDO{self.github_id:08d}",
            "avatar_url": f"https://avatars.githubusercontent.com/u/{self.github_id}?v=4",
            "gravatar_id": "",
            "url": f"{API}/users/{self.login}",
            "html_url": f"{GITHUB_WEB}/{self.login}",
            "type": "User",
            "site_admin": False,
        }


def _build_people() -> dict[str, list[Person]]:
    people: dict[str, list[Person]] = {}
    index = 0
    for team, names in _TEAM_PEOPLE.items():
        team_people = []
        for name in names:
            slug = ".".join(name.lower().split())
            account = f"712020:{uuid.uuid5(uuid.NAMESPACE_URL, 'acme-people/' + slug)}"
            team_people.append(
                Person(
                    display_name=name,
                    team=team,
                    account_id=account,
                    email=f"{slug}@acme.example",
                    login=slug.replace(".", "-"),
                    github_id=9100 + index,
                    offset=_USER_OFFSETS[index % len(_USER_OFFSETS)],
                )
            )
            index += 1
        people[team] = team_people
    return people


PEOPLE = _build_people()
AUTOMATION = Person(
    "Jira Automation",
    "platform",
    "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077",
    "automation@acme.example",
    "acme-bot",
    9099,
    "+0000",
)


# ---------------------------------------------------------------------------- summary
@dataclass
class OrgSummary:
    """What :meth:`SampleOrg.populate` wrote, so tests can assert on scenario coverage."""

    seed: int
    items: int
    start: datetime
    end: datetime
    jira_issues_by_project: dict[str, int] = field(default_factory=dict)
    github_items_by_repo: dict[str, int] = field(default_factory=dict)
    jira_issues: int = 0
    jira_histories: int = 0
    github_issues: int = 0
    github_prs: int = 0
    github_events: int = 0
    github_reviews: int = 0
    github_commits: int = 0
    scenarios: dict[str, int] = field(default_factory=dict)


# ---------------------------------------------------------------------------- batching
class _BatchWriter:
    """Buffers rows and flushes them with executemany, keeping memory bounded."""

    def __init__(self, store: TrackerStore, flush_rows: int = 5000) -> None:
        self.store = store
        self.flush_rows = flush_rows
        self.pending = 0
        self.jira_issues: list[dict[str, Any]] = []
        self.jira_histories: list[tuple[int, dict[str, Any]]] = []
        self.gh: dict[str, dict[str, list[Any]]] = {}

    def _repo(self, repo: str) -> dict[str, list[Any]]:
        if repo not in self.gh:
            self.gh[repo] = {
                k: []
                for k in ("issues", "pulls", "events", "timeline", "reviews", "commits", "subs")
            }
        return self.gh[repo]

    def add_jira(self, issue: dict[str, Any], histories: list[dict[str, Any]]) -> None:
        self.jira_issues.append(issue)
        issue_id = int(issue["id"])
        self.jira_histories.extend((issue_id, h) for h in histories)
        self._grow(1 + len(histories))

    def add_gh(self, repo: str, kind: str, row: Any) -> None:
        self._repo(repo)[kind].append(row)
        self._grow(1)

    def _grow(self, rows: int) -> None:
        self.pending += rows
        if self.pending >= self.flush_rows:
            self.flush()

    def flush(self) -> None:
        """Write everything buffered; parents go before children so reads stay consistent."""
        if self.jira_issues:
            self.store.put_many_jira_issues(self.jira_issues)
            self.store.put_many_jira_histories(self.jira_histories)
        for repo, rows in self.gh.items():
            self.store.put_many_github_issues(repo, rows["issues"])
            self.store.put_many_github_pulls(repo, rows["pulls"])
            self.store.put_many_github_events(repo, rows["events"])
            self.store.put_many_github_timeline(repo, rows["timeline"])
            self.store.put_many_github_reviews(repo, rows["reviews"])
            self.store.put_many_github_commits(repo, rows["commits"])
            self.store.put_many_github_sub_issues(repo, rows["subs"])
        self.jira_issues, self.jira_histories, self.gh, self.pending = [], [], {}, 0


# ---------------------------------------------------------------------------- Jira workflow
@dataclass
class _Change:
    at: datetime
    author: Person
    items: list[dict[str, Any]]


def _status_item(old: JiraStatus, new: JiraStatus) -> dict[str, Any]:
    return {
        "field": "status",
        "fieldtype": "jira",
        "fieldId": "status",
        "from": old.id,
        "fromString": old.name,
        "to": new.id,
        "toString": new.name,
    }


def _item(
    field_name: str, field_id: str, old: Any, old_s: Any, new: Any, new_s: Any, custom: bool = False
) -> dict[str, Any]:
    return {
        "field": field_name,
        "fieldtype": "custom" if custom else "jira",
        "fieldId": field_id,
        "from": old,
        "fromString": old_s,
        "to": new,
        "toString": new_s,
    }


def _due_string(value: str | None) -> str | None:
    return f"{value} 00:00:00.0" if value else None


class _Flow:
    """Walks one Jira issue through its workflow, recording changelog entries as it goes."""

    def __init__(self, rng: random.Random, created: datetime, end: datetime, team: list[Person]):
        self.rng = rng
        self.t = created
        self.end = end
        self.team = team
        self.status = TODO
        self.resolution: str | None = None
        self.resolution_at: datetime | None = None
        self.assignee: Person | None = None
        self.category_changed = created
        self.started_at: datetime | None = None
        self.changes: list[_Change] = []
        self.flags: Counter[str] = Counter()

    def wait(self, median_hours: float, sigma: float = 0.8) -> bool:
        """Advance the clock; False (and no move) when the step would pass ``end``."""
        hours = median_hours * self.rng.lognormvariate(0, sigma)
        moment = self.t + timedelta(hours=max(0.05, hours))
        if moment >= self.end - timedelta(minutes=1):
            return False
        self.t = moment
        return True

    def actor(self) -> Person:
        return self.assignee or self.rng.choice(self.team)

    def add(self, items: list[dict[str, Any]], author: Person | None = None) -> None:
        self.changes.append(_Change(self.t, author or self.actor(), items))

    def assign(self, person: Person | None) -> None:
        old = self.assignee
        self.assignee = person
        self.add(
            [
                _item(
                    "assignee",
                    "assignee",
                    old.account_id if old else None,
                    old.display_name if old else None,
                    person.account_id if person else None,
                    person.display_name if person else None,
                )
            ],
            author=old or person,
        )

    def move(self, new: JiraStatus, resolution: str | None = None, author: Person | None = None):
        """Transition, setting the resolution on entering done and clearing it on leaving done."""
        old = self.status
        items = [_status_item(old, new)]
        if new.category == "done" and old.category != "done":
            res = resolution or "Done"
            res_id = RESOLUTIONS[res][0]
            items.insert(0, _item("resolution", "resolution", None, None, res_id, res))
            self.resolution, self.resolution_at = res, self.t
            if old.category == "new":
                self.flags["done_unstarted" if res == "Done" else "cancelled_unstarted"] += 1
            if res == "Won't Do":
                self.flags["cancelled_wont_do"] += 1
            elif res == "Duplicate":
                self.flags["cancelled_duplicate"] += 1
        elif old.category == "done" and new.category != "done":
            prev_id = RESOLUTIONS[self.resolution or "Done"][0]
            items.append(_item("resolution", "resolution", prev_id, self.resolution, None, None))
            self.resolution, self.resolution_at = None, None
            self.flags["reopened"] += 1
        elif old.category == "done" and new.category == "done":
            self.flags["closed_to_done" if old == CLOSED else "resolved_to_closed"] += 1
        if old.category != new.category:
            self.category_changed = self.t
        if new == IN_PROGRESS and old == IN_REVIEW:
            self.flags["review_loop"] += 1
        if new == BLOCKED:
            self.flags["blocked"] += 1
        if new == RESOLVED_LEGACY:
            self.flags["legacy_resolved"] += 1
        if new.category == "indeterminate" and self.started_at is None:
            self.started_at = self.t
        self.status = new
        self.add(items, author)

    def start(self) -> bool:
        """To Do -> In Progress, assigning someone first if nobody owns the issue yet."""
        if not self.wait(30, 1.0):
            return False
        if self.assignee is None:
            self.assign(self.rng.choice(self.team))
        self.move(IN_PROGRESS)
        return True

    def finish(self, reviews: int = 1, qa: bool = False, blocked: bool = False) -> bool:
        """In Progress through review (and optionally QA/blocked spells) to Done."""
        if blocked:
            if not self.wait(20):
                return False
            self.move(BLOCKED)
            if not self.wait(40, 1.0):
                return False
            self.move(IN_PROGRESS)
        for loop in range(reviews):
            if not self.wait(36, 0.9):
                return False
            self.move(IN_REVIEW)
            if loop < reviews - 1:
                if not self.wait(10):
                    return False
                self.move(IN_PROGRESS)
        if qa:
            if not self.wait(8):
                return False
            self.move(WAITING_QA)
        if not self.wait(12):
            return False
        self.move(DONE)
        return True


# ---------------------------------------------------------------------------- helpers
@dataclass
class _EpicRef:
    id: str
    key: str
    summary: str
    status: JiraStatus
    issue_type: str
    started_at: datetime | None


@dataclass
class _Counters:
    jira_id: int = 10000
    history_id: int = 100000
    gh_issue_id: int = 3_000_000_000
    gh_pull_id: int = 2_100_000_000
    gh_event_id: int = 15_000_000_000
    gh_review_id: int = 2_400_000_000
    gh_timeline_id: int = 16_000_000_000
    jira_ordinal: int = 0
    pr_ordinal: int = 0


def _adf(text: str) -> dict[str, Any]:
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}],
    }


def _status_obj(status: JiraStatus) -> dict[str, Any]:
    category = _CATEGORY[status.category]
    return {
        "self": f"{SITE}/rest/api/3/status/{status.id}",
        "description": "",
        "iconUrl": f"{SITE}/images/icons/statuses/generic.png",
        "name": status.name,
        "id": status.id,
        "statusCategory": {
            "self": f"{SITE}/rest/api/3/statuscategory/{category['id']}",
            **category,
        },
    }


def _issue_type_obj(name: str) -> dict[str, Any]:
    type_id, level, subtask = ISSUE_TYPES[name]
    return {
        "self": f"{SITE}/rest/api/3/issuetype/{type_id}",
        "id": type_id,
        "description": f"{name} issue type",
        "iconUrl": f"{SITE}/images/icons/issuetypes/{name.lower()}.svg",
        "name": name,
        "subtask": subtask,
        "hierarchyLevel": level,
    }


def _project_obj(key: str) -> dict[str, Any]:
    project_id, name, _team = JIRA_PROJECTS[key]
    return {
        "self": f"{SITE}/rest/api/3/project/{project_id}",
        "id": project_id,
        "key": key,
        "name": name,
        "projectTypeKey": "software",
        "simplified": False,
    }


def _stamp_in(moment: datetime, offset: str) -> str:
    """Jira timestamp rendered in a person's offset (mixed offsets occur in real exports)."""
    sign = -1 if offset[0] == "-" else 1
    delta = timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])) * sign
    zone = UTC if not delta else timezone(delta)
    return jira_timestamp(moment.astimezone(zone))


def _sha(*parts: object) -> str:
    return hashlib.sha1("|".join(str(p) for p in parts).encode(), usedforsecurity=False).hexdigest()


# ---------------------------------------------------------------------------- generator
class SampleOrg:
    """Seeded organisation: Jira Cloud projects PAY/WEB/OPS and GitHub repos acme/api, acme/web."""

    def __init__(
        self,
        seed: int = 7,
        items: int = 3000,
        end: datetime = DEFAULT_END,
        months: int = 12,
        jira_share: float = 0.7,
    ) -> None:
        if end.tzinfo is None:
            raise ValueError("end must be timezone-aware")
        self.seed = seed
        self.items = items
        self.end = end.astimezone(UTC)
        self.months = months
        self.start = self.end - timedelta(days=round(months * 365.25 / 12))
        self.jira_share = jira_share
        self.legacy_cutoff = self.start + timedelta(days=120)
        self.migration_at = self.start + timedelta(days=150, hours=3)

    # ------------------------------------------------------------------ entry point
    def populate(self, store: TrackerStore) -> OrgSummary:
        """Stream the whole organisation into ``store`` and report what was written."""
        rng = random.Random(self.seed)  # noqa: S311 - reproducible simulation, not security
        self._rng = rng
        self._writer = _BatchWriter(store)
        self._ids = _Counters()
        self._summary = OrgSummary(self.seed, self.items, self.start, self.end)
        self._scen: Counter[str] = Counter()
        self._epics: dict[str, deque[_EpicRef]] = {k: deque(maxlen=6) for k in JIRA_PROJECTS}
        self._initiatives: deque[_EpicRef] = deque(maxlen=4)
        self._recent_keys: dict[str, deque[str]] = {k: deque(maxlen=40) for k in JIRA_PROJECTS}
        self._recent_gh: dict[str, deque[tuple[int, str]]] = {
            r: deque(maxlen=30) for r in GITHUB_REPOS
        }
        self._gh_numbers: dict[str, int] = dict.fromkeys(GITHUB_REPOS, 0)
        self._milestones = {repo: self._milestone_plan(repo) for repo in GITHUB_REPOS}
        self._parent_removed = 0
        self._key_counters: dict[str, int] = dict.fromkeys(JIRA_PROJECTS, 0)
        self._write_reference_data(store)

        produced = 0
        span = (self.end - self.start).total_seconds()
        usable = span * 0.97
        forced = ["init:PAY", "init:WEB", "init:OPS", "epic:PAY", "epic:WEB", "epic:OPS"]
        while produced < self.items:
            remaining = self.items - produced
            created = self.start + timedelta(
                seconds=usable * (produced + rng.random()) / self.items
            )
            if forced:
                kind, project = forced.pop(0).split(":")
                produced += self._jira_top(kind, project, created)
            elif rng.random() < self.jira_share:
                produced += self._jira_unit(created, remaining)
            else:
                produced += self._github_unit(created, remaining)
        self._writer.flush()
        for repo, plan in self._milestones.items():
            store.put_many_github_milestones(repo, [m for m, _ in plan])
        self._summary.scenarios = dict(sorted(self._scen.items()))
        logger.info("sample org seed=%s items=%s written", self.seed, produced)
        return self._summary

    # ------------------------------------------------------------------ reference data
    def _write_reference_data(self, store: TrackerStore) -> None:
        store.put_many_jira_projects(_project_obj(k) for k in JIRA_PROJECTS)
        statuses = []
        for status in LISTED_STATUSES:
            obj = _status_obj(status)
            obj["untranslatedName"] = status.name
            obj["scope"] = None
            statuses.append({k: v for k, v in obj.items() if v is not None})
        store.put_many_jira_statuses(statuses)
        store.put_many_jira_fields(self._field_defs())
        issue_types = []
        for name in ISSUE_TYPES:
            obj = _issue_type_obj(name)
            obj["avatarId"] = 10300 + int(obj["id"]) % 100
            issue_types.append(obj)
        store.put_many_jira_issue_types(issue_types)
        for repo, (repo_id, _team) in GITHUB_REPOS.items():
            store.put_github_repo(repo, repo_id)
            labels = [
                {
                    "id": 5_000_000 + repo_id % 1000 * 100 + i,
                    "node_id": f"LA_kwDO{repo_id}{i:02d}",
                    "url": f"{API}/repos/{repo}/labels/{name.replace(' ', '%20')}",
                    "name": name,
                    "color": color,
                    "default": name in {"bug", "enhancement"},
                    "description": description,
                }
                for i, (name, color, description) in enumerate(_GH_LABELS)
            ]
            store.put_many_github_labels(repo, labels)

    @staticmethod
    def _field_defs() -> list[dict[str, Any]]:
        def system(fid: str, name: str, ftype: str, items: str | None = None) -> dict[str, Any]:
            schema: dict[str, Any] = {"type": ftype, "system": fid}
            if items:
                schema["items"] = items
            return {
                "id": fid,
                "key": fid,
                "name": name,
                "custom": False,
                "orderable": True,
                "navigable": True,
                "searchable": True,
                "clauseNames": [fid],
                "schema": schema,
            }

        def custom(
            num: int, name: str, ftype: str, custom_type: str, items: str | None = None
        ) -> dict[str, Any]:
            fid = f"customfield_{num}"
            schema: dict[str, Any] = {"type": ftype, "custom": custom_type, "customId": num}
            if items:
                schema["items"] = items
            return {
                "id": fid,
                "key": fid,
                "name": name,
                "untranslatedName": name,
                "custom": True,
                "orderable": True,
                "navigable": True,
                "searchable": True,
                "clauseNames": [f"cf[{num}]", name],
                "schema": schema,
            }

        return [
            system("summary", "Summary", "string"),
            system("status", "Status", "status"),
            system("issuetype", "Issue Type", "issuetype"),
            system("project", "Project", "project"),
            system("parent", "Parent", "issuelink"),
            system("assignee", "Assignee", "user"),
            system("reporter", "Reporter", "user"),
            system("created", "Created", "datetime"),
            system("updated", "Updated", "datetime"),
            system("resolution", "Resolution", "resolution"),
            system("resolutiondate", "Resolved", "datetime"),
            system("duedate", "Due date", "date"),
            system("labels", "Labels", "array", "string"),
            system("priority", "Priority", "priority"),
            system("description", "Description", "string"),
            system("subtasks", "Sub-tasks", "array", "issuelinks"),
            system("statuscategorychangedate", "Status Category Changed", "datetime"),
            custom(10014, "Epic Link", "any", "com.pyxis.greenhopper.jira:gh-epic-link"),
            custom(10016, "Story Points", "number", "com.pyxis.greenhopper.jira:jsw-story-points"),
            custom(10020, "Sprint", "array", "com.pyxis.greenhopper.jira:gh-sprint", "json"),
            custom(10023, "Target end", "date", "com.atlassian.jpo:jpo-custom-field-baseline-end"),
        ]

    # ------------------------------------------------------------------ Jira units
    def _jira_unit(self, created: datetime, remaining: int) -> int:
        rng = self._rng
        project = rng.choices(list(JIRA_PROJECTS), weights=[4, 4, 2])[0]
        roll = rng.random()
        if roll < 0.004:
            return self._jira_top("init", project, created)
        if roll < 0.04:
            return self._jira_top("epic", project, created)
        return self._jira_work_item(project, created, remaining)

    def _team(self, project: str) -> list[Person]:
        return PEOPLE[JIRA_PROJECTS[project][2]]

    def _next_key(self, project: str) -> tuple[str, str]:
        self._ids.jira_id += 1
        self._key_counters[project] += 1
        return str(self._ids.jira_id), f"{project}-{self._key_counters[project]}"

    def _jira_top(self, kind: str, project: str, created: datetime) -> int:
        """An initiative or an epic: long-lived, dated, sometimes re-planned."""
        rng = self._rng
        team = self._team(project)
        flow = _Flow(rng, created, self.end, team)
        issue_type = "Initiative" if kind == "init" else "Epic"
        if issue_type == "Initiative":
            name = _INITIATIVE_NAMES[self._ids.jira_id % len(_INITIATIVE_NAMES)]
            summary = f"{name} ({created:%Y-Q}{(created.month - 1) // 3 + 1})"
        else:
            summary = f"{rng.choice(_VERBS)} {rng.choice(_TOPICS)} end to end"
        horizon = rng.randint(60, 120) if issue_type == "Epic" else rng.randint(150, 240)
        due = (created + timedelta(days=horizon)).date().isoformat()
        if flow.start() and flow.wait(24 * horizon * 0.6, 0.4):
            if rng.random() < 0.35:
                new_due = (
                    date.fromisoformat(due) + timedelta(days=rng.randint(14, 60))
                ).isoformat()
                flow.add(
                    [
                        _item(
                            "duedate",
                            "duedate",
                            due,
                            _due_string(due),
                            new_due,
                            _due_string(new_due),
                        )
                    ]
                )
                due = new_due
                self._scen["jira.duedate_moved"] += 1
            if flow.wait(24 * horizon * 0.5, 0.4):
                flow.move(DONE)
        parent = None
        if issue_type == "Epic" and self._initiatives and rng.random() < 0.75:
            parent = rng.choice(list(self._initiatives))
        issue_id, key = self._next_key(project)
        ref = _EpicRef(issue_id, key, summary, flow.status, issue_type, flow.started_at)
        (self._initiatives if issue_type == "Initiative" else self._epics[project]).append(ref)
        extra = {"duedate": due, FIELD_TARGET_END: due}
        self._emit_jira(issue_id, key, project, issue_type, summary, created, flow, parent, extra)
        self._scen[f"jira.{issue_type.lower()}"] += 1
        return 1

    def _jira_work_item(self, project: str, created: datetime, remaining: int) -> int:
        """A story/task/bug, possibly with sub-tasks, walked through a realistic workflow."""
        rng = self._rng
        self._ids.jira_ordinal += 1
        ordinal = self._ids.jira_ordinal
        issue_type = rng.choices(["Story", "Task", "Bug"], weights=[6, 2, 2])[0]
        team = self._team(project)
        flow = _Flow(rng, created, self.end, team)
        points = rng.choice(_POINTS) if issue_type == "Story" else None
        epic = self._epics[project][-1] if self._epics[project] else None
        if epic is not None and len(self._epics[project]) > 1 and rng.random() < 0.5:
            epic = rng.choice(list(self._epics[project]))
        linked = epic if (epic is not None and rng.random() < 0.8) else None
        legacy_link = linked is not None and created < self.legacy_cutoff and rng.random() < 0.4
        late = linked is not None and rng.random() < 0.12 and linked.started_at is not None
        if points is not None and rng.random() < 0.15 and flow.wait(20):
            new_points = rng.choice([p for p in _POINTS if p != points])
            flow.add(
                [_item("Story Points", FIELD_STORY_POINTS, None, points, None, new_points, True)]
            )
            points = new_points
            self._scen["jira.story_points_changed"] += 1
        if ordinal in {5, 17, 41} or ordinal % 997 == 0:
            self._churn(flow, 250 if ordinal == 5 else rng.randint(150, 249))
            self._scen["jira.big_changelog"] += 1
        else:
            self._walk(flow, created)
        parent_item_kind: str | None = None
        if late and linked is not None and linked.started_at is not None:
            parent_item_kind = self._late_link(flow, linked, legacy_link, created)
        removed = False
        if (
            linked is not None
            and not late
            and not legacy_link
            and self._parent_removed < max(2, self.items // 800)
            and rng.random() < 0.05
        ):
            removed = self._remove_parent(flow, linked)
        issue_id, key = self._next_key(project)
        subtasks = self._subtasks(project, issue_id, key, issue_type, flow, remaining)
        parent = linked if (linked is not None and not legacy_link and not removed) else None
        extra: dict[str, Any] = {FIELD_STORY_POINTS: float(points) if points else None}
        if legacy_link and linked is not None:
            extra[FIELD_EPIC_LINK] = linked.key
            self._scen["jira.epic_link_legacy"] += 1
        if flow.started_at is not None:
            extra[FIELD_SPRINT] = [self._sprint(project, flow.started_at)]
        extra["subtasks"] = [s for s, _ in subtasks]
        extra["duedate"] = None
        self._emit_jira(
            issue_id, key, project, issue_type, self._summary_text(), created, flow, parent, extra
        )
        for _sub_ref, emit in subtasks:
            emit()
        self._recent_keys[project].append(key)
        if parent_item_kind:
            self._scen[f"jira.added_to_epic_after_start.{parent_item_kind}"] += 1
        return 1 + len(subtasks)

    def _summary_text(self) -> str:
        rng = self._rng
        return f"{rng.choice(_VERBS)} {rng.choice(_TOPICS)}"

    def _walk(self, flow: _Flow, created: datetime) -> None:
        """Pick a workflow path; legacy paths only for issues created before the migration."""
        rng = self._rng
        legacy = created < self.legacy_cutoff and rng.random() < 0.45
        path = rng.choices(
            ["happy", "review_loop", "blocked", "reopen", "cancel", "unstarted", "todo", "wip"],
            weights=[40, 10, 8, 6, 6, 4, 7, 8],
        )[0]
        if legacy and path in {"happy", "review_loop"}:
            if flow.start() and flow.wait(48) and flow.t < self.migration_at:
                if rng.random() < 0.6:
                    flow.move(RESOLVED_LEGACY)
                    if flow.wait(24):
                        flow.move(CLOSED)
                else:
                    flow.move(CLOSED)
                if flow.status == CLOSED and self.migration_at > flow.t:
                    flow.t = self.migration_at + timedelta(seconds=rng.randint(0, 3600))
                    flow.move(DONE, author=AUTOMATION)
            return
        if path == "todo":
            return
        if path == "unstarted":
            if flow.wait(100, 1.0):
                flow.move(DONE)
            return
        if path == "cancel":
            resolution = rng.choice(["Won't Do", "Duplicate"])
            if rng.random() < 0.5 and not flow.start():
                return
            if flow.wait(60, 1.0):
                flow.move(DONE, resolution=resolution)
            return
        if not flow.start():
            return
        if path == "wip":
            if rng.random() < 0.4 and flow.wait(40):
                flow.move(IN_REVIEW)
            return
        if rng.random() < 0.12 and flow.wait(30):
            flow.assign(rng.choice([p for p in flow.team if p != flow.assignee]))
            self._scen["jira.reassigned"] += 1
        reviews = rng.randint(2, 4) if path == "review_loop" else 1
        done = flow.finish(reviews=reviews, qa=rng.random() < 0.3, blocked=path == "blocked")
        if done and path == "reopen" and flow.wait(72, 1.0):
            flow.move(IN_PROGRESS)
            flow.finish(reviews=1)

    def _churn(self, flow: _Flow, target: int) -> None:
        """An issue bounced around for months: >100 histories so changelog paging matters."""
        rng = self._rng
        if not flow.start():
            return
        spacing = max(0.2, (self.end - flow.t).total_seconds() / 3600 / (target * 1.5))
        while len(flow.changes) < target - 1:
            if not flow.wait(spacing, 0.3):
                break
            step = rng.random()
            if step < 0.5:
                flow.move(IN_REVIEW if flow.status == IN_PROGRESS else IN_PROGRESS)
            elif step < 0.7:
                flow.assign(rng.choice([p for p in flow.team if p != flow.assignee]))
            elif step < 0.85:
                flow.move(BLOCKED if flow.status != BLOCKED else IN_PROGRESS)
            else:
                flow.add([_item("labels", "labels", None, "", None, f"churn-{len(flow.changes)}")])
        if flow.wait(spacing, 0.3):
            flow.move(DONE)

    def _late_link(
        self, flow: _Flow, epic: _EpicRef, legacy: bool, created: datetime
    ) -> str | None:
        """Attach the child to an epic that was already in progress (scope added mid-flight)."""
        started = epic.started_at or created
        at = max(created, started) + timedelta(hours=self._rng.uniform(2, 72))
        if at >= self.end:
            return None
        if legacy:
            item = _item("Epic Link", FIELD_EPIC_LINK, None, None, epic.id, epic.key, True)
            kind = "epic_link"
        else:
            item = _item("Parent", "parent", None, None, epic.id, epic.key)
            kind = "parent"
        flow.changes.append(_Change(at, flow.actor(), [item]))
        flow.changes.sort(key=lambda c: c.at)
        return kind

    def _remove_parent(self, flow: _Flow, epic: _EpicRef) -> bool:
        """Descope: the child leaves its epic (the epic's scope shrinks)."""
        if not flow.wait(48):
            return False
        flow.add([_item("Parent", "parent", epic.id, epic.key, None, None)])
        self._parent_removed += 1
        self._scen["jira.removed_from_epic"] += 1
        return True

    def _subtasks(
        self,
        project: str,
        parent_id: str,
        parent_key: str,
        parent_type: str,
        parent_flow: _Flow,
        remaining: int,
    ) -> list[tuple[dict[str, Any], Any]]:
        """Sub-tasks generated with their story so the story payload can list them."""
        rng = self._rng
        if parent_type != "Story" or rng.random() > 0.2 or remaining < 3:
            return []
        result = []
        team = self._team(project)
        base = parent_flow.started_at or parent_flow.t
        for _ in range(min(rng.randint(1, 3), remaining - 2)):
            created = base + timedelta(hours=rng.uniform(0.5, 12))
            if created >= self.end - timedelta(hours=1):
                break
            flow = _Flow(rng, created, self.end, team)
            if rng.random() < 0.85 and flow.start():
                flow.finish(reviews=0 if rng.random() < 0.5 else 1)
            sub_id, sub_key = self._next_key(project)
            summary = f"{rng.choice(_VERBS)} {rng.choice(_TOPICS)} (sub-task)"
            ref = {
                "id": sub_id,
                "key": sub_key,
                "self": f"{SITE}/rest/api/3/issue/{sub_id}",
                "fields": {
                    "summary": summary,
                    "status": _status_obj(flow.status),
                    "priority": {"id": "3", "name": "Medium"},
                    "issuetype": _issue_type_obj("Sub-task"),
                },
            }
            parent_ref = _EpicRef(parent_id, parent_key, "", parent_flow.status, "Story", None)

            def emit(
                sub_id: str = sub_id,
                sub_key: str = sub_key,
                summary: str = summary,
                created: datetime = created,
                flow: _Flow = flow,
                parent_ref: _EpicRef = parent_ref,
            ) -> None:
                self._emit_jira(
                    sub_id,
                    sub_key,
                    project,
                    "Sub-task",
                    summary,
                    created,
                    flow,
                    parent_ref,
                    {"subtasks": []},
                )

            result.append((ref, emit))
            self._scen["jira.subtask"] += 1
        return result

    def _sprint(self, project: str, moment: datetime) -> dict[str, Any]:
        board = {"PAY": 1, "WEB": 2, "OPS": 3}[project]
        number = max(0, (moment - self.start).days // 14)
        begin = self.start + timedelta(days=14 * number, hours=9)
        finish = begin + timedelta(days=14)
        state = "closed" if finish < self.end else "active"
        sprint: dict[str, Any] = {
            "id": board * 1000 + number + 1,
            "name": f"{project} Sprint {number + 1}",
            "state": state,
            "boardId": board,
            "goal": "",
            "startDate": begin.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "endDate": finish.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        }
        if state == "closed":
            sprint["completeDate"] = (finish + timedelta(hours=1)).strftime(
                "%Y-%m-%dT%H:%M:%S.000Z"
            )
        return sprint

    def _emit_jira(
        self,
        issue_id: str,
        key: str,
        project: str,
        issue_type: str,
        summary: str,
        created: datetime,
        flow: _Flow,
        parent: _EpicRef | None,
        extra: dict[str, Any],
    ) -> None:
        """Build the Cloud v3 payload and its changelog and queue them for the store."""
        rng = self._rng
        reporter = rng.choice(self._team(project))
        histories = []
        for change in flow.changes:
            self._ids.history_id += 1
            histories.append(
                {
                    "id": str(self._ids.history_id),
                    "author": change.author.jira(),
                    "created": _stamp_in(change.at, change.author.offset),
                    "items": change.items,
                }
            )
        updated = max([created, *(c.at for c in flow.changes)])
        resolution = None
        if flow.resolution is not None:
            res_id, res_desc = RESOLUTIONS[flow.resolution]
            resolution = {
                "self": f"{SITE}/rest/api/3/resolution/{res_id}",
                "id": res_id,
                "description": res_desc,
                "name": flow.resolution,
            }
        priority_id, priority_name = rng.choice(_PRIORITIES)
        fields: dict[str, Any] = {
            "statuscategorychangedate": jira_timestamp(flow.category_changed),
            "issuetype": _issue_type_obj(issue_type),
            "project": _project_obj(project),
            "resolution": resolution,
            "resolutiondate": jira_timestamp(flow.resolution_at) if flow.resolution_at else None,
            "created": jira_timestamp(created),
            "updated": jira_timestamp(updated),
            "priority": {
                "self": f"{SITE}/rest/api/3/priority/{priority_id}",
                "id": priority_id,
                "name": priority_name,
            },
            "labels": [],
            "assignee": flow.assignee.jira() if flow.assignee else None,
            "status": _status_obj(flow.status),
            "summary": summary,
            "reporter": reporter.jira(),
            "creator": reporter.jira(),
            "description": _adf(f"{summary}. Requested by {JIRA_PROJECTS[project][2]}."),
            "duedate": None,
            "issuelinks": [],
            FIELD_EPIC_LINK: None,
            FIELD_STORY_POINTS: None,
            FIELD_SPRINT: None,
            FIELD_TARGET_END: None,
        }
        fields.update(extra)
        if parent is not None:
            fields["parent"] = {
                "id": parent.id,
                "key": parent.key,
                "self": f"{SITE}/rest/api/3/issue/{parent.id}",
                "fields": {
                    "summary": parent.summary,
                    "status": _status_obj(parent.status),
                    "priority": {"id": "3", "name": "Medium"},
                    "issuetype": _issue_type_obj(parent.issue_type),
                },
            }
        issue = {
            "expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
            "id": issue_id,
            "self": f"{SITE}/rest/api/3/issue/{issue_id}",
            "key": key,
            "fields": fields,
        }
        self._writer.add_jira(issue, histories)
        summary_obj = self._summary
        summary_obj.jira_issues += 1
        summary_obj.jira_histories += len(histories)
        summary_obj.jira_issues_by_project[project] = (
            summary_obj.jira_issues_by_project.get(project, 0) + 1
        )
        for flag, count in flow.flags.items():
            self._scen[f"jira.{flag}"] += count and 1
        category = flow.status.category
        if category != "done":
            self._scen["jira.open_todo" if category == "new" else "jira.open_in_progress"] += 1
        if len(histories) > 100:
            self._scen["jira.over_100_histories"] += 1

    # ------------------------------------------------------------------ GitHub
    def _milestone_plan(self, repo: str) -> list[tuple[dict[str, Any], datetime]]:
        """Monthly release milestones over the window plus two future ones (still open)."""
        repo_id = GITHUB_REPOS[repo][0]
        plan = []
        year, month = self.start.year, self.start.month
        for number in range(1, self.months + 3):
            nxt_year, nxt_month = (year + 1, 1) if month == 12 else (year, month + 1)
            due = datetime(nxt_year, nxt_month, 1, 7, tzinfo=UTC) - timedelta(days=1)
            closed = due < self.end
            title = f"{year}.{month:02d}"
            milestone = {
                "url": f"{API}/repos/{repo}/milestones/{number}",
                "html_url": f"{GITHUB_WEB}/{repo}/milestone/{number}",
                "labels_url": f"{API}/repos/{repo}/milestones/{number}/labels",
                "id": repo_id * 100 + number,
                "node_id": f"MI_kwDO{repo_id}{number:03d}",
                "number": number,
                "state": "closed" if closed else "open",
                "title": title,
                "description": f"Release train {title}",
                "creator": PEOPLE[GITHUB_REPOS[repo][1]][0].github(),
                "open_issues": 0,
                "closed_issues": 0,
                "created_at": github_timestamp(due - timedelta(days=45)),
                "updated_at": github_timestamp(min(due + timedelta(days=1), self.end)),
                "closed_at": github_timestamp(due + timedelta(days=1)) if closed else None,
                "due_on": github_timestamp(due),
            }
            plan.append((milestone, due))
            year, month = nxt_year, nxt_month
        return plan

    def _milestone_for(self, repo: str, moment: datetime) -> dict[str, Any] | None:
        for milestone, due in self._milestones[repo]:
            if due >= moment:
                return milestone
        return None

    def _advance(
        self, moment: datetime, median_hours: float, sigma: float = 0.8
    ) -> datetime | None:
        hours = median_hours * self._rng.lognormvariate(0, sigma)
        nxt = moment + timedelta(hours=max(0.02, hours))
        return nxt if nxt < self.end - timedelta(minutes=1) else None

    def _event(
        self, repo: str, number: int, actor: Person, event: str, at: datetime, **extra: Any
    ) -> None:
        self._ids.gh_event_id += 1
        event_id = self._ids.gh_event_id
        payload: dict[str, Any] = {
            "id": event_id,
            "node_id": f"E_kwDO{event_id}",
            "url": f"{API}/repos/{repo}/issues/events/{event_id}",
            "actor": actor.github(),
            "event": event,
            "commit_id": None,
            "commit_url": None,
            "created_at": github_timestamp(at),
            "performed_via_github_app": None,
        }
        payload.update(extra)
        self._writer.add_gh(repo, "events", (number, payload))
        self._summary.github_events += 1

    @staticmethod
    def _label(repo: str, name: str) -> dict[str, Any]:
        color = next(c for n, c, _ in _GH_LABELS if n == name)
        return {"name": name, "color": color}

    def _full_label(self, repo: str, name: str) -> dict[str, Any]:
        repo_id = GITHUB_REPOS[repo][0]
        index = next(i for i, (n, _, _) in enumerate(_GH_LABELS) if n == name)
        color, description = _GH_LABELS[index][1], _GH_LABELS[index][2]
        return {
            "id": 5_000_000 + repo_id % 1000 * 100 + index,
            "node_id": f"LA_kwDO{repo_id}{index:02d}",
            "url": f"{API}/repos/{repo}/labels/{name.replace(' ', '%20')}",
            "name": name,
            "color": color,
            "default": name in {"bug", "enhancement"},
            "description": description,
        }

    def _github_unit(self, created: datetime, remaining: int) -> int:
        rng = self._rng
        repo = rng.choice(list(GITHUB_REPOS))
        team = PEOPLE[GITHUB_REPOS[repo][1]]
        self._summary.github_items_by_repo.setdefault(repo, 0)
        if rng.random() < 0.55:
            return self._gh_pull(repo, team, created)
        if rng.random() < 0.1 and remaining >= 3:
            return self._gh_parent_with_children(repo, team, created, remaining)
        payload = self._gh_issue(repo, team, created)
        self._queue_issue(repo, payload)
        return 1

    def _next_number(self, repo: str) -> int:
        self._gh_numbers[repo] += 1
        return self._gh_numbers[repo]

    def _queue_issue(self, repo: str, payload: dict[str, Any]) -> None:
        self._writer.add_gh(repo, "issues", payload)
        self._summary.github_items_by_repo[repo] = (
            self._summary.github_items_by_repo.get(repo, 0) + 1
        )
        if payload.get("pull_request") is not None:
            self._summary.github_prs += 1
        else:
            self._summary.github_issues += 1
            self._recent_gh[repo].append((payload["number"], payload["title"]))
        milestone = payload.get("milestone")
        if milestone is not None:
            for planned, _due in self._milestones[repo]:
                if planned["number"] == milestone["number"]:
                    planned["closed_issues" if payload["state"] == "closed" else "open_issues"] += 1

    def _issue_payload(
        self,
        repo: str,
        number: int,
        issue_id: int,
        title: str,
        author: Person,
        created: datetime,
        state: dict[str, Any],
    ) -> dict[str, Any]:
        """Issues-endpoint shape (also used for PRs, which add ``pull_request`` and ``draft``)."""
        assignee: Person | None = state.get("assignee")
        payload: dict[str, Any] = {
            "url": f"{API}/repos/{repo}/issues/{number}",
            "repository_url": f"{API}/repos/{repo}",
            "labels_url": f"{API}/repos/{repo}/issues/{number}/labels{{/name}}",
            "comments_url": f"{API}/repos/{repo}/issues/{number}/comments",
            "events_url": f"{API}/repos/{repo}/issues/{number}/events",
            "html_url": f"{GITHUB_WEB}/{repo}/{'pull' if state.get('pr') else 'issues'}/{number}",
            "id": issue_id,
            "node_id": f"{'PR' if state.get('pr') else 'I'}_kwDO{issue_id}",
            "number": number,
            "title": title,
            "user": author.github(),
            "labels": [self._full_label(repo, n) for n in state.get("labels", [])],
            "state": "closed" if state.get("closed_at") else "open",
            "locked": False,
            "assignee": assignee.github() if assignee else None,
            "assignees": [assignee.github()] if assignee else [],
            "milestone": state.get("milestone"),
            "comments": state.get("comments", 0),
            "created_at": github_timestamp(created),
            "updated_at": github_timestamp(state["updated"]),
            "closed_at": github_timestamp(state["closed_at"]) if state.get("closed_at") else None,
            "author_association": "MEMBER",
            "active_lock_reason": None,
            "body": state.get("body", ""),
            "closed_by": state["closed_by"].github() if state.get("closed_by") else None,
            "state_reason": state.get("state_reason"),
            "timeline_url": f"{API}/repos/{repo}/issues/{number}/timeline",
            "sub_issues_summary": {"total": 0, "completed": 0, "percent_completed": 0},
        }
        if state.get("parent_number") is not None:
            payload["parent_issue_url"] = f"{API}/repos/{repo}/issues/{state['parent_number']}"
        return payload

    def _gh_issue(
        self, repo: str, team: list[Person], created: datetime, parent_number: int | None = None
    ) -> dict[str, Any]:
        """A plain issue with labels, milestone, assignment and a close/reopen history."""
        rng = self._rng
        number = self._next_number(repo)
        self._ids.gh_issue_id += 1
        issue_id = self._ids.gh_issue_id
        author = rng.choice(team)
        labels: list[str] = []
        times = [created]
        state: dict[str, Any] = {"labels": labels, "body": f"Reported by {author.display_name}."}
        initial = []
        if rng.random() < 0.3:
            initial.append("bug")
        if rng.random() < 0.15 or (parent_number is not None and rng.random() < 0.5):
            initial.append("initiative:checkout-revamp")
        for name in initial:
            labels.append(name)
            self._event(repo, number, author, "labeled", created, label=self._label(repo, name))
        t = created
        if rng.random() < 0.3:
            milestone = self._milestone_for(repo, created + timedelta(days=7))
            at = self._advance(t, 2)
            if milestone is not None and at is not None:
                t = at
                self._event(
                    repo, number, author, "milestoned", t, milestone={"title": milestone["title"]}
                )
                state["milestone"] = milestone
                self._scen["gh.milestoned"] += 1
                later = self._milestone_for(repo, milestone_due(milestone) + timedelta(days=2))
                at = self._advance(t, 200, 0.5)
                if rng.random() < 0.15 and later is not None and at is not None:
                    t = at
                    self._event(
                        repo,
                        number,
                        author,
                        "demilestoned",
                        t,
                        milestone={"title": milestone["title"]},
                    )
                    self._event(
                        repo, number, author, "milestoned", t, milestone={"title": later["title"]}
                    )
                    state["milestone"] = later
                    self._scen["gh.demilestoned"] += 1
        times.append(t)
        assignee: Person | None = None
        at = self._advance(t, 24, 1.0)
        if rng.random() < 0.65 and at is not None:
            t = at
            assignee = rng.choice(team)
            self._event(
                repo,
                number,
                author,
                "assigned",
                t,
                assignee=assignee.github(),
                assigner=author.github(),
            )
            if rng.random() < 0.08:
                at = self._advance(t, 48)
                if at is not None:
                    t = at
                    self._event(
                        repo,
                        number,
                        author,
                        "unassigned",
                        t,
                        assignee=assignee.github(),
                        assigner=author.github(),
                    )
                    assignee = rng.choice([p for p in team if p != assignee])
                    self._event(
                        repo,
                        number,
                        author,
                        "assigned",
                        t,
                        assignee=assignee.github(),
                        assigner=author.github(),
                    )
                    self._scen["gh.reassigned"] += 1
            at = self._advance(t, 12)
            if rng.random() < 0.5 and at is not None:
                t = at
                labels.append("in progress")
                self._event(
                    repo, number, assignee, "labeled", t, label=self._label(repo, "in progress")
                )
                self._scen["gh.label_in_progress"] += 1
        state["assignee"] = assignee
        closer = assignee or author
        at = self._advance(t, 96, 1.0)
        if rng.random() < 0.75 and at is not None:
            t = at
            reason = rng.choices(["completed", "not_planned", "duplicate"], weights=[80, 12, 8])[0]
            if "in progress" in labels:
                labels.remove("in progress")
                self._event(
                    repo, number, closer, "unlabeled", t, label=self._label(repo, "in progress")
                )
            self._event(repo, number, closer, "closed", t, state_reason=reason)
            state.update(closed_at=t, state_reason=reason, closed_by=closer)
            again = self._advance(t, 72)
            if rng.random() < 0.08 and again is not None:
                t = again
                self._event(repo, number, author, "reopened", t, state_reason="reopened")
                state.update(closed_at=None, state_reason="reopened", closed_by=None)
                self._scen["gh.reopened"] += 1
                again = self._advance(t, 48)
                if again is not None:
                    t = again
                    reason = "completed"
                    self._event(repo, number, closer, "closed", t, state_reason=reason)
                    state.update(closed_at=t, state_reason=reason, closed_by=closer)
            if state.get("closed_at"):
                self._scen[f"gh.closed_{state['state_reason']}"] += 1
        times.append(t)
        state["updated"] = max(times)
        state["parent_number"] = parent_number
        state["comments"] = rng.randint(0, 6)
        title = f"{rng.choice(_VERBS)} {rng.choice(_TOPICS)}"
        return self._issue_payload(repo, number, issue_id, title, author, created, state)

    def _gh_parent_with_children(
        self, repo: str, team: list[Person], created: datetime, remaining: int
    ) -> int:
        """A tracking issue with sub-issues: children carry ``parent_issue_url``."""
        rng = self._rng
        parent = self._gh_issue(repo, team, created)
        children = []
        for index in range(min(rng.randint(2, 4), remaining - 1)):
            child_created = created + timedelta(hours=1 + index * rng.uniform(1, 24))
            if child_created >= self.end - timedelta(hours=1):
                break
            children.append(
                self._gh_issue(repo, team, child_created, parent_number=parent["number"])
            )
        done = sum(1 for c in children if c["state"] == "closed")
        parent["sub_issues_summary"] = {
            "total": len(children),
            "completed": done,
            "percent_completed": round(100 * done / len(children)) if children else 0,
        }
        self._queue_issue(repo, parent)
        for child in children:
            self._queue_issue(repo, child)
            self._writer.add_gh(repo, "subs", (parent["number"], child["number"]))
        if children:
            self._scen["gh.sub_issue_parent"] += 1
            self._scen["gh.sub_issue_child"] += len(children)
        return 1 + len(children)

    def _gh_pull(self, repo: str, team: list[Person], created: datetime) -> int:
        """A PR: commits (some before opening), draft/ready, reviews, merge or close."""
        rng = self._rng
        self._ids.pr_ordinal += 1
        ordinal = self._ids.pr_ordinal
        number = self._next_number(repo)
        self._ids.gh_issue_id += 1
        self._ids.gh_pull_id += 1
        issue_id, pull_id = self._ids.gh_issue_id, self._ids.gh_pull_id
        author = rng.choice(team)
        others = [p for p in team if p != author]
        topic = rng.choice(_TOPICS)
        verb = rng.choice(_VERBS)
        slug = "-".join(topic.split())
        title, branch = f"{verb} {topic}", f"{author.login}/{slug}"
        keys = self._recent_keys[TEAM_PROJECT[GITHUB_REPOS[repo][1]]]
        if keys and rng.random() < 0.6:
            key = rng.choice(list(keys))
            style = rng.random()
            if style < 0.65:
                title = f"{key} {verb.lower()} {topic}"
                self._scen["gh.jira_key_in_title"] += 1
            if style >= 0.5:
                branch = f"feature/{key}-{slug}"
                self._scen["gh.jira_key_in_branch"] += 1
        times = [created]
        labels: list[str] = []
        state: dict[str, Any] = {"labels": labels, "pr": True, "body": f"Implements {topic}."}
        # commits: mostly before the PR was opened, some fix-ups during review
        huge = ordinal in {3} or ordinal % 2000 == 0
        n_commits = rng.randint(260, 300) if huge else min(40, 1 + int(rng.expovariate(0.45)))
        if huge:
            self._scen["gh.pr_commits_over_250"] += 1
        first_commit = created - timedelta(hours=rng.uniform(1, 96))
        commit_times = []
        for index in range(n_commits):
            if index < max(1, int(n_commits * 0.7)):
                span = (created - first_commit).total_seconds()
                commit_times.append(
                    first_commit + timedelta(seconds=span * index / max(1, n_commits))
                )
            else:
                at = self._advance(commit_times[-1] if commit_times[-1] > created else created, 6)
                commit_times.append(at or commit_times[-1])
        self._scen["gh.commit_before_open"] += 1
        t = created
        draft = rng.random() < 0.2
        if rng.random() < 0.4:
            self._event(
                repo,
                number,
                author,
                "assigned",
                created,
                assignee=author.github(),
                assigner=author.github(),
            )
            state["assignee"] = author
        if rng.random() < 0.2:
            name = rng.choice(["enhancement", "bug", "tech-debt"])
            labels.append(name)
            self._event(repo, number, author, "labeled", created, label=self._label(repo, name))
        if draft:
            at = self._advance(t, 30, 1.0)
            if at is not None:
                t = at
                if rng.random() < 0.2:
                    self._event(repo, number, author, "ready_for_review", t)
                    back = self._advance(t, 6)
                    if back is not None:
                        t = back
                        self._event(repo, number, author, "convert_to_draft", t)
                        self._scen["gh.convert_to_draft"] += 1
                        t = self._advance(t, 12) or t
                self._event(repo, number, author, "ready_for_review", t)
                draft = False
                self._scen["gh.draft_then_ready"] += 1
        reviews: list[tuple[Person, str, datetime]] = []
        if not draft:
            reviewers = rng.sample(others, k=min(len(others), rng.choice([0, 1, 1, 2, 2, 3])))
            for reviewer in reviewers:
                self._event(
                    repo,
                    number,
                    author,
                    "review_requested",
                    t,
                    review_requester=author.github(),
                    requested_reviewer=reviewer.github(),
                )
            if rng.random() < 0.05:
                at = self._advance(t, 1)
                if at is not None:
                    t = at
                    reviews.append((author, "COMMENTED", t))
                    self._scen["gh.self_review"] += 1
            for reviewer in reviewers:
                at = self._advance(t, 14, 1.0)
                if at is None:
                    break
                t = at
                if rng.random() < 0.3:
                    reviews.append((reviewer, "CHANGES_REQUESTED", t))
                    at = self._advance(t, 10)
                    if at is None:
                        break
                    t = at
                    self._scen["gh.changes_requested"] += 1
                kind = "APPROVED" if rng.random() < 0.85 else "COMMENTED"
                reviews.append((reviewer, kind, t))
        outcome = rng.choices(["merged", "closed", "open"], weights=[76, 10, 14])[0]
        merged_at = None
        if not draft and outcome != "open":
            at = self._advance(t, 8, 1.0)
            if at is not None:
                t = at
                closer = rng.choice(others) if outcome == "merged" and others else author
                if outcome == "merged":
                    merged_at = t
                    merge_sha = _sha(self.seed, repo, number, "merge")
                    self._event(
                        repo,
                        number,
                        closer,
                        "merged",
                        t,
                        commit_id=merge_sha,
                        commit_url=f"{API}/repos/{repo}/commits/{merge_sha}",
                    )
                    state["merged_by"] = closer
                self._event(repo, number, closer, "closed", t)
                state.update(closed_at=t, closed_by=closer)
                self._scen[f"gh.pr_{'merged' if merged_at else 'closed_unmerged'}"] += 1
        if not state.get("closed_at"):
            self._scen["gh.pr_open"] += 1
        # cross-reference a recent issue this PR addresses
        if self._recent_gh[repo] and rng.random() < 0.35:
            target_number, _ = rng.choice(list(self._recent_gh[repo]))
            self._cross_reference(repo, target_number, number, title, author, created, merged_at)
        times.extend([t, *commit_times, *(r[2] for r in reviews)])
        state["updated"] = min(max(times), self.end - timedelta(seconds=1))
        state["comments"] = rng.randint(0, 8)
        issue = self._issue_payload(repo, number, issue_id, title, author, created, state)
        issue["draft"] = draft
        issue["pull_request"] = {
            "url": f"{API}/repos/{repo}/pulls/{number}",
            "html_url": f"{GITHUB_WEB}/{repo}/pull/{number}",
            "diff_url": f"{GITHUB_WEB}/{repo}/pull/{number}.diff",
            "patch_url": f"{GITHUB_WEB}/{repo}/pull/{number}.patch",
            "merged_at": github_timestamp(merged_at) if merged_at else None,
        }
        head_sha = self._write_commits(repo, number, author, topic, commit_times)
        self._write_reviews(repo, number, reviews, head_sha)
        if repo == COMPLEXITY_GROWTH_REPO:
            additions = self._growing_size(created, rng.lognormvariate(0.0, 1.2))
        else:
            additions = int(rng.lognormvariate(4.0, 1.2)) + 1
        pull = self._pull_payload(
            repo, issue, pull_id, branch, head_sha, draft, merged_at, state, n_commits, additions
        )
        self._queue_issue(repo, issue)
        self._writer.add_gh(repo, "pulls", pull)
        return 1

    def _growing_size(self, created: datetime, noise: float) -> int:
        """PR size in a repo whose code accretes complexity: about +25% a month, little noise.

        Same random draw as every other PR (the sequence stays as it was); only its mapping
        changes, so the demo has one team whose complexity is rising (docs/initiatives.md).
        """
        months = (created - self.start).total_seconds() / (86400 * 30.44)
        return int(math.exp(4.0 + COMPLEXITY_GROWTH_PER_MONTH * months) * noise**0.2) + 1

    def _pull_payload(
        self,
        repo: str,
        issue: dict[str, Any],
        pull_id: int,
        branch: str,
        head_sha: str,
        draft: bool,
        merged_at: datetime | None,
        state: dict[str, Any],
        n_commits: int,
        additions: int,
    ) -> dict[str, Any]:
        """PR detail shape: its own id, size signals and head/base refs."""
        rng = self._rng
        number = issue["number"]
        repo_id = GITHUB_REPOS[repo][0]
        repo_ref = {"id": repo_id, "name": repo.split("/")[1], "full_name": repo}
        merged_by: Person | None = state.get("merged_by")
        return {
            "url": f"{API}/repos/{repo}/pulls/{number}",
            "id": pull_id,
            "node_id": f"PR_kwDO{pull_id}",
            "html_url": f"{GITHUB_WEB}/{repo}/pull/{number}",
            "diff_url": f"{GITHUB_WEB}/{repo}/pull/{number}.diff",
            "patch_url": f"{GITHUB_WEB}/{repo}/pull/{number}.patch",
            "issue_url": f"{API}/repos/{repo}/issues/{number}",
            "commits_url": f"{API}/repos/{repo}/pulls/{number}/commits",
            "number": number,
            "state": issue["state"],
            "locked": False,
            "title": issue["title"],
            "user": issue["user"],
            "body": issue["body"],
            "labels": issue["labels"],
            "milestone": issue["milestone"],
            "active_lock_reason": None,
            "created_at": issue["created_at"],
            "updated_at": issue["updated_at"],
            "closed_at": issue["closed_at"],
            "merged_at": github_timestamp(merged_at) if merged_at else None,
            "merge_commit_sha": _sha(self.seed, repo, number, "merge") if merged_at else None,
            "assignee": issue["assignee"],
            "assignees": issue["assignees"],
            "requested_reviewers": [],
            "requested_teams": [],
            "head": {"label": f"acme:{branch}", "ref": branch, "sha": head_sha, "repo": repo_ref},
            "base": {
                "label": "acme:main",
                "ref": "main",
                "sha": _sha(self.seed, repo, number, "base"),
                "repo": repo_ref,
            },
            "author_association": "MEMBER",
            "draft": draft,
            "merged": merged_at is not None,
            "mergeable": None,
            "rebaseable": None,
            "mergeable_state": "unknown",
            "merged_by": merged_by.github() if merged_by else None,
            "comments": issue["comments"],
            "review_comments": rng.randint(0, 12),
            "maintainer_can_modify": False,
            "commits": n_commits,
            "additions": additions,
            "deletions": int(additions * rng.uniform(0.05, 0.9)),
            "changed_files": max(1, min(300, int(additions / rng.uniform(8, 40)))),
        }

    def _write_commits(
        self, repo: str, number: int, author: Person, topic: str, times: list[datetime]
    ) -> str:
        parent = _sha(self.seed, repo, number, "base")
        sha = parent
        for index, moment in enumerate(times):
            sha = _sha(self.seed, repo, number, "commit", index)
            git_person = {
                "name": author.display_name,
                "email": author.email,
                "date": github_timestamp(moment),
            }
            commit = {
                "sha": sha,
                "node_id": f"C_kwDO{sha[:16]}",
                "url": f"{API}/repos/{repo}/commits/{sha}",
                "html_url": f"{GITHUB_WEB}/{repo}/commit/{sha}",
                "comments_url": f"{API}/repos/{repo}/commits/{sha}/comments",
                "commit": {
                    "author": git_person,
                    "committer": git_person,
                    "message": f"{topic}: step {index + 1}",
                    "tree": {
                        "sha": _sha(sha, "tree"),
                        "url": f"{API}/repos/{repo}/git/trees/{_sha(sha, 'tree')}",
                    },
                    "url": f"{API}/repos/{repo}/git/commits/{sha}",
                    "comment_count": 0,
                    "verification": {
                        "verified": False,
                        "reason": "unsigned",
                        "signature": None,
                        "payload": None,
                    },
                },
                "author": author.github(),
                "committer": author.github(),
                "parents": [{"sha": parent, "url": f"{API}/repos/{repo}/commits/{parent}"}],
            }
            parent = sha
            self._writer.add_gh(repo, "commits", (number, commit))
            self._summary.github_commits += 1
        return sha

    def _write_reviews(
        self, repo: str, number: int, reviews: list[tuple[Person, str, datetime]], head_sha: str
    ) -> None:
        for reviewer, kind, moment in reviews:
            self._ids.gh_review_id += 1
            review_id = self._ids.gh_review_id
            html = f"{GITHUB_WEB}/{repo}/pull/{number}#pullrequestreview-{review_id}"
            review = {
                "id": review_id,
                "node_id": f"PRR_kwDO{review_id}",
                "user": reviewer.github(),
                "body": {"APPROVED": "LGTM", "CHANGES_REQUESTED": "Please add tests."}.get(
                    kind, "Note"
                ),
                "state": kind,
                "html_url": html,
                "pull_request_url": f"{API}/repos/{repo}/pulls/{number}",
                "author_association": "MEMBER",
                "_links": {
                    "html": {"href": html},
                    "pull_request": {"href": f"{API}/repos/{repo}/pulls/{number}"},
                },
                "submitted_at": github_timestamp(moment),
                "commit_id": head_sha,
            }
            self._writer.add_gh(repo, "reviews", (number, review))
            self._summary.github_reviews += 1

    def _cross_reference(
        self,
        repo: str,
        issue_number: int,
        pr_number: int,
        title: str,
        author: Person,
        created: datetime,
        merged_at: datetime | None,
    ) -> None:
        """Timeline-only ``cross-referenced`` item on the issue the PR mentions."""
        at = created + timedelta(minutes=1)
        self._ids.gh_timeline_id += 1
        item = {
            "event": "cross-referenced",
            "actor": author.github(),
            "created_at": github_timestamp(at),
            "updated_at": github_timestamp(at),
            "source": {
                "type": "issue",
                "issue": {
                    "url": f"{API}/repos/{repo}/issues/{pr_number}",
                    "html_url": f"{GITHUB_WEB}/{repo}/pull/{pr_number}",
                    "number": pr_number,
                    "title": title,
                    "user": author.github(),
                    "pull_request": {
                        "url": f"{API}/repos/{repo}/pulls/{pr_number}",
                        "html_url": f"{GITHUB_WEB}/{repo}/pull/{pr_number}",
                        "merged_at": github_timestamp(merged_at) if merged_at else None,
                    },
                    "repository": {"full_name": repo, "id": GITHUB_REPOS[repo][0]},
                },
            },
        }
        self._writer.add_gh(repo, "timeline", (issue_number, item))
        self._scen["gh.cross_referenced"] += 1


def milestone_due(milestone: dict[str, Any]) -> datetime:
    """A milestone's due instant (``due_on`` is a timestamp whose time of day means nothing)."""
    return datetime.strptime(milestone["due_on"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
