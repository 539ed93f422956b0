-- One row per commit listed on a pull request (the endpoint stops at 250 commits).
with raw_commits as (
    select * from raw.github__commits
),

commits as (
    select *
    from raw_commits
    qualify row_number() over (
        partition by source, parent_id, native_id order by _extracted_at
    ) = 1
),

final as (
    select
        -- ids
        source || ':' || parent_id as item_id,
        source,
        native_id as sha,
        scope as repo,
        payload ->> '$.author.login' as author_login,
        -- timestamps
        (payload ->> '$.commit.author.date')::timestamptz as authored_at,
        (payload ->> '$.commit.committer.date')::timestamptz as committed_at,
        -- lineage
        _extracted_at as fetched_at,
        _run_id as run_id
    from commits
)

select * from final
