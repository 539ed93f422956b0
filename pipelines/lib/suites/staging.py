"""Suites for the staging layer: keys after de-duplication, known categories, sane times.

Staging is the tracker's data renamed and typed, so ERROR rules are the ones our own code
guarantees (one row per key, categories we can map); orderings the trackers themselves
occasionally break (imported issues resolved before they were created, clocks ahead) are WARN
here and judged as ERROR in the marts, after the models have normalised them.
"""

from __future__ import annotations

from pipelines.lib.suites.spec import WARN, TableSuite, in_set, non_negative, not_before, not_null

STAGING_SUITES: dict[str, TableSuite] = {
    suite.name: suite
    for suite in (
        TableSuite(
            "staging.stg_jira__issues",
            key=("item_id",),
            expectations=(
                not_null("created_at"),
                not_before("updated_at", "created_at", severity=WARN),
                not_before("resolved_at", "created_at", severity=WARN),
            ),
            future_columns=("created_at", "updated_at"),
            future_severity=WARN,
            window_column="updated_at",
        ),
        TableSuite(
            "staging.stg_jira__statuses",
            key=("source", "status_id"),
            expectations=(in_set("category_key", ("new", "indeterminate", "done", "undefined")),),
        ),
        TableSuite(
            "staging.stg_jira__status_changes",
            key=(),
            expectations=(not_null("item_id"), not_null("changed_at")),
            future_columns=("changed_at",),
            future_severity=WARN,
            window_column="changed_at",
        ),
        TableSuite(
            "staging.stg_github__issues",
            key=("item_id",),
            expectations=(
                not_null("created_at"),
                in_set("state", ("open", "closed")),
                not_before("closed_at", "created_at", severity=WARN),
                not_before("updated_at", "created_at", severity=WARN),
            ),
            future_columns=("created_at", "updated_at"),
            future_severity=WARN,
            window_column="updated_at",
        ),
        TableSuite(
            "staging.stg_github__pull_requests",
            key=("item_id",),
            expectations=(
                in_set("state", ("open", "closed")),
                *non_negative("additions", "deletions", "changed_files", "commits"),
                not_before("merged_at", "created_at", severity=WARN),
            ),
            future_columns=("created_at",),
            future_severity=WARN,
            window_column="created_at",
        ),
        TableSuite(
            "staging.stg_github__reviews",
            key=("source", "review_id"),
            expectations=(
                in_set(
                    "state",
                    ("APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING"),
                    severity=WARN,
                ),
            ),
            future_columns=("submitted_at",),
            future_severity=WARN,
            window_column="submitted_at",
        ),
        TableSuite(
            "staging.stg_github__milestones",
            key=("milestone_item_id",),
            expectations=(in_set("state", ("open", "closed")),),
        ),
    )
}
