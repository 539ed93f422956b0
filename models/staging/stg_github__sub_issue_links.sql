-- One row per (parent issue, sub-issue) link: the latest sub_issues listing of each parent,
-- plus children whose payload names a parent_issue_url (covers servers without the endpoint).
with raw_sub_issues as (
    select * from raw.github__sub_issues
),

issues as (
    select * from staging.stg_github__issues
),

latest_snapshot as (
    select *
    from raw_sub_issues
    qualify rank() over (
        partition by source, scope, parent_id order by _extracted_at desc
    ) = 1
),

listed as (
    select
        latest_snapshot.source,
        latest_snapshot.scope as repo,
        latest_snapshot.parent_id as parent_issue_id,
        latest_snapshot.native_id as child_issue_id,
        (latest_snapshot.payload ->> '$.number')::integer as child_number,
        'sub_issues' as origin
    from latest_snapshot
),

from_children as (
    select
        children.source,
        children.repo,
        parents.issue_id as parent_issue_id,
        children.issue_id as child_issue_id,
        children.number as child_number,
        'parent_issue_url' as origin
    from issues as children
    inner join issues as parents
        on parents.source = children.source
        and parents.repo = children.repo
        and parents.number = children.parent_issue_number
),

unioned as (
    select * from listed
    union all
    select * from from_children
),

final as (
    select
        -- ids
        unioned.source || ':' || unioned.parent_issue_id as parent_item_id,
        unioned.source || ':' || unioned.child_issue_id as child_item_id,
        unioned.source,
        unioned.repo,
        unioned.parent_issue_id,
        parents.number as parent_number,
        unioned.child_issue_id,
        unioned.child_number,
        -- attributes
        unioned.origin
    from unioned
    left join issues as parents
        on parents.source = unioned.source and parents.issue_id = unioned.parent_issue_id
    qualify row_number() over (
        partition by unioned.source, unioned.parent_issue_id, unioned.child_issue_id
        order by unioned.origin desc
    ) = 1
)

select * from final
