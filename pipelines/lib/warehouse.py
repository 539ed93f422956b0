"""The DuckDB warehouse: connections, bootstrap, bulk raw loads and cursors.

DuckDB allows one writer, so every connection here is short-lived and every writer asset runs
in the `duckdb` pool. Raw loads are set-based: records are spooled to NDJSON and inserted with
one `insert ... select from read_json(...)` per table, in the same transaction that advances
the cursors they cover. A crash before commit leaves the old cursor, so the next run refetches
from there; the insert ignores versions already stored, so refetching never duplicates.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import duckdb

from pipelines.lib.raw_tables import RAW_TABLES, raw_table

BOOTSTRAP_DIR = Path(__file__).resolve().parents[2] / "models" / "bootstrap"


class RawRecord(NamedTuple):
    """One tracker object in the raw envelope; `version=None` means "hash the payload"."""

    scope: str
    native_id: str
    parent_id: str | None
    version: str | None
    payload: Any


class WarehouseError(RuntimeError):
    """The warehouse file cannot be used; the message names the file and what to do."""


class WarehouseLockedError(WarehouseError):
    """Another process held the write lock for longer than the run was willing to wait."""


class WarehouseCorruptError(WarehouseError):
    """The file exists but is not a readable DuckDB database; it is left untouched."""


DEFAULT_LOCK_TIMEOUT_SECONDS = 30.0


def connect(
    path: Path | str,
    *,
    read_only: bool = False,
    timeout_seconds: float = DEFAULT_LOCK_TIMEOUT_SECONDS,
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse in UTC, waiting a while if another process holds the write lock.

    DuckDB has one writer per file. Another writer (a second run, an analyst's CLI session on
    the working file) makes this wait up to `timeout_seconds`, then fail with a message naming
    the holder's PID; nothing is written meanwhile, so nothing can be half-written. A file that
    is not a DuckDB database is never replaced here: the raw layer in it may hold history the
    trackers no longer have, so an operator decides what to do with it.
    """
    if not read_only and str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    while True:
        try:
            conn = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            message = " ".join(str(exc).split())
            if "lock" in message.lower():
                waited = time.monotonic() - started
                if waited < timeout_seconds:
                    time.sleep(min(0.5, max(0.05, timeout_seconds - waited)))
                    continue
                holder = re.search(r"PID (\d+)", message)
                raise WarehouseLockedError(
                    f"warehouse {path} is locked by another writer"
                    f"{f' (PID {holder.group(1)})' if holder else ''}; waited {waited:.0f}s. "
                    "Another run or a tool has it open for writing: retry when it is closed"
                ) from None
            raise _corrupt_or_raise(path, exc) from None
        except (duckdb.SerializationException, duckdb.InternalException) as exc:
            raise _corrupt_or_raise(path, exc) from None
    conn.execute("set timezone = 'UTC'")
    return conn


def _corrupt_or_raise(path: Path | str, exc: duckdb.Error) -> Exception:
    message = " ".join(str(exc).split())
    lowered = message.lower()
    if any(
        marker in lowered
        for marker in ("not a valid duckdb", "corrupt", "checksum", "magic", "deserializ")
    ):
        return WarehouseCorruptError(
            f"warehouse {path} is not a readable DuckDB database ({message[:200]}); it was left "
            "as it is: move it aside and the next run rebuilds it from the trackers"
        )
    return exc


@contextmanager
def open_warehouse(
    path: Path | str, *, lock_timeout_seconds: float = DEFAULT_LOCK_TIMEOUT_SECONDS
) -> Iterator[duckdb.DuckDBPyConnection]:
    conn = connect(path, timeout_seconds=lock_timeout_seconds)
    try:
        bootstrap(conn)
        yield conn
    finally:
        conn.close()


def bootstrap(conn: duckdb.DuckDBPyConnection) -> None:
    """Create schemas, bookkeeping and raw tables if missing; safe to run on every connection."""
    for script in sorted(BOOTSTRAP_DIR.glob("*.sql")):
        sql = script.read_text(encoding="utf-8")
        if "{table}" in sql:
            for table in RAW_TABLES:
                conn.execute(sql.replace("{table}", table.name))
        else:
            conn.execute(sql)


def get_cursor(
    conn: duckdb.DuckDBPyConnection, source: str, scope: str, endpoint: str
) -> str | None:
    row = conn.execute(
        "select cursor_value from meta.sync_cursors "
        "where source = ? and scope = ? and endpoint = ?",
        [source, scope, endpoint],
    ).fetchone()
    return None if row is None else str(row[0])


INSERT_RAW = """
insert into raw.{table}
select
    $source,
    incoming.scope,
    incoming.native_id,
    incoming.parent_id,
    coalesce(incoming.version, md5(incoming.payload::varchar)),
    incoming.payload,
    $extracted_at,
    $run_id
from read_json(
    $path,
    format = 'newline_delimited',
    columns = {scope: 'VARCHAR', native_id: 'VARCHAR', parent_id: 'VARCHAR',
               version: 'VARCHAR', payload: 'JSON'}
) as incoming
where not exists (
    select 1
    from raw.{table} as stored
    where stored.source = $source
      and stored.native_id = incoming.native_id
      and stored.version = coalesce(incoming.version, md5(incoming.payload::varchar))
)
qualify row_number() over (
    partition by incoming.native_id, coalesce(incoming.version, md5(incoming.payload::varchar))
) = 1
"""


@dataclass
class RawBatch:
    """Records for several raw tables plus the cursors they justify, committed all or nothing."""

    conn: duckdb.DuckDBPyConnection
    source: str
    run_id: str
    spool_dir: Path
    _files: dict[str, Any] = field(default_factory=dict)
    _counts: dict[str, int] = field(default_factory=dict)
    _cursors: dict[tuple[str, str], str] = field(default_factory=dict)

    def add(self, table: str, records: Iterable[RawRecord]) -> None:
        raw_table(table)  # reject names outside the allow-list before touching the disk
        handle = self._files.get(table)
        if handle is None:
            path = self.spool_dir / f"{table}.ndjson"
            handle = path.open("w", encoding="utf-8")
            self._files[table] = handle
        lines = [
            json.dumps(
                {
                    "scope": r.scope,
                    "native_id": r.native_id,
                    "parent_id": r.parent_id,
                    "version": r.version,
                    "payload": r.payload,
                },
                ensure_ascii=False,
                separators=(",", ":"),
            )
            for r in records
        ]
        if lines:
            handle.write("\n".join(lines) + "\n")
            self._counts[table] = self._counts.get(table, 0) + len(lines)

    def advance(self, scope: str, endpoint: str, value: str) -> None:
        """Record the cursor this batch justifies; it is written only if the data commits."""
        self._cursors[(scope, endpoint)] = value

    @property
    def pending(self) -> int:
        return sum(self._counts.values())

    def commit(self) -> dict[str, int]:
        """Insert every spooled table and advance the cursors in one transaction."""
        for handle in self._files.values():
            handle.close()
        inserted: dict[str, int] = {}
        extracted_at = datetime.now(UTC)
        self.conn.execute("begin transaction")
        try:
            for table in self._files:
                result = self.conn.execute(
                    INSERT_RAW.replace("{table}", table),
                    {
                        "source": self.source,
                        "extracted_at": extracted_at,
                        "run_id": self.run_id,
                        "path": str(self.spool_dir / f"{table}.ndjson"),
                    },
                ).fetchone()
                inserted[table] = int(result[0]) if result else 0
            for (scope, endpoint), value in self._cursors.items():
                self.conn.execute(
                    "insert or replace into meta.sync_cursors values (?, ?, ?, ?, ?, ?)",
                    [self.source, scope, endpoint, value, self.run_id, extracted_at],
                )
            self.conn.execute("commit")
        except BaseException:
            # A failed write (disk full) can invalidate the connection, so the rollback may
            # fail too; the original error is the one worth reporting. Either way nothing of
            # this batch, cursors included, is committed.
            with suppress(duckdb.Error):
                self.conn.execute("rollback")
            raise
        finally:
            for table in self._files:
                (self.spool_dir / f"{table}.ndjson").unlink(missing_ok=True)
            self._files.clear()
            self._counts.clear()
            self._cursors.clear()
        return inserted


@contextmanager
def raw_batches(conn: duckdb.DuckDBPyConnection, source: str, run_id: str) -> Iterator[RawBatch]:
    """A spool directory that lives as long as the sync; removed even if the sync fails."""
    with tempfile.TemporaryDirectory(prefix=f"raw-{source}-") as spool:
        yield RawBatch(conn=conn, source=source, run_id=run_id, spool_dir=Path(spool))
