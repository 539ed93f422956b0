"""The analysts' data-quality page: a static HTML file built from `dq.check_results`.

Written next to the published warehouse after every check, so it is current even on a night
when a failing check kept the previous warehouse published (exactly when analysts need to
know why). Plain HTML, no scripts, no external assets; values are escaped.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from pipelines.lib.quality import data_quality_summary

STATUS_LABEL = {"failed": "FAILED", "warning": "warning", "passed": "passed"}
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.5rem; text-align: left;
         vertical-align: top; }
.failed { background: #fde2e2; } .warning { background: #fff4d6; }
code { font-size: 0.85rem; }
"""


def render_quality_page(summary: list[dict[str, Any]], generated_at: datetime) -> str:
    counts = dict.fromkeys(STATUS_LABEL, 0)
    for item in summary:
        counts[item["status"]] += 1
    rows = "\n".join(
        "<tr class='{status}'><td>{label}</td><td>{severity}</td><td>{asset}</td>"
        "<td><code>{check}</code></td><td>{observed}</td><td>{unexpected}</td>"
        "<td>{details}</td><td>{checked}</td></tr>".format(
            status=item["status"],
            label=STATUS_LABEL[item["status"]],
            severity=html.escape(str(item["severity"])),
            asset=html.escape(str(item["asset"])),
            check=html.escape(str(item["check_name"])),
            observed=html.escape(str(item["observed"] or "")),
            unexpected=item["unexpected_count"],
            details=html.escape(str(item["details"])),
            checked=html.escape(f"{item['checked_at']:%Y-%m-%d %H:%M} UTC"),
        )
        for item in summary
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Data quality</title>
<style>{STYLE}</style></head><body>
<h1>Data quality</h1>
<p>Latest result of every check, failures first; generated {generated_at:%Y-%m-%d %H:%M} UTC.
{counts["failed"]} failed, {counts["warning"]} warnings, {counts["passed"]} passed.
A failed ERROR check stops that night's publish, so the warehouse you open is the last one
that passed. Full history: the <code>dq.check_results</code> table.</p>
<table><thead><tr><th>status</th><th>severity</th><th>asset</th><th>check</th>
<th>observed</th><th>unexpected</th><th>details</th><th>checked</th></tr></thead>
<tbody>
{rows}
</tbody></table></body></html>
"""


def write_quality_page(conn: duckdb.DuckDBPyConnection, path: Path) -> Path:
    """Render the page and swap it in atomically (a reader never sees half a page)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    page = render_quality_page(data_quality_summary(conn), datetime.now(UTC))
    partial = path.with_name(f".{path.name}.tmp")
    partial.write_text(page, encoding="utf-8")
    partial.replace(path)
    return path
