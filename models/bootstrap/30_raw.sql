-- Raw tables share one envelope: the payload exactly as the tracker sent it, plus where and
-- when it came from. Append-only; a (source, native_id, version) is stored once.
-- {table} is replaced by each name in pipelines/lib/raw_tables.py (an allow-list).
create table if not exists raw.{table} (
    source varchar not null,
    scope varchar not null,
    native_id varchar not null,
    parent_id varchar,
    version varchar not null,
    payload json not null,
    _extracted_at timestamptz not null,
    _run_id varchar not null
);
