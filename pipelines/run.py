"""Run the nightly job once, exactly as the schedule would: `python -m pipelines.run`.

Exits non-zero when any step failed or any ERROR check failed (a source that could not sync
included), so cron wrappers and CI notice a bad night even though the healthy sources were
still published.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from pipelines.definitions import build_definitions
from pipelines.defs.run_context import RUN_CONTEXT_KEY
from pipelines.defs.schedules import NIGHTLY_JOB
from pipelines.settings import ConfigError, Settings, load_settings
from pipelines.summary import headline_lines


@dataclass
class NightlyOutcome:
    run_id: str
    steps_succeeded: bool
    failed_steps: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return self.steps_succeeded and not self.failed_checks


def nightly_run_config(as_of: str | None) -> dict[str, Any]:
    """Quiet console (warnings and errors only) and, optionally, a pinned as-of time."""
    config: dict[str, Any] = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    if as_of is not None:
        op_name = "__".join(RUN_CONTEXT_KEY.path)
        config["ops"] = {op_name: {"config": {"as_of": as_of}}}
    return config


def run_nightly(
    settings: Settings, *, instance: dg.DagsterInstance | None = None, as_of: str | None = None
) -> NightlyOutcome:
    job = build_definitions(settings).resolve_job_def(NIGHTLY_JOB)
    result = job.execute_in_process(
        instance=instance or dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
        run_config=nightly_run_config(as_of),
    )
    failed_steps = [
        event.step_key or ""
        for event in result.all_events
        if event.event_type_value == "STEP_FAILURE"
    ]
    failed_checks = [
        f"{e.asset_key.to_user_string()}:{e.check_name}"
        for e in result.get_asset_check_evaluations()
        if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    ]
    return NightlyOutcome(
        run_id=result.run_id,
        steps_succeeded=result.success,
        failed_steps=failed_steps,
        failed_checks=failed_checks,
    )


def instance_from_environment() -> dg.DagsterInstance:
    """The persistent instance when DAGSTER_HOME is set, so `make dev` shows the run."""
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


def report(settings: Settings, outcome: NightlyOutcome) -> list[str]:
    lines = [f"run {outcome.run_id}: {'succeeded' if outcome.success else 'FAILED'}"]
    lines += [f"  failed step: {step}" for step in outcome.failed_steps]
    lines += [f"  failed check: {check}" for check in outcome.failed_checks]
    lines += headline_lines(settings)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--config", help="config file (default: $METRICS_CONFIG or config/metrics.yaml)"
    )
    parser.add_argument("--as-of", help="pin 'now' for ages and open intervals (ISO timestamp)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    outcome = run_nightly(settings, instance=instance_from_environment(), as_of=args.as_of)
    print("\n".join(report(settings, outcome)))
    return 0 if outcome.success else 1


if __name__ == "__main__":
    sys.exit(main())
