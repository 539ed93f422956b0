-- One row per pull request review (latest state of each review).
with raw_reviews as (
    select * from raw.github__reviews
),

latest as (
    select *
    from raw_reviews
    qualify row_number() over (
        partition by source, native_id order by _extracted_at desc
    ) = 1
),

final as (
    select
        -- ids
        source || ':' || parent_id as item_id,
        source,
        native_id as review_id,
        scope as repo,
        -- attributes
        payload ->> '$.state' as state,
        payload ->> '$.user.login' as reviewer_login,
        -- timestamps
        (payload ->> '$.submitted_at')::timestamptz as submitted_at,
        -- lineage
        _extracted_at as fetched_at,
        _run_id as run_id
    from latest
)

select * from final
