"""Run the nightly job once, exactly as the schedule would: `python -m pipelines.run`.

Exits non-zero when any step failed or any ERROR check failed (a source that could not sync
included), so cron wrappers and CI notice a bad night even though the healthy sources were
still published. Exit codes: 0 success; 1 the run failed (each failed step or check is printed
on one line with its cause); 2 the configuration cannot be loaded (one line naming the file and
key); 3 the run could not start at all (one line with the cause).
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
    # why each failed step / check failed, one line each (keyed like the lists above)
    causes: dict[str, str] = field(default_factory=dict)

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
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    failed_steps = [event.step_key or "" for event in failures]
    causes = {event.step_key or "": _step_failure_cause(event) for event in failures}
    failed_evaluations = [
        e
        for e in result.get_asset_check_evaluations()
        if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    ]
    failed_checks = [f"{e.asset_key.to_user_string()}:{e.check_name}" for e in failed_evaluations]
    causes.update(
        {
            f"{e.asset_key.to_user_string()}:{e.check_name}": one_line(e.description or "")
            for e in failed_evaluations
        }
    )
    return NightlyOutcome(
        run_id=result.run_id,
        steps_succeeded=result.success,
        failed_steps=failed_steps,
        failed_checks=failed_checks,
        causes=causes,
    )


def one_line(text: str, limit: int = 400) -> str:
    """Collapse whitespace (tracebacks, SQL) so every cause prints as a single line."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _step_failure_cause(event: dg.DagsterEvent) -> str:
    """The user code's own exception, not Dagster's wrapper around it."""
    data = event.step_failure_data
    error = data.error if data is not None else None
    if error is None:
        return one_line(event.message or "")
    while error.cause is not None:
        error = error.cause
    return one_line(f"{error.cls_name}: {error.message}" if error.cls_name else error.message)


def instance_from_environment() -> dg.DagsterInstance:
    """The persistent instance when DAGSTER_HOME is set, so `make dev` shows the run."""
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


def report(settings: Settings, outcome: NightlyOutcome) -> list[str]:
    lines = [f"run {outcome.run_id}: {'succeeded' if outcome.success else 'FAILED'}"]
    lines += [_failure_line("step", step, outcome) for step in outcome.failed_steps]
    lines += [_failure_line("check", check, outcome) for check in outcome.failed_checks]
    lines += headline_lines(settings)
    return lines


def _failure_line(kind: str, name: str, outcome: NightlyOutcome) -> str:
    cause = outcome.causes.get(name)
    return f"  failed {kind}: {name}: {cause}" if cause else f"  failed {kind}: {name}"


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
        print(f"configuration error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    try:
        outcome = run_nightly(settings, instance=instance_from_environment(), as_of=args.as_of)
    except Exception as exc:  # a run that cannot even start: say why on one line, not a traceback
        print(f"run could not start: {type(exc).__name__}: {one_line(str(exc))}", file=sys.stderr)
        return 3
    print("\n".join(report(settings, outcome)))
    return 0 if outcome.success else 1


if __name__ == "__main__":
    sys.exit(main())
