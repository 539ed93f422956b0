"""Load and validate the pipeline's YAML configuration into typed, frozen settings.

The config file is the contract platform engineers (and their automation) write, so a typo
must fail at load with the key and the file named, never silently fall back to a default.
Credentials are never read here: sources only name the environment variables that hold them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

DEFAULT_CONFIG_PATH = Path("config/metrics.yaml")
CATEGORIES = ("todo", "in_progress", "done", "cancelled")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
DEFAULT_NOT_DELIVERED = (
    "Won't Do",
    "Won't Fix",
    "Duplicate",
    "Cannot Reproduce",
    "Declined",
    "Rejected",
    "Abandoned",
)
DEFAULT_IN_PROGRESS_LABELS = ("in progress", "in-progress", "doing", "wip")
DEFAULT_WAIT_PATTERNS = ("block", "wait", "hold", "pending", "queue")
SOURCE_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
REPO_NAME = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
PROJECT_KEY = re.compile(r"^[A-Z][A-Z0-9_]{0,49}$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ConfigError(ValueError):
    """The configuration file is missing, unreadable or invalid; the message names the key."""


@dataclass(frozen=True)
class WarehouseSettings:
    path: Path
    publish_path: Path
    parquet_dir: Path
    lock_timeout_seconds: float = 30.0


@dataclass(frozen=True)
class ReportSettings:
    path: Path


@dataclass(frozen=True)
class ScheduleSettings:
    cron: str
    timezone: str


@dataclass(frozen=True)
class GitHubSource:
    name: str
    base_url: str
    token_env: str
    repos: tuple[str, ...]
    ca_bundle: Path | None = None
    overlap_minutes: int = 5
    kind: str = "github"

    @property
    def resource_key(self) -> str:
        return "github_" + self.name.replace("-", "_")


@dataclass(frozen=True)
class JiraSource:
    name: str
    base_url: str
    flavor: str
    token_env: str
    email_env: str | None
    projects: tuple[str, ...]
    jql: str | None
    ca_bundle: Path | None = None
    overlap_minutes: int = 15
    reconcile_every_days: int = 7
    kind: str = "jira"

    @property
    def resource_key(self) -> str:
        return "jira_" + self.name.replace("-", "_")


Source = GitHubSource | JiraSource


@dataclass(frozen=True)
class Team:
    name: str
    jira_projects: tuple[str, ...]
    github_repos: tuple[str, ...]


@dataclass(frozen=True)
class WorkflowSettings:
    status_categories: Mapping[str, str]
    wait_statuses: tuple[str, ...] | None
    not_delivered_resolutions: tuple[str, ...]
    in_progress_labels: tuple[str, ...]


@dataclass(frozen=True)
class CalendarSettings:
    working_days: tuple[str, ...]
    holidays: tuple[date, ...]


@dataclass(frozen=True)
class InitiativeSettings:
    jira_issue_types: tuple[str, ...]
    github_milestones: bool
    github_label_prefix: str
    values_file: Path | None


@dataclass(frozen=True)
class CostSettings:
    default_cost_per_day: float
    teams: Mapping[str, float]


@dataclass(frozen=True)
class ComplexitySettings:
    """Trend test over monthly complexity indicators (metrics.md "Complexity")."""

    window_months: int = 6
    min_points: int = 4
    alpha: float = 0.05


@dataclass(frozen=True)
class ForecastSettings:
    """Monte Carlo forecast of open initiatives; the seed makes a night's numbers reproducible."""

    trials: int = 10_000
    seed: int = 7
    history_weeks: int = 12


@dataclass(frozen=True)
class IngestSettings:
    """How hard and how often to talk to trackers; tests shorten the waits."""

    commit_every_pages: int = 10
    max_attempts: int = 6
    backoff_base_seconds: float = 1.0
    backoff_cap_seconds: float = 60.0
    max_wait_seconds: float = 3600.0
    # How many sources sync at once (threads, one DuckDB writer process, each source with its
    # own HTTP session and so its own rate-limit budget); 1 keeps one asset per source.
    parallel_sources: int = 1
    timeout_seconds: float = 60.0


@dataclass(frozen=True)
class FreshnessWindow:
    """How old a source's last successful sync may get before it warns, then errors."""

    warn_after_hours: float = 36.0
    error_after_hours: float = 72.0


@dataclass(frozen=True)
class QualitySettings:
    """Data-quality thresholds; docs/data-quality.md explains each default."""

    freshness: FreshnessWindow = FreshnessWindow()
    freshness_by_source: Mapping[str, FreshnessWindow] = field(
        default_factory=lambda: MappingProxyType({})
    )
    row_count_warn_drop: float = 0.2
    row_count_error_drop: float = 0.5
    row_count_min_rows: int = 100
    future_skew_hours: float = 24.0
    gx_max_rows: int = 250_000
    page_path: Path | None = None

    def freshness_for(self, source: str) -> FreshnessWindow:
        return self.freshness_by_source.get(source, self.freshness)


@dataclass(frozen=True)
class Settings:
    config_path: Path
    warehouse: WarehouseSettings
    report: ReportSettings
    schedule: ScheduleSettings
    sources: tuple[Source, ...]
    teams: tuple[Team, ...]
    workflow: WorkflowSettings
    calendar: CalendarSettings
    initiatives: InitiativeSettings
    costs: CostSettings
    ingest: IngestSettings = IngestSettings()
    complexity: ComplexitySettings = ComplexitySettings()
    forecast: ForecastSettings = ForecastSettings()
    quality: QualitySettings = QualitySettings()
    extra: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def github_sources(self) -> tuple[GitHubSource, ...]:
        return tuple(s for s in self.sources if isinstance(s, GitHubSource))

    @property
    def jira_sources(self) -> tuple[JiraSource, ...]:
        return tuple(s for s in self.sources if isinstance(s, JiraSource))

    def source(self, name: str) -> Source:
        for candidate in self.sources:
            if candidate.name == name:
                return candidate
        raise KeyError(name)


class _Reader:
    """Walks the parsed YAML and names the offending key path in every error."""

    def __init__(self, config_path: Path) -> None:
        self.config_path = config_path

    def fail(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.config_path}: '{key}' {problem}")

    def mapping(
        self, value: Any, key: str, allowed: set[str], required: set[str] = frozenset()
    ) -> dict[str, Any]:  # type: ignore[assignment]
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise self.fail(key, f"must be a mapping, got {type(value).__name__}")
        unknown = sorted(set(value) - allowed)
        if unknown:
            prefix = f"{key}." if key else ""
            raise self.fail(
                f"{prefix}{unknown[0]}",
                f"is not a known key (known keys: {', '.join(sorted(allowed))})",
            )
        missing = sorted(required - set(value))
        if missing:
            prefix = f"{key}." if key else ""
            raise self.fail(f"{prefix}{missing[0]}", "is required")
        return value

    def string(self, value: Any, key: str, pattern: re.Pattern[str] | None = None) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "must be a non-empty string")
        if pattern is not None and not pattern.match(value):
            raise self.fail(key, f"has an invalid value {value!r}")
        return value

    def strings(
        self, value: Any, key: str, pattern: re.Pattern[str] | None = None
    ) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail(key, "must be a list of strings")
        return tuple(self.string(item, f"{key}[{i}]", pattern) for i, item in enumerate(value))

    def number(self, value: Any, key: str, minimum: float = 0) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, "must be a number")
        if value < minimum:
            raise self.fail(key, f"must be >= {minimum}, got {value}")
        return float(value)

    def path(self, value: Any, key: str) -> Path:
        return Path(self.string(value, key))

    def base_url(self, value: Any, key: str) -> str:
        url = self.string(value, key)
        if not re.match(r"^https?://[^\s/]+", url):
            raise self.fail(key, f"must be an http(s) URL, got {url!r}")
        return url.rstrip("/")


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Read the config named by `path`, else `METRICS_CONFIG`, else `config/metrics.yaml`."""
    config_path = Path(path or os.environ.get("METRICS_CONFIG") or DEFAULT_CONFIG_PATH)
    try:
        text = config_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"{config_path}: cannot read the configuration file ({exc.strerror})"
        ) from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{config_path}: not valid YAML{where}") from None
    return parse_settings(document, config_path)


def parse_settings(document: Any, config_path: Path) -> Settings:
    r = _Reader(config_path)
    top = r.mapping(
        document,
        "",
        {
            "warehouse",
            "report",
            "schedule",
            "sources",
            "teams",
            "workflow",
            "calendar",
            "initiatives",
            "costs",
            "complexity",
            "forecast",
            "quality",
            "ingest",
        },
        {"warehouse", "sources"},
    )
    warehouse = _warehouse(r, top["warehouse"])
    sources = _sources(r, top["sources"])
    return Settings(
        config_path=config_path,
        warehouse=warehouse,
        report=_report(r, top.get("report"), warehouse),
        schedule=_schedule(r, top.get("schedule")),
        sources=sources,
        teams=_teams(r, top.get("teams"), sources),
        workflow=_workflow(r, top.get("workflow")),
        calendar=_calendar(r, top.get("calendar")),
        initiatives=_initiatives(r, top.get("initiatives")),
        costs=_costs(r, top.get("costs")),
        ingest=_ingest(r, top.get("ingest")),
        complexity=_complexity(r, top.get("complexity")),
        forecast=_forecast(r, top.get("forecast")),
        quality=_quality(r, top.get("quality"), sources),
    )


def _warehouse(r: _Reader, value: Any) -> WarehouseSettings:
    m = r.mapping(
        value,
        "warehouse",
        {"path", "publish_path", "parquet_dir", "lock_timeout_seconds"},
        {"path", "publish_path"},
    )
    publish_path = r.path(m["publish_path"], "warehouse.publish_path")
    working = r.path(m["path"], "warehouse.path")
    if working == publish_path:
        raise r.fail("warehouse.publish_path", "must differ from warehouse.path")
    parquet_dir = (
        r.path(m["parquet_dir"], "warehouse.parquet_dir")
        if "parquet_dir" in m
        else publish_path.parent / "parquet"
    )
    return WarehouseSettings(
        path=working,
        publish_path=publish_path,
        parquet_dir=parquet_dir,
        lock_timeout_seconds=r.number(
            m.get("lock_timeout_seconds", 30), "warehouse.lock_timeout_seconds"
        ),
    )


def _report(r: _Reader, value: Any, warehouse: WarehouseSettings) -> ReportSettings:
    m = r.mapping(value, "report", {"path"})
    default = warehouse.publish_path.parent / "report.html"
    return ReportSettings(path=r.path(m["path"], "report.path") if "path" in m else default)


def _schedule(r: _Reader, value: Any) -> ScheduleSettings:
    m = r.mapping(value, "schedule", {"cron", "timezone"})
    cron = r.string(m.get("cron", "0 2 * * *"), "schedule.cron")
    if len(cron.split()) != 5:
        raise r.fail("schedule.cron", f"must have five fields, got {cron!r}")
    timezone = r.string(m.get("timezone", "UTC"), "schedule.timezone")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise r.fail("schedule.timezone", f"is not a known time zone: {timezone!r}") from None
    return ScheduleSettings(cron=cron, timezone=timezone)


def _sources(r: _Reader, value: Any) -> tuple[Source, ...]:
    if not isinstance(value, list) or not value:
        raise r.fail("sources", "must be a non-empty list")
    sources: list[Source] = []
    for i, item in enumerate(value):
        key = f"sources[{i}]"
        if not isinstance(item, dict):
            raise r.fail(key, "must be a mapping")
        kind = item.get("kind")
        if kind == "github":
            sources.append(_github_source(r, item, key))
        elif kind == "jira":
            sources.append(_jira_source(r, item, key))
        else:
            raise r.fail(f"{key}.kind", f"must be 'github' or 'jira', got {kind!r}")
    names = [s.name for s in sources]
    for name in names:
        if names.count(name) > 1:
            raise r.fail("sources", f"has the name {name!r} twice; source names must be unique")
    return tuple(sources)


def _ca_bundle(r: _Reader, m: dict[str, Any], key: str) -> Path | None:
    """An enterprise CA file (PEM); TLS is always verified, this only says against what."""
    if "ca_bundle" not in m:
        return None
    path = r.path(m["ca_bundle"], f"{key}.ca_bundle")
    if not path.is_file():
        raise r.fail(f"{key}.ca_bundle", f"names {str(path)!r}, which is not a readable file")
    return path


def _github_source(r: _Reader, item: dict[str, Any], key: str) -> GitHubSource:
    m = r.mapping(
        item,
        key,
        {"name", "kind", "base_url", "token_env", "repos", "ca_bundle", "overlap_minutes"},
        {"name", "kind", "token_env", "repos"},
    )
    repos = r.strings(m["repos"], f"{key}.repos", REPO_NAME)
    if not repos:
        raise r.fail(f"{key}.repos", "must list at least one owner/repo")
    return GitHubSource(
        name=r.string(m["name"], f"{key}.name", SOURCE_NAME),
        base_url=r.base_url(m.get("base_url", "https://api.github.com"), f"{key}.base_url"),
        token_env=r.string(m["token_env"], f"{key}.token_env", ENV_NAME),
        repos=repos,
        ca_bundle=_ca_bundle(r, m, key),
        overlap_minutes=int(r.number(m.get("overlap_minutes", 5), f"{key}.overlap_minutes")),
    )


def _jira_source(r: _Reader, item: dict[str, Any], key: str) -> JiraSource:
    m = r.mapping(
        item,
        key,
        {
            "name",
            "kind",
            "flavor",
            "base_url",
            "email_env",
            "token_env",
            "projects",
            "jql",
            "ca_bundle",
            "overlap_minutes",
            "reconcile_every_days",
        },
        {"name", "kind", "base_url", "token_env"},
    )
    flavor = m.get("flavor", "cloud")
    if flavor not in ("cloud", "datacenter"):
        raise r.fail(f"{key}.flavor", f"must be 'cloud' or 'datacenter', got {flavor!r}")
    email_env = r.string(m["email_env"], f"{key}.email_env", ENV_NAME) if "email_env" in m else None
    if flavor == "cloud" and email_env is None:
        raise r.fail(f"{key}.email_env", "is required for Jira Cloud (email + API token)")
    projects = r.strings(m.get("projects"), f"{key}.projects", PROJECT_KEY)
    jql = r.string(m["jql"], f"{key}.jql") if "jql" in m else None
    if not projects and jql is None:
        raise r.fail(f"{key}.projects", "or 'jql' must be given (Jira rejects unbounded searches)")
    return JiraSource(
        name=r.string(m["name"], f"{key}.name", SOURCE_NAME),
        base_url=r.base_url(m["base_url"], f"{key}.base_url"),
        flavor=flavor,
        token_env=r.string(m["token_env"], f"{key}.token_env", ENV_NAME),
        email_env=email_env,
        projects=projects,
        jql=jql,
        ca_bundle=_ca_bundle(r, m, key),
        overlap_minutes=int(r.number(m.get("overlap_minutes", 15), f"{key}.overlap_minutes")),
        reconcile_every_days=int(
            r.number(m.get("reconcile_every_days", 7), f"{key}.reconcile_every_days")
        ),
    )


def _teams(r: _Reader, value: Any, sources: tuple[Source, ...]) -> tuple[Team, ...]:
    m = r.mapping(value, "teams", set(value or {}))
    teams: list[Team] = []
    for name, spec in m.items():
        key = f"teams.{name}"
        r.string(name, key, SOURCE_NAME)
        t = r.mapping(spec, key, {"jira_projects", "github_repos"})
        teams.append(
            Team(
                name=name,
                jira_projects=r.strings(
                    t.get("jira_projects"), f"{key}.jira_projects", PROJECT_KEY
                ),
                github_repos=r.strings(t.get("github_repos"), f"{key}.github_repos", REPO_NAME),
            )
        )
    known_repos = {repo for s in sources if isinstance(s, GitHubSource) for repo in s.repos}
    for team in teams:
        for repo in team.github_repos:
            if repo not in known_repos:
                raise r.fail(
                    f"teams.{team.name}.github_repos", f"names {repo!r}, which no source lists"
                )
    return tuple(teams)


def _workflow(r: _Reader, value: Any) -> WorkflowSettings:
    m = r.mapping(
        value,
        "workflow",
        {"status_categories", "wait_statuses", "not_delivered_resolutions", "in_progress_labels"},
    )
    raw_map = r.mapping(
        m.get("status_categories"),
        "workflow.status_categories",
        set(m.get("status_categories") or {}),
    )
    status_categories: dict[str, str] = {}
    for status, category in raw_map.items():
        if category not in CATEGORIES:
            raise r.fail(
                f"workflow.status_categories.{status}",
                f"must be one of {', '.join(CATEGORIES)}, got {category!r}",
            )
        status_categories[str(status)] = category
    wait = m.get("wait_statuses")
    return WorkflowSettings(
        status_categories=MappingProxyType(status_categories),
        wait_statuses=None if wait is None else r.strings(wait, "workflow.wait_statuses"),
        not_delivered_resolutions=r.strings(
            m.get("not_delivered_resolutions", list(DEFAULT_NOT_DELIVERED)),
            "workflow.not_delivered_resolutions",
        ),
        in_progress_labels=r.strings(
            m.get("in_progress_labels", list(DEFAULT_IN_PROGRESS_LABELS)),
            "workflow.in_progress_labels",
        ),
    )


def _calendar(r: _Reader, value: Any) -> CalendarSettings:
    m = r.mapping(value, "calendar", {"working_days", "holidays"})
    days = r.strings(m.get("working_days", list(WEEKDAYS[:5])), "calendar.working_days")
    for i, day in enumerate(days):
        if day not in WEEKDAYS:
            raise r.fail(
                f"calendar.working_days[{i}]", f"must be one of {', '.join(WEEKDAYS)}, got {day!r}"
            )
    holidays: list[date] = []
    for i, item in enumerate(m.get("holidays") or []):
        if isinstance(item, date):
            holidays.append(item)
            continue
        try:
            holidays.append(date.fromisoformat(str(item)))
        except ValueError:
            raise r.fail(
                f"calendar.holidays[{i}]", f"must be a YYYY-MM-DD date, got {item!r}"
            ) from None
    return CalendarSettings(working_days=days, holidays=tuple(sorted(set(holidays))))


def _initiatives(r: _Reader, value: Any) -> InitiativeSettings:
    m = r.mapping(
        value,
        "initiatives",
        {"jira_issue_types", "github_milestones", "github_label_prefix", "values_file"},
    )
    milestones = m.get("github_milestones", True)
    if not isinstance(milestones, bool):
        raise r.fail("initiatives.github_milestones", "must be true or false")
    return InitiativeSettings(
        jira_issue_types=r.strings(
            m.get("jira_issue_types", ["Epic", "Initiative"]), "initiatives.jira_issue_types"
        ),
        github_milestones=milestones,
        github_label_prefix=r.string(
            m.get("github_label_prefix", "initiative:"), "initiatives.github_label_prefix"
        ),
        values_file=r.path(m["values_file"], "initiatives.values_file")
        if "values_file" in m
        else None,
    )


def _costs(r: _Reader, value: Any) -> CostSettings:
    m = r.mapping(value, "costs", {"default_cost_per_day", "teams"})
    teams_raw = r.mapping(m.get("teams"), "costs.teams", set(m.get("teams") or {}))
    return CostSettings(
        default_cost_per_day=r.number(
            m.get("default_cost_per_day", 800), "costs.default_cost_per_day"
        ),
        teams=MappingProxyType(
            {name: r.number(cost, f"costs.teams.{name}") for name, cost in teams_raw.items()}
        ),
    )


def _complexity(r: _Reader, value: Any) -> ComplexitySettings:
    defaults = ComplexitySettings()
    m = r.mapping(value, "complexity", {"window_months", "min_points", "alpha"})
    window = r.number(m.get("window_months", defaults.window_months), "complexity.window_months", 4)
    points = r.number(m.get("min_points", defaults.min_points), "complexity.min_points", 4)
    alpha = r.number(m.get("alpha", defaults.alpha), "complexity.alpha")
    if window != int(window):
        raise r.fail("complexity.window_months", f"must be a whole number, got {window:g}")
    if points != int(points) or points > window:
        raise r.fail(
            "complexity.min_points", f"must be a whole number <= window_months, got {points:g}"
        )
    if not 0 < alpha < 1:
        raise r.fail("complexity.alpha", f"must be between 0 and 1, got {alpha:g}")
    return ComplexitySettings(window_months=int(window), min_points=int(points), alpha=alpha)


def _forecast(r: _Reader, value: Any) -> ForecastSettings:
    defaults = ForecastSettings()
    m = r.mapping(value, "forecast", {"trials", "seed", "history_weeks"})
    values = {
        "trials": r.number(m.get("trials", defaults.trials), "forecast.trials", 100),
        "seed": r.number(m.get("seed", defaults.seed), "forecast.seed", 0),
        "history_weeks": r.number(
            m.get("history_weeks", defaults.history_weeks), "forecast.history_weeks", 1
        ),
    }
    for name, number in values.items():
        if number != int(number):
            raise r.fail(f"forecast.{name}", f"must be a whole number, got {number:g}")
    return ForecastSettings(**{name: int(number) for name, number in values.items()})


def _ingest(r: _Reader, value: Any) -> IngestSettings:
    defaults = IngestSettings()
    m = r.mapping(
        value,
        "ingest",
        {
            "commit_every_pages",
            "max_attempts",
            "backoff_base_seconds",
            "backoff_cap_seconds",
            "max_wait_seconds",
            "parallel_sources",
            "timeout_seconds",
        },
    )
    return IngestSettings(
        commit_every_pages=int(
            r.number(
                m.get("commit_every_pages", defaults.commit_every_pages),
                "ingest.commit_every_pages",
                1,
            )
        ),
        max_attempts=int(
            r.number(m.get("max_attempts", defaults.max_attempts), "ingest.max_attempts", 1)
        ),
        backoff_base_seconds=r.number(
            m.get("backoff_base_seconds", defaults.backoff_base_seconds),
            "ingest.backoff_base_seconds",
        ),
        backoff_cap_seconds=r.number(
            m.get("backoff_cap_seconds", defaults.backoff_cap_seconds), "ingest.backoff_cap_seconds"
        ),
        max_wait_seconds=r.number(
            m.get("max_wait_seconds", defaults.max_wait_seconds), "ingest.max_wait_seconds"
        ),
        parallel_sources=int(
            r.number(
                m.get("parallel_sources", defaults.parallel_sources), "ingest.parallel_sources", 1
            )
        ),
        timeout_seconds=r.number(
            m.get("timeout_seconds", defaults.timeout_seconds), "ingest.timeout_seconds", 0.01
        ),
    )


def _freshness_window(
    r: _Reader, value: Any, key: str, default: FreshnessWindow
) -> FreshnessWindow:
    m = r.mapping(value, key, {"warn_after_hours", "error_after_hours"})
    warn = r.number(m.get("warn_after_hours", default.warn_after_hours), f"{key}.warn_after_hours")
    error = r.number(
        m.get("error_after_hours", default.error_after_hours), f"{key}.error_after_hours"
    )
    if error < warn:
        raise r.fail(
            f"{key}.error_after_hours", f"must be >= warn_after_hours ({warn}), got {error}"
        )
    return FreshnessWindow(warn_after_hours=warn, error_after_hours=error)


def _quality(r: _Reader, value: Any, sources: tuple[Source, ...]) -> QualitySettings:
    defaults = QualitySettings()
    m = r.mapping(
        value,
        "quality",
        {"freshness", "row_count_drop", "future_skew_hours", "gx_max_rows", "page_path"},
    )
    fresh = r.mapping(
        m.get("freshness"),
        "quality.freshness",
        {"warn_after_hours", "error_after_hours", "sources"},
    )
    default_spec = {k: v for k, v in fresh.items() if k != "sources"}
    window = _freshness_window(r, default_spec, "quality.freshness", defaults.freshness)
    by_source_raw = r.mapping(
        fresh.get("sources"), "quality.freshness.sources", set(fresh.get("sources") or {})
    )
    known = {s.name for s in sources}
    by_source: dict[str, FreshnessWindow] = {}
    for name, spec in by_source_raw.items():
        key = f"quality.freshness.sources.{name}"
        if name not in known:
            raise r.fail(key, f"names a source that is not configured (known: {sorted(known)})")
        by_source[name] = _freshness_window(r, spec, key, window)
    drop = r.mapping(
        m.get("row_count_drop"), "quality.row_count_drop", {"warn_ratio", "error_ratio", "min_rows"}
    )
    warn_drop = r.number(
        drop.get("warn_ratio", defaults.row_count_warn_drop), "quality.row_count_drop.warn_ratio"
    )
    error_drop = r.number(
        drop.get("error_ratio", defaults.row_count_error_drop), "quality.row_count_drop.error_ratio"
    )
    for name, ratio in (("warn_ratio", warn_drop), ("error_ratio", error_drop)):
        if ratio > 1:
            raise r.fail(
                f"quality.row_count_drop.{name}", f"must be a share in [0, 1], got {ratio}"
            )
    if error_drop < warn_drop:
        raise r.fail(
            "quality.row_count_drop.error_ratio",
            f"must be >= warn_ratio ({warn_drop}), got {error_drop}",
        )
    min_rows = r.number(
        drop.get("min_rows", defaults.row_count_min_rows), "quality.row_count_drop.min_rows"
    )
    return QualitySettings(
        freshness=window,
        freshness_by_source=MappingProxyType(by_source),
        row_count_warn_drop=warn_drop,
        row_count_error_drop=error_drop,
        row_count_min_rows=int(min_rows),
        future_skew_hours=r.number(
            m.get("future_skew_hours", defaults.future_skew_hours), "quality.future_skew_hours"
        ),
        gx_max_rows=int(
            r.number(m.get("gx_max_rows", defaults.gx_max_rows), "quality.gx_max_rows", 1)
        ),
        page_path=r.path(m["page_path"], "quality.page_path") if "page_path" in m else None,
    )
