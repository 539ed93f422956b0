-- One row per (initiative, pull request) attribution (grain: initiative_item_id, item_id):
-- pull requests that belong to an initiative today (milestone, label), and pull requests whose
-- title, branch or body names a Jira key of one of its scope items or of the initiative itself
-- (marts.fct_pull_requests.linked_item_ids). `via` says which. These carry the complexity an
-- initiative added (size_lines); a PR attributed through a Jira key is not a scope item of its
-- own, since the Jira issue it names already is.
with membership as (
    select * from intermediate.int_initiative_items__membership
),

initiatives as (
    select * from intermediate.int_initiatives__discovered
),

work_items as (
    select * from intermediate.int_work_items__unioned
),

pull_requests as (
    select * from marts.fct_pull_requests
),

pr_links as (
    select
        pull_requests.item_id,
        linked.linked_item_id
    from pull_requests
    cross join unnest(pull_requests.linked_item_ids) as linked(linked_item_id)
),

unioned as (
    select membership.initiative_item_id, membership.item_id, 'membership' as via
    from membership
    inner join work_items on work_items.item_id = membership.item_id
    where membership.is_current and work_items.kind = 'pull_request'
    union all
    select membership.initiative_item_id, pr_links.item_id, 'jira_key'
    from pr_links
    inner join membership
        on membership.item_id = pr_links.linked_item_id and membership.is_current
    union all
    select initiatives.initiative_item_id, pr_links.item_id, 'jira_key'
    from pr_links
    inner join initiatives on initiatives.initiative_item_id = pr_links.linked_item_id
),

final as (
    select
        -- ids
        initiative_item_id,
        item_id,
        -- attributes
        min(via) as via  -- 'jira_key' < 'membership'
    from unioned
    group by initiative_item_id, item_id
)

select * from final
