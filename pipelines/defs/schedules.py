"""The nightly job (everything) and its schedule; cron and time zone come from the config."""

from __future__ import annotations

import dagster as dg

from pipelines.settings import Settings

NIGHTLY_JOB = "nightly_job"


def build_jobs(
    settings: Settings,
) -> tuple[list[dg.UnresolvedAssetJobDefinition], list[dg.ScheduleDefinition]]:
    nightly_job = dg.define_asset_job(
        NIGHTLY_JOB,
        selection=dg.AssetSelection.all(),
        description="Ingest every source, rebuild every model, validate, and publish.",
    )
    ingest_job = dg.define_asset_job("ingest_job", selection=dg.AssetSelection.groups("raw"))
    schedule = dg.ScheduleDefinition(
        name="nightly_schedule",
        cron_schedule=settings.schedule.cron,
        execution_timezone=settings.schedule.timezone,
        job=nightly_job,
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
    return [nightly_job, ingest_job], [schedule]
