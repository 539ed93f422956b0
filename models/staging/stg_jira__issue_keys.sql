-- One row per key a Jira issue has had (grain: source, issue_id, key). Moving an issue to
-- another project changes its key but never its id, so links written with an old key (commit
-- messages, PR titles) still resolve. Keys come from every stored version of the issue and
-- from reconciliation verdicts (an issue moved out of scope is last seen under its new key).
with raw_issues as (
    select * from raw.jira__issues
),

raw_verdicts as (
    select * from raw.jira__reconciliations
),

seen as (
    select
        source,
        native_id as issue_id,
        payload ->> '$.key' as key,
        payload ->> '$.fields.project.key' as project_key,
        (payload ->> '$.fields.updated')::timestamptz as seen_at
    from raw_issues
    union all
    select
        source,
        native_id as issue_id,
        payload ->> '$.key' as key,
        payload ->> '$.project' as project_key,
        _extracted_at as seen_at
    from raw_verdicts
    where (payload ->> '$.status') = 'moved_out' and (payload ->> '$.key') is not null
),

keys as (
    select
        source,
        issue_id,
        key,
        any_value(project_key) as project_key,
        min(seen_at) as first_seen_at,
        max(seen_at) as last_seen_at
    from seen
    group by source, issue_id, key
),

final as (
    select
        -- ids
        source || ':' || issue_id as item_id,
        source,
        issue_id,
        key,
        project_key,
        -- attributes
        row_number() over (partition by source, issue_id order by first_seen_at desc) = 1
            as is_current,
        -- timestamps
        first_seen_at,
        last_seen_at
    from keys
)

select * from final
