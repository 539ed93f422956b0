-- One row per (scope_type, scope_id, indicator, month): the monthly complexity indicators of
-- metrics.md "Complexity", per team and per initiative, ready for the trend test
-- (marts.fct_complexity_trends). Months are UTC calendar months (month = first day).
-- * Work items (kind issue) count in the month of their completed_at: medians of story_points,
--   child_count (direct children, e.g. sub-tasks), comments (where the tracker reports them),
--   status_changes and reopen_count; cycle time p50 / p85 in hours (quantile_cont); rework_rate
--   = share of completed items with reopen_count > 0.
-- * Pull requests count in the month they merged: medians of size_lines, changed_files,
--   review_rounds and commits. An initiative's pull requests are its attributed ones.
-- * avg_wip: mean over the month's days of items in progress at the end of the day (team:
--   marts.fct_flow_daily, kind_scope issue; initiative: its scope items' status intervals).
-- * scope_growth: items attached to an initiative after its commitment, in the month attached
--   (a team's is the sum over the initiatives it owns).
-- `items` is how many items or days the value summarises.
with work_items as (
    select * from marts.fct_work_items
),

pull_requests as (
    select * from marts.fct_pull_requests
),

flow_daily as (
    select * from marts.fct_flow_daily
),

status_intervals as (
    select * from marts.fct_status_intervals
),

unioned_items as (
    select * from intermediate.int_work_items__unioned
),

github_issues as (
    select * from staging.stg_github__issues
),

membership as (
    select * from intermediate.int_initiative_items__membership
),

attributed_prs as (
    select * from intermediate.int_initiative_pull_requests__attributed
),

initiatives as (
    select * from intermediate.int_initiatives__delivery
),

run_context as (
    select * from meta.cfg_run
),

-- per item measures -----------------------------------------------------------------------------
children as (
    select parent_item_id as item_id, count(*) as child_count
    from unioned_items
    where parent_item_id is not null
    group by parent_item_id
),

completed_items as (
    select
        work_items.item_id,
        work_items.team,
        date_trunc('month', timezone('UTC', work_items.completed_at))::date as month,
        work_items.story_points,
        coalesce(children.child_count, 0) as child_count,
        github_issues.comments,
        work_items.status_changes,
        work_items.reopen_count,
        work_items.cycle_time_hours
    from work_items
    left join children on children.item_id = work_items.item_id
    left join github_issues on github_issues.item_id = work_items.item_id
    where work_items.kind = 'issue' and work_items.category = 'done'
),

merged_prs as (
    select
        pull_requests.item_id,
        work_items.team,
        date_trunc('month', timezone('UTC', pull_requests.merged_at))::date as month,
        pull_requests.size_lines,
        pull_requests.changed_files,
        pull_requests.review_rounds,
        pull_requests.commits
    from pull_requests
    inner join work_items on work_items.item_id = pull_requests.item_id
    where pull_requests.merged_at is not null
),

-- which scopes each item counts in --------------------------------------------------------------
item_scopes as (
    select item_id, 'team' as scope_type, team as scope_id from completed_items
    union all
    select membership.item_id, 'initiative', membership.initiative_item_id
    from membership
    where membership.is_current
),

pr_scopes as (
    select item_id, 'team' as scope_type, team as scope_id from merged_prs
    union all
    select item_id, 'initiative', initiative_item_id from attributed_prs
),

item_indicators as (
    select
        item_scopes.scope_type,
        item_scopes.scope_id,
        completed_items.month,
        count(*) as items,
        median(completed_items.story_points) as story_points,
        median(completed_items.child_count) as child_count,
        median(completed_items.comments) as comments,
        median(completed_items.status_changes) as status_changes,
        median(completed_items.reopen_count) as reopen_count,
        quantile_cont(completed_items.cycle_time_hours, 0.5) as cycle_time_p50_hours,
        quantile_cont(completed_items.cycle_time_hours, 0.85) as cycle_time_p85_hours,
        avg((completed_items.reopen_count > 0)::integer) as rework_rate
    from item_scopes
    inner join completed_items on completed_items.item_id = item_scopes.item_id
    group by all
),

pr_indicators as (
    select
        pr_scopes.scope_type,
        pr_scopes.scope_id,
        merged_prs.month,
        count(*) as items,
        median(merged_prs.size_lines) as size_lines,
        median(merged_prs.changed_files) as changed_files,
        median(merged_prs.review_rounds) as review_rounds,
        median(merged_prs.commits) as commits
    from pr_scopes
    inner join merged_prs on merged_prs.item_id = pr_scopes.item_id
    group by all
),

team_wip as (
    select
        'team' as scope_type,
        team as scope_id,
        date_trunc('month', day)::date as month,
        count(*) as items,
        avg(wip) as avg_wip
    from flow_daily
    where kind_scope = 'issue'
    group by all
),

initiative_days as (
    select
        membership.initiative_item_id,
        unnest(generate_series(
            timezone('UTC', status_intervals.entered_at)::date,
            timezone('UTC', coalesce(status_intervals.exited_at, run_context.as_of))::date,
            interval 1 day
        ))::date as day,
        status_intervals.item_id,
        status_intervals.entered_at,
        status_intervals.exited_at
    from membership
    inner join status_intervals
        on status_intervals.item_id = membership.item_id
        and status_intervals.category = 'in_progress'
    cross join run_context
    where membership.is_current
),

initiative_wip as (
    select
        'initiative' as scope_type,
        initiative_item_id as scope_id,
        date_trunc('month', day)::date as month,
        count(distinct day) as items,
        -- in progress at the end of the day: entered before midnight, not exited by then
        count(*) filter (
            where entered_at < (day + interval 1 day)::timestamptz
            and coalesce(exited_at, 'infinity'::timestamptz) >= (day + interval 1 day)::timestamptz
        ) / count(distinct day) as avg_wip
    from initiative_days
    group by all
),

growth as (
    select
        membership.initiative_item_id,
        initiatives.team,
        membership.item_id,
        min(membership.valid_from) as added_at
    from membership
    inner join initiatives on initiatives.initiative_item_id = membership.initiative_item_id
    where membership.valid_from > initiatives.committed_at
    group by all
),

scope_growth as (
    select
        'initiative' as scope_type,
        initiative_item_id as scope_id,
        date_trunc('month', timezone('UTC', added_at))::date as month,
        count(*) as items,
        count(*) as scope_growth
    from growth
    group by all
    union all
    select
        'team',
        team,
        date_trunc('month', timezone('UTC', added_at))::date,
        count(*),
        count(*)
    from growth
    group by all
),

unpivoted as (
    unpivot item_indicators
    on story_points, child_count, comments, status_changes, reopen_count,
        cycle_time_p50_hours, cycle_time_p85_hours, rework_rate
    into name indicator value value
    union all by name
    unpivot pr_indicators
    on size_lines, changed_files, review_rounds, commits
    into name indicator value value
    union all by name
    select scope_type, scope_id, month, items, 'avg_wip' as indicator, avg_wip as value
    from team_wip
    union all by name
    select scope_type, scope_id, month, items, 'avg_wip' as indicator, avg_wip as value
    from initiative_wip
    union all by name
    select scope_type, scope_id, month, items, 'scope_growth' as indicator, scope_growth as value
    from scope_growth
),

final as (
    select
        -- ids
        scope_type,
        scope_id,
        indicator,
        -- timestamps
        month,
        -- measures
        value::double as value,
        items
    from unpivoted
    where value is not null
)

select * from final
