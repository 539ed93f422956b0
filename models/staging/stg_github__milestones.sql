-- One row per GitHub milestone, latest version.
with raw_milestones as (
    select * from raw.github__milestones
),

latest as (
    select *
    from raw_milestones
    qualify row_number() over (
        partition by source, native_id order by _extracted_at desc
    ) = 1
),

final as (
    select
        -- ids
        source || ':milestone:' || native_id as milestone_item_id,
        source,
        native_id as milestone_id,
        scope as repo,
        (payload ->> '$.number')::integer as number,
        -- attributes
        payload ->> '$.title' as title,
        payload ->> '$.state' as state,
        payload ->> '$.description' as description,
        (payload ->> '$.open_issues')::integer as open_issues,
        (payload ->> '$.closed_issues')::integer as closed_issues,
        -- timestamps
        (payload ->> '$.created_at')::timestamptz as created_at,
        (payload ->> '$.updated_at')::timestamptz as updated_at,
        (payload ->> '$.closed_at')::timestamptz as closed_at,
        (payload ->> '$.due_on')::timestamptz as due_on,
        -- due_on's time of day carries no meaning: the date GitHub shows
        (payload ->> '$.due_on')::timestamptz::date as due_date,
        -- lineage
        _extracted_at as fetched_at,
        _run_id as run_id
    from latest
)

select * from final
