"""The Parquet export: every mart and dq.check_results, the same rows, swapped in whole."""

from __future__ import annotations

import json

import duckdb
import pyarrow.parquet as pq

from pipelines.lib.publish import MANIFEST_NAME, export_parquet
from pipelines.lib.warehouse import connect


def published_counts(path) -> dict[str, int]:
    conn = connect(path, read_only=True)
    try:
        tables = conn.execute(
            "select schema_name, table_name from duckdb_tables() "
            "where schema_name = 'marts' or (schema_name = 'dq' and table_name = 'check_results')"
        ).fetchall()
        return {
            f"{s}.{t}": conn.execute(f"select count(*) from {s}.{t}").fetchone()[0]
            for s, t in tables
        }
    finally:
        conn.close()


def test_every_mart_and_the_check_results_read_back_with_the_same_row_counts(demo_settings):
    parquet_dir = demo_settings.warehouse.parquet_dir
    expected = published_counts(demo_settings.warehouse.publish_path)

    read_back = {
        f"{path.parent.name}.{path.stem}": pq.ParquetFile(path).metadata.num_rows
        for path in parquet_dir.glob("*/*.parquet")
    }

    assert expected["marts.fct_work_items"] > 0
    assert read_back == expected
    manifest = json.loads((parquet_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert {name: t["rows"] for name, t in manifest["tables"].items()} == expected
    assert manifest["as_of"].startswith("2026-11-01")


def test_parquet_columns_and_types_match_the_published_tables(demo_settings):
    path = demo_settings.warehouse.parquet_dir / "marts" / "fct_work_items.parquet"
    conn = connect(demo_settings.warehouse.publish_path, read_only=True)
    try:
        published = conn.execute("describe marts.fct_work_items").fetchall()
        exported = conn.execute(f"describe select * from read_parquet('{path}')").fetchall()
    finally:
        conn.close()

    assert [(r[0], r[1]) for r in exported] == [(r[0], r[1]) for r in published]


def make_published(path, tables: dict[str, int]) -> None:
    conn = duckdb.connect(str(path))
    conn.execute("create schema marts; create schema dq")
    for name, rows in tables.items():
        conn.execute(f"create table {name} as select range as n from range({rows})")
    conn.close()


def test_a_new_export_replaces_the_previous_one_whole_and_an_open_reader_keeps_its_file(tmp_path):
    published = tmp_path / "metrics.duckdb"
    parquet_dir = tmp_path / "parquet"
    make_published(published, {"marts.fct_a": 3, "marts.fct_gone": 2, "dq.check_results": 1})
    export_parquet(published, parquet_dir)
    reader = pq.ParquetFile(parquet_dir / "marts" / "fct_gone.parquet")
    published.unlink()
    make_published(published, {"marts.fct_a": 5, "dq.check_results": 4})

    counts = export_parquet(published, parquet_dir)

    assert counts == {"marts.fct_a": 5, "dq.check_results": 4}
    assert sorted(p.relative_to(parquet_dir).as_posix() for p in parquet_dir.rglob("*.*")) == [
        "_manifest.json",
        "dq/check_results.parquet",
        "marts/fct_a.parquet",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.duckdb", "parquet"]
    assert reader.read().num_rows == 2  # the old night's file, still whole for its reader
