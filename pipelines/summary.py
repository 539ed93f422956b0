"""Headline numbers printed after a run, read from the published warehouse like an analyst would."""

from __future__ import annotations

import duckdb

from pipelines.lib.warehouse import connect
from pipelines.settings import Settings

HEADLINE_SQL = """
select
    team,
    count(*) as items,
    count(*) filter (where category = 'done') as done,
    count(*) filter (where category = 'in_progress') as in_progress,
    round(median(cycle_time_hours) / 24, 1) as median_cycle_days,
    round(quantile_cont(lead_time_hours, 0.85) / 24, 1) as p85_lead_days
from marts.fct_work_items
group by team
order by team
"""


def headline_lines(settings: Settings) -> list[str]:
    path = settings.warehouse.publish_path
    if not path.exists():
        return [f"no published warehouse at {path} (the run did not publish)"]
    try:
        conn = connect(path, read_only=True)
    except duckdb.Error as exc:
        return [f"cannot open {path}: {exc}"]
    try:
        rows = conn.execute(HEADLINE_SQL).fetchall()
    finally:
        conn.close()
    lines = [
        f"published warehouse: {path.resolve()}",
        "team          items   done  in_progress  median_cycle_days  p85_lead_days",
    ]
    lines += [
        f"{team:<12} {items:>6} {done:>6} {wip:>12} {median if median is not None else '-':>18} "
        f"{p85 if p85 is not None else '-':>14}"
        for team, items, done, wip, median, p85 in rows
    ]
    return lines
