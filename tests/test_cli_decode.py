"""`simlab decode`: the small tshark of this field, on the real captures."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from simlab.cli import app
from simlab.data import capture_path

runner = CliRunner()


def decode(*args: str):
    return runner.invoke(app, ["decode", *args])


def json_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_vrrp2_capture_one_line_per_advert_with_the_fields_that_matter():
    result = decode(str(capture_path("keepalived-vrrp2.pcap")))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 15  # every frame of that capture is a VRRP advert
    assert "192.0.2.11 -> 224.0.0.18" in lines[0]
    assert "VRRPv2 vrid 51 prio 150 int 1s [192.0.2.50] auth PASS 's3cr3t'" in lines[0]
    assert "cksum 0x7b7d ok" in lines[0]
    assert "prio 0 " in lines[5]  # the SIGTERM goodbye
    assert "192.0.2.12 -> 224.0.0.18" in lines[6]


def test_json_objects_carry_the_documented_keys():
    result = decode(str(capture_path("keepalived-vrrp3-adv050.pcap")), "--json")
    assert result.exit_code == 0, result.output
    packets = json_lines(result.output)
    first = packets[0]
    for key in (
        "time",
        "source",
        "protocol",
        "version",
        "vrid",
        "priority",
        "interval",
        "addresses",
        "checksum_status",
        "checksum_rule",
    ):
        assert key in first, key
    assert first["protocol"] == "VRRP" and first["version"] == 3
    assert first["interval"] == 0.5
    assert first["addresses"] == ["192.0.2.50"]
    assert all(p["checksum_status"] == "ok" for p in packets)
    # keepalived 2.2.7 sums the IPv4 pseudo-header for v3 (RFC 5798 as most code read it)
    assert {p["checksum_rule"] for p in packets} == {"ipv4-pseudo-header"}


def test_carp_hmac_verifies_with_vips_inferred_from_the_gratuitous_arps():
    result = decode(str(capture_path("ucarp-carp.pcap")), "--json", "--password", "s3cr3t")
    assert result.exit_code == 0, result.output
    assert "inferred from the gratuitous ARPs" in result.output
    assert "192.0.2.50" in result.output
    carp = [p for p in json_lines(result.output) if p["protocol"] == "CARP"]
    assert len(carp) == 13
    assert {p["hmac"] for p in carp} == {"ok"}
    assert {p["vhid"] for p in carp} == {51}
    assert {p["advskew"] for p in carp} == {0, 100}
    assert all("classified_by" in p for p in carp)
    garps = [p for p in json_lines(result.output) if p["protocol"] == "ARP" and p["gratuitous"]]
    assert garps and all(p["sender_ip"] == p["target_ip"] == "192.0.2.50" for p in garps)


def test_carp_hmac_fails_with_a_wrong_password_or_a_wrong_vip():
    path = str(capture_path("ucarp-carp.pcap"))
    wrong_pass = json_lines(decode(path, "--json", "--password", "nope").output)
    assert {p["hmac"] for p in wrong_pass if p["protocol"] == "CARP"} == {"bad"}
    wrong_vip = decode(path, "--json", "--password", "s3cr3t", "--vip", "192.0.2.51")
    assert "inferred" not in wrong_vip.output
    assert {p["hmac"] for p in json_lines(wrong_vip.output) if p["protocol"] == "CARP"} == {"bad"}


def test_carp_without_password_reports_no_hmac_verdict():
    packets = json_lines(decode(str(capture_path("ucarp-carp.pcap")), "--json").output)
    assert all("hmac" not in p for p in packets)


def test_text_output_names_the_classification_rule_when_verbose():
    result = decode(str(capture_path("ucarp-carp.pcap")), "-v")
    carp_lines = [line for line in result.output.splitlines() if "CARP" in line]
    assert carp_lines and all("[" in line and "CARP" in line.split("[")[-1] for line in carp_lines)


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (lambda p: None, "no such file"),
        (lambda p: p.write_bytes(b"this is not a capture at all"), "not a readable capture"),
    ],
)
def test_bad_files_exit_2_with_a_message_naming_the_file(tmp_path, setup, expected):
    path = tmp_path / "x.pcap"
    setup(path)
    result = decode(str(path))
    assert result.exit_code == 2
    assert expected in result.output
    assert str(path) in result.output


def test_a_bad_vip_is_rejected_before_reading():
    result = decode(str(capture_path("ucarp-carp.pcap")), "--vip", "192.0.2.500")
    assert result.exit_code == 2
    assert "is not an IP address" in result.output


def test_carp_interval_prints_exactly():
    result = decode(str(capture_path("ucarp-carp.pcap")))
    assert "advskew 100 (1.390625s)" in result.output
    assert "advskew 0 (1s)" in result.output
