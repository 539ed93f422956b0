"""What one source's sync did, in the shape run metadata and the load log want."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connectors.http import RequestStats


@dataclass
class SyncReport:
    source: str
    pages: int = 0
    items_seen: int = 0
    changelog_followups: int = 0
    rows_inserted: dict[str, int] = field(default_factory=dict)
    cursors_before: dict[str, str | None] = field(default_factory=dict)
    cursors_after: dict[str, str | None] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    http: RequestStats = field(default_factory=RequestStats)

    def add_inserted(self, inserted: dict[str, int]) -> None:
        for table, count in inserted.items():
            self.rows_inserted[table] = self.rows_inserted.get(table, 0) + count

    @property
    def succeeded(self) -> bool:
        return not self.failures

    @property
    def total_inserted(self) -> int:
        return sum(self.rows_inserted.values())

    def as_metadata(self) -> dict[str, Any]:
        return {
            "pages": self.pages,
            "items_seen": self.items_seen,
            "rows_inserted": self.total_inserted,
            "rows_inserted_by_table": dict(sorted(self.rows_inserted.items())),
            "changelog_followups": self.changelog_followups,
            "cursors_before": {k: v or "" for k, v in sorted(self.cursors_before.items())},
            "cursors_after": {k: v or "" for k, v in sorted(self.cursors_after.items())},
            "failures": list(self.failures),
            **self.http.as_metadata(),
        }
