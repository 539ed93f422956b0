"""Resources: the warehouse, and one tracker client per configured source.

Source resources carry the *names* of the environment variables that hold credentials, never
their values, and read them only when a client is built inside a run. So a credential cannot
reach Dagster's run config, the event log or asset metadata, and a missing variable fails that
source alone with a message naming the variable.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb

from connectors.github.client import GitHubClient
from connectors.http import RetryPolicy
from connectors.jira.client import JiraClient
from pipelines.lib.warehouse import open_warehouse
from pipelines.settings import GitHubSource, IngestSettings, JiraSource, Settings


class MissingCredentialError(RuntimeError):
    """A credential environment variable named in the config is not set."""


class WarehouseResource(dg.ConfigurableResource):
    """The pipeline's working DuckDB file; one short-lived connection per use (one writer)."""

    path: str
    lock_timeout_seconds: float = 30.0

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with open_warehouse(self.path, lock_timeout_seconds=self.lock_timeout_seconds) as conn:
            yield conn


def _env(name: str, source: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise MissingCredentialError(
            f"source {source!r}: environment variable {name} is not set (it holds the credential)"
        )
    return value


class _SourceResource(dg.ConfigurableResource):
    name: str
    base_url: str
    token_env: str
    ca_bundle: str | None = None
    max_attempts: int = 6
    backoff_base_seconds: float = 1.0
    backoff_cap_seconds: float = 60.0
    max_wait_seconds: float = 3600.0
    timeout_seconds: float = 60.0

    def _policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.max_attempts,
            backoff_base_seconds=self.backoff_base_seconds,
            backoff_cap_seconds=self.backoff_cap_seconds,
            max_wait_seconds=self.max_wait_seconds,
        )

    def _verify(self) -> bool | str:
        """Always verify: the system trust store, or the configured enterprise CA bundle."""
        return self.ca_bundle or True

    def _timeout(self) -> tuple[float, float]:
        """(connect, read) seconds; a tracker that stops answering is retried, not waited on."""
        return (min(10.0, self.timeout_seconds), self.timeout_seconds)


class GitHubSourceResource(_SourceResource):
    """A GitHub or GitHub Enterprise Server source."""

    def client(self) -> GitHubClient:
        client = GitHubClient.connect(
            self.base_url,
            _env(self.token_env, self.name),
            policy=self._policy(),
            verify=self._verify(),
        )
        client.http.timeout = self._timeout()
        return client


class JiraSourceResource(_SourceResource):
    """A Jira Cloud (email + API token) or Data Center (personal access token) source."""

    flavor: str = "cloud"
    email_env: str | None = None

    def client(self) -> JiraClient:
        email = _env(self.email_env, self.name) if self.email_env else None
        client = JiraClient.connect(
            self.base_url,
            flavor=self.flavor,
            token=_env(self.token_env, self.name),
            email=email,
            policy=self._policy(),
            verify=self._verify(),
        )
        client.http.timeout = self._timeout()
        return client


def _retry_fields(ingest: IngestSettings) -> dict[str, float | int]:
    return {
        "max_attempts": ingest.max_attempts,
        "backoff_base_seconds": ingest.backoff_base_seconds,
        "backoff_cap_seconds": ingest.backoff_cap_seconds,
        "max_wait_seconds": ingest.max_wait_seconds,
        "timeout_seconds": ingest.timeout_seconds,
    }


def build_resources(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    resources: dict[str, dg.ConfigurableResource] = {
        "warehouse": WarehouseResource(
            path=str(settings.warehouse.path),
            lock_timeout_seconds=settings.warehouse.lock_timeout_seconds,
        ),
    }
    for source in settings.sources:
        ca_bundle = str(source.ca_bundle) if source.ca_bundle else None
        if isinstance(source, GitHubSource):
            resources[source.resource_key] = GitHubSourceResource(
                name=source.name,
                base_url=source.base_url,
                token_env=source.token_env,
                ca_bundle=ca_bundle,
                **_retry_fields(settings.ingest),
            )
        elif isinstance(source, JiraSource):
            resources[source.resource_key] = JiraSourceResource(
                name=source.name,
                base_url=source.base_url,
                token_env=source.token_env,
                email_env=source.email_env,
                flavor=source.flavor,
                ca_bundle=ca_bundle,
                **_retry_fields(settings.ingest),
            )
    return resources
