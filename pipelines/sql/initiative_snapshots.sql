-- The pipeline's own history of initiative state (SCD2, kept forever): one row per version of an
-- initiative's state (grain: initiative_item_id, valid_from). It supplies what trackers keep no
-- history of (a milestone's due date) from the day the pipeline started. A run appends a version
-- only when the state changed; a replay of the same as-of time replaces that night's version.
-- Statements run in order in one transaction, with $as_of and $run_id bound.
create table if not exists meta.initiative_snapshots (
    initiative_item_id varchar not null,
    key varchar not null,
    title varchar,
    due_date date,
    member_item_ids varchar[] not null,
    state_hash varchar not null,
    valid_from timestamptz not null,
    valid_to timestamptz,
    run_id varchar not null
);

create or replace temporary table initiative_state as
with initiatives as (
    select * from intermediate.int_initiatives__discovered
),

membership as (
    select * from intermediate.int_initiative_items__membership
),

members as (
    select initiative_item_id, list(distinct item_id order by item_id) as member_item_ids
    from membership
    where is_current
    group by initiative_item_id
),

final as (
    select
        initiatives.initiative_item_id,
        initiatives.key,
        initiatives.title,
        initiatives.current_due_date as due_date,
        coalesce(members.member_item_ids, []::varchar[]) as member_item_ids,
        md5(concat_ws(
            '|',
            initiatives.key,
            coalesce(initiatives.title, ''),
            coalesce(initiatives.current_due_date::varchar, ''),
            array_to_string(coalesce(members.member_item_ids, []::varchar[]), ',')
        )) as state_hash
    from initiatives
    left join members on members.initiative_item_id = initiatives.initiative_item_id
)

select * from final;

-- a replay of the same night (or an earlier as-of) replaces versions that start at or after it
delete from meta.initiative_snapshots
where valid_from >= $as_of;

update meta.initiative_snapshots
set valid_to = null
where valid_to >= $as_of;

-- close versions whose state changed, and those of initiatives that no longer exist
update meta.initiative_snapshots as snapshots
set valid_to = $as_of
where snapshots.valid_to is null
    and not exists (
        select 1 from initiative_state
        where initiative_state.initiative_item_id = snapshots.initiative_item_id
            and initiative_state.state_hash = snapshots.state_hash
    );

insert into meta.initiative_snapshots
select
    initiative_state.initiative_item_id,
    initiative_state.key,
    initiative_state.title,
    initiative_state.due_date,
    initiative_state.member_item_ids,
    initiative_state.state_hash,
    $as_of,
    null,
    $run_id
from initiative_state
where not exists (
    select 1 from meta.initiative_snapshots as snapshots
    where snapshots.initiative_item_id = initiative_state.initiative_item_id
        and snapshots.valid_to is null
);

drop table initiative_state;
