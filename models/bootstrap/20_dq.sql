-- Every check of every run lands here, so analysts can see what was validated and what failed.
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
