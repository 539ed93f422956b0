"""Generate docs/data-dictionary.md from a published warehouse's own COMMENT ON.

The dictionary is read from the warehouse, not from the YAML, so it documents what analysts
really get: every table and column, its type, and the description the models' `_*.yml` wrote
as COMMENT ON. A test regenerates it from a freshly published warehouse and compares it with
the committed file, so the two cannot drift.

    python -m pipelines.lib.data_dictionary warehouse/published/metrics.duckdb \
        --output docs/data-dictionary.md
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from pipelines.lib.warehouse import connect

# The analyst contract of metrics.md: every mart, and the data-quality record (dq.check_results);
# other dq and meta tables are the pipeline's bookkeeping.
HEADER = """# Data dictionary

Every table and column analysts and BI tools can rely on in the published warehouse
(`warehouse.publish_path`) and its Parquet export (`warehouse.parquet_dir`). Durations are hours
unless the name says `_days`; timestamps are UTC. What each metric means is defined in
[`metrics.md`](metrics.md); example questions are in [`queries.sql`](queries.sql).

Generated from the warehouse's own `COMMENT ON` (written from `models/*/_*.yml`); do not edit by
hand. Regenerate after changing a model or its YAML:

```bash
make demo   # or any run that publishes
.venv/bin/python -m pipelines.lib.data_dictionary warehouse/published/metrics.duckdb \\
    --output docs/data-dictionary.md
```
"""


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ").strip()


def render_data_dictionary(conn: duckdb.DuckDBPyConnection) -> str:
    """Markdown for every mart and dq.check_results: marts first, then dq, by table name."""
    tables = conn.execute(
        "select schema_name, table_name, comment from duckdb_tables() "
        "where database_name = current_database() "
        "and (schema_name = 'marts' or (schema_name = 'dq' and table_name = 'check_results')) "
        "order by schema_name = 'dq', table_name"
    ).fetchall()
    columns = conn.execute(
        "select schema_name, table_name, column_name, data_type, comment from duckdb_columns() "
        "where database_name = current_database() "
        "and (schema_name = 'marts' or (schema_name = 'dq' and table_name = 'check_results')) "
        "order by schema_name, table_name, column_index"
    ).fetchall()
    by_table: dict[tuple[str, str], list[tuple[str, str, str | None]]] = {}
    for schema, table, column, data_type, comment in columns:
        by_table.setdefault((schema, table), []).append((column, data_type, comment))
    parts = [HEADER, "## Contents\n"]
    parts += [f"- [`{s}.{t}`](#{s}{t})" for s, t, _ in tables]
    for schema, table, comment in tables:
        parts.append(f"\n## `{schema}.{table}`\n")
        parts.append(_cell(comment) or "_Undocumented._")
        parts.append("\n| column | type | description |\n|---|---|---|")
        parts += [
            f"| `{column}` | {data_type} | {_cell(text)} |"
            for column, data_type, text in by_table.get((schema, table), [])
        ]
    return "\n".join(parts) + "\n"


def write_data_dictionary(published_path: Path, output: Path) -> str:
    conn = connect(published_path, read_only=True)
    try:
        text = render_data_dictionary(conn)
    finally:
        conn.close()
    Path(output).write_text(text, encoding="utf-8")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the data dictionary from a warehouse.")
    parser.add_argument("published", type=Path, help="the published DuckDB file")
    parser.add_argument("--output", "-o", type=Path, default=Path("docs/data-dictionary.md"))
    args = parser.parse_args(argv)
    write_data_dictionary(args.published, args.output)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
