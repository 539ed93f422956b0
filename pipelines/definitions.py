"""The Dagster code location: every definition is built from the loaded configuration.

Sources, teams and schedules are configuration, so definitions are built by one function from
typed settings (tests build them from their own config files) rather than discovered from a
folder.
"""

from __future__ import annotations

import dagster as dg

from pipelines.defs.ingest import build_ingest_assets
from pipelines.defs.initiatives import (
    PYTHON_BUILT_MARTS,
    build_initiative_assets,
    build_initiative_checks,
)
from pipelines.defs.publish import build_publish_assets
from pipelines.defs.quality import build_quality_checks
from pipelines.defs.resources import build_resources
from pipelines.defs.run_context import build_run_context_asset
from pipelines.defs.schedules import build_jobs
from pipelines.defs.transform import build_transform_assets
from pipelines.settings import Settings, load_settings


def build_definitions(settings: Settings) -> dg.Definitions:
    jobs, schedules = build_jobs(settings)
    return dg.Definitions(
        assets=[
            *build_ingest_assets(settings),
            build_run_context_asset(settings),
            *build_transform_assets(settings),
            *build_initiative_assets(settings),
            *build_publish_assets(settings, extra_marts=PYTHON_BUILT_MARTS),
        ],
        asset_checks=[*build_quality_checks(settings), *build_initiative_checks(settings)],
        jobs=jobs,
        schedules=schedules,
        resources=build_resources(settings),
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions(load_settings())
