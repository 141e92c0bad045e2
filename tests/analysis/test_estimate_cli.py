"""``simlab estimate``: text and JSON contract, errors, every built-in scenario out of the box."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from simlab.cli import app
from simlab.data import builtin_scenarios

FAST = ["--years", "20", "--replications", "8", "--gap-samples", "1"]


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def test_json_contract():
    result = invoke("estimate", "carp-reboot", "--json", "--seed", "3", *FAST)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert {"availability", "ci95", "downtime_minutes_per_year", "by_cause"} <= set(out)
    lo, hi = out["ci95"]
    assert lo <= out["availability"] <= hi
    assert out["by_cause"]["switch"] > out["by_cause"]["failover"]  # the lone switch dominates
    assert out["scenario"] == "carp-reboot" and out["seed"] == 3
    again = json.loads(invoke("estimate", "carp-reboot", "--json", "--seed", "3", *FAST).stdout)
    assert again == out


def test_text_report():
    result = invoke("estimate", "keepalived-reboot", *FAST)
    assert result.exit_code == 0, result.output
    assert "availability" in result.stdout and "min/yr" in result.stdout
    assert "by cause" in result.stdout and "preempts: yes" in result.stdout


def test_scenario_file_overrides_the_defaults(tmp_path):
    text = builtin_scenarios()["carp-reboot"].read_text()
    path = tmp_path / "mine.yaml"
    path.write_text(text + "failures:\n  servers: {mtbf: 1000, mttr: 4}\n  switches: null\n")
    out = json.loads(invoke("estimate", str(path), "--json", *FAST).stdout)
    assert out["by_cause"]["switch"] == 0.0
    # about 8.34 min/yr both down plus ~2.6 s per failover: ~8.7
    assert 4 < out["downtime_minutes_per_year"] < 14


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "no such scenario"),
        (["carp-reboot", "--years", "0"], "--years"),
        (["carp-reboot", "--replications", "1"], "--replications"),
        (["carp-reboot", "--rel-tol", "2"], "--rel-tol"),
    ],
)
def test_bad_input_exits_2(args, message):
    result = invoke("estimate", *args)
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize("name", sorted(builtin_scenarios()))
def test_every_builtin_scenario_works_out_of_the_box(name):
    result = invoke("estimate", name, "--json", "--years", "10", "--replications", "3",
                    "--gap-samples", "1")  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert 0.0 < out["availability"] <= 1.0


def test_what_if_ranks_the_lone_switch_first():
    result = invoke("estimate", "carp-reboot", "--json", "--what-if", *FAST)
    assert result.exit_code == 0, result.output
    ranking = json.loads(result.stdout)["fix_first"]
    assert ranking[0]["change"] == "redundant switch"
    saved = [row["saved_minutes_per_year"] for row in ranking]
    assert saved == sorted(saved, reverse=True)
    text = invoke("estimate", "carp-reboot", "--what-if", *FAST).stdout
    assert "fix first" in text and "redundant switch" in text
