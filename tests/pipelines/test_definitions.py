"""The Dagster code location: its graph is the graph the SQL and the config describe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from pipelines.definitions import build_definitions
from pipelines.defs.initiatives import PYTHON_BUILT_MARTS
from pipelines.lib.sql_models import discover_models
from pipelines.settings import load_settings

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_CONFIG = REPO_ROOT / "config" / "metrics.yaml"


def demo_definitions() -> dg.Definitions:
    return build_definitions(load_settings(DEMO_CONFIG))


def test_every_configured_source_has_its_own_raw_asset_with_a_sync_check():
    graph = demo_definitions().resolve_asset_graph()

    raw = {k.to_user_string() for k in graph.get_all_asset_keys() if k.path[0] == "raw"}
    assert raw == {"raw/github_main", "raw/jira_cloud"}
    checks = {k.to_user_string() for k in graph.asset_check_keys}
    assert {
        "raw/github_main:sync_succeeded",
        "raw/jira_cloud:sync_succeeded",
        "marts/fct_work_items:gx_suite",
    } <= checks


def test_every_sql_model_is_an_asset_in_its_layer_group_with_resolved_dependencies():
    graph = demo_definitions().resolve_asset_graph()
    for spec in discover_models():
        node = graph.get(dg.AssetKey([spec.layer, spec.name]))
        assert node.group_name == spec.layer
        assert node.owners == ["team:data-platform"]
    staging = graph.get(dg.AssetKey(["staging", "stg_jira__issues"]))
    assert staging.parent_keys == {dg.AssetKey(["raw", "jira_cloud"])}
    fct = graph.get(dg.AssetKey(["marts", "fct_work_items"]))
    assert dg.AssetKey(["intermediate", "int_status_intervals__bounded"]) in fct.parent_keys
    assert dg.AssetKey(["meta", "run_context"]) in fct.parent_keys


def test_publish_depends_on_every_mart():
    graph = demo_definitions().resolve_asset_graph()
    marts = {dg.AssetKey([s.layer, s.name]) for s in discover_models() if s.layer == "marts"}
    marts |= set(PYTHON_BUILT_MARTS)

    assert graph.get(dg.AssetKey(["publish", "warehouse"])).parent_keys == marts


def test_nightly_schedule_comes_from_the_config():
    schedule = demo_definitions().resolve_schedule_def("nightly_schedule")

    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "UTC"
    assert schedule.job_name == "nightly_job"


def test_dg_check_defs_passes_on_the_demo_config():
    env = {**os.environ, "METRICS_CONFIG": str(DEMO_CONFIG), "DAGSTER_HOME": str(REPO_ROOT)}
    dg_cli = Path(sys.executable).parent / "dg"

    result = subprocess.run(
        [str(dg_cli), "check", "defs"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stdout + result.stderr
