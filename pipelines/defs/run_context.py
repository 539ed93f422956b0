"""The run's configuration, written into the warehouse for the SQL models to read."""

from datetime import UTC, datetime

import dagster as dg

from pipelines.defs.ingest import OWNERS
from pipelines.defs.resources import WarehouseResource
from pipelines.lib.config_tables import config_tables, write_config_tables
from pipelines.settings import Settings

RUN_CONTEXT_KEY = dg.AssetKey(["meta", "run_context"])


class RunContextConfig(dg.Config):
    """`as_of` pins "now" (ages, open intervals) so a rebuild is reproducible; default: run time."""

    as_of: str | None = None


def build_run_context_asset(settings: Settings) -> dg.AssetsDefinition:
    @dg.asset(
        key=RUN_CONTEXT_KEY, group_name="meta", kinds={"duckdb"}, owners=OWNERS, pool="duckdb"
    )
    def run_context(
        context: dg.AssetExecutionContext, config: RunContextConfig, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        """Status mappings, teams, calendar, costs and the as-of time, as `meta.cfg_*` tables.

        Models read configuration from these tables, so the values behind every figure are
        stored next to it.
        """
        as_of = datetime.fromisoformat(config.as_of) if config.as_of else datetime.now(UTC)
        if as_of.tzinfo is None:
            as_of = as_of.replace(tzinfo=UTC)
        tables = config_tables(settings, as_of=as_of, run_id=context.run_id)
        with warehouse.connection() as conn:
            write_config_tables(conn, tables)
        return dg.MaterializeResult(
            metadata={
                "as_of": as_of.isoformat(),
                "tables": sorted(tables),
                "sources": len(settings.sources),
            }
        )

    return run_context
