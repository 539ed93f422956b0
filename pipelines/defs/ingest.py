"""Raw ingestion: one asset per configured tracker source.

Sources are isolated: a tracker that fails (down, throttled past the retry budget, bad token)
keeps whatever it committed, does not advance its cursor past it, and fails its own
`sync_succeeded` check, while the run goes on to transform and publish the other sources'
fresh data. The failure stays visible: a failed ERROR check in Dagster, a row in
`meta.load_log` and one in `dq.check_results`, and a non-zero exit from `make run`.

With `ingest.parallel_sources` above 1 the sources sync at once, in threads of one step: DuckDB
allows one writer *process*, so the threads share the step's database and each writes through
its own cursor (its own transactions), while each source keeps its own client, HTTP session and
rate-limit budget. The asset keys, checks and load log are the same either way.
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import dagster as dg

from pipelines.defs.resources import MissingCredentialError, WarehouseResource
from pipelines.lib.quality import CheckRecord, record_checks
from pipelines.lib.sync_github import sync_github
from pipelines.lib.sync_jira import sync_jira
from pipelines.lib.sync_report import SyncReport
from pipelines.settings import GitHubSource, Settings, Source

OWNERS = ["team:data-platform"]


def source_asset_key(source: Source) -> dg.AssetKey:
    return dg.AssetKey(["raw", source.name.replace("-", "_")])


def _sync(
    context: dg.AssetExecutionContext, source: Source, settings: Settings, conn
) -> SyncReport:
    resource = getattr(context.resources, source.resource_key)
    try:
        client = resource.client()
    except MissingCredentialError as exc:
        return SyncReport(source=source.name, failures=[str(exc)])
    try:
        if isinstance(source, GitHubSource):
            return sync_github(
                conn,
                source,
                client,
                context.run_id,
                commit_every_pages=settings.ingest.commit_every_pages,
            )
        return sync_jira(
            conn,
            source,
            client,
            context.run_id,
            commit_every_pages=settings.ingest.commit_every_pages,
        )
    finally:
        client.http.close()


def build_source_asset(source: Source, settings: Settings) -> dg.AssetsDefinition:
    key = source_asset_key(source)

    @dg.asset(
        key=key,
        group_name="raw",
        kinds={source.kind, "duckdb"},
        owners=OWNERS,
        pool="duckdb",
        required_resource_keys={"warehouse", source.resource_key},
        check_specs=[dg.AssetCheckSpec("sync_succeeded", asset=key, blocking=False)],
        description=(
            f"Raw payloads from the {source.kind} source '{source.name}' ({source.base_url}), "
            "fetched incrementally since the last committed cursor and kept as received."
        ),
    )
    def _ingest(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        warehouse: WarehouseResource = context.resources.warehouse
        with warehouse.connection() as conn:
            return ingest_source(context, source, settings, conn)

    return _ingest


def ingest_source(
    context: dg.AssetExecutionContext, source: Source, settings: Settings, conn
) -> dg.MaterializeResult:
    """Sync one source on `conn`, log it, record its check; the result names its asset."""
    key = source_asset_key(source)
    started = datetime.now(UTC)
    report = _sync(context, source, settings, conn)
    error = "; ".join(report.failures) or None
    conn.execute(
        "insert into meta.load_log values (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            context.run_id,
            source.name,
            started,
            datetime.now(UTC),
            "succeeded" if report.succeeded else "failed",
            report.http.requests,
            report.total_inserted,
            error,
        ],
    )
    record_checks(
        conn,
        context.run_id,
        [
            CheckRecord(
                asset=key.to_user_string(),
                check_name="sync_succeeded",
                severity="ERROR",
                success=report.succeeded,
                observed=f"{report.items_seen} items, {report.http.requests} requests",
                unexpected_count=len(report.failures),
                details=error or "",
            )
        ],
    )
    if error:
        context.log.error(f"source {source.name} failed: {error}")
    return dg.MaterializeResult(
        asset_key=key,
        metadata={**report.as_metadata(), "dagster/row_count": report.total_inserted},
        check_results=[
            dg.AssetCheckResult(
                asset_key=key,
                check_name="sync_succeeded",
                passed=report.succeeded,
                severity=dg.AssetCheckSeverity.ERROR,
                description=error or "every scope synced",
                metadata={"failures": len(report.failures)},
            )
        ],
    )


def build_parallel_ingest_asset(settings: Settings) -> dg.AssetsDefinition:
    """Every source's raw asset in one step whose threads sync up to `parallel_sources` at once."""
    sources = settings.sources
    keys = {source_asset_key(s): s for s in sources}

    @dg.multi_asset(
        name="raw_sources",
        specs=[
            dg.AssetSpec(
                key,
                group_name="raw",
                kinds={s.kind, "duckdb"},
                owners=OWNERS,
                description=(
                    f"Raw payloads from the {s.kind} source '{s.name}' ({s.base_url}), fetched "
                    "incrementally since the last committed cursor and kept as received."
                ),
                skippable=True,
            )
            for key, s in keys.items()
        ],
        check_specs=[
            dg.AssetCheckSpec("sync_succeeded", asset=key, blocking=False) for key in keys
        ],
        can_subset=True,
        pool="duckdb",
        required_resource_keys={"warehouse", *(s.resource_key for s in sources)},
    )
    def _ingest_all(context: dg.AssetExecutionContext):
        selected = [s for key, s in keys.items() if key in context.selected_asset_keys]
        warehouse: WarehouseResource = context.resources.warehouse
        with warehouse.connection() as conn:

            def run(source: Source) -> dg.MaterializeResult:
                cursor = conn.cursor()  # its own transactions on the shared database
                try:
                    cursor.execute("set timezone = 'UTC'")
                    return ingest_source(context, source, settings, cursor)
                finally:
                    cursor.close()

            workers = max(1, min(settings.ingest.parallel_sources, len(selected)))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="source") as pool:
                results = list(pool.map(run, selected))
        yield from results

    return _ingest_all


def build_ingest_assets(settings: Settings) -> list[dg.AssetsDefinition]:
    if settings.ingest.parallel_sources > 1 and len(settings.sources) > 1:
        return [build_parallel_ingest_asset(settings)]
    return [build_source_asset(source, settings) for source in settings.sources]
