"""The embedded demo: a sample organisation served over loopback to the real connectors.

`python -m pipelines.demo` generates the deterministic sample organisation, serves it from the
project's fake Jira Cloud and GitHub servers on the ports named in the demo config, runs the
nightly job against them exactly as against real trackers, and prints where the warehouse is.
`python -m pipelines.demo serve` only serves, for the Dagster UI (`make dev`).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from urllib.parse import urlsplit

from connectors.fakes.github import FakeGitHub
from connectors.fakes.jira import FakeJira
from connectors.fakes.sample_org import DEFAULT_END, SampleOrg
from connectors.fakes.store import TrackerStore
from pipelines.run import instance_from_environment, report, run_nightly
from pipelines.settings import GitHubSource, JiraSource, Settings, load_settings

# Fixture credentials the fake servers accept. They only ever unlock the loopback demo.
DEMO_CREDENTIALS = {
    "DEMO_GITHUB_TOKEN": "demo-github-token",
    "DEMO_JIRA_EMAIL": "demo@acme.example",
    "DEMO_JIRA_TOKEN": "demo-jira-token",
}
DEMO_SEED = 7
DEMO_ITEMS = 3000


def _port(base_url: str) -> int:
    port = urlsplit(base_url).port
    if port is None:
        raise ValueError(
            f"the demo serves sources on explicit loopback ports; {base_url!r} has none"
        )
    return port


@contextmanager
def serve_sample_org(
    settings: Settings, *, seed: int = DEMO_SEED, items: int = DEMO_ITEMS
) -> Iterator[TrackerStore]:
    """Populate a store and serve it on every source's configured port until the block exits."""
    for name, value in DEMO_CREDENTIALS.items():
        os.environ.setdefault(name, value)
    store = TrackerStore()
    SampleOrg(seed=seed, items=items).populate(store)
    with ExitStack() as stack:
        for source in settings.sources:
            if isinstance(source, GitHubSource):
                server = FakeGitHub(
                    store,
                    token=os.environ[source.token_env],
                    port=_port(source.base_url),
                    rate_limit=None,
                )
            elif isinstance(source, JiraSource):
                server = FakeJira(
                    store,
                    flavor=source.flavor,
                    email=os.environ[source.email_env] if source.email_env else "demo@acme.example",
                    token=os.environ[source.token_env],
                    port=_port(source.base_url),
                    rate_limit=1_000_000,
                )
            else:
                continue
            stack.enter_context(server.start())
        yield store
    store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run or serve the embedded demo organisation.")
    parser.add_argument("command", nargs="?", default="run", choices=["run", "serve"])
    parser.add_argument(
        "--config", help="demo config (default: $METRICS_CONFIG or config/metrics.yaml)"
    )
    parser.add_argument("--items", type=int, default=DEMO_ITEMS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    settings = load_settings(args.config)
    started = time.monotonic()
    with serve_sample_org(settings, items=args.items):
        elapsed = time.monotonic() - started
        print(f"sample organisation ({args.items} items) served on loopback in {elapsed:.1f}s")
        if args.command == "serve":
            print("serving the demo trackers; Ctrl-C to stop")
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                return 0
        # The sample organisation's history ends at DEFAULT_END; measuring it "as of" then keeps
        # the demo's ages, trends and forecasts meaningful and the same on every run.
        outcome = run_nightly(
            settings, instance=instance_from_environment(), as_of=DEFAULT_END.isoformat()
        )
    print("\n".join(report(settings, outcome)))
    print(f"demo finished in {time.monotonic() - started:.1f}s")
    print(f'open it: duckdb {settings.warehouse.publish_path}  (or python -c "import duckdb; ...")')
    return 0 if outcome.success else 1


if __name__ == "__main__":
    sys.exit(main())
