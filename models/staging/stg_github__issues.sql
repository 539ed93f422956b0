-- One row per GitHub issue or pull request as the issues endpoint lists it, latest version.
-- A pull request's native id is its issue id, as the contract requires.
with raw_issues as (
    select * from raw.github__issues
),

latest as (
    select *
    from raw_issues
    qualify row_number() over (
        partition by source, native_id
        order by (payload ->> '$.updated_at')::timestamptz desc, _extracted_at desc
    ) = 1
),

final as (
    select
        -- ids
        source || ':' || native_id as item_id,
        source,
        native_id as issue_id,
        scope as repo,
        (payload ->> '$.number')::integer as number,
        scope || '#' || (payload ->> '$.number') as key,
        (payload ->> '$.milestone.id') as milestone_id,
        (payload ->> '$.milestone.number')::integer as milestone_number,
        payload ->> '$.node_id' as node_id,
        -- attributes
        -- old payloads carry a pull_request object with null urls on plain issues
        coalesce(
            (payload ->> '$.pull_request.url') is not null
            or (payload ->> '$.pull_request.html_url') is not null,
            false
        ) as is_pull_request,
        payload ->> '$.title' as title,
        payload ->> '$.state' as state,
        payload ->> '$.state_reason' as state_reason,
        coalesce(json_extract_string(payload, '$.labels[*].name'), []) as labels,
        payload ->> '$.user.login' as author_login,
        coalesce(json_extract_string(payload, '$.assignees[*].login'), []) as assignee_logins,
        payload ->> '$.type.name' as issue_type_name,
        payload ->> '$.parent_issue_url' as parent_issue_url,
        try_cast(
            regexp_extract(payload ->> '$.parent_issue_url', '/issues/(\d+)$', 1) as integer
        ) as parent_issue_number,
        (payload ->> '$.sub_issues_summary.total')::integer as sub_issues_total,
        (payload ->> '$.sub_issues_summary.completed')::integer as sub_issues_completed,
        (payload ->> '$.comments')::integer as comments,
        -- timestamps
        (payload ->> '$.created_at')::timestamptz as created_at,
        (payload ->> '$.updated_at')::timestamptz as updated_at,
        (payload ->> '$.closed_at')::timestamptz as closed_at,
        (payload ->> '$.pull_request.merged_at')::timestamptz as merged_at,
        -- lineage
        _extracted_at as fetched_at,
        _run_id as run_id
    from latest
)

select * from final
