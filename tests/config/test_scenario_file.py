"""Scenario files: valid ones load; every mistake is reported with file, line and field."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simlab.config.errors import ConfigError
from simlab.config.scenario import load_scenario, parse_scenario, scenario_json_schema

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "simlab/data/scenarios").glob("*.yaml"))

GOOD = """\
name: tiny
until: 30
topology:
  switches:
    - name: switch
  hosts:
    - name: server-1
      os: freebsd
      interfaces:
        - {name: em0, ip: 192.0.2.11/24, switch: switch}
      rc_conf: |
        ifconfig_em0="inet 192.0.2.11 netmask 255.255.255.0"
  clients:
    - name: client
      interfaces:
        - {name: eth0, ip: 192.0.2.100/24, switch: switch}
probes:
  - {client: client, ping: 192.0.2.50, interval: 0.1}
events:
  - {at: 10, action: reboot, host: server-1}
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_scenario(text, path="lab.yaml")
    return str(info.value).splitlines()


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_built_in_scenario_is_valid_and_named_after_its_file(path):
    assert load_scenario(path).name == path.stem


def test_a_good_file_loads_with_defaults():
    scenario = parse_scenario(GOOD)
    assert scenario.fault_phase == "random" and scenario.seed == 1
    assert scenario.topology.hosts[0].interfaces[0].latency == 0.0001
    assert scenario.events[0].action == "reboot"


def test_unknown_key_wrong_type_and_bad_address_are_all_reported_at_their_lines():
    text = (
        GOOD.replace("until: 30", "until: soon")
        .replace("os: freebsd", "os: freebsd\n      colour: blue")
        .replace("ip: 192.0.2.100/24", "ip: 192.0.2.300/24")
    )
    lines = errors_of(text)
    assert any(line.startswith("lab.yaml:2:") and "until" in line for line in lines)
    assert any(
        line.startswith("lab.yaml:9:") and "colour: is not a known key" in line for line in lines
    )
    assert any(line.startswith("lab.yaml:17:") and "192.0.2.300/24" in line for line in lines)


def test_unknown_action_lists_the_known_ones():
    (line, *_) = [
        x for x in errors_of(GOOD.replace("action: reboot", "action: explode")) if "lab.yaml" in x
    ]
    assert line.startswith("lab.yaml:20:") and "events.0.action" in line
    assert "unknown action 'explode'" in line and "power-off" in line


def test_a_missing_key_points_at_the_mapping_that_should_hold_it():
    lines = errors_of(GOOD.replace("      os: freebsd\n", ""))
    assert any(line.startswith("lab.yaml:7:") and "os: is required" in line for line in lines)


def test_references_to_unknown_hosts_and_late_events_are_errors():
    lines = errors_of(GOOD.replace("host: server-1}", "host: server-9}"))
    assert any("names host 'server-9'; hosts: server-1" in line for line in lines)
    lines = errors_of(GOOD.replace("{at: 10,", "{at: 99,"))
    assert any("after until: 30" in line for line in lines)


def test_yaml_syntax_errors_and_duplicate_keys_have_a_line():
    assert errors_of(GOOD.replace("until: 30", "until: [30"))[0].startswith("lab.yaml:")
    dup = errors_of(GOOD.replace("until: 30", "until: 30\nuntil: 40"))
    assert dup[0].startswith("lab.yaml:3:") and "duplicate key 'until'" in dup[0]


def test_not_a_mapping():
    assert "a scenario is a mapping" in errors_of("- just\n- a list\n")[0]


def test_the_json_schema_names_every_event_action():
    schema = str(scenario_json_schema())
    for action in ("reboot", "cable-cut", "drop-garp", "force-state", "set-advskew"):
        assert action in schema


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_gives_a_config_error_or_a_scenario(text):
    with contextlib.suppress(ConfigError):
        parse_scenario(text)


# --- run: steps (commands typed on a console) --------------------------------------------------
EVENT = "{at: 10, action: reboot, host: server-1}"


def with_event(item: str) -> str:
    return GOOD.replace(EVENT, item)


def test_a_run_step_is_an_event_beside_the_faults():
    text = GOOD.replace(EVENT, EVENT + "\n  - {at: 12.5, host: client, run: ping -c 3 192.0.2.50}")
    fault, step = parse_scenario(text).events
    assert fault.action == "reboot"
    assert (step.at, step.host, step.run) == (12.5, "client", "ping -c 3 192.0.2.50")
    assert not hasattr(step, "action")
    # an empty line is Enter (a running ping prints its new lines), as in simlab console
    (enter,) = parse_scenario(with_event("{at: 10, host: client, run: ''}")).events
    assert enter.run == ""


@pytest.mark.parametrize(
    ("item", "field", "words"),
    [
        ("{at: 10, host: server-1, run: ifconfig em0 down, action: reboot}", "events.0:",
         "either action:"),
        ("{at: 10, host: server-1}", "events.0:", "needs action: (a fault) or run:"),
        ("{at: 10, host: server-1, run: [ls]}", "events.0.run:", "valid string"),
        ('{at: 10, host: server-1, run: "a\\nb"}', "events.0.run:", "one command line"),
        ("{at: 10, host: switch, run: ls}", "events.0.host:", "no console; servers and clients"),
        ("{at: 10, run: ls}", "events.0.host:", "is required"),
        ("{at: 10, host: server-1, run: ls, phase: fixed}", "events.0.phase:", "not a known key"),
        ("{at: 99, host: server-1, run: ls}", "events.0.at:", "after until: 30"),
        ("just text", "events.0:", "an event is a mapping"),
    ],
)  # fmt: skip
def test_run_step_mistakes_are_reported_at_the_events_line(item, field, words):
    lines = [x for x in errors_of(with_event(item)) if x.startswith("lab.yaml")]
    assert any(x.startswith(f"lab.yaml:20: {field}") and words in x for x in lines), lines


def test_an_unknown_action_mentions_run_too():
    (line,) = errors_of(GOOD.replace("action: reboot", "action: explode"))
    assert "'power-off'" in line and "or run: COMMAND" in line


def test_the_json_schema_has_the_run_form_exclusive_of_action():
    schema = scenario_json_schema()
    step = schema["$defs"]["RunStep"]
    assert set(step["required"]) == {"at", "host", "run"}
    assert step["additionalProperties"] is False and "action" not in step["properties"]
    refs = [item["$ref"] for item in schema["properties"]["events"]["items"]["oneOf"]]
    assert "#/$defs/RunStep" in refs and "#/$defs/HostEvent" in refs
