-- One cursor per (source, scope, endpoint); it advances in the transaction that commits its data.
create table if not exists meta.sync_cursors (
    source varchar not null,
    scope varchar not null,
    endpoint varchar not null,
    cursor_value varchar not null,
    run_id varchar not null,
    committed_at timestamptz not null,
    primary key (source, scope, endpoint)
);

-- One row per source sync attempt: what was fetched, what failed, and why.
create table if not exists meta.load_log (
    run_id varchar not null,
    source varchar not null,
    started_at timestamptz not null,
    finished_at timestamptz,
    status varchar not null,
    requests integer,
    rows_inserted bigint,
    error varchar
);
