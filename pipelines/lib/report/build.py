"""Build the nightly report from the published warehouse and write it atomically.

`python -m pipelines.lib.report.build PUBLISHED.duckdb REPORT.html` rebuilds it by hand.
The report reads the published file, never the working one, so it shows exactly what analysts
and BI tools see; it is written beside its target and renamed over it, so anyone with the
report open keeps a complete page.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from pipelines.lib.report.charts import CHARTS, Panel, build_panel
from pipelines.lib.report.data import ReportContext, run_as_of, table_exists
from pipelines.lib.report.page import Headline, render_page
from pipelines.lib.warehouse import connect

TEAM_HEADLINES_SQL = """
select
    team,
    count(*) filter (where category = 'done' and completed_at > $recent) as done_4w,
    quantile_cont(cycle_time_hours / 24.0, 0.5)
        filter (where category = 'done' and completed_at > $quarter) as p50_days,
    quantile_cont(cycle_time_hours / 24.0, 0.85)
        filter (where category = 'done' and completed_at > $quarter) as p85_days,
    count(*) filter (where category = 'in_progress') as wip,
    max(wip_age_hours / 24.0) filter (where category = 'in_progress') as oldest_wip_days
from marts.fct_work_items
where kind = 'issue'
group by team
order by team
"""


@dataclass(frozen=True)
class TeamHeadline:
    """Headline flow figures of one team's issues, as of the run."""

    team: str
    done_last_4_weeks: int
    cycle_p50_days: float | None
    cycle_p85_days: float | None
    wip: int
    oldest_wip_days: float | None


@dataclass(frozen=True)
class ReportSummary:
    """What was written: where, which charts were drawn, and why any were not."""

    path: Path
    as_of: datetime
    charts: tuple[str, ...]
    no_data: dict[str, str] = field(default_factory=dict)
    size_bytes: int = 0

    @property
    def drawn(self) -> tuple[str, ...]:
        return tuple(key for key in self.charts if key not in self.no_data)


def team_headlines(conn: duckdb.DuckDBPyConnection, as_of: datetime) -> list[TeamHeadline]:
    """Per team: issues done in the last 4 weeks, cycle time p50/p85 over 12 weeks, WIP now."""
    if not table_exists(conn, "marts.fct_work_items"):
        return []
    rows = conn.execute(
        TEAM_HEADLINES_SQL,
        {"recent": as_of - timedelta(weeks=4), "quarter": as_of - timedelta(weeks=12)},
    ).fetchall()
    return [TeamHeadline(str(r[0]), int(r[1]), r[2], r[3], int(r[4]), r[5]) for r in rows]


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} d"


def _tiles(headlines: list[TeamHeadline]) -> list[Headline]:
    return [
        Headline(
            h.team,
            (
                ("issues done, last 4 weeks", f"{h.done_last_4_weeks}"),
                ("cycle time p50 (12 weeks)", _days(h.cycle_p50_days)),
                ("cycle time p85 (12 weeks)", _days(h.cycle_p85_days)),
                ("in progress now", f"{h.wip}"),
                ("oldest in progress", _days(h.oldest_wip_days)),
            ),
        )
        for h in headlines
    ]


def render_report(
    conn: duckdb.DuckDBPyConnection, warehouse_name: str
) -> tuple[str, ReportSummary]:
    """The report's HTML and its summary, from an open (read-only) warehouse connection."""
    ctx = ReportContext(conn=conn, as_of=run_as_of(conn))
    panels: list[Panel] = [build_panel(spec, ctx) for spec in CHARTS]
    html = render_page(
        panels,
        _tiles(team_headlines(conn, ctx.as_of)),
        as_of=ctx.as_of,
        generated_at=datetime.now(UTC),
        warehouse_name=warehouse_name,
    )
    summary = ReportSummary(
        path=Path(),
        as_of=ctx.as_of,
        charts=tuple(p.spec.key for p in panels),
        no_data={p.spec.key: p.empty_reason for p in panels if not p.has_chart},
        size_bytes=len(html.encode("utf-8")),
    )
    return html, summary


def write_report(published_path: Path, report_path: Path) -> ReportSummary:
    """Render the report from the published warehouse and swap it in at `report_path`."""
    published_path, report_path = Path(published_path), Path(report_path)
    conn = connect(published_path, read_only=True)
    try:
        html, summary = render_report(conn, published_path.name)
    finally:
        conn.close()
    report_path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{report_path.name}.", dir=report_path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(html)
        Path(temp_name).chmod(0o644)
        Path(temp_name).replace(report_path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return ReportSummary(
        path=report_path,
        as_of=summary.as_of,
        charts=summary.charts,
        no_data=summary.no_data,
        size_bytes=summary.size_bytes,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Build the HTML report from a published warehouse."
    )
    parser.add_argument("published", type=Path, help="the published DuckDB file")
    parser.add_argument("report", type=Path, help="where to write the HTML report")
    args = parser.parse_args(argv)
    summary = write_report(args.published, args.report)
    print(f"wrote {summary.path} ({summary.size_bytes / 1024:.0f} KiB)")
    for key, reason in summary.no_data.items():
        print(f"  no data yet for {key}: {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
