"""The lab bench widgets, driven from Python as a learner would in the browser: button clicks
fire their handlers and setting ``.value`` fires observers (no kernel, no browser)."""

from __future__ import annotations

import base64
import json
import math
import re

import plotly.graph_objects as go
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simlab.data import builtin_scenarios
from simlab.lab import Bench, LabBench, availability_calculator, election_explorer, views
from simlab.lab.widgets import Node, availability_table, election
from simlab.wire.pcap import read_pcap


def _outage_marks(fig) -> tuple[list, list]:
    shapes = [s for s in fig.layout.shapes if s.name == "outage"]
    notes = [a for a in fig.layout.annotations if a.name == "outage"]
    return shapes, notes


def test_reboot_master_button_shows_the_failover_outage_in_the_chart():
    lab = LabBench("carp-reboot", seed=1, step_s=0.5)
    assert lab.bench.master() == "server-1"
    assert _outage_marks(lab.figures["probes"]) == ([], [])
    lab.buttons["reboot server-1"].click()
    for _ in range(10):
        lab.buttons["step"].click()
    assert lab.bench.now_s == pytest.approx(15.0)
    assert lab.bench.master() == "server-2"
    (outage,) = lab.bench.outages()
    assert 1.5 <= outage["duration_s"] <= 3.5  # CARP: 3 x advbase + advskew/256 minus phase
    shapes, notes = _outage_marks(lab.figures["probes"])
    assert len(shapes) == len(notes) == 1
    assert shapes[0].x0 == pytest.approx(outage["start_s"])
    assert shapes[0].x1 == pytest.approx(outage["end_s"])
    assert notes[0].text == views.outage_label(outage["duration_s"])
    assert f"{outage['duration_s']:.1f} s" in notes[0].text
    # the state timeline shows server-1 DOWN and server-2 MASTER at the end
    bars = {t.name: t for t in lab.figures["states"].data}
    assert "server-1" in bars["DOWN"].y and "server-2" in bars["MASTER"].y
    # the topology rings the new holder
    topo = lab.figures["topology"].data[-1]
    widths = dict(zip(topo.text, topo.marker.line.width, strict=True))
    assert widths["server-2<br>MASTER"] > widths["server-1<br>DOWN"]
    assert "held by server-2" in lab.figures["topology"].layout.title.text


def test_advskew_slider_with_preempt_changes_the_master():
    lab = LabBench("carp-reboot", seed=1)
    assert lab.preempt.value is False
    lab.preempt.value = True
    lab.sliders["advskew server-1"].value = 200  # server-2 keeps 100: the lower
    lab.step(5)
    assert lab.bench.master() == "server-2"
    assert "server-2 MASTER" in lab.clock.value


def test_priority_slider_changes_the_keepalived_master():
    lab = LabBench("keepalived-reboot", seed=1)
    assert set(lab.sliders) == {
        "priority server-1",
        "priority server-2",
        "advert_int server-1",
        "advert_int server-2",
    }
    lab.sliders["priority server-2"].value = 250
    lab.step(5)
    assert lab.bench.master() == "server-2"


def test_cut_sync_button_gives_two_masters():
    lab = LabBench("keepalived-split-brain", seed=1)
    lab.buttons["cut sync"].click()
    lab.step(6)
    assert lab.bench.states() == {"server-1": "MASTER", "server-2": "MASTER"}
    assert "server-1 and server-2" in lab.figures["topology"].layout.title.text
    lab.buttons["repair sync"].click()
    lab.step(5)
    assert lab.bench.holders() == ["server-1"]
    assert "cut sync" not in LabBench("carp-reboot").buttons  # no sync link there


def test_drop_garp_button_makes_the_outage_longer():
    def outage(drop: bool) -> float:
        lab = LabBench("keepalived-lost-garp", seed=1)
        if drop:
            for _ in range(20):
                lab.buttons["drop-garp server-2"].click()
        lab.buttons["power-off server-1"].click()
        lab.step(60)
        return max(o["duration_s"] for o in lab.bench.outages() if o["kind"] == "ping")

    assert outage(True) > 3 * outage(False)


def test_refused_action_is_shown_not_raised():
    lab = LabBench("carp-reboot", seed=1)
    lab.sliders["advskew server-1"].max = 255
    lab.sliders["advskew server-1"].value = 255  # FreeBSD takes 0..254
    assert "advskew server-1 255" in lab.status.value
    assert "0..254" in lab.status.value


def test_event_filter_filters():
    lab = LabBench("carp-reboot", seed=1)
    every = lab.event_rows()
    assert {r["protocol"] for r in every} >= {"CARP", "ICMP"}
    lab.event_protocol.value = "CARP"
    carp = lab.event_rows()
    assert carp and {r["protocol"] for r in carp} == {"CARP"}
    assert "ICMP" not in lab.event_list.value and "CARP vhid 1" in lab.event_list.value
    lab.event_protocol.value = "all"
    lab.event_filter.value = "gratuitous"
    garp = lab.event_rows()
    assert garp and all("gratuitous" in r["summary"] for r in garp)
    assert lab.event_list.value.count("<tr>") == len(garp) + 1  # + the header row
    lab.event_filter.value = ""
    lab.event_host.value = "server-2"
    assert all("server-2" in (r["src"], r["dst"]) for r in lab.event_rows())


def test_pcap_link_is_a_valid_pcap_of_the_run():
    lab = LabBench("carp-reboot", seed=1)
    lab.buttons["reboot server-1"].click()
    lab.step(5)
    match = re.search(
        r'href="data:application/vnd\.tcpdump\.pcap;base64,([^"]+)"', lab.pcap_link.value
    )
    assert match and 'download="carp-reboot-seed1.pcap"' in lab.pcap_link.value
    data = base64.b64decode(match.group(1))
    assert data == lab.bench.pcap()
    assert len(list(read_pcap(data))) == len(lab.bench.events())


def test_log_view_follows_the_host_choice():
    lab = LabBench("keepalived-reboot", seed=1)
    assert "server-2" in lab.log_lines.value
    lab.log_host.value = "server-1"
    assert "Entering MASTER STATE" in lab.log_lines.value
    assert " server-2 " not in lab.log_lines.value


def test_play_ticks_step_time():
    lab = LabBench("carp-reboot", seed=1, step_s=0.5)
    t0 = lab.bench.now_s
    lab.play.value += 1
    lab.play.value += 1
    assert lab.bench.now_s == pytest.approx(t0 + 1.0)
    lab.buttons["run"].click()
    assert lab.bench.now_s == pytest.approx(t0 + 11.0)
    # while playing the pcap link waits; pausing brings it up to date
    lab.play.playing = True
    before = lab.pcap_link.value
    lab.play.value += 1
    assert lab.pcap_link.value == before
    assert f"t = {t0 + 11.5:.1f} s" in lab.clock.value
    lab.play.playing = False
    assert lab.pcap_link.value != before


def test_same_buttons_same_run():
    def play() -> LabBench:
        lab = LabBench("carp-reboot", seed=3, consoles=False)
        lab.step(0.7)
        lab.buttons["power-off server-1"].click()
        lab.step(2)
        lab.buttons["power-on server-1"].click()
        lab.sliders["advskew server-2"].value = 20
        lab.step(3)
        return lab

    a, b = play(), play()
    assert a.bench.events() == b.bench.events()
    assert a.bench.state_bands() == b.bench.state_bands()
    for name in ("states", "probes", "topology"):
        # what the browser is sent, byte for byte
        assert json.dumps(a.charts[name].outputs) == json.dumps(b.charts[name].outputs)


def test_consoles_tab_shares_the_clock_and_refreshes_the_views():
    lab = LabBench("carp-reboot", seed=1)
    assert set(lab.consoles) == set(lab.bench.servers)
    titles = lab.tabs.titles
    assert "Consoles" in titles
    t0 = lab.bench.now_s
    out = lab.consoles["server-1"].submit("ifconfig em0 vhid 1 advskew 200")
    assert "ifconfig" not in out  # accepted silently, as on FreeBSD
    lab.consoles["server-1"].submit("sysctl net.inet.carp.preempt=1")
    lab.consoles["server-2"].submit("sysctl net.inet.carp.preempt=1")
    lab.consoles["server-2"].submit("advance 4")
    assert lab.bench.now_s > t0 + 4
    assert lab.bench.master() == "server-2"
    assert "server-2 MASTER" in lab.clock.value  # the views were redrawn after the command


def test_widget_displays_itself():
    lab = LabBench(Bench("carp-reboot", seed=2))
    bundle = lab._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert lab.bench.seed == 2
    with pytest.raises(ValueError, match="step_s"):
        LabBench(lab.bench, step_s=0)


def test_downtime_chart_bars_and_error_bars():
    fig = views.downtime_chart(
        [
            {"design": "single server", "minutes": 2094.0, "low": 2000, "high": 2200},
            {"design": "pair", "downtime_minutes_per_year": 17.16, "error": 0.45},
        ]
    )
    (bar,) = fig.data
    assert list(bar.x) == ["single server", "pair"]
    assert list(bar.y) == [2094.0, 17.16]
    assert list(bar.error_y.array) == [pytest.approx(106.0), 0.45]
    assert list(bar.error_y.arrayminus) == [pytest.approx(94.0), 0.45]
    with pytest.raises(ValueError, match="no downtime"):
        views.downtime_chart([{"design": "x"}])


def test_event_table_is_a_plotly_table():
    bench = Bench("carp-reboot", seed=1)
    fig = views.event_table(bench, protocol="carp", last=5)
    (table,) = fig.data
    assert isinstance(table, go.Table)
    assert len(table.cells.values[0]) == 5
    assert set(table.cells.values[3]) == {"CARP"}


# ---------------------------------------------------------------------- availability calculator
def test_availability_table_the_seeds_numbers():
    assert availability_table(percent=99)["days_per_year"] == pytest.approx(3.65)
    four = availability_table(nines_=4)
    assert four["minutes_per_year"] == pytest.approx(52.56)
    assert four["percent"] == pytest.approx(99.99)
    assert availability_table(minutes_per_year=525.6)["nines"] == pytest.approx(3)
    assert availability_table(availability=1.0)["nines"] == math.inf
    with pytest.raises(ValueError, match="exactly one"):
        availability_table(percent=99, nines_=2)
    with pytest.raises(ValueError):
        availability_table(percent=101)


@given(st.floats(min_value=0.0, max_value=99.9999))
def test_availability_table_round_trips(percent):
    row = availability_table(percent=percent)
    back = availability_table(minutes_per_year=row["minutes_per_year"])
    assert back["percent"] == pytest.approx(percent, abs=1e-9)
    assert row["minutes_per_week"] * 52 < row["minutes_per_year"] < row["minutes_per_week"] * 53
    assert row["minutes_per_month"] * 12 == pytest.approx(row["minutes_per_year"])


def test_availability_calculator_boxes_follow_each_other():
    calc = availability_calculator()
    assert calc.nines.value == pytest.approx(2)
    assert "3.65 days" in calc.result.value
    calc.nines.value = 4
    assert calc.percent.value == pytest.approx(99.99)
    assert calc.minutes.value == pytest.approx(52.56)
    calc.minutes.value = 5.256
    assert calc.nines.value == pytest.approx(5)
    assert "5.26 minutes" in calc.result.value


# ---------------------------------------------------------------------- election explorer
def test_election_carp_lower_interval_wins():
    r = election("carp", Node("a", advskew=0), Node("b", advskew=100))
    assert r["winner"] == "a"
    assert r["advert_interval_s"]["b"] == pytest.approx(1.390625)
    assert r["failover_s"] == pytest.approx(3.390625)
    r = election("carp", Node("a", advbase=2), Node("b", advskew=254))
    assert r["winner"] == "b"  # 1 + 254/256 < 2
    assert election("carp", Node("a"), Node("b"))["winner"] is None


def test_election_vrrp_priority_then_address():
    r = election("vrrp", Node("a", priority=100), Node("b", priority=150))
    assert r["winner"] == "b"
    assert r["failover_s"] == pytest.approx(3.609375)  # keepalived's 3 x 1 s + 0.609375
    tie = election(
        "vrrp",
        Node("a", priority=100, address="192.0.2.11"),
        Node("b", priority=100, address="192.0.2.12"),
    )
    assert tie["winner"] == "b"
    with pytest.raises(ValueError, match="carp' or 'vrrp"):
        election("hsrp", Node("a"), Node("b"))


def test_election_explorer_sliders():
    ex = election_explorer()
    assert ex.answer["winner"] == "node A"
    ex.sliders["advskew A"].value = 200
    assert ex.answer["winner"] == "node B"
    assert "node B" in ex.result.value
    ex.protocol.value = "vrrp"
    assert ex.answer["protocol"] == "vrrp" and ex.answer["winner"] == "node A"
    ex.sliders["priority B"].value = 200
    assert ex.answer["winner"] == "node B"
    shown = {s.description for box in ex.columns.children for s in box.children}
    assert shown == {"priority A", "advert_int A", "priority B", "advert_int B"}


def test_charts_hold_the_current_figures_for_any_view():
    # The browser (and a view created later: Voila, a reopened notebook) draws each chart from
    # its Output widget's synced outputs: plotly's mime bundle of the current figure.
    lab = LabBench("carp-reboot", seed=1, consoles=False)
    assert _drawn(lab, "topology")["layout"]["title"]["text"] == "192.0.2.50 is held by server-1"
    lab.buttons["reboot server-1"].click()
    lab.step(5)
    for name, fig in lab.figures.items():
        (out,) = lab.charts[name].outputs
        assert out["output_type"] == "display_data"
        assert _drawn(lab, name) == json.loads(fig.to_json())
    assert _drawn(lab, "topology")["layout"]["title"]["text"] == "192.0.2.50 is held by server-2"
    assert [s["name"] for s in _drawn(lab, "probes")["layout"]["shapes"]] == ["outage"]
    assert set(map(id, lab.charts.values())) <= set(map(id, _walk(lab.widget)))


def _drawn(lab, name):
    """The figure the browser is sent for chart ``name``."""
    return lab.charts[name].outputs[0]["data"]["application/vnd.plotly.v1+json"]


def _walk(w):
    yield w
    for child in getattr(w, "children", ()):
        yield from _walk(child)


@pytest.mark.parametrize("name", sorted(builtin_scenarios()))
def test_every_builtin_scenario_gets_a_working_bench(name):
    lab = LabBench(name, seed=1, consoles=False)
    servers = lab.bench.servers
    assert {f"reboot {s}" for s in servers} <= set(lab.buttons)
    assert len(lab.sliders) == 2 * len(servers)
    lab.buttons[f"power-off {lab.bench.master() or servers[0]}"].click()
    lab.step(5)
    assert "color:#b00" not in lab.status.value  # no refused action
    assert lab.figures["states"].data and lab.figures["topology"].data


def test_controls_follow_what_a_console_changed():
    lab = LabBench("carp-reboot", seed=1)
    lab.consoles["server-2"].submit("ifconfig em0 vhid 1 advskew 7")
    lab.consoles["server-2"].submit("sysctl net.inet.carp.preempt=1")
    assert lab.sliders["advskew server-2"].value == 7
    assert lab.bench.faults()[-1]["detail"] == "sysctl net.inet.carp.preempt=1"
    n = len(lab.bench.faults())
    lab.consoles["server-1"].submit("sysctl net.inet.carp.preempt=1")
    assert lab.preempt.value is True
    assert len(lab.bench.faults()) == n + 2  # the command and its sysctl; the box sent nothing
    # after a reboot the host is back to its rc.conf: advskew 100
    lab.buttons["reboot server-2"].click()
    lab.step(35)
    assert lab.sliders["advskew server-2"].value == 100
    assert lab.bench.parameters()["server-2"]["preempt"] is False  # sysctl lost at boot


def test_keepalived_parameters_and_preempt_box():
    lab = LabBench("keepalived-nopreempt", seed=1, consoles=False)
    params = lab.bench.parameters()
    assert lab.preempt.value is params["server-1"]["preempt"]
    lab.preempt.value = not lab.preempt.value
    assert lab.bench.parameters()["server-1"]["preempt"] is lab.preempt.value
    assert lab.bench.parameters()["server-2"]["preempt"] is lab.preempt.value


def test_window_shows_the_last_seconds():
    lab = LabBench("carp-reboot", seed=1, window_s=5, consoles=False)
    lab.step(20)
    for name in ("states", "probes"):
        assert tuple(lab.figures[name].layout.xaxis.range) == pytest.approx((25.0, 30.0))
    assert views.probe_chart(lab.bench).layout.xaxis.range == (0.0, 30.0)
    with pytest.raises(ValueError, match="window_s"):
        views.probe_chart(lab.bench, window_s=0)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["power_off", "power_on", "reboot", "nic_down", "nic_up"]),
            st.sampled_from(["server-1", "server-2"]),
            st.floats(min_value=0.1, max_value=6.0, allow_nan=False),
        ),
        max_size=5,
    )
)
def test_probe_chart_marks_every_outage_and_only_those(steps):
    bench = Bench("keepalived-reboot", seed=5, warmup_s=6)
    for action, host, wait in steps:
        getattr(bench, action)(host)
        bench.advance(wait)
    fig = views.probe_chart(bench)
    shapes, notes = _outage_marks(fig)
    outages = bench.outages()
    assert len(shapes) == len(notes) == len(outages)
    for shape, note, o in zip(shapes, notes, outages, strict=True):
        assert shape.x0 == o["start_s"]
        assert shape.x1 == (o["end_s"] if o["end_s"] is not None else bench.now_s)
        assert note.text == views.outage_label(o["duration_s"], ongoing=o["end_s"] is None)
    lost = sum(len(t.x) for t in fig.data if t.name.endswith("lost"))
    assert lost == sum(o["lost"] for o in outages)
