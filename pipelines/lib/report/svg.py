"""Tiny SVG plotting primitives: scales, ticks, axes and marks, rendered as strings.

The report must open offline from a single file, so charts are drawn here as inline SVG rather
than by a charting library from a CDN. Every data mark carries `data-mark` (the browser test
counts them) and a `<title>` (the browser shows it as a tooltip, no script needed).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html import escape

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
INK = "#1f2933"
MUTED = "#6b7785"
GRID = "#e4e7eb"
FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif"


def colour_for(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def fmt_number(value: float) -> str:
    """Axis-friendly numbers: 1.5, 12, 1.2k."""
    if abs(value) >= 10_000:
        return f"{value / 1000:.0f}k"
    if abs(value) >= 1000:
        return f"{value / 1000:.1f}k"
    if value == int(value):
        return f"{int(value)}"
    return f"{value:.1f}"


def to_epoch_days(moment: datetime | date) -> float:
    """Dates and times as fractional days since 1970-01-01 UTC, the x unit of time charts."""
    if isinstance(moment, datetime):
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return aware.timestamp() / 86400.0
    return float((moment - date(1970, 1, 1)).days)


def from_epoch_days(days: float) -> date:
    return date(1970, 1, 1) + timedelta(days=math.floor(days))


@dataclass(frozen=True)
class Scale:
    """Linear map from a data domain to a pixel range (range may be inverted for y)."""

    lo: float
    hi: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        span = self.hi - self.lo or 1.0
        return self.start + (value - self.lo) / span * (self.end - self.start)


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (steps of 1, 2, 2.5 or 5 times a power of ten)."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(lo / step) * step
    ticks = []
    value = first
    while value <= hi + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < hi:
        ticks.append(round(value, 10))
    return ticks


def date_ticks(lo: float, hi: float, max_ticks: int = 8) -> list[tuple[float, str]]:
    """Month starts (or Mondays for short spans) between two epoch-day values, labelled."""
    start, end = from_epoch_days(lo), from_epoch_days(hi)
    if (end - start).days <= 70:
        first = start + timedelta(days=(7 - start.weekday()) % 7)
        days = [first + timedelta(weeks=i) for i in range((end - first).days // 7 + 1)]
        labels = [(to_epoch_days(d), d.strftime("%d %b")) for d in days]
    else:
        months = []
        cursor = date(start.year, start.month, 1)
        if cursor < start:
            cursor = _next_month(cursor)
        while cursor <= end:
            months.append(cursor)
            cursor = _next_month(cursor)
        labels = [
            (to_epoch_days(d), d.strftime("%b %Y") if d.month == 1 or i == 0 else d.strftime("%b"))
            for i, d in enumerate(months)
        ]
    stride = max(1, math.ceil(len(labels) / max_ticks))
    return labels[::stride]


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


@dataclass
class Canvas:
    """An SVG drawing area with margins; `plot_*` is the inner rectangle data is drawn in."""

    width: int = 720
    height: int = 320
    left: int = 56
    right: int = 16
    top: int = 16
    bottom: int = 40
    parts: list[str] = field(default_factory=list)
    marks: int = 0

    @property
    def plot_left(self) -> float:
        return float(self.left)

    @property
    def plot_right(self) -> float:
        return float(self.width - self.right)

    @property
    def plot_top(self) -> float:
        return float(self.top)

    @property
    def plot_bottom(self) -> float:
        return float(self.height - self.bottom)

    def x_scale(self, lo: float, hi: float) -> Scale:
        return Scale(lo, hi, self.plot_left, self.plot_right)

    def y_scale(self, lo: float, hi: float) -> Scale:
        return Scale(lo, hi, self.plot_bottom, self.plot_top)

    def add(self, element: str) -> None:
        self.parts.append(element)

    def mark(self, element: str) -> None:
        """A data mark: counted, so the browser test can tell a drawn chart from an empty one."""
        tag_end = element.index(" ")
        self.marks += 1
        self.parts.append(f'{element[:tag_end]} data-mark=""{element[tag_end:]}')

    # axes -----------------------------------------------------------------------------------
    def y_axis(self, scale: Scale, ticks: Sequence[float], label: str) -> None:
        for tick in ticks:
            y = scale(tick)
            self.add(
                f'<line x1="{self.plot_left:.1f}" x2="{self.plot_right:.1f}" y1="{y:.1f}" '
                f'y2="{y:.1f}" stroke="{GRID}"/>'
            )
            self.add(
                f'<text x="{self.plot_left - 6:.1f}" y="{y + 4:.1f}" text-anchor="end" '
                f'font-size="11" fill="{MUTED}">{esc(fmt_number(tick))}</text>'
            )
        middle = (self.plot_top + self.plot_bottom) / 2
        self.add(
            f'<text transform="translate(14,{middle:.1f}) rotate(-90)" text-anchor="middle" '
            f'font-size="12" fill="{INK}">{esc(label)}</text>'
        )

    def x_axis_dates(self, scale: Scale, lo: float, hi: float, label: str = "") -> None:
        self.add(
            f'<line x1="{self.plot_left:.1f}" x2="{self.plot_right:.1f}" '
            f'y1="{self.plot_bottom:.1f}" y2="{self.plot_bottom:.1f}" stroke="{MUTED}"/>'
        )
        for value, text in date_ticks(lo, hi):
            x = scale(value)
            self.add(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{self.plot_bottom:.1f}" '
                f'y2="{self.plot_bottom + 4:.1f}" stroke="{MUTED}"/>'
            )
            self.add(
                f'<text x="{x:.1f}" y="{self.plot_bottom + 16:.1f}" text-anchor="middle" '
                f'font-size="11" fill="{MUTED}">{esc(text)}</text>'
            )
        if label:
            self.add(
                f'<text x="{(self.plot_left + self.plot_right) / 2:.1f}" '
                f'y="{self.height - 4:.1f}" text-anchor="middle" font-size="12" '
                f'fill="{INK}">{esc(label)}</text>'
            )

    def reference_line(
        self, y: float, text: str, colour: str, *, label_left: bool = False, dash: str = "6 4"
    ) -> None:
        """A labelled horizontal line, such as a percentile (label at the right, or left)."""
        self.add(
            f'<line x1="{self.plot_left:.1f}" x2="{self.plot_right:.1f}" y1="{y:.1f}" '
            f'y2="{y:.1f}" stroke="{colour}" stroke-width="1.5" stroke-dasharray="{dash}"/>'
        )
        x, anchor = (self.plot_left + 4, "start") if label_left else (self.plot_right - 4, "end")
        self.add(
            f'<text x="{x:.1f}" y="{y - 5:.1f}" text-anchor="{anchor}" '
            f'font-size="11" font-weight="600" fill="{colour}" paint-order="stroke" '
            f'stroke="#fff" stroke-width="3">{esc(text)}</text>'
        )

    def vertical_marker(self, x: float, text: str) -> None:
        """A labelled vertical line (such as "today"); the label sits above the plot."""
        self.add(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{self.plot_top:.1f}" '
            f'y2="{self.plot_bottom:.1f}" stroke="{INK}" stroke-width="1" stroke-dasharray="2 3"/>'
        )
        self.add(
            f'<text x="{x:.1f}" y="{self.plot_top - 6:.1f}" text-anchor="middle" '
            f'font-size="11" fill="{INK}">{esc(text)}</text>'
        )

    def row_label(self, y: float, text: str, tooltip: str = "") -> None:
        """A label left of the plot, shortened (start elided) to fit the margin; full on hover."""
        fits = max(int((self.left - 12) / 6.3), 4)
        shown = text if len(text) <= fits else "…" + text[-(fits - 1) :]
        title = f"<title>{esc(tooltip or text)}</title>"
        self.add(
            f'<text x="{self.plot_left - 8:.1f}" y="{y:.1f}" text-anchor="end" font-size="11" '
            f'fill="{INK}">{esc(shown)}{title}</text>'
        )

    def render(self, label: str) -> str:
        body = "".join(self.parts)
        return (
            f'<svg class="chart" role="img" aria-label="{esc(label)}" '
            f'viewBox="0 0 {self.width} {self.height}" width="100%" '
            f'preserveAspectRatio="xMidYMid meet" data-marks="{self.marks}" '
            f'style="{FONT}" xmlns="http://www.w3.org/2000/svg">{body}</svg>'
        )


def legend(items: Sequence[tuple[str, str]], shape: str = "square") -> str:
    """An HTML legend (wraps naturally, unlike SVG text): (label, colour) pairs."""
    chips = "".join(
        f'<span class="chip"><i class="{shape}" style="background:{esc(colour)}"></i>'
        f"{esc(text)}</span>"
        for text, colour in items
    )
    return f'<div class="legend">{chips}</div>'


def points_path(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
