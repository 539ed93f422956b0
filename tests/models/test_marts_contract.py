"""The published marts carry every table and column docs/metrics.md promises analysts.

The list is parsed from the contract itself ("Marts every release keeps"), so a column added
to the contract without SQL behind it, or renamed in SQL, fails here. One test per table, so
each missing table (some are built by other models) is reported on its own.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"


def contract_tables() -> dict[str, list[str]]:
    """{'marts.fct_work_items': ['item_id', ...], ...} from the contract's bullet list."""
    text = CONTRACT.read_text(encoding="utf-8")
    section = text.split("## Marts every release keeps", 1)[1].split("\n## ", 1)[0]
    bullets = re.split(r"\n- ", "\n" + section.split("\nNotes:", 1)[0])
    tables: dict[str, list[str]] = {}
    for bullet in bullets:
        match = re.match(r"`([a-z_]+\.[a-z_]+)`:\s*(.*)", " ".join(bullet.split()))
        if match:
            tables[match[1]] = [c.strip() for c in match[2].split(",") if c.strip()]
    return tables


def test_the_contract_list_parses_into_every_mart():
    tables = contract_tables()

    assert "marts.fct_work_items" in tables
    assert "dq.check_results" in tables
    assert len(tables) == 10
    assert tables["marts.fct_flow_daily"] == [
        "team", "kind_scope", "day", "wip", "arrivals", "starts", "completions", "cancellations",
    ]  # fmt: skip


@pytest.mark.parametrize(("table", "columns"), sorted(contract_tables().items()))
def test_published_table_has_every_contract_column(sample_org_run, table, columns):
    schema, name = table.split(".")
    present = {
        r["column_name"]
        for r in sample_org_run.rows(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ?",
            [schema, name],
        )
    }

    assert present, f"{table} is not in the published warehouse"
    missing = [c for c in columns if c not in present]
    assert missing == [], f"{table} lacks contract columns {missing}"


def test_flow_daily_has_one_count_column_per_category(sample_org_run):
    present = {
        r["column_name"]
        for r in sample_org_run.rows(
            "select column_name from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'fct_flow_daily'"
        )
    }

    assert {"todo_count", "in_progress_count", "done_count", "cancelled_count"} <= present
