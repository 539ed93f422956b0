-- One row per configured tracker source. Never holds credentials: only names and URLs.
with sources as (
    select * from meta.cfg_sources
),

final as (
    select
        source,
        kind,
        base_url
    from sources
)

select * from final
