-- One row per initiative: promised versus delivered, value and (filled in afterwards by the
-- forecast) the Monte Carlo completion dates. Built by pipelines/defs/initiatives.py because it
-- reads the pipeline's own snapshots (meta.initiative_snapshots). The promised date is Jira's
-- due date (else target end) at commitment from the changelog; a milestone's due date at
-- commitment from the snapshot that held then, or, for a milestone committed before the
-- pipeline's first night, from the earliest snapshot. promise_source names the evidence.
with delivery as (
    select * from intermediate.int_initiatives__delivery
),

snapshots as (
    select * from meta.initiative_snapshots
),

run_context as (
    select * from meta.cfg_run
),

snapshot_at_commitment as (
    select
        delivery.initiative_item_id,
        any_value(snapshots.due_date) as due_date
    from delivery
    inner join snapshots
        on snapshots.initiative_item_id = delivery.initiative_item_id
        and snapshots.valid_from <= delivery.committed_at
        and coalesce(snapshots.valid_to, 'infinity'::timestamptz) > delivery.committed_at
    group by delivery.initiative_item_id
),

earliest_snapshot as (
    select
        initiative_item_id,
        arg_min(due_date, valid_from) as due_date
    from snapshots
    group by initiative_item_id
),

promise as (
    select
        delivery.*,
        case
            when delivery.initiative_type = 'jira_issue' then delivery.history_promised_date
            when delivery.initiative_type = 'github_milestone'
                and snapshot_at_commitment.initiative_item_id is not null
                then snapshot_at_commitment.due_date
            when delivery.initiative_type = 'github_milestone'
                then coalesce(earliest_snapshot.due_date, delivery.current_due_date)
        end as promised_date,
        case
            when delivery.initiative_type = 'jira_issue' then 'changelog'
            when delivery.initiative_type = 'github_milestone'
                and snapshot_at_commitment.initiative_item_id is not null
                then 'issue_events+snapshot'
            when delivery.initiative_type = 'github_milestone'
                then 'issue_events+earliest_snapshot'
            when delivery.initiative_type = 'github_label' then 'issue_events'
            else 'current_state'
        end as promise_source
    from delivery
    left join snapshot_at_commitment
        on snapshot_at_commitment.initiative_item_id = delivery.initiative_item_id
    left join earliest_snapshot
        on earliest_snapshot.initiative_item_id = delivery.initiative_item_id
),

final as (
    select
        -- ids
        promise.initiative_item_id,
        promise.key,
        promise.title,
        promise.team,
        -- the promise
        promise.committed_at,
        promise.promised_items,
        promise.promised_points,
        promise.promised_date,
        promise.promise_source,
        -- delivery
        promise.delivered_items,
        promise.delivered_points,
        promise.added_items,
        promise.removed_items,
        promise.completed_at,
        date_diff('day', promise.promised_date, timezone('UTC', promise.completed_at)::date)
            as slip_days,
        case
            when promise.completed_at is not null and promise.promised_date is not null
                then date_diff(
                    'day', promise.promised_date, timezone('UTC', promise.completed_at)::date
                ) <= 0
            when promise.completed_at is null
                and promise.promised_date < timezone('UTC', run_context.as_of)::date
                then false
        end as on_time,
        promise.delivery_ratio,
        -- value
        promise.expected_value,
        promise.estimated_cost,
        promise.realized_value,
        promise.actual_cost,
        promise.promised_roi,
        promise.delivered_roi,
        promise.value_measured,
        -- forecast (open initiatives; set by the forecast step)
        cast(null as date) as forecast_p50_date,
        cast(null as date) as forecast_p85_date,
        cast(null as double) as p_on_time,
        -- complexity added
        promise.size_lines,
        -- extra columns
        promise.source,
        promise.initiative_type,
        promise.issue_type,
        promise.committed_from,
        promise.remaining_items,
        promise.pull_requests,
        promise.currency,
        promise.value_measured_at,
        promise.is_cancelled
    from promise
    cross join run_context
)

select * from final
