"""Configuration faults: each is ONE line naming the cause, on the output of
`python -m pipelines.run` (what `make run` runs), with an exit code a cron wrapper can act on
(2: the configuration cannot be loaded; 1: the run failed), and, for a source that fails at run
time, the same cause in `meta.load_log`."""

from __future__ import annotations

import socket

import pytest
import yaml

from pipelines import run as run_module
from tests.reliability.conftest import Org
from tests.reliability.harness import AS_OF, LEDGER, cli, write_config


@pytest.fixture
def main(monkeypatch, capsys):
    """`pipelines.run.main` in this process, with no persistent Dagster instance."""
    monkeypatch.delenv("DAGSTER_HOME", raising=False)

    def invoke(config) -> tuple[int, list[str], list[str]]:
        code = run_module.main(["--config", str(config), "--as-of", AS_OF])
        captured = capsys.readouterr()
        return code, captured.out.splitlines(), captured.err.splitlines()

    return invoke


def lines_naming(lines: list[str], needle: str) -> list[str]:
    return [line for line in lines if needle in line]


def test_bad_yaml_is_one_line_naming_the_file_and_line(tmp_path):
    LEDGER.fault("config: bad YAML")
    config = tmp_path / "metrics.yaml"
    config.write_text("warehouse:\n  path: [unclosed\nsources: []\n", encoding="utf-8")

    result = cli(config)

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"configuration error: {config}: not valid YAML at line 3"
    ]


def test_an_unknown_key_is_one_line_naming_the_key(served: Org, tmp_path, main):
    LEDGER.fault("config: unknown key")
    config = write_config(tmp_path, github_url=served.github.base_url, jira_url=None)
    document = yaml.safe_load(config.read_text(encoding="utf-8"))
    document["sources"][0]["verify_tls"] = False  # there is no such option
    config.write_text(yaml.safe_dump(document), encoding="utf-8")

    code, out, err = main(config)

    assert code == 2
    assert out == []
    assert len(err) == 1
    assert "'sources[0].verify_tls' is not a known key" in err[0]


def test_a_missing_ca_bundle_file_is_one_line_naming_the_key(served: Org, tmp_path, main):
    LEDGER.fault("config: ca_bundle names a missing file")
    config = write_config(
        tmp_path,
        github_url=served.github.base_url,
        jira_url=None,
        github_extra={"ca_bundle": str(tmp_path / "missing-ca.pem")},
    )

    code, _, err = main(config)

    assert code == 2
    assert len(err) == 1
    assert "'sources[0].ca_bundle' names" in err[0]
    assert "not a readable file" in err[0]


def _failure_line(out: list[str], check: str) -> str:
    found = lines_naming(out, f"failed check: {check}:")
    assert len(found) == 1, out
    return found[0]


def _load_log_error(query, config, source: str) -> str:
    settings = run_module.load_settings(config)
    return query(
        settings.warehouse.path, "select error from meta.load_log where source = ?", [source]
    )[0][0]


def test_a_missing_environment_variable_is_one_line_naming_the_variable(
    served: Org, tmp_path, main, monkeypatch, query
):
    LEDGER.fault("config: credential environment variable missing")
    monkeypatch.delenv("REL_JIRA_TOKEN")
    config = write_config(
        tmp_path, github_url=served.github.base_url, jira_url=served.jira.base_url
    )

    code, out, _ = main(config)

    assert code == 1
    line = _failure_line(out, "raw/jira_cloud:sync_succeeded")
    assert "environment variable REL_JIRA_TOKEN is not set" in line
    assert "REL_JIRA_TOKEN is not set" in _load_log_error(query, config, "jira-cloud")


def test_a_wrong_token_is_one_line_saying_401_and_where_to_look(
    served: Org, tmp_path, main, monkeypatch, query
):
    LEDGER.fault("config: wrong token (401)")
    wrong = "ghp_WRONGtokenVALUE9999"
    monkeypatch.setenv("REL_GITHUB_TOKEN", wrong)
    config = write_config(tmp_path, github_url=served.github.base_url, jira_url=None)

    code, out, err = main(config)

    assert code == 1
    line = _failure_line(out, "raw/github_main:sync_succeeded")
    assert "401 Unauthorized" in line
    assert "check the credentials in the environment variables named in the config" in line
    assert "401 Unauthorized" in _load_log_error(query, config, "github-main")
    assert wrong not in "\n".join(out + err)


def test_an_unreachable_base_url_is_one_line_saying_connection_refused(
    tmp_path, main, query, reliability_env
):
    LEDGER.fault("config: unreachable base URL (closed loopback port)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = write_config(tmp_path, github_url=None, jira_url=f"http://127.0.0.1:{port}")

    code, out, _ = main(config)

    assert code == 1
    line = _failure_line(out, "raw/jira_cloud:sync_succeeded")
    assert f"connection refused by 127.0.0.1:{port}" in line
    assert "failed after 4 attempts" in line
    assert f"127.0.0.1:{port}" in _load_log_error(query, config, "jira-cloud")
