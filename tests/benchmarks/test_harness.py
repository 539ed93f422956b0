"""The benchmark harness end to end at a tiny size, so it cannot rot (nothing here is timed)."""

from __future__ import annotations

import json

import pytest

from benchmarks import run


@pytest.mark.slow
def test_the_harness_measures_every_phase_and_writes_json_and_the_table(tmp_path):
    results = tmp_path / "results"

    exit_code = run.main(
        ["--sizes", "300", "--no-dlt", "--workdir", str(tmp_path), "--results", str(results)]
    )

    assert exit_code == 0
    measured = json.loads((results / "bench-300.json").read_text(encoding="utf-8"))
    assert not (tmp_path / "bench-300").exists(), "work directory is removed afterwards"
    for phase in ("full", "incremental", "unchanged"):
        assert measured[phase]["child"]["returncode"] == 0, phase
        assert measured[phase]["child"]["max_rss_mb"] > 0
        assert measured[phase]["child"]["ingest"]["load_log"], phase
    # the servers counted every request the pipeline made, and never fewer than the minimum
    for phase in ("full", "incremental"):
        assert measured[phase]["requests"]["total"] >= measured[phase]["minimum"]["total"]
    assert measured["changed_items"] == 3  # 1% of 300, at least one per tracker
    unchanged = measured["unchanged"]["requests"]
    assert unchanged["total"] < measured["incremental"]["requests"]["total"]
    # every model rebuilt from raw, and the row-wise baseline agrees with the mart
    assert not measured["rebuild"]["failures"]
    assert measured["rebuild"]["models"]["marts.fct_work_items"]["rows"] > 0
    assert measured["pandas"]["sample_agreeing"] == measured["pandas"]["sample"] > 0
    assert set(measured["gx"]["layers"]) == {"raw", "staging", "intermediate", "marts"}
    assert measured["load"]["jira__issues"]["items_per_second"] > 0
    table = (results / "latest.md").read_text(encoding="utf-8")
    assert "| full sync: requests / minimum |" in table
    assert "300 items" in table
