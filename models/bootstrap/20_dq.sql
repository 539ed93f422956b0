-- Every check of every run lands here, so analysts can see what was validated and what failed.
-- One row per expectation or SQL check per run; `observed` and `details` never hold secrets.
create table if not exists dq.check_results (
    run_id varchar not null,
    checked_at timestamptz not null,
    asset varchar not null,
    check_name varchar not null,
    severity varchar not null,
    success boolean not null,
    observed varchar,
    unexpected_count bigint,
    details varchar
);

-- One row per checked table per run: the history the sudden-drop guard compares against.
-- `scope` narrows a shared table (a raw table holds every source of its tracker).
create table if not exists dq.row_counts (
    run_id varchar not null,
    counted_at timestamptz not null,
    table_name varchar not null,
    scope varchar not null,
    row_count bigint not null
);

-- One row per cursor value a run left committed: meta.sync_cursors only keeps the latest, and
-- the continuity check needs the previous run's value to prove no window was skipped.
create table if not exists meta.sync_cursor_history (
    source varchar not null,
    scope varchar not null,
    endpoint varchar not null,
    cursor_value varchar not null,
    run_id varchar not null,
    committed_at timestamptz not null,
    recorded_at timestamptz not null
);

-- One row per incremental listing a sync completed: the cursor it started from and, where the
-- tracker reports one (Jira Data Center's search `total`), the count the listing promised.
create table if not exists meta.sync_listings (
    run_id varchar not null,
    source varchar not null,
    scope varchar not null,
    endpoint varchar not null,
    cursor_before varchar,
    reported_total bigint,
    items_listed bigint not null,
    recorded_at timestamptz not null
);

-- One row per (item, version) the current listing of a (source, scope) returned, until the
-- completeness check has proven each is stored in raw; the check then deletes them.
create table if not exists meta.sync_listed_items (
    run_id varchar not null,
    source varchar not null,
    scope varchar not null,
    native_id varchar not null,
    version varchar not null
);
