-- One row per work item from every tracker: identity, kind, team and creation.
-- The team comes from the config's team mapping; an unmapped project or repo is its own team.
with jira_issues as (
    select * from staging.stg_jira__issues
),

github_issues as (
    select * from staging.stg_github__issues
),

team_map as (
    select * from meta.cfg_teams
),

jira_items as (
    select
        item_id,
        source,
        key,
        case
            when is_subtask or hierarchy_level < 0 then 'subtask'
            when hierarchy_level >= 2 or lower(issue_type) = 'initiative' then 'initiative'
            when hierarchy_level = 1 or lower(issue_type) = 'epic' then 'epic'
            else 'issue'
        end as kind,
        'jira' as tracker,
        project_key as project_or_repo,
        issue_type,
        title,
        resolution,
        parent_item_id,
        created_at
    from jira_issues
),

github_items as (
    select
        item_id,
        source,
        key,
        case when is_pull_request then 'pull_request' else 'issue' end as kind,
        'github' as tracker,
        repo as project_or_repo,
        case when is_pull_request then 'Pull Request' else 'Issue' end as issue_type,
        title,
        state_reason as resolution,
        cast(null as varchar) as parent_item_id,
        created_at
    from github_issues
),

unioned as (
    select * from jira_items
    union all
    select * from github_items
),

final as (
    select
        unioned.item_id,
        unioned.source,
        unioned.key,
        unioned.kind,
        unioned.tracker,
        unioned.project_or_repo,
        coalesce(team_map.team, unioned.project_or_repo) as team,
        unioned.issue_type,
        unioned.title,
        unioned.resolution,
        unioned.parent_item_id,
        unioned.created_at
    from unioned
    left join team_map
        on team_map.tracker = unioned.tracker
        and team_map.project_or_repo = unioned.project_or_repo
)

select * from final
