"""The report page: one HTML file with its CSS, charts and a small script all inline.

The script does two jobs and loads nothing: it records any script error into the page
(`#report-errors`, shown as a red banner) and, once the page has laid out, marks each panel
`data-rendered="yes"` when its chart really has size and marks on screen. A headless browser
(the tests, or anyone's) reads both from the DOM.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pipelines.lib.report.charts import Panel
from pipelines.lib.report.svg import esc

STYLE = """
:root{--ink:#1f2933;--muted:#52606d;--line:#e4e7eb;--bg:#f5f7fa}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
 font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}
header{padding:20px 28px 8px}
h1{margin:0 0 4px;font-size:24px}
.meta{color:var(--muted);margin:0}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:12px;
 padding:12px 28px}
.tile{background:#fff;border:1px solid var(--line);border-radius:8px;padding:10px 14px}
.tile h3{margin:0 0 6px;font-size:15px;text-transform:capitalize}
.tile dl{display:grid;grid-template-columns:auto auto;gap:2px 12px;margin:0}
.tile dt{color:var(--muted)} .tile dd{margin:0;text-align:right;font-weight:600}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:16px;
 padding:8px 28px 28px}
.panel{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 16px;
 min-width:0}
.panel h2{margin:0 0 4px;font-size:17px}
.panel .sub{margin:0 0 8px;color:var(--muted);font-size:12.5px}
.panel svg{display:block;max-width:100%;height:auto}
.empty{margin:16px 0;padding:28px 16px;border:2px dashed var(--line);border-radius:8px;
 text-align:center;color:var(--muted)}
.empty strong{display:block;font-size:16px;color:var(--ink);margin-bottom:4px}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;margin:6px 0 2px;font-size:12px}
.chip{display:inline-flex;align-items:center;gap:6px}
.chip i{display:inline-block;width:11px;height:11px}
.chip i.dot{border-radius:50%} .chip i.line{height:3px;width:16px}
.note{margin:4px 0;color:var(--muted);font-size:12.5px}
.source{margin:8px 0 0;color:var(--muted);font-size:11.5px}
table{border-collapse:collapse;margin:6px 0;font-size:12.5px;width:100%}
caption{text-align:left;font-weight:600;padding:2px 0}
th,td{border-bottom:1px solid var(--line);padding:3px 6px;text-align:left}
th.num,td.num{text-align:right}
.status{font-weight:600;margin:6px 0} .status.ok{color:#00734f} .status.bad{color:#b54400}
#report-errors{display:none;margin:0 28px;padding:10px 14px;background:#fde8e4;
 border:1px solid #d55e00;border-radius:6px;white-space:pre-wrap}
#report-errors.has-errors{display:block}
footer{padding:0 28px 24px;color:var(--muted);font-size:12px}
@media print{body{background:#fff}.panel{break-inside:avoid}}
"""

# First in <head>, so errors thrown by anything after it are caught.
ERROR_COLLECTOR = """
window.reportErrors = [];
function reportError(message) {
  window.reportErrors.push(String(message));
  var box = document.getElementById('report-errors');
  if (box) { box.textContent = window.reportErrors.join('\\n'); box.className = 'has-errors'; }
  if (document.body) {
    document.body.setAttribute('data-script-errors', window.reportErrors.length);
  }
}
window.addEventListener('error', function (e) {
  reportError((e.message || 'error') + ' at ' + (e.filename || '?') + ':' + (e.lineno || '?'));
});
window.addEventListener('unhandledrejection', function (e) {
  reportError('unhandled promise rejection: ' + e.reason);
});
"""

RENDER_CHECK = """
(function () {
  var panels = document.querySelectorAll('section.panel');
  var drawn = 0;
  panels.forEach(function (panel) {
    var ok = false;
    if (panel.getAttribute('data-state') === 'chart') {
      var svg = panel.querySelector('svg.chart');
      if (svg) {
        var box = svg.getBoundingClientRect();
        var marks = svg.querySelectorAll('[data-mark]');
        var visible = 0;
        marks.forEach(function (m) {
          var r = m.getBoundingClientRect();
          if (r.width > 0 || r.height > 0) { visible += 1; }
        });
        ok = box.width > 100 && box.height > 50 && visible > 0 &&
          marks.length === Number(svg.getAttribute('data-marks'));
        panel.setAttribute('data-visible-marks', visible);
      }
    } else {
      var empty = panel.querySelector('.empty');
      ok = !!empty && empty.getBoundingClientRect().height > 0;
    }
    panel.setAttribute('data-rendered', ok ? 'yes' : 'no');
    if (ok && panel.getAttribute('data-state') === 'chart') { drawn += 1; }
  });
  document.body.setAttribute('data-charts-drawn', drawn);
  document.body.setAttribute('data-script-errors', window.reportErrors.length);
  document.body.setAttribute('data-page-height', document.documentElement.scrollHeight);
  document.body.setAttribute('data-check', 'done');
})();
"""


@dataclass(frozen=True)
class Headline:
    """One team's headline figures for the tiles at the top."""

    team: str
    figures: tuple[tuple[str, str], ...]


def render_panel(panel: Panel) -> str:
    spec = panel.spec
    sources = ", ".join(spec.sources)
    head = f"<h2>{esc(spec.title)}</h2>"
    if panel.drawing is not None:
        body = (
            f'<p class="sub">{esc(panel.drawing.subtitle)}</p>'
            f"<figure style='margin:0'>{panel.drawing.chart_html}</figure>"
            f"{panel.drawing.footer_html}"
        )
        state = "chart"
    else:
        body = f'<div class="empty"><strong>No data yet</strong>{esc(panel.empty_reason)}</div>'
        state = "empty"
    return (
        f'<section class="panel" id="{esc(spec.key)}" data-chart="{esc(spec.key)}" '
        f'data-state="{state}" data-sources="{esc(sources)}">{head}{body}'
        f'<p class="source">Source: {esc(sources)}</p></section>'
    )


def render_tiles(headlines: list[Headline]) -> str:
    tiles = []
    for headline in headlines:
        rows = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in headline.figures)
        tiles.append(f'<div class="tile"><h3>{esc(headline.team)}</h3><dl>{rows}</dl></div>')
    return f'<section class="tiles">{"".join(tiles)}</section>' if tiles else ""


def render_page(
    panels: list[Panel],
    headlines: list[Headline],
    *,
    as_of: datetime,
    generated_at: datetime,
    warehouse_name: str,
) -> str:
    drawn = sum(p.has_chart for p in panels)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Delivery report · {esc(as_of.strftime("%d %b %Y"))}</title>
<script>{ERROR_COLLECTOR}</script>
<style>{STYLE}</style>
</head>
<body data-charts="{len(panels)}" data-charts-with-data="{drawn}">
<header>
<h1>Delivery report</h1>
<p class="meta">Data as of <strong>{esc(as_of.strftime("%d %b %Y %H:%M"))} UTC</strong>
 · generated {esc(generated_at.strftime("%d %b %Y %H:%M"))} UTC from the published warehouse
 <code>{esc(warehouse_name)}</code> · team-level figures; definitions in docs/metrics.md.</p>
</header>
<pre id="report-errors"></pre>
{render_tiles(headlines)}
<main>
{"".join(render_panel(p) for p in panels)}
</main>
<footer>Durations are calendar days unless marked; periods are UTC. Hover any mark for its
 values. This file is self-contained: it loads nothing and works offline.</footer>
<script>{RENDER_CHECK}</script>
</body>
</html>
"""
