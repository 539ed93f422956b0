"""docs/data-dictionary.md is generated from the published warehouse and kept up to date."""

from __future__ import annotations

from pipelines.lib.data_dictionary import render_data_dictionary
from pipelines.lib.warehouse import connect
from tests.analysts.demo_warehouse import REPO_ROOT, graph_tables

DICTIONARY = REPO_ROOT / "docs" / "data-dictionary.md"
REGENERATE = (
    ".venv/bin/python -m pipelines.lib.data_dictionary <published.duckdb> "
    "--output docs/data-dictionary.md"
)


def generated(demo_settings) -> str:
    conn = connect(demo_settings.warehouse.publish_path, read_only=True)
    try:
        return render_data_dictionary(conn)
    finally:
        conn.close()


def test_the_committed_data_dictionary_matches_the_models_yaml(demo_settings):
    expected = generated(demo_settings)

    committed = DICTIONARY.read_text(encoding="utf-8")

    assert committed == expected, f"docs/data-dictionary.md is stale; regenerate: {REGENERATE}"


def test_the_data_dictionary_documents_every_mart_and_every_column(demo_settings):
    text = generated(demo_settings)

    marts = {t for t in graph_tables() if t.startswith(("marts.", "dq."))}
    assert all(f"## `{table}`" in text for table in marts)
    assert "_Undocumented._" not in text
    undocumented_rows = [
        line for line in text.splitlines() if line.startswith("| `") and line.endswith("|  |")
    ]
    assert undocumented_rows == []
