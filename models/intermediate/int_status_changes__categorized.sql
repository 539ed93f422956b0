-- One row per status an item entered, in order, with its category (todo, in_progress, done,
-- cancelled). The first row is the status at creation. Rules are metrics.md's "Status
-- categories": Jira categories come from the /status definitions (config overrides by name),
-- GitHub issues and pull requests follow their event rules.
with jira_issues as (
    select * from staging.stg_jira__issues
),

jira_changes as (
    select * from staging.stg_jira__status_changes
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
jira_first_change as (
    select
        item_id,
        from_status_id,
        from_status
    from jira_changes
    qualify row_number() over (
        partition by item_id order by changed_at, try_cast(history_id as bigint), history_id
    ) = 1
),

jira_timeline as (
    select
        jira_issues.item_id,
        jira_issues.source,
        coalesce(jira_first_change.from_status_id, jira_issues.status_id) as status_id,
        coalesce(jira_first_change.from_status, jira_issues.status_name) as status,
        jira_issues.created_at as entered_at,
        0 as ordinal
    from jira_issues
    left join jira_first_change on jira_first_change.item_id = jira_issues.item_id
    union all
    select
        jira_changes.item_id,
        jira_changes.source,
        jira_changes.to_status_id as status_id,
        jira_changes.to_status as status,
        -- clock skew: a change stamped before the issue existed happened at its creation
        greatest(jira_changes.changed_at, jira_issues.created_at) as entered_at,
        row_number() over (
            partition by jira_changes.item_id
            order by jira_changes.changed_at, try_cast(jira_changes.history_id as bigint)
        ) as ordinal
    from jira_changes
    inner join jira_issues on jira_issues.item_id = jira_changes.item_id
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
        or jira_statuses.category_key in ('new', 'indeterminate', 'done') as is_mapped,
        jira_timeline.entered_at,
        jira_timeline.ordinal
    from jira_timeline
    left join status_overrides
        on lower(status_overrides.status_name) = lower(jira_timeline.status)
    left join jira_statuses
        on jira_statuses.source = jira_timeline.source
        and jira_statuses.status_id = jira_timeline.status_id
),

-- The final stay in done is cancelled when the issue's resolution says it was not delivered.
jira_final_done_entry as (
    select
        item_id,
        max(entered_at) as entered_at
    from (
        select
            item_id,
            category,
            entered_at,
            lag(category) over (partition by item_id order by entered_at, ordinal) as previous_category
        from jira_mapped
    )
    where category = 'done' and previous_category is distinct from 'done'
    group by item_id
),

jira_categorized as (
    select
        jira_mapped.item_id,
        jira_mapped.status,
        case
            when jira_mapped.category = 'done'
                and jira_mapped.entered_at >= jira_final_done_entry.entered_at
                and lower(jira_issues.resolution) in (select lower(resolution) from not_delivered)
                then 'cancelled'
            else jira_mapped.category
        end as category,
        jira_mapped.is_mapped,
        jira_mapped.entered_at,
        jira_mapped.ordinal
    from jira_mapped
    inner join jira_issues on jira_issues.item_id = jira_mapped.item_id
    left join jira_final_done_entry on jira_final_done_entry.item_id = jira_mapped.item_id
),

-- GitHub issues ---------------------------------------------------------------------------
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

github_issue_points as (
    select item_id, created_at as happened_at, 'created' as event, 0 as event_rank, null as state_reason
    from github_issues
    where not is_pull_request
    union all
    select github_started.item_id, started_at, 'started', 1, null
    from github_started
    semi join github_issues
        on github_issues.item_id = github_started.item_id and not github_issues.is_pull_request
    union all
    select
        github_events.item_id,
        greatest(github_events.created_at, github_issues.created_at),
        github_events.event,
        2,
        github_events.state_reason
    from github_events
    inner join github_issues
        on github_issues.item_id = github_events.item_id and not github_issues.is_pull_request
    where github_events.event in ('closed', 'reopened')
    union all
    -- closed with no recorded closed event: the payload's closed_at still closes it
    select item_id, closed_at, 'closed', 2, state_reason
    from github_issues
    where not is_pull_request
        and state = 'closed'
        and closed_at is not null
        and not exists (
            select 1 from github_events
            where github_events.item_id = github_issues.item_id and github_events.event = 'closed'
        )
),

github_issue_states as (
    select
        points.item_id,
        points.happened_at,
        points.event,
        points.event_rank,
        last_value(case when points.event in ('closed', 'reopened') then points.event end ignore nulls)
            over (partition by points.item_id order by points.happened_at, points.event_rank
                  rows between unbounded preceding and current row) as last_close_event,
        last_value(case when points.event = 'closed' then points.state_reason end ignore nulls)
            over (partition by points.item_id order by points.happened_at, points.event_rank
                  rows between unbounded preceding and current row) as close_reason,
        github_started.started_at
    from github_issue_points as points
    left join github_started on github_started.item_id = points.item_id
),

github_issue_timeline as (
    select
        states.item_id,
        case
            when states.last_close_event = 'closed' then 'closed'
            when states.started_at <= states.happened_at then 'in_progress'
            else 'open'
        end as status,
        case
            when states.last_close_event = 'closed'
                then case
                    when coalesce(
                        states.close_reason,
                        case when github_issues.state = 'closed' then github_issues.state_reason end
                    ) in ('not_planned', 'duplicate') then 'cancelled'
                    else 'done'
                end
            when states.started_at <= states.happened_at then 'in_progress'
            else 'todo'
        end as category,
        states.happened_at as entered_at,
        states.event_rank
    from github_issue_states as states
    inner join github_issues on github_issues.item_id = states.item_id
),

-- GitHub pull requests --------------------------------------------------------------------
github_pull_points as (
    select item_id, created_at as happened_at, 'open' as status, 0 as event_rank
    from github_issues
    where is_pull_request
    union all
    select github_events.item_id, github_events.created_at, 'merged', 2
    from github_events
    semi join github_issues
        on github_issues.item_id = github_events.item_id and github_issues.is_pull_request
    where github_events.event = 'merged'
    union all
    select github_events.item_id, github_events.created_at, 'open', 2
    from github_events
    semi join github_issues
        on github_issues.item_id = github_events.item_id and github_issues.is_pull_request
    where github_events.event = 'reopened'
    union all
    -- a close is a transition only when it is not the close that accompanies the merge
    select github_events.item_id, github_events.created_at, 'closed', 3
    from github_events
    inner join github_issues
        on github_issues.item_id = github_events.item_id and github_issues.is_pull_request
    where github_events.event = 'closed'
        and (
            github_issues.merged_at is null
            or abs(date_diff('second', github_events.created_at, github_issues.merged_at)) > 60
        )
    union all
    -- merged or closed with no recorded event: the payload still says so
    select item_id, merged_at, 'merged', 2
    from github_issues
    where is_pull_request
        and merged_at is not null
        and not exists (
            select 1 from github_events
            where github_events.item_id = github_issues.item_id and github_events.event = 'merged'
        )
    union all
    select item_id, closed_at, 'closed', 3
    from github_issues
    where is_pull_request
        and state = 'closed'
        and merged_at is null
        and closed_at is not null
        and not exists (
            select 1 from github_events
            where github_events.item_id = github_issues.item_id and github_events.event = 'closed'
        )
),

github_pull_timeline as (
    select
        item_id,
        status,
        case status when 'open' then 'in_progress' when 'merged' then 'done' else 'cancelled' end
            as category,
        happened_at as entered_at,
        event_rank
    from github_pull_points
),

-- GitHub rows collapse repeats: only a change of status name is a transition.
github_timeline as (
    select item_id, status, category, entered_at, event_rank from github_issue_timeline
    union all
    select item_id, status, category, entered_at, event_rank from github_pull_timeline
),

github_transitions as (
    select
        item_id,
        status,
        category,
        true as is_mapped,
        entered_at,
        row_number() over (partition by item_id order by entered_at, event_rank) - 1 as ordinal
    from (
        select
            *,
            lag(status) over (partition by item_id order by entered_at, event_rank) as previous_status
        from github_timeline
    )
    where previous_status is distinct from status
),

final as (
    select item_id, status, category, is_mapped, entered_at, ordinal from jira_categorized
    union all
    select item_id, status, category, is_mapped, entered_at, ordinal from github_transitions
)

select * from final
