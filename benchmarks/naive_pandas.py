"""Stage: cycle times the way a typical script computes them, row by row in pandas.

It reads the same categorized status history the SQL marts read
(``intermediate.int_status_changes__categorized``), sorts it, and walks it with ``iterrows``
keeping per-item state: first entry into in_progress, last entry into done from another
category, current category. Cycle time = last done entry - first in_progress entry, for items
whose current category is done (docs/metrics.md, "Per-item times"). The result is compared with
``marts.fct_work_items.cycle_time_hours`` on a random sample of items.

Above ``--max-rows`` history rows, only the first items' rows (whole items, up to that many rows)
are walked and the full time is extrapolated linearly: a row-wise loop's cost is linear in rows.
"""

from __future__ import annotations

import argparse
import math
import random
import resource
import time
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.child import write_output
from pipelines.lib.warehouse import connect

SAMPLE = 1000
ALL = """
select item_id, category, entered_at, ordinal
from intermediate.int_status_changes__categorized
where ? > 0
"""
#: whole items only: every row of the items that come first in item order, up to the cap
CAPPED = """
with per_item as (
    select item_id, count(*) as n from intermediate.int_status_changes__categorized group by 1
),
running as (
    select item_id, sum(n) over (order by item_id) as running_rows from per_item
)
select changes.item_id, changes.category, changes.entered_at, changes.ordinal
from intermediate.int_status_changes__categorized as changes
inner join running on running.item_id = changes.item_id
where running.running_rows <= ?
"""


def row_wise_cycle_times(frame: pd.DataFrame) -> dict[str, float | None]:
    """item_id -> cycle time in hours (None when not done or never started); one row at a time."""
    result: dict[str, float | None] = {}
    state: dict[str, Any] = {}
    current_item = None

    def close(item: str, st: dict[str, Any]) -> None:
        if st["category"] == "done" and st["started"] is not None and st["last_done"] is not None:
            result[item] = (st["last_done"] - st["started"]).total_seconds() / 3600
        else:
            result[item] = None

    for _, row in frame.iterrows():
        if row["item_id"] != current_item:
            if current_item is not None:
                close(current_item, state)
            current_item = row["item_id"]
            state = {"started": None, "last_done": None, "category": None}
        previous = state["category"]
        if row["category"] == "in_progress" and state["started"] is None:
            state["started"] = row["entered_at"]
        if row["category"] == "done" and previous != "done":
            state["last_done"] = row["entered_at"]
        state["category"] = row["category"]
    if current_item is not None:
        close(current_item, state)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--warehouse", required=True, type=Path)
    parser.add_argument("--max-rows", type=int, default=1_000_000)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    conn = connect(args.warehouse, read_only=True)
    try:
        total_rows = conn.execute(
            "select count(*) from intermediate.int_status_changes__categorized"
        ).fetchone()[0]
        started = time.monotonic()
        cpu0 = resource.getrusage(resource.RUSAGE_SELF).ru_utime
        # whole items only: every row of the items whose rows come first in item order
        query = CAPPED if total_rows > args.max_rows else ALL
        frame = conn.execute(query, [args.max_rows]).df()
        frame = frame.sort_values(["item_id", "entered_at", "ordinal"], kind="stable")
        cycle = row_wise_cycle_times(frame)
        seconds = time.monotonic() - started
        cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime - cpu0
        rows = len(frame)
        sql = dict(
            conn.execute("select item_id, cycle_time_hours from marts.fct_work_items").fetchall()
        )
    finally:
        conn.close()
    rng = random.Random(7)
    sample = rng.sample(sorted(cycle), min(SAMPLE, len(cycle)))
    agree = sum(
        1
        for item in sample
        if (cycle[item] is None and sql.get(item) is None)
        or (
            cycle[item] is not None
            and sql.get(item) is not None
            and math.isclose(cycle[item], sql[item], abs_tol=1e-6)
        )
    )
    write_output(
        args.out,
        {
            "rows_walked": rows,
            "rows_total": int(total_rows),
            "items": len(cycle),
            "seconds_walked": round(seconds, 3),
            "cpu_seconds_walked": round(cpu, 3),
            "seconds_full_estimate": round(seconds * total_rows / max(1, rows), 3),
            "extrapolated": rows < total_rows,
            "sample": len(sample),
            "sample_agreeing": agree,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
