"""Discover the SQL models and build them in DuckDB.

Each file in models/<layer>/ is one SELECT whose file name is its table name. Dependencies are
read from the schema-qualified references in the SQL, so the Dagster graph is always the graph
the SQL really has. Descriptions come from the layer's `_*.yml` files and are written to the
warehouse as `COMMENT ON`, so analysts see them in any client.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import yaml

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
LAYERS = ("staging", "intermediate", "marts")
REFERENCE = re.compile(r"\b(raw|staging|intermediate|marts|meta|dq)\.([a-z_][a-z0-9_]*)\b")


@dataclass(frozen=True)
class ModelSpec:
    layer: str
    name: str
    sql: str
    refs: frozenset[tuple[str, str]]
    description: str = ""
    columns: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def qualified_name(self) -> str:
        return f"{self.layer}.{self.name}"


@cache
def discover_models(models_dir: Path = MODELS_DIR) -> tuple[ModelSpec, ...]:
    specs: list[ModelSpec] = []
    for layer in LAYERS:
        docs = _layer_docs(models_dir / layer)
        for path in sorted((models_dir / layer).glob("*.sql")):
            sql = path.read_text(encoding="utf-8")
            doc = docs.get(path.stem, {})
            specs.append(
                ModelSpec(
                    layer=layer,
                    name=path.stem,
                    sql=sql,
                    refs=frozenset(_references(sql)),
                    description=str(doc.get("description", "")).strip(),
                    columns={str(k): str(v).strip() for k, v in (doc.get("columns") or {}).items()},
                )
            )
    return tuple(specs)


def _references(sql: str) -> set[tuple[str, str]]:
    without_comments = re.sub(r"--[^\n]*", "", sql)
    return {(m.group(1), m.group(2)) for m in REFERENCE.finditer(without_comments)}


def _layer_docs(layer_dir: Path) -> dict[str, Any]:
    """Merge every `_*.yml` in the layer folder (one per domain, e.g. `_github.yml`)."""
    docs: dict[str, Any] = {}
    for path in sorted(layer_dir.glob("_*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        docs.update(document.get("models") or {})
    return docs


def build_model(conn: duckdb.DuckDBPyConnection, spec: ModelSpec) -> int:
    """Replace the model's table atomically and document it; returns its row count."""
    conn.execute("begin transaction")
    try:
        conn.execute(f"create or replace table {spec.qualified_name} as\n{spec.sql}")
        apply_comments(conn, spec)
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    row = conn.execute(f"select count(*) from {spec.qualified_name}").fetchone()  # noqa: S608 - name from models/
    return int(row[0]) if row else 0


def apply_comments(
    conn: duckdb.DuckDBPyConnection, spec: ModelSpec, catalog: str | None = None
) -> None:
    """Write the YAML descriptions as COMMENT ON; `catalog` targets an attached copy."""
    target = f"{catalog}.{spec.qualified_name}" if catalog else spec.qualified_name
    existing = {
        row[0]
        for row in conn.execute(
            "select column_name from information_schema.columns "
            "where table_catalog = coalesce(?, current_database()) "
            "and table_schema = ? and table_name = ?",
            [catalog, spec.layer, spec.name],
        ).fetchall()
    }
    if spec.description:
        conn.execute(f"comment on table {target} is {_quote(spec.description)}")
    for column, text in spec.columns.items():
        if column in existing and text:
            conn.execute(f"comment on column {target}.{column} is {_quote(text)}")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
