-- One row per GitHub pull request (PR detail endpoint), latest version: sizes, draft and merge.
with raw_pulls as (
    select * from raw.github__pulls
),

latest as (
    select *
    from raw_pulls
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
        (payload ->> '$.id') as pull_id,
        scope as repo,
        (payload ->> '$.number')::integer as number,
        -- attributes
        payload ->> '$.title' as title,
        payload ->> '$.body' as body,
        payload ->> '$.head.ref' as head_ref,
        payload ->> '$.base.ref' as base_ref,
        payload ->> '$.user.login' as author_login,
        coalesce((payload ->> '$.draft')::boolean, false) as is_draft,
        payload ->> '$.state' as state,
        -- measures
        (payload ->> '$.additions')::integer as additions,
        (payload ->> '$.deletions')::integer as deletions,
        (payload ->> '$.changed_files')::integer as changed_files,
        (payload ->> '$.commits')::integer as commits,
        (payload ->> '$.comments')::integer as comments,
        (payload ->> '$.review_comments')::integer as review_comments,
        -- timestamps
        (payload ->> '$.created_at')::timestamptz as created_at,
        (payload ->> '$.merged_at')::timestamptz as merged_at,
        (payload ->> '$.closed_at')::timestamptz as closed_at,
        (payload ->> '$.updated_at')::timestamptz as updated_at,
        -- lineage
        _extracted_at as fetched_at,
        _run_id as run_id
    from latest
)

select * from final
