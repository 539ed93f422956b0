"""Render the benchmark results (one JSON per size) as the Markdown table docs/benchmarks.md
quotes: one column per size, one row per measure, targets beside the measures they judge."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Row = tuple[str, str, Callable[[dict[str, Any]], Any]]


def _get(run: dict[str, Any], *path: str) -> Any:
    node: Any = run
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if value < 10 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


SEEDED = "seeded without HTTP"


def _seeded(run: dict[str, Any]) -> bool:
    return run.get("full_sync_over_http") is False


def _http_only(cell: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], Any]:
    """Full-sync ingest measures do not exist where the raw layer was seeded directly."""

    def wrapped(run: dict[str, Any]) -> Any:
        return SEEDED if _seeded(run) else cell(run)

    return wrapped


def _requests(phase: str) -> Callable[[dict[str, Any]], Any]:
    def cell(run: dict[str, Any]) -> str | None:
        if phase == "full" and _seeded(run):
            floor = _get(run, "full_minimum", "total")
            return f"{SEEDED}; minimum {floor:,}"
        made = _get(run, phase, "requests", "total")
        minimum = _get(run, phase, "minimum", "total")
        ratio = _get(run, phase, "ratio", "total")
        if made is None:
            return None
        if minimum is None:
            return f"{made:,}"
        return f"{made:,} / {minimum:,} = {ratio}x"

    return cell


def _tracker_ratio(phase: str, tracker: str) -> Callable[[dict[str, Any]], Any]:
    def cell(run: dict[str, Any]) -> str | None:
        if phase == "full" and _seeded(run):
            return f"minimum {_get(run, 'full_minimum', tracker):,}"
        made = _get(run, phase, "requests", tracker, "requests")
        minimum = _get(run, phase, "minimum", tracker)
        if made is None or not minimum:
            return None
        return f"{made:,} / {minimum:,} = {made / minimum:.3f}x"

    return cell


def _budget(phase: str) -> Callable[[dict[str, Any]], Any]:
    def cell(run: dict[str, Any]) -> str | None:
        gh = _get(run, phase, "requests", "github")
        minimum = _get(run, phase, "minimum", "github")
        if gh is None or not minimum:
            return None
        spent = gh["requests"] - gh["not_modified"]
        return f"{spent:,} / {minimum:,} = {spent / minimum:.3f}x"

    return cell


def _unchanged(phase: str) -> Callable[[dict[str, Any]], Any]:
    def cell(run: dict[str, Any]) -> str | None:
        counts = _get(run, phase, "requests")
        if counts is None:
            return None
        gh, jira = counts["github"], counts["jira"]
        searches = sum(n for shape, n in jira["by_endpoint"].items() if "/search" in shape)
        not_modified = gh["not_modified"] + jira["not_modified"]
        other = counts["total"] - not_modified - searches
        return f"{counts['total']:,}: {not_modified:,} x 304, {searches} search, {other:,} other"

    return cell


def _dlt(phase: str, minimum_phase: str | None) -> Callable[[dict[str, Any]], Any]:
    def cell(run: dict[str, Any]) -> str | None:
        made = _get(run, phase, "requests", "total")
        if made is None:
            return None
        minimum = _get(run, minimum_phase, "minimum", "total") if minimum_phase else None
        if minimum:
            return f"{made:,} = {made / minimum:.3f}x"
        return f"{made:,}"

    return cell


def _pandas_ratio(run: dict[str, Any]) -> str | None:
    naive = _get(run, "pandas", "seconds_full_estimate")
    sql = _get(run, "rebuild", "models", "marts.fct_work_items", "seconds")
    if naive is None or not sql:
        return None
    est = " (extrapolated)" if _get(run, "pandas", "extrapolated") else ""
    return f"{naive:,.1f} s vs {sql:,.2f} s = {naive / sql:,.0f}x{est}"


def _agreement(run: dict[str, Any]) -> str | None:
    agree, sample = _get(run, "pandas", "sample_agreeing"), _get(run, "pandas", "sample")
    return None if sample is None else f"{agree}/{sample}"


def _gx(layer: str) -> Callable[[dict[str, Any]], Any]:
    def cell(run: dict[str, Any]) -> str | None:
        entry = _get(run, "gx", "layers", layer)
        if not entry:
            return None
        return (
            f"{entry['validate_seconds']:.2f} s (+{entry['read_seconds']:.2f} s read; "
            f"{entry['table']}, {entry['rows']:,} rows)"
        )

    return cell


def _dup(run: dict[str, Any]) -> str | None:
    dup = _get(run, "dlt_incremental", "child", "duplicates")
    if dup is None:
        return None
    return ", ".join(f"{table}: {n:,}" for table, n in sorted(dup.items())) or "none"


def _dlt_histories(run: dict[str, Any]) -> str | None:
    landed = _get(run, "dlt_full", "child", "tables", "jira", "jira_issues__changelog__histories")
    total = _get(run, "org", "jira_histories")
    if not landed or not total:
        return None
    return f"{landed['rows']:,} / {total:,}"


def _peak(run: dict[str, Any]) -> str | None:
    by_stage = run.get("peak_rss_by_stage_mb")
    if by_stage:
        # the seeding stage stands in for HTTP and is not part of the pipeline
        pipeline = {k: v for k, v in by_stage.items() if k != "direct_land"}
        stage, peak = max(pipeline.items(), key=lambda kv: kv[1] or 0)
        return f"{peak:,.0f} (largest stage: {stage}; each stage its own process)"
    return _fmt(_get(run, "full", "child", "max_rss_mb"))


def _pair(run: dict[str, Any], phase: str, first: str, second: str) -> str:
    return f"{_get(run, phase, first)} vs {_get(run, phase, second)}"


def _load(run: dict[str, Any]) -> str | None:
    loads = _get(run, "load")
    if not loads:
        return None
    parts = [
        f"{table.split('__')[0]} {v['items_per_second']:,}/s ({v['cpu_ms_per_page']} ms CPU/page)"
        for table, v in loads.items()
        if isinstance(v, dict) and v.get("items_per_second")
    ]
    return "; ".join(parts)


ROWS: list[Row] = [
    ("items (Jira issues + GitHub issues and PRs)", "", lambda r: r.get("items")),
    (
        "generate the store (s) / store size (GB)",
        "",
        lambda r: f"{r['generate_seconds']} / {r['store_gb']}",
    ),
    ("full sync: requests / minimum", "≤ 1.02x", _requests("full")),
    ("… GitHub", "", _tracker_ratio("full", "github")),
    ("… Jira", "", _tracker_ratio("full", "jira")),
    ("incremental (1% changed): requests / minimum", "≤ 1.05x", _requests("incremental")),
    ("… GitHub", "", _tracker_ratio("incremental", "github")),
    ("… GitHub counted by its rate limit (304s are free)", "", _budget("incremental")),
    ("… Jira", "", _tracker_ratio("incremental", "jira")),
    ("nothing changed: requests", "304s + 1 search per Jira source", _unchanged("unchanged")),
    (
        "full ingest wall (s)",
        "",
        _http_only(lambda r: _get(r, "full", "child", "ingest", "wall_seconds")),
    ),
    (
        "ingest rows/s (HTTP to DuckDB, end to end)",
        "",
        _http_only(lambda r: _get(r, "full", "ingest_rows_per_second")),
    ),
    (
        "ingest CPU per request (ms) vs loopback wall per request (ms)",
        f"≪ {3600 * 1000 / 5000:.0f} ms (GitHub's pace)",
        _http_only(
            lambda r: _pair(r, "full", "ingest_cpu_ms_per_request", "ingest_wall_ms_per_request")
        ),
    ),
    ("raw load from parsed pages into DuckDB", "", _load),
    ("rebuild all models from raw (s)", "< 60 s at 1M", lambda r: _get(r, "rebuild", "seconds")),
    (
        "… staging / intermediate / marts (s)",
        "",
        lambda r: " / ".join(
            _fmt(_get(r, "rebuild", "per_layer_seconds", k))
            for k in ("staging", "intermediate", "marts")
        ),
    ),
    (
        "transform + checks + publish in the nightly job (s)",
        "",
        lambda r: _get(r, "full", "child", "transform_check_publish", "wall_seconds"),
    ),
    (
        "peak RSS, whole nightly run, full sync (MB)",
        "< 2,048 at 1M",
        _peak,
    ),
    (
        "peak RSS, incremental / unchanged run (MB)",
        "",
        lambda r: (
            f"{_get(r, 'incremental', 'child', 'max_rss_mb')} / "
            f"{_get(r, 'unchanged', 'child', 'max_rss_mb')}"
        ),
    ),
    ("row-wise pandas cycle times vs SQL fct_work_items", "", _pandas_ratio),
    ("… sample agreeing with the mart", "all", _agreement),
    ("… pandas peak RSS (MB)", "", lambda r: _get(r, "pandas", "max_rss_mb")),
    ("GX raw", "", _gx("raw")),
    ("GX staging", "", _gx("staging")),
    ("GX intermediate", "", _gx("intermediate")),
    ("GX marts", "", _gx("marts")),
    ("dlt full: requests (x our minimum)", "", _dlt("dlt_full", "full")),
    ("dlt incremental: requests (x our minimum)", "", _dlt("dlt_incremental", "incremental")),
    ("dlt nothing changed: requests", "", _dlt("dlt_unchanged", None)),
    ("dlt duplicated rows after incremental", "", _dup),
    ("dlt Jira histories landed / in the tracker", "", _dlt_histories),
    ("seed the raw layer without HTTP (s)", "", lambda r: _get(r, "direct_land", "seconds")),
    ("failed steps / checks in the nightly runs", "none", lambda r: _failures(r)),
]


def _failures(run: dict[str, Any]) -> str:
    found: list[str] = []
    for phase in ("full", "incremental", "unchanged"):
        phase_label = "seeded" if phase == "full" and _seeded(run) else phase
        for part in ("ingest", "transform_check_publish"):
            node = _get(run, phase, "child", part) or {}
            found += [f"{phase_label}:{s}" for s in node.get("failed_steps", [])]
            found += [f"{phase_label}:{c}" for c in node.get("failed_checks", [])]
    return ", ".join(sorted(set(found))) or "none"


def render_markdown(runs: list[dict[str, Any]]) -> str:
    """The table, then the machine line."""
    sizes = [f"{r['items']:,} items" for r in runs]
    lines = [
        "| measure | target | " + " | ".join(sizes) + " |",
        "|---|---|" + "---|" * len(runs),
    ]
    for label, target, cell in ROWS:
        values = []
        for run in runs:
            try:
                values.append(_fmt(cell(run)))
            except (KeyError, TypeError, ZeroDivisionError):
                values.append("-")
        lines.append(f"| {label} | {target} | " + " | ".join(values) + " |")
    if runs:
        m = runs[-1].get("machine", {})
        lines.append("")
        lines.append(
            f"Machine: {m.get('nproc')} CPUs ({m.get('cpu_model')}), {m.get('memory_gb')} GB RAM, "
            f"Python {m.get('python')}; load average at start {m.get('load_average_at_start')}."
        )
    return "\n".join(lines) + "\n"
