"""Publish the warehouse: a fresh DuckDB file swapped in atomically.

Analysts and BI tools open the published file, never the working one, so the nightly run never
waits on a reader's lock. The copy is built beside the target and moved over it with
`os.replace`: a reader holding the old file keeps reading the old, complete state; a new reader
gets the new one; nobody sees a half-built file. The raw layer stays in the working warehouse
(it is the pipeline's source of truth and can be large); everything built from it is published.

Tools without a DuckDB driver (Tableau, Power BI, Spark) read the Parquet export instead: every
mart and `dq.check_results`, written from the published file into a fresh folder that replaces
the previous export as a whole, so a reader never mixes two nights' files.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from pipelines.lib.report.build import team_headlines
from pipelines.lib.report.data import run_as_of
from pipelines.lib.sql_models import apply_comments, discover_models
from pipelines.lib.warehouse import connect

PUBLISHED_SCHEMAS = ("staging", "intermediate", "marts", "dq", "meta")
PARQUET_SCHEMAS = ("marts",)
PARQUET_EXTRA_TABLES = (("dq", "check_results"),)
MANIFEST_NAME = "_manifest.json"

# Tables created by bootstrap DDL rather than by a model: their COMMENT ON, applied to the
# published copy when the DDL did not set one, so the data dictionary documents them too.
DDL_TABLE_DOCS: dict[tuple[str, str], tuple[str, dict[str, str]]] = {
    ("dq", "check_results"): (
        "One row per data-quality check per run (great-expectations expectations and SQL "
        "checks). ERROR failures on blocking checks stop the publish; WARN failures are "
        "recorded and published.",
        {
            "run_id": "Dagster run id of the run that checked.",
            "checked_at": "When the check ran (UTC).",
            "asset": "What was checked: a table (marts.fct_work_items) or an asset (raw/<source>).",
            "check_name": "The check: an expectation with its arguments, or a named SQL check.",
            "severity": "ERROR (blocks the publish when it fails) or WARN (recorded only).",
            "success": "Whether the check passed.",
            "observed": "The observed value, or how many rows were unexpected.",
            "unexpected_count": "Rows that failed the check (0 when it passed).",
            "details": "A sample of failing values or extra context; never a credential.",
        },
    ),
}


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
        _copy_comments(conn)  # CTAS drops COMMENT ON; Python-built marts carry their own
        for spec in discover_models():
            if (spec.layer, spec.name) in published:
                apply_comments(conn, spec, catalog="published")
        _document_ddl_tables(conn, published)
        conn.execute("checkpoint published")
    finally:
        conn.execute("detach published")
    staging_path.replace(publish_path)  # atomic rename: readers see old or new, never half
    return counts


def _copy_comments(conn: duckdb.DuckDBPyConnection) -> None:
    """Carry every table and column comment of the working warehouse over to the copy."""
    tables = conn.execute(
        "select schema_name, table_name, comment from duckdb_tables() "
        "where database_name = current_database() and list_contains(?, schema_name) "
        "and comment is not null and comment <> ''",
        [list(PUBLISHED_SCHEMAS)],
    ).fetchall()
    for schema, table, comment in tables:
        conn.execute(f"comment on table published.{schema}.{table} is {_literal(comment)}")
    columns = conn.execute(
        "select schema_name, table_name, column_name, comment from duckdb_columns() "
        "where database_name = current_database() and list_contains(?, schema_name) "
        "and comment is not null and comment <> ''",
        [list(PUBLISHED_SCHEMAS)],
    ).fetchall()
    for schema, table, column, comment in columns:
        conn.execute(
            f'comment on column published.{schema}.{table}."{column}" is {_literal(comment)}'
        )


def _document_ddl_tables(conn: duckdb.DuckDBPyConnection, published: set[tuple[str, str]]) -> None:
    for (schema, table), (description, columns) in DDL_TABLE_DOCS.items():
        if (schema, table) not in published:
            continue
        row = conn.execute(
            "select comment from duckdb_tables() "
            "where database_name = 'published' and schema_name = ? and table_name = ?",
            [schema, table],
        ).fetchone()
        if row and row[0]:
            continue  # the DDL documents itself; never overwrite it
        target = f"published.{schema}.{table}"
        conn.execute(f"comment on table {target} is {_literal(description)}")
        existing = {
            r[0]
            for r in conn.execute(
                "select column_name from duckdb_columns() "
                "where database_name = 'published' and schema_name = ? and table_name = ?",
                [schema, table],
            ).fetchall()
        }
        for column, text in columns.items():
            if column in existing:
                conn.execute(f"comment on column {target}.{column} is {_literal(text)}")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def parquet_tables(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Every mart, plus dq.check_results: what the Parquet export holds."""
    rows = conn.execute(
        "select schema_name, table_name from duckdb_tables() "
        "where database_name = current_database() and list_contains(?, schema_name) "
        "order by 1, 2",
        [list(PARQUET_SCHEMAS)],
    ).fetchall()
    present = {
        (r[0], r[1])
        for r in conn.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where database_name = current_database()"
        ).fetchall()
    }
    return [(str(s), str(t)) for s, t in rows] + [t for t in PARQUET_EXTRA_TABLES if t in present]


def export_parquet(published_path: Path, parquet_dir: Path) -> dict[str, int]:
    """Export the published marts and dq.check_results to `<dir>/<schema>/<table>.parquet`.

    The files are written into a hidden sibling folder first, with a `_manifest.json` (row
    counts, as-of time), then swapped in: the old folder is renamed aside and the new one
    renamed into place, so a reader sees the old export or the new one, never a mixture.
    Returns rows per table.
    """
    parquet_dir = Path(parquet_dir)
    parquet_dir.parent.mkdir(parents=True, exist_ok=True)
    building = parquet_dir.with_name(f".{parquet_dir.name}.tmp")
    retired = parquet_dir.with_name(f".{parquet_dir.name}.old")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir()
    counts: dict[str, int] = {}
    conn = connect(published_path, read_only=True)
    try:
        for schema, table in parquet_tables(conn):
            target = building / schema / f"{table}.parquet"
            target.parent.mkdir(exist_ok=True)
            conn.execute(
                f"copy {schema}.{table} to {_literal(str(target))} "
                "(format parquet, compression zstd)"
            )
            row = conn.execute(f"select count(*) from {schema}.{table}").fetchone()  # noqa: S608
            counts[f"{schema}.{table}"] = int(row[0]) if row else 0
        as_of = _as_of(conn)
    finally:
        conn.close()
    manifest = {
        "exported_at": datetime.now(UTC).isoformat(),
        "as_of": as_of,
        "source": Path(published_path).name,
        "tables": {
            name: {"file": f"{name.replace('.', '/', 1)}.parquet", "rows": rows}
            for name, rows in counts.items()
        },
    }
    (building / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(retired, ignore_errors=True)
    if parquet_dir.exists():
        parquet_dir.rename(retired)
    building.rename(parquet_dir)
    shutil.rmtree(retired, ignore_errors=True)
    return counts


def _as_of(conn: duckdb.DuckDBPyConnection) -> str | None:
    try:
        row = conn.execute("select max(as_of) from meta.cfg_run").fetchone()
    except duckdb.CatalogException:
        return None
    return row[0].isoformat() if row and row[0] is not None else None


# --- what the Dagster UI shows about a publish ---------------------------------------------
PREVIEW_COLUMNS = (
    "key",
    "team",
    "kind",
    "category",
    "created_at",
    "completed_at",
    "cycle_time_hours",
    "lead_time_hours",
)


@dataclass(frozen=True)
class PublishedOverview:
    """Headline figures and markdown previews of a published warehouse, for asset metadata."""

    figures: dict[str, float | int]
    row_counts_md: str
    team_summary_md: str
    work_items_preview_md: str


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured markdown table (what Dagster renders in MetadataValue.md)."""

    def cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return f"{value:,.1f}"
        if isinstance(value, datetime):
            return value.strftime("%Y-%m-%d %H:%M")
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def published_overview(published_path: Path, counts: dict[str, int]) -> PublishedOverview:
    """Read the just-published file as an analyst would and summarise it."""
    conn = connect(published_path, read_only=True)
    try:
        as_of = run_as_of(conn)
        teams = team_headlines(conn, as_of)
        present = {
            c
            for c in PREVIEW_COLUMNS
            if conn.execute(
                "select count(*) from duckdb_columns() where schema_name = 'marts' "
                "and table_name = 'fct_work_items' and column_name = ?",
                [c],
            ).fetchone()[0]
        }
        columns = [c for c in PREVIEW_COLUMNS if c in present]
        preview = (
            conn.execute(
                f"select {', '.join(columns)} from marts.fct_work_items "  # noqa: S608 - allow-list
                "order by coalesce(completed_at, created_at) desc, key limit 10"
            ).fetchall()
            if columns and "marts.fct_work_items" in counts
            else []
        )
    finally:
        conn.close()
    issues_done = sum(t.done_last_4_weeks for t in teams)
    figures: dict[str, float | int] = {
        "work_items": counts.get("marts.fct_work_items", 0),
        "issues_done_last_4_weeks": issues_done,
        "issues_in_progress": sum(t.wip for t in teams),
    }
    for t in teams:
        if t.cycle_p85_days is not None:
            figures[f"cycle_time_p85_days_{t.team}"] = round(float(t.cycle_p85_days), 1)
    mart_rows = [
        (name, rows) for name, rows in sorted(counts.items()) if name.startswith(("marts.", "dq."))
    ]
    return PublishedOverview(
        figures=figures,
        row_counts_md=markdown_table(["table", "rows"], mart_rows),
        team_summary_md=markdown_table(
            [
                "team",
                "issues done (4 weeks)",
                "cycle p50 days (12 weeks)",
                "cycle p85 days (12 weeks)",
                "in progress",
                "oldest in progress (days)",
            ],
            [
                (
                    t.team,
                    t.done_last_4_weeks,
                    t.cycle_p50_days,
                    t.cycle_p85_days,
                    t.wip,
                    t.oldest_wip_days,
                )
                for t in teams
            ],
        ),
        work_items_preview_md=markdown_table(columns, preview),
    )
