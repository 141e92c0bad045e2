"""`simlab run` and `simlab examples`: the public contract (flags, JSON keys, exit codes)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from typer.testing import CliRunner

from simlab.cli import app
from simlab.data import builtin_scenarios
from simlab.wire.frames import parse_frame
from simlab.wire.pcap import read_pcap

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


def test_examples_lists_every_built_in_scenario_with_a_line_each():
    result = invoke("examples")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == list(builtin_scenarios())
    assert all(len(line.split(None, 1)) == 2 for line in lines)


def test_run_json_has_the_documented_keys_and_is_identical_for_the_same_seed():
    first = invoke("run", "carp-reboot", "--json", "--seed", "3")
    second = invoke("run", "carp-reboot", "--json", "--seed", "3")
    assert first.exit_code == 0, first.output
    assert first.output == second.output
    report = json.loads(first.output)
    assert {"outages", "transitions", "availability"} <= report.keys()
    (outage,) = report["outages"]
    assert {"start", "end", "duration", "client"} <= outage.keys()
    assert outage["client"] == "client" and 2.2 < outage["duration"] < 3.5
    assert {"time", "node", "instance", "from", "to"} <= report["transitions"][0].keys()
    assert 0.9 < report["availability"] < 1.0


def test_until_shortens_the_run_and_a_file_path_works(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(builtin_scenarios()["carp-reboot"].read_text())
    report = json.loads(invoke("run", str(path), "--json", "--until", "10").output)
    assert report["until"] == 10 and report["outages"] == []


def test_plain_output_has_the_ping_view_transitions_and_summary():
    result = invoke("run", "carp-reboot")
    assert result.exit_code == 0
    out = result.output
    assert "client$ ping 192.0.2.50" in out and "Request timeout for icmp_seq" in out
    assert "server-2 kernel: carp: 1@em0: BACKUP -> MASTER (master timed out)" in out
    assert "Transitions" in out and "Summary" in out and "outage  client" in out


def test_run_types_the_scenarios_run_steps_and_reports_what_they_printed():
    result = invoke("run", "carp-console-linkdown", "--json", "--seed", "1")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    typed = [(entry["host"], entry["line"]) for entry in report["console"]]
    assert ("server-1", "ifconfig em0 down") in typed
    # the command took effect: the backup took over after server-1's em0 went down
    assert any(t["node"] == "server-2" and t["to"] == "MASTER" for t in report["transitions"]), (
        report["transitions"]
    )
    plain = invoke("run", "carp-console-linkdown", "--seed", "1").output
    assert "root@server-1:~ # ifconfig em0 down" in plain
    # its timeline is fault_phase: fixed, so nothing was shifted and the header says so
    assert report["fault_offset"] == 0
    assert "faults at their written times" in plain and "shifted" not in plain
    # a scenario without run: steps has no console key (the documented keys stay as they were)
    assert "console" not in json.loads(invoke("run", "carp-reboot", "--json").output)


def test_an_invalid_scenario_file_exits_2_naming_file_and_line_and_runs_nothing(tmp_path):
    bad = (
        builtin_scenarios()["carp-reboot"]
        .read_text()
        .replace("advskew 100 pass", "advskew 300 pass")
    )
    path = tmp_path / "bad.yaml"
    path.write_text(bad)
    result = invoke("run", str(path))
    assert result.exit_code == 2
    line = next(i for i, text in enumerate(bad.splitlines(), 1) if "advskew 300" in text)
    assert f"{path}:{line}:" in result.output and "advskew" in result.output
    assert "Transitions" not in result.output


def test_an_unknown_scenario_lists_the_built_in_ones():
    result = invoke("run", "carp-nope")
    assert result.exit_code == 2
    assert "carp-reboot" in result.output


def test_pcap_is_written_and_every_frame_decodes(tmp_path):
    pcap = tmp_path / "run.pcap"
    assert invoke("run", "keepalived-reboot", "--pcap", str(pcap), "--json").exit_code == 0
    frames = list(read_pcap(pcap))
    assert len(frames) > 100
    kinds = {type(parse_frame(r.frame).payload).__name__ for r in frames}
    assert {"VrrpAdvert", "Arp", "IcmpEcho"} <= kinds


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark not installed")
def test_tshark_reads_the_pcap_with_no_malformed_packets(tmp_path):
    pcap = tmp_path / "run.pcap"
    assert invoke("run", "carp-reboot", "--pcap", str(pcap), "--json").exit_code == 0
    malformed = subprocess.run(
        ["tshark", "-r", str(pcap), "-Y", "_ws.malformed || _ws.expert.severity == error"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert malformed.stdout.strip() == ""
    protocols = subprocess.run(
        ["tshark", "-r", str(pcap), "-T", "fields", "-e", "frame.protocols"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "vrrp" in protocols and "arp" in protocols and "icmp" in protocols
