-- One row per work item from every tracker: identity, kind, team, parent and creation.
-- The team comes from the config's team mapping; an unmapped project or repo is its own team.
-- Parents: Jira's parent field; GitHub sub-issues' parent_issue_url.
-- TODO(staging): the legacy Epic Link parent, once stg_jira__issues carries it.
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

-- A sub-issue names its parent by API URL (.../repos/<owner>/<repo>/issues/<number>).
github_parent_refs as (
    select
        item_id,
        source,
        regexp_extract(parent_issue_url, '/repos/([^/]+/[^/]+)/issues/([0-9]+)$', 1) as parent_repo,
        try_cast(
            regexp_extract(parent_issue_url, '/repos/([^/]+/[^/]+)/issues/([0-9]+)$', 2) as integer
        ) as parent_number
    from github_issues
    where parent_issue_url is not null
),

github_parents as (
    select
        refs.item_id,
        parents.item_id as parent_item_id
    from github_parent_refs as refs
    inner join github_issues as parents
        on parents.source = refs.source
        and parents.repo = refs.parent_repo
        and parents.number = refs.parent_number
),

github_items as (
    select
        github_issues.item_id,
        github_issues.source,
        github_issues.key,
        case when github_issues.is_pull_request then 'pull_request' else 'issue' end as kind,
        'github' as tracker,
        github_issues.repo as project_or_repo,
        case when github_issues.is_pull_request then 'Pull Request' else 'Issue' end as issue_type,
        github_issues.title,
        github_issues.state_reason as resolution,
        github_parents.parent_item_id,
        github_issues.created_at
    from github_issues
    left join github_parents on github_parents.item_id = github_issues.item_id
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
