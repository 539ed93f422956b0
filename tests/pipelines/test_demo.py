"""The embedded demo: the sample organisation served over loopback to the real connectors."""

from __future__ import annotations

import socket
from pathlib import Path

import yaml

from pipelines import demo

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def demo_config_in(tmp_path: Path) -> Path:
    """The shipped demo config, with free ports and the warehouse under tmp_path."""
    document = yaml.safe_load((REPO_ROOT / "config" / "metrics.yaml").read_text(encoding="utf-8"))
    document["warehouse"] = {
        "path": str(tmp_path / "metrics.duckdb"),
        "publish_path": str(tmp_path / "published" / "metrics.duckdb"),
    }
    for source in document["sources"]:
        source["base_url"] = f"http://127.0.0.1:{free_port()}"
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_the_demo_publishes_every_team_and_prints_where_the_warehouse_is(tmp_path, query, capsys):
    config = demo_config_in(tmp_path)

    exit_code = demo.main(["run", "--config", str(config), "--items", "600"])

    printed = capsys.readouterr().out
    assert exit_code == 0, printed
    assert str(tmp_path / "published" / "metrics.duckdb") in printed
    teams = query(
        tmp_path / "published" / "metrics.duckdb",
        "select team, count(*), count(lead_time_hours) from marts.fct_work_items "
        "group by team order by team",
    )
    assert [t[0] for t in teams] == ["payments", "platform", "web"]
    assert all(items > 0 and with_lead_time > 0 for _, items, with_lead_time in teams)


def test_the_demo_trackers_answer_only_with_the_demo_credentials(tmp_path, monkeypatch):
    import requests

    config = demo_config_in(tmp_path)
    for name in demo.DEMO_CREDENTIALS:
        monkeypatch.delenv(name, raising=False)
    settings = demo.load_settings(config)

    with demo.serve_sample_org(settings, items=50):
        github = settings.source("github-main").base_url
        anonymous = requests.get(f"{github}/repos/acme/api/issues", timeout=10)
        authorised = requests.get(
            f"{github}/repos/acme/api/issues",
            headers={"Authorization": "Bearer demo-github-token"},
            params={"state": "all"},
            timeout=10,
        )

    assert anonymous.status_code == 401
    assert authorised.status_code == 200
    assert len(authorised.json()) > 0
