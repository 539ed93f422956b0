"""BI tools: a SQLAlchemy + duckdb-engine client, as Superset uses, reads the published file."""

from __future__ import annotations

import sqlalchemy as sa

from pipelines.lib.warehouse import connect
from tests.analysts.demo_warehouse import graph_tables


def test_a_sqlalchemy_duckdb_engine_client_lists_the_marts_and_runs_a_query(demo_settings):
    path = demo_settings.warehouse.publish_path
    # The URI a Superset or Metabase admin types; read_only so the nightly swap is never blocked.
    engine = sa.create_engine(f"duckdb:///{path}", connect_args={"read_only": True})
    try:
        inspector = sa.inspect(engine)
        schemas = inspector.get_schema_names()
        marts = set(inspector.get_table_names(schema="marts"))
        with engine.connect() as conn:
            # how SQL Lab learns a result's columns (column reflection needs SQLAlchemy < 2.1,
            # which Superset pins; this environment has the 2.1 Dagster brings)
            columns = set(
                conn.execute(sa.text("select * from marts.fct_work_items limit 0")).keys()
            )
            rows = conn.execute(
                sa.text(
                    "select team, count(*) as items from marts.fct_work_items "
                    "where category = :category group by team order by team"
                ),
                {"category": "done"},
            ).all()
    finally:
        engine.dispose()

    assert "marts" in {s.split(".")[-1] for s in schemas}
    assert {t.split(".", 1)[1] for t in graph_tables() if t.startswith("marts.")} <= marts
    assert {"item_id", "team", "category", "cycle_time_hours"} <= columns
    direct = connect(path, read_only=True)
    try:
        expected = direct.execute(
            "select team, count(*) from marts.fct_work_items where category = 'done' "
            "group by team order by team"
        ).fetchall()
    finally:
        direct.close()
    assert [tuple(r) for r in rows] == expected
    assert len(rows) == 3
