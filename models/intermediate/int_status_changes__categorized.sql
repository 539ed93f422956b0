-- One row per status an item entered, in order, with its category (todo, in_progress, done,
-- cancelled). Grain: (item_id, ordinal); ordinal 0 is the status at creation.
-- Rules are metrics.md's "Status categories":
-- * Jira: the category comes from the /status definitions (config overrides by status name); a
--   status neither maps is todo with is_mapped = false, so the run can report it. A stay in done
--   whose resolution (as it stood when the stay ended, rebuilt from the changelog's resolution
--   items) is configured as not delivered is cancelled.
-- * GitHub issues: open -> todo, in_progress from the first assignment, in-progress label or
--   linked pull request, closed -> done or (not_planned, duplicate) cancelled.
-- * GitHub pull requests: open -> in_progress, merged -> done, closed unmerged -> cancelled.
-- Timestamps before the item's creation (clock skew) are moved to its creation.
with jira_issues as (
    select * from staging.stg_jira__issues
),

jira_changes as (
    select * from staging.stg_jira__status_changes
),

jira_field_changes as (
    select * from staging.stg_jira__changelog_items
),

jira_statuses as (
    select * from staging.stg_jira__statuses
),

github_issues as (
    select * from staging.stg_github__issues
),

github_events as (
    select * from staging.stg_github__issue_events
),

status_overrides as (
    select * from meta.cfg_status_categories
),

not_delivered as (
    select * from meta.cfg_not_delivered_resolutions
),

in_progress_labels as (
    select * from meta.cfg_in_progress_labels
),

-- Jira ------------------------------------------------------------------------------------
jira_ordered_changes as (
    select
        jira_changes.*,
        row_number() over (
            partition by jira_changes.item_id
            order by
                jira_changes.changed_at,
                try_cast(jira_changes.history_id as bigint),
                jira_changes.history_id,
                jira_changes.to_status_id
        ) as ordinal
    from jira_changes
),

jira_timeline as (
    select
        jira_issues.item_id,
        jira_issues.source,
        coalesce(first_change.from_status_id, jira_issues.status_id) as status_id,
        coalesce(first_change.from_status, jira_issues.status_name) as status,
        jira_issues.created_at as entered_at,
        0 as ordinal
    from jira_issues
    left join jira_ordered_changes as first_change
        on first_change.item_id = jira_issues.item_id
        and first_change.ordinal = 1
    union all
    select
        changes.item_id,
        changes.source,
        changes.to_status_id as status_id,
        changes.to_status as status,
        -- clock skew: a change stamped before the issue existed happened at its creation
        greatest(changes.changed_at, jira_issues.created_at) as entered_at,
        changes.ordinal
    from jira_ordered_changes as changes
    inner join jira_issues on jira_issues.item_id = changes.item_id
),

jira_mapped as (
    select
        jira_timeline.item_id,
        jira_timeline.status,
        coalesce(
            status_overrides.category,
            case jira_statuses.category_key
                when 'new' then 'todo'
                when 'indeterminate' then 'in_progress'
                when 'done' then 'done'
            end,
            'todo'
        ) as category,
        status_overrides.category is not null
        or coalesce(jira_statuses.category_key in ('new', 'indeterminate', 'done'), false)
            as is_mapped,
        jira_timeline.entered_at,
        jira_timeline.ordinal
    from jira_timeline
    left join status_overrides
        on lower(status_overrides.status_name) = lower(jira_timeline.status)
    left join jira_statuses
        on jira_statuses.source = jira_timeline.source
        and jira_statuses.status_id = jira_timeline.status_id
),

-- A "run" is a stretch of consecutive statuses of one category (Closed -> Done is one run).
jira_run_numbered as (
    select
        *,
        sum(case when previous_category is distinct from category then 1 else 0 end) over (
            partition by item_id order by ordinal rows between unbounded preceding and current row
        ) as run_number
    from (
        select
            *,
            lag(category) over (partition by item_id order by ordinal) as previous_category
        from jira_mapped
    )
),

jira_runs as (
    select
        item_id,
        run_number,
        any_value(category) as category,
        min(entered_at) as run_entered_at
    from jira_run_numbered
    group by item_id, run_number
),

jira_run_exits as (
    select
        *,
        lead(run_entered_at) over (partition by item_id order by run_number) as run_exited_at
    from jira_runs
),

jira_resolution_changes as (
    select
        item_id,
        changed_at,
        history_id,
        from_string,
        to_string
    from jira_field_changes
    where field_key = 'resolution'
),

-- The resolution a past done run ended with: the last resolution change before it was left
-- (the reopen usually clears it in the same history, at the same instant), else the value the
-- first later change replaced. The current run uses the issue's current resolution.
jira_resolution_before_exit as (
    select
        runs.item_id,
        runs.run_number,
        changes.to_string as resolution
    from jira_run_exits as runs
    inner join jira_resolution_changes as changes
        on changes.item_id = runs.item_id
        and changes.changed_at < runs.run_exited_at
    where runs.category = 'done'
    qualify row_number() over (
        partition by runs.item_id, runs.run_number
        order by changes.changed_at desc, try_cast(changes.history_id as bigint) desc
    ) = 1
),

jira_resolution_after_exit as (
    select
        runs.item_id,
        runs.run_number,
        changes.from_string as resolution
    from jira_run_exits as runs
    inner join jira_resolution_changes as changes
        on changes.item_id = runs.item_id
        and changes.changed_at >= runs.run_exited_at
    where runs.category = 'done'
    qualify row_number() over (
        partition by runs.item_id, runs.run_number
        order by changes.changed_at, try_cast(changes.history_id as bigint)
    ) = 1
),

jira_done_runs as (
    select
        runs.item_id,
        runs.run_number,
        case
            when runs.run_exited_at is null then jira_issues.resolution
            when before_exit.item_id is not null then before_exit.resolution
            when after_exit.item_id is not null then after_exit.resolution
            else jira_issues.resolution
        end as resolution
    from jira_run_exits as runs
    inner join jira_issues on jira_issues.item_id = runs.item_id
    left join jira_resolution_before_exit as before_exit
        on before_exit.item_id = runs.item_id and before_exit.run_number = runs.run_number
    left join jira_resolution_after_exit as after_exit
        on after_exit.item_id = runs.item_id and after_exit.run_number = runs.run_number
    where runs.category = 'done'
),

jira_categorized as (
    select
        numbered.item_id,
        numbered.status,
        case
            when numbered.category = 'done'
                and lower(done_runs.resolution) in (select lower(resolution) from not_delivered)
                then 'cancelled'
            else numbered.category
        end as category,
        numbered.is_mapped,
        numbered.entered_at,
        numbered.ordinal
    from jira_run_numbered as numbered
    left join jira_done_runs as done_runs
        on done_runs.item_id = numbered.item_id
        and done_runs.run_number = numbered.run_number
),

-- GitHub issues ---------------------------------------------------------------------------
plain_issues as (
    select * from github_issues where not is_pull_request
),

pull_requests as (
    select * from github_issues where is_pull_request
),

github_started as (
    select
        github_events.item_id,
        min(github_events.created_at) as started_at
    from github_events
    where github_events.event in ('assigned', 'cross-referenced', 'connected')
        or (
            github_events.event = 'labeled'
            and lower(github_events.label_name) in (select lower(label) from in_progress_labels)
        )
    group by github_events.item_id
),

github_close_events as (
    select
        github_events.item_id,
        greatest(github_events.created_at, plain_issues.created_at) as happened_at,
        github_events.event,
        try_cast(github_events.event_id as bigint) as tiebreak,
        -- an older close event may lack its reason: only the latest close borrows the issue's
        case
            when github_events.event = 'closed'
                then coalesce(
                    github_events.state_reason,
                    case
                        when plain_issues.state = 'closed'
                            and row_number() over (
                                partition by github_events.item_id, github_events.event
                                order by github_events.created_at desc,
                                    try_cast(github_events.event_id as bigint) desc
                            ) = 1
                            then plain_issues.state_reason
                    end
                )
        end as state_reason
    from github_events
    inner join plain_issues on plain_issues.item_id = github_events.item_id
    where github_events.event in ('closed', 'reopened')
),

github_issue_points as (
    select
        item_id,
        created_at as happened_at,
        'created' as event,
        0 as event_rank,
        0 as tiebreak,
        null as state_reason
    from plain_issues
    union all
    select
        github_started.item_id,
        greatest(github_started.started_at, plain_issues.created_at),
        'started',
        1,
        0,
        null
    from github_started
    inner join plain_issues on plain_issues.item_id = github_started.item_id
    union all
    select item_id, happened_at, event, 2, tiebreak, state_reason
    from github_close_events
    union all
    -- closed with no recorded closed event: the payload's closed_at still closes it
    select item_id, closed_at, 'closed', 2, 0, state_reason
    from plain_issues
    where state = 'closed'
        and closed_at is not null
        and not exists (
            select 1 from github_close_events
            where github_close_events.item_id = plain_issues.item_id
                and github_close_events.event = 'closed'
        )
),

github_issue_states as (
    select
        points.item_id,
        points.happened_at,
        points.event_rank,
        points.tiebreak,
        -- the latest close or reopen so far, with its reason: 'closed:not_planned', 'reopened:'
        last_value(
            case
                when points.event in ('closed', 'reopened')
                    then points.event || ':' || coalesce(points.state_reason, '')
            end ignore nulls
        ) over (
            partition by points.item_id
            order by points.happened_at, points.event_rank, points.tiebreak
            rows between unbounded preceding and current row
        ) as last_close_event,
        -- greatest() skips nulls: an issue that never started must keep a null start
        case
            when github_started.started_at is not null
                then greatest(github_started.started_at, plain_issues.created_at)
        end as started_at
    from github_issue_points as points
    inner join plain_issues on plain_issues.item_id = points.item_id
    left join github_started on github_started.item_id = points.item_id
),

github_issue_timeline as (
    select
        item_id,
        case
            when starts_with(last_close_event, 'closed:') then 'closed'
            when started_at <= happened_at then 'in_progress'
            else 'open'
        end as status,
        case
            when last_close_event in ('closed:not_planned', 'closed:duplicate') then 'cancelled'
            when starts_with(last_close_event, 'closed:') then 'done'
            when started_at <= happened_at then 'in_progress'
            else 'todo'
        end as category,
        happened_at as entered_at,
        event_rank,
        tiebreak
    from github_issue_states
),

-- GitHub pull requests --------------------------------------------------------------------
github_pull_points as (
    select item_id, created_at as happened_at, 'open' as status, 0 as event_rank, 0 as tiebreak
    from pull_requests
    union all
    select
        github_events.item_id,
        greatest(github_events.created_at, pull_requests.created_at),
        case github_events.event when 'merged' then 'merged' when 'reopened' then 'open' end,
        2,
        try_cast(github_events.event_id as bigint)
    from github_events
    inner join pull_requests on pull_requests.item_id = github_events.item_id
    where github_events.event in ('merged', 'reopened')
    union all
    -- a close is a transition only when it is not the close that accompanies the merge
    select
        github_events.item_id,
        greatest(github_events.created_at, pull_requests.created_at),
        'closed',
        3,
        try_cast(github_events.event_id as bigint)
    from github_events
    inner join pull_requests on pull_requests.item_id = github_events.item_id
    where github_events.event = 'closed'
        and (
            pull_requests.merged_at is null
            or abs(date_diff('second', github_events.created_at, pull_requests.merged_at)) > 60
        )
    union all
    -- merged or closed with no recorded event: the payload still says so
    select item_id, merged_at, 'merged', 2, 0
    from pull_requests
    where merged_at is not null
        and not exists (
            select 1 from github_events
            where github_events.item_id = pull_requests.item_id and github_events.event = 'merged'
        )
    union all
    select item_id, closed_at, 'closed', 3, 0
    from pull_requests
    where state = 'closed'
        and merged_at is null
        and closed_at is not null
        and not exists (
            select 1 from github_events
            where github_events.item_id = pull_requests.item_id and github_events.event = 'closed'
        )
),

github_pull_timeline as (
    select
        item_id,
        status,
        case status when 'open' then 'in_progress' when 'merged' then 'done' else 'cancelled' end
            as category,
        happened_at as entered_at,
        event_rank,
        tiebreak
    from github_pull_points
),

-- GitHub rows collapse repeats: only a change of status name (or category) is a transition.
github_timeline as (
    select * from github_issue_timeline
    union all
    select * from github_pull_timeline
),

github_transitions as (
    select
        item_id,
        status,
        category,
        true as is_mapped,
        entered_at,
        row_number() over (
            partition by item_id order by entered_at, event_rank, tiebreak, status
        ) - 1 as ordinal
    from (
        select
            *,
            lag(status || ':' || category) over (
                partition by item_id order by entered_at, event_rank, tiebreak, status
            ) as previous_state
        from github_timeline
    )
    where previous_state is distinct from status || ':' || category
),

final as (
    select item_id, status, category, is_mapped, entered_at, ordinal from jira_categorized
    union all
    select item_id, status, category, is_mapped, entered_at, ordinal from github_transitions
)

select * from final
