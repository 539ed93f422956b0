-- One row per initiative (grain: initiative_item_id), found by the config's rules
-- (meta.cfg_initiative_issue_types, meta.cfg_initiative_rules): Jira issues of a configured type
-- (default Epic and Initiative), GitHub milestones, GitHub issues with sub-issues, and GitHub
-- labels with the configured prefix. `key` is what the initiatives value file names.
-- current_due_date is today's promise date as the tracker shows it (Jira due date, else target
-- end; milestone due date); the promise at commitment is rebuilt downstream from history.
with jira_issues as (
    select * from staging.stg_jira__issues
),

github_issues as (
    select * from staging.stg_github__issues
),

github_events as (
    select * from staging.stg_github__issue_events
),

milestones as (
    select * from staging.stg_github__milestones
),

sub_issue_links as (
    select * from staging.stg_github__sub_issue_links
),

initiative_types as (
    select * from meta.cfg_initiative_issue_types
),

rules as (
    select * from meta.cfg_initiative_rules
),

team_map as (
    select * from meta.cfg_teams
),

jira_initiatives as (
    select
        item_id as initiative_item_id,
        source,
        key,
        'jira_issue' as initiative_type,
        issue_type,
        'jira' as tracker,
        project_key as project_or_repo,
        title,
        coalesce(due_date, target_end) as current_due_date,
        created_at,
        cast(null as timestamptz) as closed_at
    from jira_issues
    where lower(issue_type) in (select lower(issue_type) from initiative_types)
),

milestone_initiatives as (
    select
        milestones.milestone_item_id as initiative_item_id,
        milestones.source,
        milestones.repo || ':milestone:' || milestones.title as key,
        'github_milestone' as initiative_type,
        'Milestone' as issue_type,
        'github' as tracker,
        milestones.repo as project_or_repo,
        milestones.title,
        milestones.due_date as current_due_date,
        milestones.created_at,
        case when milestones.state = 'closed' then milestones.closed_at end as closed_at
    from milestones
    where (select bool_or(github_milestones) from rules)
),

parent_issue_initiatives as (
    select
        github_issues.item_id as initiative_item_id,
        github_issues.source,
        github_issues.key,
        'github_parent_issue' as initiative_type,
        'Issue' as issue_type,
        'github' as tracker,
        github_issues.repo as project_or_repo,
        github_issues.title,
        cast(null as date) as current_due_date,
        github_issues.created_at,
        cast(null as timestamptz) as closed_at
    from github_issues
    where not github_issues.is_pull_request
        and exists (
            select 1 from sub_issue_links
            where sub_issue_links.parent_item_id = github_issues.item_id
        )
),

-- a label is an initiative once any item carries it or ever carried it
label_uses as (
    select source, repo, unnest(labels) as label, created_at as used_at
    from github_issues
    union all
    select github_issues.source, github_issues.repo, github_events.label_name, github_events.created_at
    from github_events
    inner join github_issues on github_issues.item_id = github_events.item_id
    where github_events.event = 'labeled'
),

label_initiatives as (
    select
        label_uses.source || ':label:' || label_uses.repo || ':' || label_uses.label
            as initiative_item_id,
        label_uses.source,
        label_uses.repo || ':label:' || label_uses.label as key,
        'github_label' as initiative_type,
        'Label' as issue_type,
        'github' as tracker,
        label_uses.repo as project_or_repo,
        label_uses.label as title,
        cast(null as date) as current_due_date,
        min(label_uses.used_at) as created_at,
        cast(null as timestamptz) as closed_at
    from label_uses
    cross join rules
    where starts_with(label_uses.label, rules.github_label_prefix)
    group by all
),

unioned as (
    select * from jira_initiatives
    union all
    select * from milestone_initiatives
    union all
    select * from parent_issue_initiatives
    union all
    select * from label_initiatives
),

final as (
    select
        -- ids
        unioned.initiative_item_id,
        unioned.source,
        unioned.key,
        -- attributes
        unioned.initiative_type,
        unioned.issue_type,
        unioned.tracker,
        unioned.project_or_repo,
        coalesce(team_map.team, unioned.project_or_repo) as team,
        unioned.title,
        unioned.current_due_date,
        -- timestamps
        unioned.created_at,
        unioned.closed_at
    from unioned
    left join team_map
        on team_map.tracker = unioned.tracker
        and team_map.project_or_repo = unioned.project_or_repo
)

select * from final
