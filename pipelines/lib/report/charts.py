"""The report's panels: one function per chart, each reading contract columns of one mart.

Durations are shown in days (marts store hours) because people think of delivery in days. Every
panel says what a mark is, the unit, and the dates it covers. Flow panels use kind_scope / kind
`issue` (Jira stories, tasks and bugs, and GitHub issues), the contract's dashboard default.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from pipelines.lib.report.data import NoDataError, ReportContext, fetch, table_columns, utc_series
from pipelines.lib.report.svg import (
    INK,
    MUTED,
    Canvas,
    colour_for,
    esc,
    legend,
    nice_ticks,
    points_path,
    to_epoch_days,
)

GOOD = "#009E73"
WARN = "#E69F00"
BAD = "#D55E00"
NEUTRAL = "#9aa5b1"
CATEGORY_COLOURS = {
    "cancelled": "#c3c9d0",
    "done": "#009E73",
    "in_progress": "#0072B2",
    "todo": "#E69F00",
}
_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")


@dataclass(frozen=True)
class Drawing:
    """What a chart function draws: the explanation, the SVG, and notes under it."""

    subtitle: str
    chart_html: str
    footer_html: str = ""


@dataclass(frozen=True)
class ChartSpec:
    """A chart of the report: its anchor, title, the tables it reads, and how to draw it."""

    key: str
    title: str
    sources: tuple[str, ...]
    draw: Callable[[ReportContext, ChartSpec], Drawing]


@dataclass(frozen=True)
class Panel:
    """One chart as rendered in the report, or the reason it has no data yet."""

    spec: ChartSpec
    drawing: Drawing | None = None
    empty_reason: str = ""

    @property
    def has_chart(self) -> bool:
        return self.drawing is not None


CHARTS: list[ChartSpec] = []


def chart(
    key: str, title: str, *sources: str
) -> Callable[[Callable[[ReportContext, ChartSpec], Drawing]], ChartSpec]:
    """Register a chart function, in report order."""

    def register(draw: Callable[[ReportContext, ChartSpec], Drawing]) -> ChartSpec:
        spec = ChartSpec(key, title, tuple(sources), draw)
        CHARTS.append(spec)
        return spec

    return register


def build_panel(spec: ChartSpec, ctx: ReportContext) -> Panel:
    """Draw one chart, or its "no data yet" panel naming why."""
    try:
        return Panel(spec, spec.draw(ctx, spec))
    except NoDataError as exc:
        return Panel(spec, empty_reason=str(exc))


def epoch_days(values: pd.Series) -> np.ndarray:
    return ((utc_series(values) - _EPOCH) / pd.Timedelta(days=1)).to_numpy(dtype=float)


def day_label(moment: datetime | pd.Timestamp) -> str:
    return pd.Timestamp(moment).strftime("%d %b %Y")


def _jitter(key: str, width: float) -> float:
    """Deterministic horizontal spread so equal values do not hide each other."""
    return ((zlib.crc32(key.encode()) % 1000) / 1000 - 0.5) * width


def _team_colours(teams: list[str]) -> dict[str, str]:
    return {team: colour_for(i) for i, team in enumerate(sorted(teams))}


def _window(ctx: ReportContext) -> str:
    return f"{day_label(ctx.window_start)} to {day_label(ctx.as_of)}"


# 1. cycle time ------------------------------------------------------------------------------
@chart("cycle-time", "Cycle time of completed issues", "marts.fct_work_items")
def cycle_time_scatter(ctx: ReportContext, spec: ChartSpec) -> Drawing:
    subtitle = (
        f"Each dot is one issue completed {_window(ctx)}, placed at its completion date; height "
        "is its cycle time (start to done) in calendar days. Dashed lines: p50 and p85 over "
        "the window — 85% of issues finished within the p85."
    )
    frame = fetch(
        ctx,
        "select team, key, title, completed_at, cycle_time_hours / 24.0 as cycle_days "
        "from marts.fct_work_items "
        "where kind = 'issue' and category = 'done' and cycle_time_hours is not null "
        "and completed_at > ? and completed_at <= ? order by completed_at",
        spec.sources,
        [ctx.window_start, ctx.as_of],
        empty_reason="No issue with a cycle time was completed in the window.",
    )
    days = frame["cycle_days"].to_numpy(dtype=float)
    p50, p85 = np.quantile(days, [0.5, 0.85])
    top = max(float(np.quantile(days, 0.98)), p85 * 1.4, 1.0)
    canvas = Canvas(height=340, bottom=36)
    x_lo, x_hi = to_epoch_days(ctx.window_start), to_epoch_days(ctx.as_of)
    x, y = canvas.x_scale(x_lo, x_hi), canvas.y_scale(0, top)
    ticks = [t for t in nice_ticks(0, top) if t <= top]
    canvas.y_axis(y, ticks, "cycle time (days)")
    canvas.x_axis_dates(x, x_lo, x_hi, "completion date (UTC)")
    colours = _team_colours(frame["team"].dropna().unique().tolist())
    xs = epoch_days(frame["completed_at"])
    for (team, key, item_title, done), px, value in zip(
        frame[["team", "key", "title", "completed_at"]].itertuples(index=False, name=None),
        xs,
        days,
        strict=True,
    ):
        tip = f"{key} ({team}): {value:.1f} days, done {day_label(done)} — {item_title}"
        colour = colours.get(team, NEUTRAL)
        if value > top:  # off the scale: a triangle on the top edge, value in the tooltip
            cx, cy = x(px), canvas.plot_top
            canvas.mark(
                f'<path d="M{cx - 4:.1f},{cy + 6:.1f}L{cx:.1f},{cy - 1:.1f}L{cx + 4:.1f},'
                f'{cy + 6:.1f}Z" fill="{colour}"><title>{esc(tip)}</title></path>'
            )
        else:
            canvas.mark(
                f'<circle cx="{x(px):.1f}" cy="{y(value):.1f}" r="3" fill="{colour}" '
                f'fill-opacity="0.55"><title>{esc(tip)}</title></circle>'
            )
    canvas.reference_line(y(p85), f"p85 {p85:.1f} d", BAD)
    canvas.reference_line(y(p50), f"p50 {p50:.1f} d", INK, label_left=True)
    footer = legend(list(colours.items()), shape="dot") + (
        f'<p class="note">{len(frame)} issues; p50 {p50:.1f} days, p85 {p85:.1f} days. '
        "Triangles on the top edge are longer than the scale; hover for values.</p>"
    )
    return Drawing(subtitle, canvas.render(spec.title), footer)


# 2. throughput ------------------------------------------------------------------------------
@chart("throughput", "Throughput per week", "marts.fct_cycle_time_summary")
def throughput(ctx: ReportContext, spec: ChartSpec) -> Drawing:
    subtitle = (
        f"Issues completed per ISO week (Monday start, UTC) and team, {_window(ctx)}. "
        "Cancelled items are not throughput."
    )
    frame = fetch(
        ctx,
        "select team, period_start, throughput from marts.fct_cycle_time_summary "
        "where period_type = 'week' and kind_scope = 'issue' "
        "and period_start > ? and period_start <= ? order by period_start",
        spec.sources,
        [ctx.window_start, ctx.as_of],
        empty_reason="No weekly throughput in the window.",
    )
    frame["week"] = utc_series(frame["period_start"]).dt.normalize()
    weeks = pd.date_range(frame["week"].min(), frame["week"].max(), freq="7D")
    grid = (
        frame.pivot_table(index="week", columns="team", values="throughput", aggfunc="sum")
        .reindex(weeks)
        .fillna(0)
    )
    top = max(float(grid.to_numpy().max()), 1.0)
    canvas = Canvas(height=300)
    x_lo, x_hi = to_epoch_days(ctx.window_start), to_epoch_days(ctx.as_of)
    x, y = canvas.x_scale(x_lo, x_hi), canvas.y_scale(0, top * 1.1)
    canvas.y_axis(y, nice_ticks(0, top * 1.1), "issues completed per week")
    canvas.x_axis_dates(x, x_lo, x_hi, "week starting (UTC)")
    colours = _team_colours(list(grid.columns))
    week_x = epoch_days(pd.Series(grid.index))
    for team in grid.columns:
        values = grid[team].to_numpy(dtype=float)
        points = [(x(wx), y(v)) for wx, v in zip(week_x, values, strict=True)]
        canvas.mark(
            f'<polyline points="{points_path(points)}" fill="none" stroke="{colours[team]}" '
            f'stroke-width="2"><title>{esc(team)}</title></polyline>'
        )
        for (px, py), week, value in zip(points, grid.index, values, strict=True):
            tip = f"{team}: {value:.0f} issues in the week of {day_label(week)}"
            canvas.add(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5" fill="{colours[team]}">'
                f"<title>{esc(tip)}</title></circle>"
            )
    recent = grid.tail(4).mean()
    summary = ", ".join(f"{team} {recent[team]:.1f}" for team in grid.columns)
    footer = legend(list(colours.items()), shape="line") + (
        f'<p class="note">Average of the last 4 weeks (issues/week): {esc(summary)}.</p>'
    )
    return Drawing(subtitle, canvas.render(spec.title), footer)


# 3. cumulative flow -------------------------------------------------------------------------
def _category_columns(ctx: ReportContext) -> dict[str, str]:
    """The per-category count columns of fct_flow_daily (named after the category)."""
    columns = set(table_columns(ctx.conn, "marts.fct_flow_daily"))
    found = {}
    for category in CATEGORY_COLOURS:
        for candidate in (category, f"{category}_items", f"{category}_count", f"items_{category}"):
            if candidate in columns:
                found[category] = candidate
                break
    if not found:
        raise NoDataError(
            "marts.fct_flow_daily has no per-category count columns "
            "(todo, in_progress, done, cancelled) yet."
        )
    return found


@chart("cumulative-flow", "Cumulative flow", "marts.fct_flow_daily")
def cumulative_flow(ctx: ReportContext, spec: ChartSpec) -> Drawing:
    subtitle = (
        f"Issues in each status category at the end of each UTC day, all teams, {_window(ctx)}. "
        "A widening in-progress band means work starts faster than it finishes."
    )
    fetch(ctx, "select 1 from marts.fct_flow_daily limit 1", spec.sources)
    columns = _category_columns(ctx)
    selected = ", ".join(f'sum("{column}") as "{cat}"' for cat, column in columns.items())
    frame = fetch(
        ctx,
        f"select day, {selected} from marts.fct_flow_daily "  # noqa: S608 - columns from the catalog
        "where kind_scope = 'issue' and day > ? and day <= ? group by day order by day",
        spec.sources,
        [ctx.window_start, ctx.as_of],
        empty_reason="No daily flow rows in the window.",
    )
    order = [c for c in ("cancelled", "done", "in_progress", "todo") if c in columns]
    stacked = frame[order].fillna(0).to_numpy(dtype=float).cumsum(axis=1)
    top = max(float(stacked[:, -1].max()), 1.0)
    canvas = Canvas(height=300)
    x_lo, x_hi = to_epoch_days(ctx.window_start), to_epoch_days(ctx.as_of)
    x, y = canvas.x_scale(x_lo, x_hi), canvas.y_scale(0, top * 1.05)
    canvas.y_axis(y, nice_ticks(0, top * 1.05), "issues")
    canvas.x_axis_dates(x, x_lo, x_hi, "day (UTC)")
    xs = [x(v) for v in epoch_days(frame["day"])]
    last = frame.iloc[-1]
    for i, category in enumerate(order):
        upper = [(px, y(v)) for px, v in zip(xs, stacked[:, i], strict=True)]
        lower_values = stacked[:, i - 1] if i else np.zeros(len(xs))
        lower = [(px, y(v)) for px, v in zip(xs, lower_values, strict=True)][::-1]
        tip = f"{category.replace('_', ' ')}: {last[category]:.0f} on {day_label(last['day'])}"
        canvas.mark(
            f'<polygon points="{points_path(upper + lower)}" fill="{CATEGORY_COLOURS[category]}" '
            f'fill-opacity="0.85" stroke="#fff" stroke-width="0.5"><title>{esc(tip)}</title>'
            "</polygon>"
        )
    items = [(c.replace("_", " "), CATEGORY_COLOURS[c]) for c in reversed(order)]
    latest = ", ".join(f"{c.replace('_', ' ')} {last[c]:.0f}" for c in reversed(order))
    footer = legend(items) + f'<p class="note">On {day_label(last["day"])}: {esc(latest)}.</p>'
    return Drawing(subtitle, canvas.render(spec.title), footer)


# 4. aging work in progress ------------------------------------------------------------------
@chart("aging-wip", "Aging work in progress", "marts.fct_work_items")
def aging_wip(ctx: ReportContext, spec: ChartSpec) -> Drawing:
    subtitle = (
        f"Each dot is an issue in progress on {day_label(ctx.as_of)}, by current status; height "
        "is days since it started. Bands: the p50 and p85 cycle time of issues completed in the "
        "last 12 weeks — a dot above p85 is older than 85% of recent issues took to finish."
    )
    frame = fetch(
        ctx,
        "select team, key, title, status, wip_age_hours / 24.0 as age_days "
        "from marts.fct_work_items where kind = 'issue' and category = 'in_progress' "
        "and wip_age_hours is not null order by wip_age_hours desc",
        spec.sources,
        empty_reason="No issue is in progress.",
    )
    recent = ctx.conn.execute(
        "select quantile_cont(cycle_time_hours / 24.0, [0.5, 0.85]) from marts.fct_work_items "
        "where kind = 'issue' and category = 'done' and completed_at > ? and completed_at <= ?",
        [ctx.as_of - pd.Timedelta(weeks=12), ctx.as_of],
    ).fetchone()
    p50, p85 = (recent[0] if recent and recent[0] else [None, None])[:2]
    ages = frame["age_days"].to_numpy(dtype=float)
    top = max(float(np.quantile(ages, 0.98)), (p85 or 0) * 1.3, 1.0)
    statuses = (
        frame.groupby("status")["age_days"].median().sort_values().index.tolist()
        if len(frame)
        else []
    )
    canvas = Canvas(height=320, bottom=44)
    x = canvas.x_scale(-0.5, len(statuses) - 0.5)
    y = canvas.y_scale(0, top)
    if p50 is not None and p85 is not None:
        for lo, hi, colour in ((0, p50, GOOD), (p50, p85, WARN), (p85, top, BAD)):
            hi_clamped = min(hi, top)
            canvas.add(
                f'<rect x="{canvas.plot_left:.1f}" y="{y(hi_clamped):.1f}" '
                f'width="{canvas.plot_right - canvas.plot_left:.1f}" '
                f'height="{max(y(lo) - y(hi_clamped), 0):.1f}" fill="{colour}" '
                'fill-opacity="0.08"/>'
            )
    canvas.y_axis(y, [t for t in nice_ticks(0, top) if t <= top], "age since start (days)")
    slot = (canvas.plot_right - canvas.plot_left) / max(len(statuses), 1)
    for i, status in enumerate(statuses):
        canvas.add(
            f'<text x="{x(i):.1f}" y="{canvas.plot_bottom + 16:.1f}" text-anchor="middle" '
            f'font-size="11" fill="{INK}">{esc(status)}</text>'
        )
    counts = frame["status"].value_counts()
    for i, status in enumerate(statuses):
        canvas.add(
            f'<text x="{x(i):.1f}" y="{canvas.plot_bottom + 30:.1f}" text-anchor="middle" '
            f'font-size="10" fill="{MUTED}">{counts[status]} items</text>'
        )
    colours = _team_colours(frame["team"].dropna().unique().tolist())
    position = {status: i for i, status in enumerate(statuses)}
    for team, key, item_title, status, age in frame[
        ["team", "key", "title", "status", "age_days"]
    ].itertuples(index=False, name=None):
        cx = x(position[status]) + _jitter(key, slot * 0.6)
        cy = y(min(age, top))
        tip = f"{key} ({team}), {status}: {age:.1f} days in progress — {item_title}"
        canvas.mark(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3.5" fill="{colours.get(team, NEUTRAL)}" '
            f'fill-opacity="0.75" stroke="#fff" stroke-width="0.5"><title>{esc(tip)}</title>'
            "</circle>"
        )
    if p50 is not None and p85 is not None:
        canvas.reference_line(y(min(p85, top)), f"p85 cycle time {p85:.1f} d", BAD)
        canvas.reference_line(y(p50), f"p50 {p50:.1f} d", INK, label_left=True)
    oldest = frame.head(5)
    rows = "".join(
        f"<tr><td>{esc(k)}</td><td>{esc(t)}</td><td>{esc(s)}</td><td class='num'>{a:.0f}</td></tr>"
        for k, t, s, a in oldest[["key", "team", "status", "age_days"]].itertuples(
            index=False, name=None
        )
    )
    over = int((ages > p85).sum()) if p85 is not None else 0
    footer = (
        legend(list(colours.items()), shape="dot")
        + f'<p class="note">{len(frame)} issues in progress; {over} older than the p85.</p>'
        + "<table><caption>Oldest in progress</caption><tr><th>item</th><th>team</th>"
        + f"<th>status</th><th class='num'>days</th></tr>{rows}</table>"
    )
    return Drawing(subtitle, canvas.render(spec.title), footer)


# 5. complexity trends -----------------------------------------------------------------------
@chart("complexity", "Where complexity is rising", "marts.fct_complexity_trends")
def complexity_trends(ctx: ReportContext, spec: ChartSpec) -> Drawing:
    frame = fetch(
        ctx,
        "select scope_id, indicator, direction, relative_slope, slope_per_month, p_value, "
        "n_periods, window_start, window_end from marts.fct_complexity_trends "
        "where scope_type = 'team' order by indicator, scope_id",
        spec.sources,
        empty_reason="No team complexity trends computed yet.",
    )
    window = (
        f"{day_label(utc_series(frame['window_start']).min())} to "
        f"{day_label(utc_series(frame['window_end']).max())}"
    )
    subtitle = (
        f"Monthly trend of each complexity indicator per team, {window}: Theil-Sen slope as % of "
        "the window's median per month, with a Mann-Kendall test. Red: rising (significant), "
        "blue: falling, grey: no significant trend."
    )
    teams = sorted(frame["scope_id"].astype(str).unique())
    indicators = sorted(frame["indicator"].astype(str).unique())
    label_w, cell_h, head_h = 190, 24, 28
    cell_w = min(150, (720 - label_w - 16) // max(len(teams), 1))
    canvas = Canvas(
        width=720,
        height=head_h + cell_h * len(indicators) + 12,
        left=label_w,
        top=head_h,
        bottom=12,
    )
    for j, team in enumerate(teams):
        canvas.add(
            f'<text x="{label_w + cell_w * j + cell_w / 2:.1f}" y="{head_h - 10}" '
            f'text-anchor="middle" font-size="12" font-weight="600" fill="{INK}">{esc(team)}</text>'
        )
    fills = {"rising": "#f4a582", "falling": "#92c5de", "flat": "#eef0f2"}
    cells = {(str(r.scope_id), str(r.indicator)): r for r in frame.itertuples(index=False)}
    for i, indicator in enumerate(indicators):
        top = head_h + cell_h * i
        canvas.add(
            f'<text x="{label_w - 8}" y="{top + cell_h / 2 + 4:.1f}" text-anchor="end" '
            f'font-size="12" fill="{INK}">{esc(indicator.replace("_", " "))}</text>'
        )
        for j, team in enumerate(teams):
            row = cells.get((team, indicator))
            left = label_w + cell_w * j
            if row is None:
                continue
            direction = str(row.direction)
            rel = row.relative_slope
            text = "n/a" if pd.isna(rel) else f"{rel * 100:+.0f}%/mo"
            arrow = {"rising": "▲ ", "falling": "▼ "}.get(direction, "")
            p_text = "n/a" if pd.isna(row.p_value) else f"{row.p_value:.3f}"
            tip = (
                f"{team} · {indicator}: {direction}, slope {row.slope_per_month} per month "
                f"({text}), p = {p_text}, {row.n_periods} months"
            )
            canvas.mark(
                f'<rect x="{left + 2}" y="{top + 2}" width="{cell_w - 4}" height="{cell_h - 4}" '
                f'rx="3" fill="{fills.get(direction, "#eef0f2")}"><title>{esc(tip)}</title></rect>'
            )
            canvas.add(
                f'<text x="{left + cell_w / 2:.1f}" y="{top + cell_h / 2 + 4:.1f}" '
                f'text-anchor="middle" font-size="11" fill="{INK}">{esc(arrow + text)}</text>'
            )
    rising = frame[frame["direction"] == "rising"]
    summary = (
        ", ".join(
            f"{r.scope_id}: {str(r.indicator).replace('_', ' ')}" for r in rising.itertuples()
        )
        or "none"
    )
    footer = f'<p class="note">Rising: {esc(summary)}.</p>'
    return Drawing(subtitle, canvas.render(spec.title), footer)


# 6. initiatives: dates ----------------------------------------------------------------------
@chart(
    "initiative-dates",
    "Initiatives: promised date versus delivery and forecast",
    "marts.fct_initiative_delivery",
)
def initiative_dates(ctx: ReportContext, spec: ChartSpec) -> Drawing:
    subtitle = (
        "One row per initiative (open ones first, then the latest delivered). ◆ promised date; "
        "● delivered (green on time, red late); open initiatives show the Monte Carlo forecast: "
        "○ p50 date with a bar to the p85 date. Right: slip in days, or the chance of finishing "
        "by the promised date."
    )
    frame = fetch(
        ctx,
        "select key, title, team, promised_date, completed_at, slip_days, on_time, "
        "forecast_p50_date, forecast_p85_date, p_on_time, promised_items, delivered_items "
        "from marts.fct_initiative_delivery "
        "where promised_date is not null and (completed_at is not null "
        "or forecast_p50_date is not null) "
        "order by completed_at is null desc, coalesce(completed_at, forecast_p50_date) desc, key "
        "limit 16",
        spec.sources,
        empty_reason="No initiative has both a promised date and a delivery or forecast yet.",
    )
    date_columns = ["promised_date", "completed_at", "forecast_p50_date", "forecast_p85_date"]
    as_x = {c: epoch_days(frame[c]) for c in date_columns}
    now_x = to_epoch_days(ctx.as_of)
    known = np.concatenate([v[~np.isnan(v)] for v in as_x.values()] + [np.array([now_x])])
    x_lo, x_hi = float(known.min()) - 7, float(known.max()) + 7
    row_h = 26
    canvas = Canvas(height=40 + row_h * len(frame) + 34, left=170, right=150, top=30, bottom=34)
    x = canvas.x_scale(x_lo, x_hi)
    canvas.x_axis_dates(x, x_lo, x_hi, "date (UTC)")
    canvas.vertical_marker(x(now_x), f"as of {day_label(ctx.as_of)}")
    for i, row in enumerate(frame.itertuples(index=False)):
        cy = canvas.plot_top + 14 + row_h * i
        canvas.row_label(cy + 4, _initiative_label(row.key), f"{row.key}: {row.title} ({row.team})")
        promised = as_x["promised_date"][i]
        done = as_x["completed_at"][i]
        p50, p85 = as_x["forecast_p50_date"][i], as_x["forecast_p85_date"][i]
        items = f"{_int(row.delivered_items)}/{_int(row.promised_items)} promised items delivered"
        if not np.isnan(done):
            colour = GOOD if row.on_time is True else BAD if row.on_time is False else NEUTRAL
            canvas.add(
                f'<line x1="{x(promised):.1f}" x2="{x(done):.1f}" y1="{cy:.1f}" y2="{cy:.1f}" '
                f'stroke="{colour}" stroke-width="2"/>'
            )
            tip = (
                f"{row.key}: promised {day_label(row.promised_date)}, delivered "
                f"{day_label(row.completed_at)}, slip {_int(row.slip_days)} days; {items}"
            )
            canvas.mark(
                f'<circle cx="{x(done):.1f}" cy="{cy:.1f}" r="5" fill="{colour}">'
                f"<title>{esc(tip)}</title></circle>"
            )
            slip = row.slip_days
            label = (
                "slip n/a"
                if pd.isna(slip)
                else f"{'late' if slip > 0 else 'on time'} {slip:+.0f} d"
            )
        else:
            hi = p85 if not np.isnan(p85) else p50
            canvas.add(
                f'<line x1="{x(p50):.1f}" x2="{x(hi):.1f}" y1="{cy:.1f}" y2="{cy:.1f}" '
                f'stroke="#0072B2" stroke-width="6" stroke-opacity="0.35"/>'
            )
            chance = "n/a" if pd.isna(row.p_on_time) else f"{row.p_on_time * 100:.0f}%"
            tip = (
                f"{row.key}: promised {day_label(row.promised_date)}; forecast p50 "
                f"{day_label(row.forecast_p50_date)}, p85 "
                f"{day_label(row.forecast_p85_date) if not np.isnan(p85) else 'n/a'}; "
                f"P(on time) {chance}; {items}"
            )
            canvas.mark(
                f'<circle cx="{x(p50):.1f}" cy="{cy:.1f}" r="5" fill="#fff" stroke="#0072B2" '
                f'stroke-width="2"><title>{esc(tip)}</title></circle>'
            )
            label = f"P(on time) {chance}"
        px = x(promised)
        canvas.add(
            f'<path d="M{px:.1f},{cy - 6:.1f}L{px + 6:.1f},{cy:.1f}L{px:.1f},{cy + 6:.1f}'
            f'L{px - 6:.1f},{cy:.1f}Z" fill="{INK}"><title>promised '
            f"{esc(day_label(row.promised_date))}</title></path>"
        )
        canvas.add(
            f'<text x="{canvas.plot_right + 8:.1f}" y="{cy + 4:.1f}" font-size="11" '
            f'fill="{INK}">{esc(label)}</text>'
        )
    delivered = frame[frame["completed_at"].notna()]
    late = int((delivered["on_time"] == False).sum())  # noqa: E712 - pandas element-wise
    footer = (
        f'<p class="note">{len(delivered)} delivered shown, {late} late; '
        f"{len(frame) - len(delivered)} open with a forecast. Hover a mark for dates.</p>"
    )
    return Drawing(subtitle, canvas.render(spec.title), footer)


def _check_group(asset: str) -> str:
    """Marts one by one; raw and staging tables (and their sources) per layer and tracker."""
    match = re.match(r"^(raw|staging)[./](?:stg_)?([a-z]+)", asset)
    if match:
        return f"{match.group(1)}: {match.group(2)}"
    return asset


def _initiative_label(key: str) -> str:
    """Milestone and label initiatives have long keys; show the repo and the name."""
    return key.replace(":milestone:", " ").replace(":label:", " ")


def _int(value: object) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{float(value):.0f}"


# 7. initiatives: scope and value ------------------------------------------------------------
@chart(
    "initiative-scope",
    "Initiatives: promised versus delivered scope and value",
    "marts.fct_initiative_delivery",
)
def initiative_scope(ctx: ReportContext, spec: ChartSpec) -> Drawing:
    subtitle = (
        "Promised items (at commitment) against promised items delivered, and items added "
        "after commitment, per initiative (the 16 most recently committed). The table compares "
        "promised and delivered ROI where the business recorded values."
    )
    frame = fetch(
        ctx,
        "select key, title, team, committed_at, promised_items, delivered_items, added_items, "
        "delivery_ratio from marts.fct_initiative_delivery where promised_items > 0 "
        "order by committed_at desc nulls last, key limit 16",
        spec.sources,
        empty_reason="No initiative has promised items yet.",
    )
    row_h = 26
    canvas = Canvas(height=24 + row_h * len(frame) + 40, left=170, right=110, top=16, bottom=36)
    top = max(
        float(
            np.nanmax(
                frame[["promised_items", "delivered_items", "added_items"]].to_numpy(dtype=float)
            )
        ),
        1.0,
    )
    x = canvas.x_scale(0, top * 1.05)
    for tick in nice_ticks(0, top * 1.05):
        if tick > top * 1.05:
            continue
        canvas.add(
            f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{canvas.plot_top}" '
            f'y2="{canvas.plot_bottom}" stroke="#e4e7eb"/>'
            f'<text x="{x(tick):.1f}" y="{canvas.plot_bottom + 14}" text-anchor="middle" '
            f'font-size="11" fill="{MUTED}">{tick:.0f}</text>'
        )
    canvas.add(
        f'<text x="{(canvas.plot_left + canvas.plot_right) / 2:.1f}" y="{canvas.height - 4}" '
        f'text-anchor="middle" font-size="12" fill="{INK}">items</text>'
    )
    for i, row in enumerate(frame.itertuples(index=False)):
        cy = canvas.plot_top + 6 + row_h * i
        promised = float(row.promised_items or 0)
        delivered = 0.0 if pd.isna(row.delivered_items) else float(row.delivered_items)
        added = 0.0 if pd.isna(row.added_items) else float(row.added_items)
        canvas.row_label(
            cy + 12, _initiative_label(row.key), f"{row.key}: {row.title} ({row.team})"
        )
        tip = (
            f"{row.key} ({row.team}): {delivered:.0f} of {promised:.0f} promised items "
            f"delivered, {added:.0f} added after commitment"
        )
        canvas.mark(
            f'<rect x="{x(0):.1f}" y="{cy:.1f}" width="{x(promised) - x(0):.1f}" height="9" '
            f'fill="#c3c9d0"><title>{esc(tip)}</title></rect>'
        )
        canvas.add(
            f'<rect x="{x(0):.1f}" y="{cy:.1f}" width="{x(delivered) - x(0):.1f}" height="9" '
            f'fill="{GOOD}"><title>{esc(tip)}</title></rect>'
        )
        if added:
            canvas.add(
                f'<rect x="{x(0):.1f}" y="{cy + 11:.1f}" width="{x(added) - x(0):.1f}" '
                f'height="5" fill="{WARN}"><title>{esc(tip)}</title></rect>'
            )
        ratio = row.delivery_ratio
        label = "n/a" if pd.isna(ratio) else f"{ratio * 100:.0f}% delivered"
        canvas.add(
            f'<text x="{canvas.plot_right + 8:.1f}" y="{cy + 9:.1f}" font-size="11" '
            f'fill="{INK}">{esc(label)}</text>'
        )
    footer = legend(
        [("promised", "#c3c9d0"), ("promised and delivered", GOOD), ("added later", WARN)]
    ) + _roi_table(ctx)
    return Drawing(subtitle, canvas.render(spec.title), footer)


def _roi_table(ctx: ReportContext) -> str:
    try:
        frame = fetch(
            ctx,
            "select key, team, promised_roi, delivered_roi, value_measured, completed_at "
            "from marts.fct_initiative_delivery "
            "where promised_roi is not null or delivered_roi is not null "
            "order by value_measured desc, completed_at desc nulls last, key limit 10",
            ("marts.fct_initiative_delivery",),
        )
    except NoDataError:
        return (
            '<p class="note">ROI: no initiative has an expected value and cost yet; record them '
            "in the initiatives file (<code>initiatives.values_file</code>).</p>"
        )
    coverage = ctx.conn.execute(
        "select count(*) filter (where value_measured), count(*) "
        "from marts.fct_initiative_delivery where completed_at is not null"
    ).fetchone() or (0, 0)

    def pct(value: object) -> str:
        return "—" if value is None or pd.isna(value) else f"{float(value) * 100:+.0f}%"

    rows = "".join(
        f"<tr><td>{esc(r.key)}</td><td>{esc(r.team)}</td><td class='num'>{pct(r.promised_roi)}"
        f"</td><td class='num'>{pct(r.delivered_roi)}</td></tr>"
        for r in frame.itertuples(index=False)
    )
    return (
        "<table><caption>Promised versus delivered ROI</caption><tr><th>initiative</th>"
        "<th>team</th><th class='num'>promised ROI</th><th class='num'>delivered ROI</th></tr>"
        f"{rows}</table><p class='note'>Value measured for {coverage[0]} of {coverage[1]} "
        "completed initiatives.</p>"
    )


# 8. data quality ----------------------------------------------------------------------------
@chart("data-quality", "Data quality: last run's checks", "dq.check_results")
def data_quality(ctx: ReportContext, spec: ChartSpec) -> Drawing:
    frame = fetch(
        ctx,
        "with last_run as (select run_id from dq.check_results "
        "order by checked_at desc limit 1) "
        "select asset, check_name, severity, success, observed, unexpected_count, checked_at "
        "from dq.check_results where run_id in (select run_id from last_run) "
        "order by success, severity, asset, check_name",
        spec.sources,
        empty_reason="No data-quality check has been recorded yet.",
    )
    checked = day_label(utc_series(frame["checked_at"]).max())
    failed = frame[~frame["success"].astype(bool)]
    subtitle = (
        f"Checks recorded in dq.check_results by the last run ({checked}): per mart, and per "
        "tracker for the raw and staging layers. "
        "ERROR failures stop the publish; WARN failures are recorded and published."
    )
    per_asset = (
        frame.assign(
            group=frame["asset"].astype(str).map(_check_group),
            passed=frame["success"].astype(bool),
            failed_error=~frame["success"].astype(bool) & (frame["severity"] == "ERROR"),
            failed_warn=~frame["success"].astype(bool) & (frame["severity"] != "ERROR"),
        )
        .groupby("group")[["passed", "failed_warn", "failed_error"]]
        .sum()
        .sort_index()
    )
    row_h = 24
    canvas = Canvas(height=20 + row_h * len(per_asset) + 36, left=200, right=60, top=12, bottom=34)
    top = max(float(per_asset.sum(axis=1).max()), 1.0)
    x = canvas.x_scale(0, top)
    colours = {"passed": GOOD, "failed_warn": WARN, "failed_error": BAD}
    for i, (asset, counts) in enumerate(per_asset.iterrows()):
        cy = canvas.plot_top + 4 + row_h * i
        canvas.row_label(cy + 12, str(asset))
        start = 0.0
        for column, colour in colours.items():
            value = float(counts[column])
            if value <= 0:
                continue
            tip = f"{asset}: {value:.0f} {column.replace('_', ' ')}"
            canvas.mark(
                f'<rect x="{x(start):.1f}" y="{cy:.1f}" width="{x(start + value) - x(start):.1f}" '
                f'height="16" fill="{colour}"><title>{esc(tip)}</title></rect>'
            )
            start += value
        canvas.add(
            f'<text x="{x(start) + 6:.1f}" y="{cy + 12:.1f}" font-size="11" fill="{MUTED}">'
            f"{start:.0f}</text>"
        )
    canvas.add(
        f'<text x="{(canvas.plot_left + canvas.plot_right) / 2:.1f}" y="{canvas.height - 8}" '
        f'text-anchor="middle" font-size="12" fill="{INK}">checks</text>'
    )
    if failed.empty:
        status = f'<p class="status ok">All {len(frame)} checks passed.</p>'
    else:
        rows = "".join(
            f"<tr><td>{esc(r.asset)}</td><td>{esc(r.check_name)}</td><td>{esc(r.severity)}</td>"
            f"<td class='num'>{_int(r.unexpected_count)}</td></tr>"
            for r in failed.head(12).itertuples(index=False)
        )
        status = (
            f'<p class="status bad">{len(failed)} of {len(frame)} checks failed.</p>'
            "<table><caption>Failed checks</caption><tr><th>asset</th><th>check</th>"
            f"<th>severity</th><th class='num'>unexpected</th></tr>{rows}</table>"
        )
    footer = legend([("passed", GOOD), ("failed (WARN)", WARN), ("failed (ERROR)", BAD)]) + status
    return Drawing(subtitle, canvas.render(spec.title), footer)
