-- One row per stay of a scope item under an initiative (grain: initiative_item_id, item_id,
-- valid_from), at any depth of the hierarchy: a story under an epic under an initiative belongs
-- to both, for the time both links held at once (the intervals are intersected level by level).
-- Scope items are the level below epics (metrics.md): stories, tasks, bugs, GitHub issues and
-- pull requests; sub-tasks and nested epics are walked through but are not scope items.
-- valid_to is null while the item belongs today. `evidence` is 'history' when every link on
-- the path was rebuilt from tracker history, else 'current_state'. `is_nearest` marks, for
-- items in several initiatives today, the closest one (fct_work_items.initiative_item_id).
with recursive links as (
    select * from intermediate.int_initiative_links__history
),

initiatives as (
    select * from intermediate.int_initiatives__discovered
),

work_items as (
    select * from intermediate.int_work_items__unioned
),

tree (initiative_item_id, item_id, valid_from, valid_to, depth, evidence) as (
    select
        links.parent_item_id,
        links.child_item_id,
        links.valid_from,
        coalesce(links.valid_to, 'infinity'::timestamptz),
        1,
        links.evidence
    from links
    semi join initiatives on initiatives.initiative_item_id = links.parent_item_id
    union all
    select
        tree.initiative_item_id,
        links.child_item_id,
        greatest(tree.valid_from, links.valid_from),
        least(tree.valid_to, coalesce(links.valid_to, 'infinity'::timestamptz)),
        tree.depth + 1,
        case when tree.evidence = 'history' and links.evidence = 'history' then 'history'
            else 'current_state'
        end
    from tree
    inner join links on links.parent_item_id = tree.item_id
    where tree.depth < 8
        and greatest(tree.valid_from, links.valid_from)
        < least(tree.valid_to, coalesce(links.valid_to, 'infinity'::timestamptz))
),

scoped as (
    select
        tree.initiative_item_id,
        tree.item_id,
        min(tree.depth) as depth,
        tree.valid_from,
        tree.valid_to,
        min(tree.evidence) as evidence  -- 'current_state' < 'history': the weaker evidence
    from tree
    inner join work_items on work_items.item_id = tree.item_id
    where work_items.kind in ('issue', 'pull_request')
    group by tree.initiative_item_id, tree.item_id, tree.valid_from, tree.valid_to
),

final as (
    select
        -- ids
        initiative_item_id,
        item_id,
        -- attributes
        depth,
        evidence,
        valid_to = 'infinity'::timestamptz as is_current,
        valid_to = 'infinity'::timestamptz and row_number() over (
            partition by item_id, valid_to = 'infinity'::timestamptz
            order by depth, initiative_item_id
        ) = 1 as is_nearest,
        -- timestamps
        valid_from,
        case when valid_to <> 'infinity'::timestamptz then valid_to end as valid_to
    from scoped
)

select * from final
