-- One row per (team, source, project or repo): which team owns what. Every configured Jira
-- project and GitHub repo appears, and every project or repo that has work items (a JQL source
-- names no projects up front). The team comes from the config's mapping; an unmapped project
-- or repo is its own team.
with items as (
    select * from intermediate.int_work_items__unioned
),

team_map as (
    select * from meta.cfg_teams
),

github_repos as (
    select * from meta.cfg_github_repos
),

jira_projects as (
    select * from meta.cfg_jira_projects
),

owned as (
    select source, tracker, project_or_repo from items
    union
    select source, 'github', repo from github_repos
    union
    select source, 'jira', project_key from jira_projects
),

final as (
    select distinct
        coalesce(team_map.team, owned.project_or_repo) as team,
        owned.source,
        owned.project_or_repo
    from owned
    left join team_map
        on team_map.tracker = owned.tracker
        and team_map.project_or_repo = owned.project_or_repo
)

select * from final
order by team, source, project_or_repo
