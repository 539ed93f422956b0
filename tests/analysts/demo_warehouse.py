"""The demo organisation, published once per test session for the analyst and report tests.

It is the same sample organisation `make demo` serves (smaller), run through the real connectors
and the real nightly job with a pinned as-of time, so every query, export and chart is tested
against a realistic warehouse built the way users get theirs.
"""

from __future__ import annotations

import socket
from functools import cache
from pathlib import Path

import pytest
import yaml

from pipelines.definitions import build_definitions
from pipelines.demo import serve_sample_org
from pipelines.run import run_nightly
from pipelines.settings import Settings, load_settings

REPO_ROOT = Path(__file__).resolve().parents[2]
# The sample organisation's history ends on 2026-11-01 (connectors/fakes/sample_org.py).
DEMO_AS_OF = "2026-11-01T00:00:00+00:00"
DEMO_ITEMS = 1200
_built: dict[str, Settings] = {}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def demo_config(root: Path) -> Path:
    """The shipped demo config with free ports and every output under `root`."""
    document = yaml.safe_load((REPO_ROOT / "config" / "metrics.yaml").read_text(encoding="utf-8"))
    document["warehouse"] = {
        "path": str(root / "metrics.duckdb"),
        "publish_path": str(root / "published" / "metrics.duckdb"),
        "parquet_dir": str(root / "published" / "parquet"),
    }
    document["report"] = {"path": str(root / "published" / "report.html")}
    for source in document["sources"]:
        source["base_url"] = f"http://127.0.0.1:{_free_port()}"
    path = root / "demo.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def build_demo_warehouse(root: Path, items: int = DEMO_ITEMS, as_of: str = DEMO_AS_OF) -> Settings:
    root.mkdir(parents=True, exist_ok=True)
    settings = load_settings(demo_config(root))
    with serve_sample_org(settings, items=items):
        outcome = run_nightly(settings, as_of=as_of)
    assert outcome.success, f"the demo run failed: {outcome}"
    return settings


def shared_demo_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Build the demo warehouse on first use in the session; later callers share it."""
    if "demo" not in _built:
        _built["demo"] = build_demo_warehouse(tmp_path_factory.mktemp("demo"))
    return _built["demo"]


@cache
def graph_tables() -> frozenset[str]:
    """Tables the pipeline builds now: every `<schema>/<table>` asset of the demo's graph (SQL
    models and Python-built marts), plus the bootstrap dq.check_results."""
    graph = build_definitions(load_settings(REPO_ROOT / "config" / "metrics.yaml"))
    keys = graph.resolve_asset_graph().get_all_asset_keys()
    return frozenset({".".join(k.path) for k in keys if len(k.path) == 2} | {"dq.check_results"})
