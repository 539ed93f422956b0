"""One Dagster asset per SQL model, wired by the references in the SQL itself."""

from collections.abc import Callable

import dagster as dg
import duckdb

from pipelines.defs.ingest import OWNERS, source_asset_key
from pipelines.defs.resources import WarehouseResource
from pipelines.defs.run_context import RUN_CONTEXT_KEY
from pipelines.lib.raw_tables import raw_table
from pipelines.lib.sql_models import ModelSpec, build_model, discover_models
from pipelines.settings import Settings


class UnresolvedReferenceError(ValueError):
    """A model refers to a table that no model, raw source or config table provides."""


def _unmapped_statuses(conn: duckdb.DuckDBPyConnection) -> dict[str, object]:
    rows = conn.execute(
        "select status, count(*) from intermediate.int_status_changes__categorized "
        "where not is_mapped group by status order by count(*) desc, status"
    ).fetchall()
    return {"unmapped_statuses": {str(name): int(count) for name, count in rows}}


# Extra run metadata some models report: the unmapped statuses the contract says to surface.
MODEL_REPORTS: dict[str, Callable[[duckdb.DuckDBPyConnection], dict[str, object]]] = {
    "int_status_changes__categorized": _unmapped_statuses,
}


def dependency_keys(
    spec: ModelSpec, settings: Settings, model_keys: set[dg.AssetKey]
) -> set[dg.AssetKey]:
    deps: set[dg.AssetKey] = set()
    for schema, table in spec.refs:
        if schema == "raw":
            tracker = raw_table(table).tracker
            deps |= {source_asset_key(s) for s in settings.sources if s.kind == tracker}
        elif schema == "meta" and table.startswith("cfg_"):
            deps.add(RUN_CONTEXT_KEY)
        else:
            key = dg.AssetKey([schema, table])
            if key not in model_keys:
                raise UnresolvedReferenceError(
                    f"{spec.qualified_name} refers to {schema}.{table}, which nothing builds"
                )
            deps.add(key)
    return deps


def build_model_asset(spec: ModelSpec, deps: set[dg.AssetKey]) -> dg.AssetsDefinition:
    report = MODEL_REPORTS.get(spec.name)

    @dg.asset(
        key=[spec.layer, spec.name],
        deps=sorted(deps, key=lambda k: k.to_user_string()),
        group_name=spec.layer,
        kinds={"duckdb", "sql"},
        owners=OWNERS,
        pool="duckdb",
        description=spec.description or f"SQL model models/{spec.layer}/{spec.name}.sql",
    )
    def _model(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        with warehouse.connection() as conn:
            rows = build_model(conn, spec)
            extra = report(conn) if report else {}
        if extra.get("unmapped_statuses"):
            context.log.warning(
                f"statuses with no category mapping (treated as todo): {extra['unmapped_statuses']}"
            )
        return dg.MaterializeResult(metadata={"dagster/row_count": rows, **extra})

    return _model


def build_transform_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    specs = discover_models()
    model_keys = {dg.AssetKey([s.layer, s.name]) for s in specs}
    return [build_model_asset(spec, dependency_keys(spec, settings, model_keys)) for spec in specs]
