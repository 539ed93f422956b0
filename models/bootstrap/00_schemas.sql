-- Layers are schemas; meta holds pipeline bookkeeping, dq the data-quality results.
create schema if not exists raw;
create schema if not exists staging;
create schema if not exists intermediate;
create schema if not exists marts;
create schema if not exists meta;
create schema if not exists dq;
