-- One row per (team, source, project or repo) that has work items: which team owns what.
with items as (
    select * from intermediate.int_work_items__unioned
),

final as (
    select distinct
        team,
        source,
        project_or_repo
    from items
)

select * from final
order by team, source, project_or_repo
