"""The fewest requests the trackers' APIs allow for a sync, computed from the store's contents.

The formula (docs/benchmarks.md states it in prose):

GitHub, per repo
    ceil(max(1, changed) / 100)            issues listing (issues and PRs, since the cursor)
  + sum over changed items of ceil(max(1, timeline_len) / 100)
                                           one history call per item: the timeline carries its
                                           events, reviews and commits (commits capped at 250);
                                           the listing says nothing about history, so an item
                                           with no events still costs one call
  + changed pull requests                  PR detail (additions, deletions, changed_files exist
                                           only there)
  + ceil(max(1, milestones) / 100)         the milestones and labels lists, once per run
  + ceil(max(1, labels) / 100)             (304s when unchanged)
Jira, per source
    3                                      /myself (JQL time zone), /status, /field, once per run
  + ceil(max(1, changed) / 100)            enhanced search pages (100 issues when fields are asked)
  + bulk changelog fetches for issues whose history exceeds the 20 embedded ones:
    max(ceil(truncated / 1000), ceil(their histories / 10000)); an incremental run needs none,
    because the new histories are among the 20 newest embedded and the older ones are stored.

"Changed" is every item for a full sync, and the touched items for an incremental one. When
nothing changed, the floor is one conditional listing per repo and per run-level list (304s,
free against GitHub's budget) plus one search per Jira source.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.trackers import ChangeSet

GITHUB_PAGE = 100
JIRA_SEARCH_PAGE = 100
JIRA_EMBEDDED_HISTORIES = 20
BULK_CHANGELOG_ISSUES = 1000
BULK_CHANGELOG_HISTORIES = 10_000
PR_COMMIT_CAP = 250
JIRA_DEFINITIONS = 3
#: Event types GitHub's timeline leaves out (they are in /events only).
TIMELINE_ABSENT = ("base_ref_changed", "automatic_base_change_succeeded")


@dataclass(frozen=True)
class Minimum:
    """The floor per tracker, with its parts so the table can show where requests go."""

    github: int
    jira: int
    github_listing: int
    github_history: int
    github_pr_detail: int
    github_run_lists: int
    jira_definitions: int
    jira_search: int
    jira_changelog: int

    @property
    def total(self) -> int:
        return self.github + self.jira

    def as_dict(self) -> dict[str, int]:
        return {**asdict(self), "total": self.total}


def _pages(count: int, size: int) -> int:
    return math.ceil(max(1, count) / size)


class StoreFacts:
    """Read-only SQL over the fake trackers' SQLite store (ground truth for the minimum)."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)

    def close(self) -> None:
        self.conn.close()

    def github_items(self) -> list[tuple[str, int, bool, int]]:
        """(repo, number, is_pr, timeline length) for every issue and PR."""
        absent = ",".join(f"'{t}'" for t in TIMELINE_ABSENT)
        sql = f"""
            with ev as (
                select repo, number, count(*) as n from github_events
                where json_extract(payload, '$.event') not in ({absent})
                group by repo, number),
            tl as (select repo, number, count(*) as n from github_timeline group by repo, number),
            rv as (select repo, number, count(*) as n from github_reviews group by repo, number),
            cm as (select repo, number, min(count(*), {PR_COMMIT_CAP}) as n
                   from github_commits group by repo, number)
            select i.repo, i.number, i.is_pr,
                   coalesce(ev.n, 0) + coalesce(tl.n, 0) + coalesce(rv.n, 0) + coalesce(cm.n, 0)
            from github_issues as i
            left join ev on ev.repo = i.repo and ev.number = i.number
            left join tl on tl.repo = i.repo and tl.number = i.number
            left join rv on rv.repo = i.repo and rv.number = i.number
            left join cm on cm.repo = i.repo and cm.number = i.number
        """
        return [(r[0], int(r[1]), bool(r[2]), int(r[3])) for r in self.conn.execute(sql)]

    def per_repo_count(self, table: str) -> dict[str, int]:
        """Rows per repo of a run-level list (milestones, labels)."""
        rows = self.conn.execute(f"select repo, count(*) from {table} group by repo")
        return {r[0]: int(r[1]) for r in rows}

    def repos(self) -> list[str]:
        return [r[0] for r in self.conn.execute("select full_name from github_repos order by 1")]

    def jira_history_counts(self) -> dict[int, int]:
        rows = self.conn.execute(
            "select i.id, count(h.history_id) from jira_issues as i "
            "left join jira_histories as h on h.issue_id = i.id group by i.id"
        )
        return {int(r[0]): int(r[1]) for r in rows}


def github_minimum(
    facts: StoreFacts, changed: Iterable[tuple[str, int]] | None
) -> tuple[int, int, int, int]:
    """(listing, history, pr detail, run lists) requests; ``changed=None`` means a full sync."""
    items = facts.github_items()
    wanted = None if changed is None else set(changed)
    listing = history = detail = 0
    per_repo: dict[str, int] = dict.fromkeys(facts.repos(), 0)
    for repo, number, is_pr, timeline in items:
        if wanted is not None and (repo, number) not in wanted:
            continue
        per_repo[repo] = per_repo.get(repo, 0) + 1
        history += _pages(timeline, GITHUB_PAGE)
        detail += int(is_pr)
    listing = sum(_pages(n, GITHUB_PAGE) for n in per_repo.values())
    run_lists = sum(
        _pages(facts.per_repo_count(table).get(repo, 0), GITHUB_PAGE)
        for table in ("github_milestones", "github_labels")
        for repo in per_repo
    )
    return listing, history, detail, run_lists


def jira_minimum(facts: StoreFacts, changed: Iterable[int] | None) -> tuple[int, int, int]:
    """(definitions, search, changelog) requests for one Jira source over the whole store."""
    histories = facts.jira_history_counts()
    if changed is None:
        selected = list(histories)
        truncated = [histories[i] for i in selected if histories[i] > JIRA_EMBEDDED_HISTORIES]
        changelog = (
            max(
                math.ceil(len(truncated) / BULK_CHANGELOG_ISSUES),
                math.ceil(sum(truncated) / BULK_CHANGELOG_HISTORIES),
            )
            if truncated
            else 0
        )
    else:
        selected = list(changed)
        changelog = 0
    return JIRA_DEFINITIONS, _pages(len(selected), JIRA_SEARCH_PAGE), changelog


def compute_minimum(store_path: Path, changes: ChangeSet | None) -> Minimum:
    facts = StoreFacts(store_path)
    try:
        gh = github_minimum(facts, None if changes is None else changes.github_items)
        jira = jira_minimum(facts, None if changes is None else changes.jira_issue_ids)
    finally:
        facts.close()
    return Minimum(
        github=sum(gh),
        jira=sum(jira),
        github_listing=gh[0],
        github_history=gh[1],
        github_pr_detail=gh[2],
        github_run_lists=gh[3],
        jira_definitions=jira[0],
        jira_search=jira[1],
        jira_changelog=jira[2],
    )
