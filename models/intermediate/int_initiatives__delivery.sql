-- One row per initiative (grain: initiative_item_id): commitment, the promise rebuilt from
-- tracker history, delivery, effort cost and business value, per metrics.md "Initiatives".
-- What trackers cannot rebuild (a milestone's due date at commitment) is filled from the
-- pipeline's own snapshots in marts.fct_initiative_delivery, which also adds slip and forecast.
-- * committed_at: the value file's committed_at (00:00 UTC that day), else the first entry into
--   in_progress (Jira issue or parent issue: its own; milestone or label: the first moment one
--   of its items is in progress while in it), else creation.
-- * promised items: scope items attached at committed_at; their story points as they stood
--   then (Story Points changelog); Jira's due date (else target end) as it stood then.
-- * delivered: promised items still attached and done; added: attached today, not promised;
--   removed: promised, not attached today.
-- * actual_cost: sum of cycle_time_business_days of today's scope items, each at its team's
--   cost per day (meta.cfg_costs; the default row has a null team).
with initiatives as (
    select * from intermediate.int_initiatives__discovered
),

membership as (
    select * from intermediate.int_initiative_items__membership
),

attributed_prs as (
    select * from intermediate.int_initiative_pull_requests__attributed
),

changelog_items as (
    select * from staging.stg_jira__changelog_items
),

jira_issues as (
    select * from staging.stg_jira__issues
),

work_items as (
    select * from marts.fct_work_items
),

status_intervals as (
    select * from marts.fct_status_intervals
),

pull_requests as (
    select * from marts.fct_pull_requests
),

initiative_values as (
    select * from meta.cfg_initiative_values
),

costs as (
    select * from meta.cfg_costs
),

-- commitment --------------------------------------------------------------------------------
items_started_in_group as (
    select
        membership.initiative_item_id,
        min(greatest(membership.valid_from, status_intervals.entered_at)) as started_at
    from membership
    inner join status_intervals
        on status_intervals.item_id = membership.item_id
        and status_intervals.category = 'in_progress'
    where greatest(membership.valid_from, status_intervals.entered_at)
        < least(
            coalesce(membership.valid_to, 'infinity'::timestamptz),
            coalesce(status_intervals.exited_at, 'infinity'::timestamptz)
        )
    group by membership.initiative_item_id
),

commitment as (
    select
        initiatives.*,
        own.category as own_category,
        case
            when initiatives.initiative_type = 'github_milestone'
                then initiatives.closed_at
            when own.category = 'done' then own.completed_at
        end as own_completed_at,
        coalesce(
            initiative_values.committed_at::timestamptz,
            case
                when initiatives.initiative_type in ('github_milestone', 'github_label')
                    then items_started_in_group.started_at
                else own.started_at
            end,
            initiatives.created_at
        ) as committed_at,
        case
            when initiative_values.committed_at is not null then 'values_file'
            when initiatives.initiative_type in ('github_milestone', 'github_label')
                and items_started_in_group.started_at is not null then 'first_item_started'
            when initiatives.initiative_type not in ('github_milestone', 'github_label')
                and own.started_at is not null then 'started'
            else 'created'
        end as committed_from
    from initiatives
    left join work_items as own on own.item_id = initiatives.initiative_item_id
    left join items_started_in_group
        on items_started_in_group.initiative_item_id = initiatives.initiative_item_id
    left join initiative_values on initiative_values.initiative_key = initiatives.key
),

-- each item's place in the promise ------------------------------------------------------------
item_flags as (
    select
        membership.initiative_item_id,
        membership.item_id,
        commitment.committed_at,
        bool_or(
            membership.valid_from <= commitment.committed_at
            and coalesce(membership.valid_to, 'infinity'::timestamptz) > commitment.committed_at
        ) as is_promised,
        bool_or(membership.is_current) as is_current,
        min(membership.valid_from) filter (where membership.valid_from > commitment.committed_at)
            as added_at,
        min(membership.evidence) as evidence
    from membership
    inner join commitment on commitment.initiative_item_id = membership.initiative_item_id
    group by membership.initiative_item_id, membership.item_id, commitment.committed_at
),

points_changes as (
    select
        item_id,
        changed_at,
        try_cast(history_id as bigint) as history_order,
        from_story_points,
        to_story_points
    from changelog_items
    where concept = 'story_points'
),

points_at_commitment as (
    select
        item_flags.initiative_item_id,
        item_flags.item_id,
        count(points_changes.changed_at) filter (
            where points_changes.changed_at <= item_flags.committed_at
        ) as changes_before,
        count(points_changes.changed_at) filter (
            where points_changes.changed_at > item_flags.committed_at
        ) as changes_after,
        arg_max(points_changes.to_story_points, (points_changes.changed_at, points_changes.history_order)) filter (
            where points_changes.changed_at <= item_flags.committed_at
        ) as points_before,
        arg_min(points_changes.from_story_points, (points_changes.changed_at, points_changes.history_order)) filter (
            where points_changes.changed_at > item_flags.committed_at
        ) as points_after
    from item_flags
    left join points_changes on points_changes.item_id = item_flags.item_id
    group by item_flags.initiative_item_id, item_flags.item_id
),

scope_items as (
    select
        item_flags.*,
        work_items.category,
        work_items.completed_at,
        work_items.cycle_time_business_days,
        case
            when points_at_commitment.changes_before > 0 then points_at_commitment.points_before
            when points_at_commitment.changes_after > 0 then points_at_commitment.points_after
            else coalesce(work_items.story_points, jira_points.story_points)
        end as points_at_commitment,
        work_items.cycle_time_business_days * coalesce(team_cost.cost_per_day, default_cost.cost_per_day)
            as effort_cost
    from item_flags
    inner join work_items on work_items.item_id = item_flags.item_id
    left join points_at_commitment
        on points_at_commitment.initiative_item_id = item_flags.initiative_item_id
        and points_at_commitment.item_id = item_flags.item_id
    left join jira_issues as jira_points on jira_points.item_id = item_flags.item_id
    left join costs as team_cost on team_cost.team = work_items.team
    left join costs as default_cost on default_cost.team is null
),

-- the promised date as it stood at commitment (Jira: due date, else target end) --------------
date_changes as (
    select
        item_id,
        concept,
        changed_at,
        try_cast(history_id as bigint) as history_order,
        from_date,
        to_date
    from changelog_items
    where concept in ('due_date', 'target_end')
),

dates_at_commitment as (
    select
        commitment.initiative_item_id,
        date_changes.concept,
        count(*) filter (where date_changes.changed_at <= commitment.committed_at) as changes_before,
        arg_max(date_changes.to_date, (date_changes.changed_at, date_changes.history_order)) filter (
            where date_changes.changed_at <= commitment.committed_at
        ) as date_before,
        arg_min(date_changes.from_date, (date_changes.changed_at, date_changes.history_order)) filter (
            where date_changes.changed_at > commitment.committed_at
        ) as date_after
    from commitment
    inner join date_changes on date_changes.item_id = commitment.initiative_item_id
    group by commitment.initiative_item_id, date_changes.concept
),

jira_dates as (
    select
        commitment.initiative_item_id,
        coalesce(
            case when due.changes_before > 0 then due.date_before
                when due.initiative_item_id is not null then due.date_after
                else own.due_date
            end,
            case when target.changes_before > 0 then target.date_before
                when target.initiative_item_id is not null then target.date_after
                else own.target_end
            end
        ) as promised_date
    from commitment
    inner join jira_issues as own on own.item_id = commitment.initiative_item_id
    left join dates_at_commitment as due
        on due.initiative_item_id = commitment.initiative_item_id and due.concept = 'due_date'
    left join dates_at_commitment as target
        on target.initiative_item_id = commitment.initiative_item_id
        and target.concept = 'target_end'
),

-- rolled up per initiative ----------------------------------------------------------------------
delivery as (
    select
        initiative_item_id,
        count(*) filter (where is_promised) as promised_items,
        sum(points_at_commitment) filter (where is_promised) as promised_points,
        count(*) filter (where is_promised and is_current and category = 'done')
            as delivered_items,
        coalesce(
            sum(points_at_commitment) filter (
                where is_promised and is_current and category = 'done'
            ),
            0
        ) as delivered_points,
        count(*) filter (where is_current and not is_promised) as added_items,
        count(*) filter (where is_promised and not is_current) as removed_items,
        count(*) filter (where is_current and category in ('todo', 'in_progress'))
            as remaining_items,
        count(*) filter (where is_promised and is_current) as promised_attached,
        count(*) filter (
            where is_promised and is_current and category in ('todo', 'in_progress')
        ) as promised_attached_open,
        max(completed_at) filter (where is_promised and is_current and category = 'done')
            as last_promised_completion,
        -- money to the cent: a parallel sum of doubles is not order-stable in the last digits
        round(sum(effort_cost) filter (where is_current), 2) as actual_cost,
        min(evidence) filter (where is_promised) as promise_evidence
    from scope_items
    group by initiative_item_id
),

size as (
    select
        attributed_prs.initiative_item_id,
        sum(pull_requests.size_lines) as size_lines,
        count(*) as pull_requests
    from attributed_prs
    inner join pull_requests on pull_requests.item_id = attributed_prs.item_id
    group by attributed_prs.initiative_item_id
),

final as (
    select
        -- ids
        commitment.initiative_item_id,
        commitment.source,
        commitment.key,
        -- attributes
        commitment.initiative_type,
        commitment.issue_type,
        commitment.title,
        commitment.team,
        commitment.own_category,
        commitment.committed_from,
        case
            when commitment.initiative_type = 'jira_issue' then 'changelog'
            when commitment.initiative_type = 'github_milestone' then 'issue_events'
            when commitment.initiative_type = 'github_label' then 'issue_events'
            else 'current_state'
        end as history_source,
        coalesce(delivery.promise_evidence, 'history') as promise_evidence,
        jira_dates.promised_date as history_promised_date,
        commitment.current_due_date,
        -- measures
        coalesce(delivery.promised_items, 0) as promised_items,
        delivery.promised_points,
        coalesce(delivery.delivered_items, 0) as delivered_items,
        coalesce(delivery.delivered_points, 0) as delivered_points,
        coalesce(delivery.added_items, 0) as added_items,
        coalesce(delivery.removed_items, 0) as removed_items,
        coalesce(delivery.remaining_items, 0) as remaining_items,
        case when coalesce(delivery.promised_items, 0) > 0
            then delivery.delivered_items / delivery.promised_items
        end as delivery_ratio,
        initiative_values.expected_value,
        initiative_values.estimated_cost,
        initiative_values.realized_value,
        initiative_values.currency,
        initiative_values.value_measured_at,
        coalesce(delivery.actual_cost, 0) as actual_cost,
        (initiative_values.expected_value - initiative_values.estimated_cost)
        / nullif(initiative_values.estimated_cost, 0) as promised_roi,
        case when initiative_values.realized_value is not null
            then (initiative_values.realized_value - delivery.actual_cost)
            / nullif(delivery.actual_cost, 0)
        end as delivered_roi,
        initiative_values.realized_value is not null as value_measured,
        coalesce(size.size_lines, 0) as size_lines,
        coalesce(size.pull_requests, 0) as pull_requests,
        -- timestamps
        commitment.created_at,
        commitment.committed_at,
        case
            when delivery.promised_attached > 0
                and delivery.promised_attached_open = 0
                and delivery.last_promised_completion is not null
                then delivery.last_promised_completion
            else commitment.own_completed_at
        end as completed_at,
        commitment.own_category = 'cancelled' as is_cancelled
    from commitment
    left join delivery on delivery.initiative_item_id = commitment.initiative_item_id
    left join jira_dates on jira_dates.initiative_item_id = commitment.initiative_item_id
    left join size on size.initiative_item_id = commitment.initiative_item_id
    left join initiative_values on initiative_values.initiative_key = commitment.key
)

select * from final
