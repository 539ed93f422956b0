"""Credentials go nowhere: a night run through `pipelines.run` with recognisable token values,
some requests failing along the way, leaves no trace of them in any output: the working and
published DuckDB files (every table and column, raw payloads included), every other file the
run wrote (Parquet, report, Dagster's event log and compute logs), the console, the Python log
records, and the exception messages."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines import run as run_module
from pipelines.lib.warehouse import connect
from tests.reliability.conftest import Org
from tests.reliability.harness import (
    AS_OF,
    GITHUB_TOKEN,
    JIRA_EMAIL,
    JIRA_TOKEN,
    LEDGER,
    write_config,
)

SECRETS = {
    "github token": GITHUB_TOKEN,
    "jira token": JIRA_TOKEN,
    "jira basic credential": base64.b64encode(f"{JIRA_EMAIL}:{JIRA_TOKEN}".encode()).decode(),
    "any part of either token": "RELIABILITYsentinel",
}


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))
        if record.exc_info:
            self.lines.append(logging.Formatter().formatException(record.exc_info))


@pytest.fixture
def every_log_record() -> Iterator[Records]:
    root = logging.getLogger()
    handler, level = Records(), root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def duckdb_hits(path: Path, needle: str) -> list[str]:
    """Tables of a DuckDB file with the needle in any column of any row (payloads as text)."""
    conn = connect(path, read_only=True)
    try:
        tables = conn.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database()"
        ).fetchall()
        return [
            f"{path.name}:{schema}.{table}"
            for schema, table in tables
            if conn.execute(
                f'select count(*) from "{schema}"."{table}" as t '
                "where contains(cast(t as varchar), ?)",
                [needle],
            ).fetchone()[0]
        ]
    finally:
        conn.close()


def test_credentials_reach_no_output_of_a_night_with_failures(
    served: Org, tmp_path, monkeypatch, capfd, every_log_record
):
    LEDGER.fault("secrets: a night with failing requests, searched for its credentials")
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))  # a persistent event log to search
    served.github.inject(r"/repos/acme/web/issues$", 502, times=50)  # fails for good
    served.github.inject(r"/pulls/\d+/commits$", 200, times=2, drop_connection=True)
    served.jira.inject(r"/search/jql$", 429, times=2, headers={"Retry-After": "0"})
    config = write_config(
        tmp_path, github_url=served.github.base_url, jira_url=served.jira.base_url
    )
    settings = run_module.load_settings(config)

    code = run_module.main(["--config", str(config), "--as-of", AS_OF])

    console = capfd.readouterr()
    assert code == 1  # acme/web failed: the night has exceptions worth searching
    assert "acme/web" in console.out
    databases = {settings.warehouse.path, settings.warehouse.publish_path}
    assert all(path.exists() for path in databases)
    assert list((dagster_home / "history").rglob("*.db"))  # the event log was written
    # the search does read raw payloads: the API account's address (not a secret) is there
    assert duckdb_hits(settings.warehouse.path, JIRA_EMAIL) == ["metrics.duckdb:raw.jira__myself"]

    files = [p for p in sorted(tmp_path.rglob("*")) if p.is_file() and p not in databases]
    found: dict[str, list[str]] = {}
    for label, secret in SECRETS.items():
        hits = [hit for db in sorted(databases) for hit in duckdb_hits(db, secret)]
        hits += [str(p.relative_to(tmp_path)) for p in files if secret.encode() in p.read_bytes()]
        hits += ["console"] if secret in console.out + console.err else []
        hits += ["log records"] if any(secret in line for line in every_log_record.lines) else []
        if hits:
            found[label] = hits
    LEDGER.outputs_searched += len(databases) + len(files) + 2  # + console and log records
    LEDGER.secrets_found += sum(len(hits) for hits in found.values())
    assert found == {}
    assert any(p.suffix == ".db" for p in files)  # Dagster's event log was among them
    assert every_log_record.lines  # the capture worked: the failures were logged
