"""The publish steps: the warehouse file (and its Parquet export), then the nightly report.

Both run only when every blocking check upstream passed; a skipped publish also skips the
report, so the report on disk always describes the warehouse on disk.
"""

import dagster as dg

from pipelines.defs.ingest import OWNERS
from pipelines.defs.resources import WarehouseResource
from pipelines.lib.publish import export_parquet, publish_warehouse, published_overview
from pipelines.lib.report.build import write_report
from pipelines.lib.sql_models import discover_models
from pipelines.settings import Settings

PUBLISHED_WAREHOUSE_KEY = dg.AssetKey(["publish", "warehouse"])
REPORT_KEY = dg.AssetKey(["publish", "report"])


def build_publish_assets(
    settings: Settings, extra_marts: tuple[dg.AssetKey, ...] = ()
) -> list[dg.AssetsDefinition]:
    """`extra_marts` are marts built in Python rather than SQL; publish waits for them too."""
    marts = sorted(
        {
            *(dg.AssetKey([s.layer, s.name]) for s in discover_models() if s.layer == "marts"),
            *extra_marts,
        },
        key=lambda k: k.to_user_string(),
    )

    @dg.asset(
        key=PUBLISHED_WAREHOUSE_KEY,
        deps=marts,
        group_name="publish",
        kinds={"duckdb", "parquet"},
        owners=OWNERS,
        pool="duckdb",
    )
    def published_warehouse(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        """The DuckDB file analysts and BI tools open, swapped in atomically after a clean run,
        and its Parquet export (every mart and dq.check_results) for tools without DuckDB.

        A blocking check failing upstream skips this step, so the previous file stays published.
        """
        with warehouse.connection() as conn:
            counts = publish_warehouse(conn, settings.warehouse.publish_path)
        parquet_counts = export_parquet(
            settings.warehouse.publish_path, settings.warehouse.parquet_dir
        )
        overview = published_overview(settings.warehouse.publish_path, counts)
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(settings.warehouse.publish_path)),
                "parquet_dir": dg.MetadataValue.path(str(settings.warehouse.parquet_dir)),
                "tables": len(counts),
                "parquet_files": len(parquet_counts),
                "dagster/row_count": sum(counts.values()),
                **overview.figures,
                "headline_per_team": dg.MetadataValue.md(overview.team_summary_md),
                "mart_row_counts": dg.MetadataValue.md(overview.row_counts_md),
                "fct_work_items_preview": dg.MetadataValue.md(overview.work_items_preview_md),
            }
        )

    @dg.asset(
        key=REPORT_KEY,
        deps=[PUBLISHED_WAREHOUSE_KEY],
        group_name="publish",
        kinds={"html"},
        owners=OWNERS,
    )
    def nightly_report(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        """The nightly HTML report: one self-contained file of charts read from the published
        warehouse (cycle time, throughput, cumulative flow, aging WIP, complexity trends,
        initiatives promised versus delivered, data quality). Opens offline in any browser.
        """
        summary = write_report(settings.warehouse.publish_path, settings.report.path)
        for key, reason in summary.no_data.items():
            context.log.info(f"report chart {key!r} has no data yet: {reason}")
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(summary.path)),
                "as_of": summary.as_of.isoformat(),
                "charts": len(summary.charts),
                "charts_drawn": len(summary.drawn),
                "charts_without_data": dg.MetadataValue.json(summary.no_data),
                "size_kib": round(summary.size_bytes / 1024, 1),
            }
        )

    return [published_warehouse, nightly_report]
