-- One row per stay of an item under a direct parent (grain: child_item_id, parent_item_id,
-- valid_from): Jira parent / Epic Link, GitHub milestone, GitHub initiative label and GitHub
-- sub-issue links, each with the interval it held [valid_from, valid_to); valid_to is null
-- while the link holds today. Rebuilt from history where the tracker keeps it (Jira parent and
-- Epic Link changelog items; milestoned / demilestoned and labeled / unlabeled events): the
-- state at creation is the first change's "from" side, or today's value when nothing changed.
-- Trackers record every parent, milestone and label change, so an item with no change kept
-- today's value since creation (evidence 'history'). Sub-issue links have no history in the
-- APIs we read: they count from the child's creation (evidence 'current_state').
with jira_issues as (
    select * from staging.stg_jira__issues
),

jira_keys as (
    select * from staging.stg_jira__issue_keys
),

changelog_items as (
    select * from staging.stg_jira__changelog_items
),

github_issues as (
    select * from staging.stg_github__issues
),

github_events as (
    select * from staging.stg_github__issue_events
),

milestones as (
    select * from staging.stg_github__milestones
),

sub_issue_links as (
    select * from staging.stg_github__sub_issue_links
),

rules as (
    select * from meta.cfg_initiative_rules
),

-- Jira: parent and Epic Link moves name the parent by id (a key in some exports) -----------
jira_parent_changes as (
    select
        items.item_id,
        items.changed_at,
        row_number() over (
            partition by items.item_id
            order by items.changed_at, try_cast(items.history_id as bigint), items.history_id
        ) as seq,
        case
            when regexp_full_match(items.from_value, '[0-9]+') then items.source || ':' || items.from_value
            else from_keys.item_id
        end as from_parent,
        case
            when regexp_full_match(items.to_value, '[0-9]+') then items.source || ':' || items.to_value
            else to_keys.item_id
        end as to_parent
    from changelog_items as items
    left join jira_keys as from_keys
        on from_keys.source = items.source
        and from_keys.key = coalesce(items.from_value, items.from_string)
    left join jira_keys as to_keys
        on to_keys.source = items.source
        and to_keys.key = coalesce(items.to_value, items.to_string)
    where items.field_key = 'parent'
),

jira_states as (
    select
        jira_issues.item_id,
        jira_issues.created_at as valid_from,
        0 as seq,
        case when first_change.item_id is null then jira_issues.parent_item_id
            else first_change.from_parent
        end as parent_item_id,
        'history' as evidence
    from jira_issues
    left join jira_parent_changes as first_change
        on first_change.item_id = jira_issues.item_id and first_change.seq = 1
    union all
    select
        item_id,
        changed_at,
        seq,
        to_parent,
        'history'
    from jira_parent_changes
),

-- GitHub milestones: one milestone at a time; events name it by title ----------------------
milestone_changes as (
    select
        github_events.item_id,
        github_events.created_at as changed_at,
        row_number() over (
            partition by github_events.item_id
            order by github_events.created_at, try_cast(github_events.event_id as bigint)
        ) as seq,
        github_events.event,
        milestones.milestone_item_id
    from github_events
    inner join github_issues on github_issues.item_id = github_events.item_id
    inner join milestones
        on milestones.source = github_issues.source
        and milestones.repo = github_issues.repo
        and milestones.title = github_events.milestone_title
    where github_events.event in ('milestoned', 'demilestoned')
),

milestone_states as (
    select
        github_issues.item_id,
        github_issues.created_at as valid_from,
        0 as seq,
        case
            when first_change.item_id is null and github_issues.milestone_id is not null
                then github_issues.source || ':milestone:' || github_issues.milestone_id
            when first_change.event = 'demilestoned' then first_change.milestone_item_id
        end as parent_item_id,
        'history' as evidence
    from github_issues
    left join milestone_changes as first_change
        on first_change.item_id = github_issues.item_id and first_change.seq = 1
    union all
    select
        item_id,
        changed_at,
        seq,
        case when event = 'milestoned' then milestone_item_id end,
        'history'
    from milestone_changes
),

-- GitHub labels with the initiative prefix: each label is its own membership ----------------
label_changes as (
    select
        github_events.item_id,
        github_issues.source || ':label:' || github_issues.repo || ':' || github_events.label_name
            as label_item_id,
        github_events.created_at as changed_at,
        row_number() over (
            partition by github_events.item_id, github_events.label_name
            order by github_events.created_at, try_cast(github_events.event_id as bigint)
        ) as seq,
        github_events.event
    from github_events
    inner join github_issues on github_issues.item_id = github_events.item_id
    cross join rules
    where github_events.event in ('labeled', 'unlabeled')
        and starts_with(github_events.label_name, rules.github_label_prefix)
),

current_labels as (
    select
        github_issues.item_id,
        github_issues.source || ':label:' || github_issues.repo || ':' || label.label
            as label_item_id,
        github_issues.created_at
    from github_issues
    cross join unnest(github_issues.labels) as label(label)
    cross join rules
    where starts_with(label.label, rules.github_label_prefix)
),

label_states as (
    -- at creation: carried if the first event removes it, or if it is there and never changed
    select
        first_change.item_id,
        github_issues.created_at as valid_from,
        0 as seq,
        first_change.label_item_id,
        first_change.event = 'unlabeled' as attached,
        'history' as evidence
    from label_changes as first_change
    inner join github_issues on github_issues.item_id = first_change.item_id
    where first_change.seq = 1
    union all
    select
        current_labels.item_id,
        current_labels.created_at,
        0,
        current_labels.label_item_id,
        true,
        'history'
    from current_labels
    where not exists (
        select 1 from label_changes
        where label_changes.item_id = current_labels.item_id
            and label_changes.label_item_id = current_labels.label_item_id
    )
    union all
    select item_id, changed_at, seq, label_item_id, event = 'labeled', 'history'
    from label_changes
),

-- every membership as (state from, to next state) ------------------------------------------
single_parent_states as (
    select item_id, valid_from, seq, parent_item_id, evidence, 'jira_parent' as link_type
    from jira_states
    union all
    select item_id, valid_from, seq, parent_item_id, evidence, 'milestone'
    from milestone_states
),

single_parent_intervals as (
    select
        item_id as child_item_id,
        parent_item_id,
        link_type,
        evidence,
        valid_from,
        lead(valid_from) over (partition by item_id, link_type order by valid_from, seq) as valid_to
    from single_parent_states
),

label_intervals as (
    select
        item_id as child_item_id,
        label_item_id as parent_item_id,
        'label' as link_type,
        evidence,
        attached,
        valid_from,
        lead(valid_from) over (partition by item_id, label_item_id order by valid_from, seq)
            as valid_to
    from label_states
),

sub_issue_intervals as (
    select
        sub_issue_links.child_item_id,
        sub_issue_links.parent_item_id,
        'sub_issue' as link_type,
        'current_state' as evidence,
        github_issues.created_at as valid_from,
        cast(null as timestamptz) as valid_to
    from sub_issue_links
    inner join github_issues on github_issues.item_id = sub_issue_links.child_item_id
),

unioned as (
    select child_item_id, parent_item_id, link_type, evidence, valid_from, valid_to
    from single_parent_intervals
    where parent_item_id is not null
    union all
    select child_item_id, parent_item_id, link_type, evidence, valid_from, valid_to
    from label_intervals
    where attached
    union all
    select child_item_id, parent_item_id, link_type, evidence, valid_from, valid_to
    from sub_issue_intervals
),

final as (
    select
        -- ids
        child_item_id,
        parent_item_id,
        -- attributes
        link_type,
        evidence,
        -- timestamps
        valid_from,
        valid_to
    from unioned
    where valid_to is null or valid_to > valid_from
)

select * from final
