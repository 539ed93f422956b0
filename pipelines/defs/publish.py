"""The publish step: runs only when every blocking check upstream passed."""

import dagster as dg

from pipelines.defs.ingest import OWNERS
from pipelines.defs.resources import WarehouseResource
from pipelines.lib.publish import publish_warehouse
from pipelines.lib.sql_models import discover_models
from pipelines.settings import Settings

PUBLISHED_WAREHOUSE_KEY = dg.AssetKey(["publish", "warehouse"])


def build_publish_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    marts = sorted(
        (dg.AssetKey([s.layer, s.name]) for s in discover_models() if s.layer == "marts"),
        key=lambda k: k.to_user_string(),
    )

    @dg.asset(
        key=PUBLISHED_WAREHOUSE_KEY,
        deps=marts,
        group_name="publish",
        kinds={"duckdb"},
        owners=OWNERS,
        pool="duckdb",
    )
    def published_warehouse(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        """The DuckDB file analysts and BI tools open, swapped in atomically after a clean run.

        A blocking check failing upstream skips this step, so the previous file stays published.
        """
        with warehouse.connection() as conn:
            counts = publish_warehouse(conn, settings.warehouse.publish_path)
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(settings.warehouse.publish_path)),
                "tables": len(counts),
                "work_items": counts.get("marts.fct_work_items", 0),
                "dagster/row_count": sum(counts.values()),
            }
        )

    return [published_warehouse]
