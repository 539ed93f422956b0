"""Publish the warehouse: a fresh DuckDB file swapped in atomically.

Analysts and BI tools open the published file, never the working one, so the nightly run never
waits on a reader's lock. The copy is built beside the target and moved over it with
`os.replace`: a reader holding the old file keeps reading the old, complete state; a new reader
gets the new one; nobody sees a half-built file. The raw layer stays in the working warehouse
(it is the pipeline's source of truth and can be large); everything built from it is published.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.lib.sql_models import apply_comments, discover_models

PUBLISHED_SCHEMAS = ("staging", "intermediate", "marts", "dq", "meta")


def publish_warehouse(conn: duckdb.DuckDBPyConnection, publish_path: Path) -> dict[str, int]:
    """Copy the published schemas into a new file and swap it in; returns rows per table."""
    publish_path = Path(publish_path)
    publish_path.parent.mkdir(parents=True, exist_ok=True)
    staging_path = publish_path.with_name(f".{publish_path.name}.tmp")
    staging_path.unlink(missing_ok=True)
    Path(f"{staging_path}.wal").unlink(missing_ok=True)
    tables = conn.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = current_database() and table_type = 'BASE TABLE' "
        "and list_contains(?, table_schema) order by 1, 2",
        [list(PUBLISHED_SCHEMAS)],
    ).fetchall()
    counts: dict[str, int] = {}
    literal = "'" + str(staging_path).replace("'", "''") + "'"
    conn.execute(f"attach {literal} as published")  # ATTACH takes no parameters
    try:
        for schema in PUBLISHED_SCHEMAS:
            conn.execute(f"create schema if not exists published.{schema}")
        for schema, table in tables:
            conn.execute(
                f"create table published.{schema}.{table} as select * from {schema}.{table}"  # noqa: S608 - catalog names
            )
            row = conn.execute(f"select count(*) from published.{schema}.{table}").fetchone()  # noqa: S608
            counts[f"{schema}.{table}"] = int(row[0]) if row else 0
        published = {(schema, table) for schema, table in tables}
        for spec in discover_models():
            if (spec.layer, spec.name) in published:
                apply_comments(conn, spec, catalog="published")
        conn.execute("checkpoint published")
    finally:
        conn.execute("detach published")
    staging_path.replace(publish_path)  # atomic rename: readers see old or new, never half
    return counts
