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
        -- attributes
        coalesce(
            (payload ->> '$.pull_request.url') is not null
            or (payload ->> '$.pull_request.html_url') is not null,
            false
        ) as is_pull_request,
        payload ->> '$.title' as title,
        payload ->> '$.state' as state,
        payload ->> '$.state_reason' as state_reason,
        coalesce(json_extract_string(payload, '$.labels[*].name'), []) as labels,
        payload ->> '$.parent_issue_url' as parent_issue_url,
        -- timestamps
        (payload ->> '$.created_at')::timestamptz as created_at,
        (payload ->> '$.updated_at')::timestamptz as updated_at,
        (payload ->> '$.closed_at')::timestamptz as closed_at,
        (payload ->> '$.pull_request.merged_at')::timestamptz as merged_at
    from latest
)

select * from final
