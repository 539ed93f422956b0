-- One row per GitHub repository label, latest version (labels have no timestamps).
with raw_labels as (
    select * from raw.github__labels
),

latest as (
    select *
    from raw_labels
    qualify row_number() over (
        partition by source, scope, native_id order by _extracted_at desc
    ) = 1
),

final as (
    select
        -- ids
        source,
        scope as repo,
        native_id as label_id,
        payload ->> '$.node_id' as node_id,
        -- attributes
        payload ->> '$.name' as name,
        payload ->> '$.color' as color,
        payload ->> '$.description' as description,
        coalesce((payload ->> '$.default')::boolean, false) as is_default,
        -- lineage
        _extracted_at as fetched_at,
        _run_id as run_id
    from latest
)

select * from final
