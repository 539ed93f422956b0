-- One row per GitHub pull request (item_id is its issues-endpoint id, as in fct_work_items):
-- coding, pickup and review times, size, review rounds, commits and the Jira keys it names.
-- Definitions are metrics.md's "Pull requests". Reviews by the PR's author never count, and
-- reviews still pending (no submitted_at) are not reviews yet.
with issues as (
    select * from staging.stg_github__issues
),

pulls as (
    select * from staging.stg_github__pull_requests
),

events as (
    select * from staging.stg_github__issue_events
),

reviews as (
    select * from staging.stg_github__reviews
),

commits as (
    select * from staging.stg_github__commits
),

items as (
    select * from intermediate.int_work_items__unioned
),

jira_issues as (
    select * from staging.stg_jira__issues
),

jira_field_changes as (
    select * from staging.stg_jira__changelog_items
),

configured_projects as (
    select * from meta.cfg_jira_projects
),

pull_requests as (
    select
        issues.item_id,
        issues.source,
        issues.repo,
        issues.number,
        issues.key,
        issues.title,
        issues.created_at,
        coalesce(issues.merged_at, pulls.merged_at) as merged_at,
        issues.closed_at,
        pulls.author_login,
        pulls.is_draft,
        pulls.head_ref,
        pulls.body,
        pulls.additions,
        pulls.deletions,
        pulls.changed_files,
        pulls.commits
    from issues
    left join pulls on pulls.item_id = issues.item_id
    where issues.is_pull_request
),

-- Opened as a draft when the first draft event is ready_for_review (or, with no such event,
-- when it is a draft now); then it became ready at its first ready_for_review.
draft_events as (
    select
        item_id,
        event as first_draft_event,
        min(created_at) filter (where event = 'ready_for_review') over (partition by item_id)
            as first_ready_at
    from events
    where event in ('ready_for_review', 'convert_to_draft')
    qualify row_number() over (
        partition by item_id order by created_at, try_cast(event_id as bigint), event_id
    ) = 1
),

ready as (
    select
        pull_requests.item_id,
        case
            when draft_events.first_draft_event = 'ready_for_review'
                then greatest(draft_events.first_ready_at, pull_requests.created_at)
            when draft_events.first_draft_event is null and pull_requests.is_draft then null
            else pull_requests.created_at
        end as ready_at
    from pull_requests
    left join draft_events on draft_events.item_id = pull_requests.item_id
),

review_summary as (
    select
        reviews.item_id,
        min(reviews.submitted_at) as first_review_at,
        count(*) as reviews,
        count(*) filter (where upper(reviews.state) = 'CHANGES_REQUESTED') as review_rounds
    from reviews
    inner join pull_requests on pull_requests.item_id = reviews.item_id
    where reviews.submitted_at is not null
        and upper(reviews.state) <> 'PENDING'
        and reviews.reviewer_login is distinct from pull_requests.author_login
    group by reviews.item_id
),

commit_summary as (
    select
        item_id,
        min(authored_at) as first_commit_at
    from commits
    group by item_id
),

-- Project keys that can appear in PR text: configured projects, projects seen in the data,
-- and old keys' projects (an issue that moved keeps answering to its old key).
key_history as (
    select
        from_string as old_key,
        item_id
    from jira_field_changes
    where field_key = 'key' and from_string is not null
),

known_projects as (
    select project_key from configured_projects
    union
    select project_key from jira_issues where project_key is not null
    union
    select split_part(old_key, '-', 1) from key_history
),

key_lookup as (
    select key, item_id from jira_issues
    union
    select old_key, item_id from key_history
),

candidate_keys as (
    select distinct
        item_id,
        unnest(
            regexp_extract_all(
                concat_ws(chr(10), title, head_ref, body),
                '(?:^|[^A-Za-z0-9])([A-Z][A-Z0-9_]*-[0-9]+)',
                1
            )
        ) as linked_key
    from pull_requests
),

linked as (
    select
        candidate_keys.item_id,
        list(distinct candidate_keys.linked_key order by candidate_keys.linked_key) as linked_keys,
        list(distinct key_lookup.item_id order by key_lookup.item_id)
            filter (where key_lookup.item_id is not null) as linked_item_ids
    from candidate_keys
    inner join known_projects
        on known_projects.project_key = split_part(candidate_keys.linked_key, '-', 1)
    left join key_lookup on key_lookup.key = candidate_keys.linked_key
    group by candidate_keys.item_id
),

final as (
    select
        -- ids
        pull_requests.item_id,
        pull_requests.source,
        pull_requests.repo,
        pull_requests.number,
        pull_requests.key,
        items.team,
        pull_requests.title,
        -- timestamps
        pull_requests.created_at,
        ready.ready_at,
        review_summary.first_review_at,
        pull_requests.merged_at,
        pull_requests.closed_at,
        commit_summary.first_commit_at,
        -- measures
        -- clamped at 0: a PR opened before its first commit had no coding time before it,
        -- and one reviewed while still a draft was picked up the moment it was ready
        -- (case, not greatest(): greatest() would turn a missing time into 0)
        case when commit_summary.first_commit_at is not null
            then greatest(
                date_diff('millisecond', commit_summary.first_commit_at, pull_requests.created_at),
                0
            ) / 3600000.0
        end as coding_hours,
        case when ready.ready_at is not null and review_summary.first_review_at is not null
            then greatest(
                date_diff('millisecond', ready.ready_at, review_summary.first_review_at), 0
            ) / 3600000.0
        end as pickup_hours,
        date_diff('millisecond', review_summary.first_review_at, pull_requests.merged_at)
        / 3600000.0 as review_hours,
        date_diff('millisecond', pull_requests.created_at, pull_requests.merged_at)
        / 3600000.0 as cycle_time_hours,
        pull_requests.additions + pull_requests.deletions as size_lines,
        pull_requests.additions,
        pull_requests.deletions,
        pull_requests.changed_files,
        coalesce(review_summary.reviews, 0) as reviews,
        coalesce(review_summary.review_rounds, 0) as review_rounds,
        pull_requests.commits,
        coalesce(linked.linked_keys, []::varchar[]) as linked_keys,
        coalesce(linked.linked_item_ids, []::varchar[]) as linked_item_ids
    from pull_requests
    inner join ready on ready.item_id = pull_requests.item_id
    left join items on items.item_id = pull_requests.item_id
    left join review_summary on review_summary.item_id = pull_requests.item_id
    left join commit_summary on commit_summary.item_id = pull_requests.item_id
    left join linked on linked.item_id = pull_requests.item_id
)

select * from final
