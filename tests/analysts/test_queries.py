"""docs/queries.sql: every question analysts ask first runs against the demo warehouse."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.warehouse import connect
from tests.analysts.demo_warehouse import REPO_ROOT, graph_tables

QUERIES_FILE = REPO_ROOT / "docs" / "queries.sql"
TABLE_REFERENCE = re.compile(r"\b(marts|dq|meta)\.([a-z_][a-z0-9_]*)\b")


def named_queries(path: Path = QUERIES_FILE) -> dict[str, str]:
    """`-- name: x` starts a query; it runs to the next name (comments and all)."""
    text = path.read_text(encoding="utf-8")
    blocks = re.split(r"^-- name: ", text, flags=re.MULTILINE)[1:]
    queries = {}
    for block in blocks:
        name, _, body = block.partition("\n")
        queries[name.strip()] = body.strip().rstrip(";")
    return queries


QUERIES = named_queries()


def test_the_queries_file_answers_the_questions_the_issue_lists():
    assert {
        "cycle_time_trend_per_team",
        "aging_work_in_progress",
        "slipped_initiatives",
        "promised_versus_delivered_roi",
        "rising_complexity",
        "failed_checks_last_night",
    } <= set(QUERIES)
    assert all("-- question:" in body for body in QUERIES.values())


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_query_runs_against_the_demo_warehouse(name, demo_settings):
    sql = QUERIES[name]
    referenced = {f"{s}.{t}" for s, t in TABLE_REFERENCE.findall(sql)}
    not_built = {t for t in referenced if t.startswith("marts.")} - graph_tables()
    conn = connect(demo_settings.warehouse.publish_path, read_only=True)
    try:
        if not_built:
            # Allowed only while the mart is absent from the asset graph: once a model file
            # for it exists, this branch is no longer taken and the query must run.
            with pytest.raises(duckdb.CatalogException, match=sorted(not_built)[0].split(".")[1]):
                conn.execute(sql)
            return
        cursor = conn.execute(sql)
        columns = [d[0] for d in cursor.description]
        cursor.fetchall()
    finally:
        conn.close()
    assert columns, f"{name} returned no columns"
    assert len(set(columns)) == len(columns), f"{name} has duplicate column names: {columns}"
