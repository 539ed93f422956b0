"""Suites for the marts: the analyst contract in docs/metrics.md, one entry per table.

Keyed by model name; a suite whose model is not in models/marts (yet) is simply not
registered, so marts can land one at a time. Column names are the contract's. ERROR rules
block publishing; WARN rules describe tracker data the pipeline tolerates (a commit authored
after its pull request opened makes coding_hours negative, honestly).
"""

from __future__ import annotations

from pipelines.lib.suites.spec import (
    CATEGORIES,
    KIND_SCOPES,
    KINDS,
    WARN,
    TableSuite,
    between,
    in_set,
    non_negative,
    not_before,
    not_null,
)

MART_SUITES: dict[str, TableSuite] = {
    suite.name: suite
    for suite in (
        TableSuite(
            "marts.dim_sources", key=("source",), expectations=(in_set("kind", ("github", "jira")),)
        ),
        TableSuite("marts.dim_teams", key=("team", "source", "project_or_repo")),
        TableSuite(
            "marts.fct_work_items",
            key=("item_id",),
            expectations=(
                not_null("created_at"),
                in_set("category", CATEGORIES),
                in_set("kind", KINDS),
                *non_negative(
                    "lead_time_hours",
                    "cycle_time_hours",
                    "active_hours",
                    "wait_hours",
                    "cycle_time_business_days",
                    "reopen_count",
                    "status_changes",
                    "backward_moves",
                    "age_hours",
                    "wip_age_hours",
                ),
                between("flow_efficiency", 0, 1),
                not_before("completed_at", "created_at"),
                not_before("cancelled_at", "created_at"),
                not_before("completed_at", "started_at"),
                not_before("lead_time_hours", "cycle_time_hours"),
            ),
            future_columns=("created_at", "started_at", "completed_at", "cancelled_at"),
            window_column="created_at",
        ),
        TableSuite(
            "marts.fct_status_intervals",
            key=("item_id", "entered_at", "status"),
            expectations=(
                in_set("category", CATEGORIES),
                not_null("is_wait"),
                *non_negative("hours"),
                not_before("exited_at", "entered_at"),
            ),
            future_columns=("entered_at", "exited_at"),
            window_column="entered_at",
        ),
        TableSuite(
            "marts.fct_flow_daily",
            key=("team", "kind_scope", "day"),
            expectations=(
                in_set("kind_scope", KIND_SCOPES),
                *non_negative("wip", "arrivals", "starts", "completions", "cancellations"),
            ),
            window_column="day",
        ),
        TableSuite(
            "marts.fct_cycle_time_summary",
            key=("team", "kind_scope", "period_type", "period_start"),
            expectations=(
                in_set("kind_scope", KIND_SCOPES),
                in_set("period_type", ("week", "month")),
                *non_negative("items", "throughput", "p50_hours", "mean_hours"),
                not_before("p85_hours", "p50_hours"),
                not_before("p95_hours", "p85_hours"),
            ),
            window_column="period_start",
        ),
        TableSuite(
            "marts.fct_pull_requests",
            key=("item_id",),
            expectations=(
                not_null("created_at"),
                not_before("merged_at", "created_at"),
                *non_negative("cycle_time_hours", "size_lines", "changed_files"),
                *non_negative("review_rounds", "commits"),
                *non_negative("coding_hours", "pickup_hours", "review_hours", severity=WARN),
            ),
            future_columns=("created_at", "merged_at"),
            window_column="created_at",
        ),
        TableSuite(
            "marts.fct_initiative_delivery",
            key=("initiative_item_id",),
            expectations=(
                *non_negative("promised_items", "delivered_items", "added_items", "removed_items"),
                *non_negative("promised_points", "delivered_points", "actual_cost"),
                between("delivery_ratio", 0, 1),
                between("p_on_time", 0, 1),
                not_before("promised_items", "delivered_items"),
                not_before("forecast_p85_date", "forecast_p50_date"),
                *non_negative("estimated_cost", "expected_value", "realized_value", severity=WARN),
            ),
            future_columns=("completed_at",),
            window_column="committed_at",
        ),
        TableSuite(
            "marts.fct_complexity_trends",
            key=("scope_type", "scope_id", "indicator", "window_start"),
            expectations=(
                in_set("scope_type", ("team", "initiative")),
                in_set("direction", ("rising", "falling", "flat")),
                between("p_value", 0, 1),
                *non_negative("n_periods"),
                not_before("window_end", "window_start"),
            ),
            window_column="window_end",
        ),
    )
}
