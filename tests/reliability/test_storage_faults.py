"""Storage faults: the working warehouse locked by another writer, the disk filling up while
the run writes, and corrupt or missing files.

Disk full is a real full filesystem: a 4 MiB tmpfs mounted under tmp_path for the working
warehouse (the tests run as root in CI). Where mounting is not permitted, the same case runs
the CLI in a subprocess with RLIMIT_FSIZE instead, so the write fails with EFBIG; the ledger
notes which one ran.
"""

from __future__ import annotations

import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipelines.settings import load_settings
from tests.reliability.conftest import Org
from tests.reliability.harness import (
    LEDGER,
    assert_recovered,
    cli,
    cli_env,
    org_settings,
    run,
    write_config,
)

HOLD_LOCK = """
import sys, time, duckdb
conn = duckdb.connect(sys.argv[1])
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.close()
"""


@contextmanager
def writer_holding(path: Path, seconds: float) -> Iterator[subprocess.Popen[str]]:
    """Another process with a DuckDB read-write connection open on `path`."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        yield holder
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait(timeout=30)


def test_a_locked_warehouse_makes_the_run_wait_then_fail_clearly_without_damage(
    served: Org, tmp_path
):
    LEDGER.fault("working warehouse locked by another writer past the wait limit")
    settings = org_settings(tmp_path, served.github, served.jira)
    assert run(settings).success
    before = settings.warehouse.path.stat().st_size

    with writer_holding(settings.warehouse.path, 120) as holder:
        started = time.monotonic()
        outcome = run(settings)
        waited = time.monotonic() - started

    assert not outcome.success
    assert waited >= settings.warehouse.lock_timeout_seconds
    cause = outcome.causes["raw__jira_cloud"]
    assert f"is locked by another writer (PID {holder.pid})" in cause
    assert "\n" not in cause
    assert settings.warehouse.path.stat().st_size == before
    assert run(settings).success
    assert_recovered(served.reference, settings)


def test_a_run_waits_for_a_short_lock_and_then_completes(served: Org, tmp_path):
    LEDGER.fault("working warehouse locked briefly by another writer")
    path = write_config(
        tmp_path,
        github_url=served.github.base_url,
        jira_url=served.jira.base_url,
        warehouse={
            "path": str(tmp_path / "warehouse" / "metrics.duckdb"),
            "publish_path": str(tmp_path / "published" / "metrics.duckdb"),
            "lock_timeout_seconds": 60,
        },
    )
    settings = load_settings(path)
    settings.warehouse.path.parent.mkdir(parents=True)

    with writer_holding(settings.warehouse.path, 1.5):
        outcome = run(settings)

    assert outcome.success, outcome
    assert_recovered(served.reference, settings)


@contextmanager
def tmpfs(mount_point: Path, size: str) -> Iterator[bool]:
    """A small real filesystem; yields False when this machine does not allow mounting."""
    mount_point.mkdir(parents=True, exist_ok=True)
    mounted = (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount_point)],
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (4 << 20, 4 << 20))


def test_a_full_disk_fails_the_run_cleanly_and_the_next_run_recovers(served: Org, tmp_path):
    disk = tmp_path / "disk"
    with tmpfs(disk, "4m") as mounted:
        config = write_config(
            tmp_path,
            github_url=served.github.base_url,
            jira_url=served.jira.base_url,
            warehouse={
                "path": str(disk / "metrics.duckdb"),
                "publish_path": str(tmp_path / "published" / "metrics.duckdb"),
            },
        )
        settings = load_settings(config)
        if mounted:
            LEDGER.fault("disk full while writing (4 MiB tmpfs)")
            outcome = run(settings)
            assert not outcome.success
            causes = " ".join(outcome.causes.values())
            assert "No space left on device" in causes or "Could not write" in causes, causes
            assert not settings.warehouse.publish_path.exists()
            subprocess.run(["mount", "-o", "remount,size=512m", str(disk)], check=True)
        else:
            LEDGER.fault("disk full while writing (RLIMIT_FSIZE 4 MiB)")
            result = subprocess.run(
                [sys.executable, "-m", "pipelines.run", "--config", str(config)],
                env=cli_env(),
                capture_output=True,
                text=True,
                preexec_fn=_limit_file_size,
                check=False,
                timeout=300,
            )
            assert result.returncode == 1, result.stdout + result.stderr
            assert "File too large" in result.stdout + result.stderr
        assert run(settings).success
        assert_recovered(served.reference, settings)


def test_a_corrupt_or_missing_published_file_is_republished(served: Org, tmp_path):
    LEDGER.fault("published file corrupt, and a stale half-built copy beside it")
    LEDGER.fault("published file missing")
    settings = org_settings(tmp_path, served.github, served.jira)
    assert run(settings).success
    published = settings.warehouse.publish_path

    published.write_bytes(b"\x00garbage, not a DuckDB file" * 1000)
    published.with_name(f".{published.name}.tmp").write_bytes(b"half-built by a killed run")
    assert run(settings).success
    assert_recovered(served.reference, settings)

    published.unlink()
    assert run(settings).success
    assert_recovered(served.reference, settings)


def test_a_corrupt_working_warehouse_fails_with_one_clear_line_and_is_left_untouched(
    served: Org, tmp_path
):
    LEDGER.fault("working warehouse file corrupt")
    config = write_config(tmp_path, github_url=served.github.base_url, jira_url=None)
    settings = load_settings(config)
    settings.warehouse.path.parent.mkdir(parents=True)
    garbage = b"this is not a database\n" * 4096
    settings.warehouse.path.write_bytes(garbage)

    result = cli(config)

    assert result.returncode == 1
    lines = [line for line in result.stdout.splitlines() if "failed step: raw__github_main" in line]
    assert len(lines) == 1
    assert "WarehouseCorruptError" in lines[0]
    assert "is not a readable DuckDB database" in lines[0]
    assert settings.warehouse.path.read_bytes() == garbage  # never replaced behind your back

    shutil.move(settings.warehouse.path, tmp_path / "aside.duckdb")
    assert run(settings).success
