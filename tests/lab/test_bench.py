"""The lab bench (simlab.lab.bench): actions at the current time, read back as plain data."""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simlab.analysis.outages import find_outages
from simlab.lab import Bench
from simlab.sim.trace import FaultRecord, Probe
from simlab.wire.frames import parse_frame
from simlab.wire.pcap import read_pcap


def test_warmup_elects_the_configured_master_and_keeps_no_timeline_event():
    bench = Bench("carp-reboot", seed=1)
    assert bench.now_s == pytest.approx(10.0)
    assert bench.servers == ["server-1", "server-2"]
    assert bench.clients == ["client"]
    assert bench.states() == {"server-1": "MASTER", "server-2": "BACKUP"}
    assert bench.master() == "server-1"
    bench.advance(20)  # the scenario reboots server-1 at ~20 s: not on the bench
    assert not bench.world.trace.of(FaultRecord)
    assert bench.master() == "server-1"
    assert bench.outages() == []


def test_keep_events_schedules_the_timeline():
    bench = Bench("carp-reboot", seed=1, keep_events=True)
    bench.run_until(40)
    assert [r.kind for r in bench.world.trace.of(FaultRecord)] == ["reboot"]
    assert bench.master() == "server-2"


def test_reboot_master_fails_over_with_a_short_outage():
    bench = Bench("carp-reboot", seed=1)
    bench.advance(0.35)  # off the advert instant
    t0 = bench.now_s
    bench.reboot("server-1")
    bench.advance(10)
    assert bench.master() == "server-2"
    assert bench.states()["server-1"] == "DOWN"  # FreeBSD boots for 30 s
    outages = bench.outages()
    assert len(outages) == 1
    (o,) = outages
    assert o["start_s"] >= t0
    # CARP: 3 x advbase + advskew/256 minus the phase since the last advert
    assert 1.5 <= o["duration_s"] <= 3.5
    assert o["end_s"] == pytest.approx(o["start_s"] + o["duration_s"])
    # the same as the analysis module finds from the trace
    (ref,) = find_outages(bench.world.trace.of(Probe))
    assert ref.duration / 1e9 == pytest.approx(o["duration_s"])
    faults = bench.world.trace.of(FaultRecord)
    assert [(f.kind, f.target) for f in faults] == [("reboot", "server-1")]
    assert faults[0].time / 1e9 == pytest.approx(t0)


def test_state_bands_cover_time_and_show_the_host_down():
    bench = Bench("carp-reboot", seed=1)
    bench.reboot("server-1")
    bench.advance(40)  # back up after the 30 s boot
    bands = bench.state_bands()
    for host in bench.servers:
        mine = [b for b in bands if b["host"] == host]
        assert mine[0]["start_s"] == 0
        assert mine[-1]["end_s"] == pytest.approx(bench.now_s)
        for a, b in itertools.pairwise(mine):
            assert a["end_s"] == pytest.approx(b["start_s"])  # no gaps, no overlaps
    s1 = [b["state"] for b in bands if b["host"] == "server-1"]
    assert "DOWN" in s1
    down = next(b for b in bands if b["host"] == "server-1" and b["state"] == "DOWN")
    assert down["end_s"] - down["start_s"] == pytest.approx(30, abs=0.01)
    assert s1[-1] == "BACKUP"  # no preemption by default in CARP
    assert [b["state"] for b in bands if b["host"] == "server-2"][-1] == "MASTER"
    json.dumps(bands)


def test_advskew_with_preempt_moves_the_master():
    bench = Bench("carp-reboot", seed=1)
    bench.set_preempt(True)
    bench.set_advskew("server-1", 200)  # server-2 keeps 100: now the lower
    bench.advance(5)
    assert bench.master() == "server-2"
    assert bench.states() == {"server-1": "BACKUP", "server-2": "MASTER"}


def test_advskew_without_preempt_leaves_the_master():
    bench = Bench("carp-reboot", seed=1)
    bench.set_advskew("server-1", 200)
    bench.advance(5)
    assert bench.master() == "server-1"


def test_priority_moves_the_keepalived_master():
    bench = Bench("keepalived-reboot", seed=1)
    assert bench.master() == "server-1"
    bench.set_priority("server-2", 250)
    bench.advance(5)
    assert bench.master() == "server-2"


def test_wrong_protocol_parameter_is_a_clear_error():
    carp = Bench("carp-reboot", seed=1)
    with pytest.raises(ValueError, match=r"CARP.*priority is VRRP's; use advskew"):
        carp.set_priority("server-1", 50)
    vrrp = Bench("keepalived-reboot", seed=1)
    with pytest.raises(ValueError, match="advskew is CARP's; use priority"):
        vrrp.set_advskew("server-1", 50)
    with pytest.raises(ValueError, match="not a server"):
        vrrp.set_priority("client", 50)
    with pytest.raises(ValueError, match="no such scenario"):
        Bench("no-such-scenario")


def test_cut_sync_in_split_brain_gives_two_masters():
    bench = Bench("keepalived-split-brain", seed=1)
    assert bench.sync_link() is not None
    bench.cut_sync()
    bench.advance(6)
    assert bench.states() == {"server-1": "MASTER", "server-2": "MASTER"}
    assert bench.holders() == ["server-1", "server-2"]
    bench.repair_sync()
    bench.advance(5)
    assert bench.holders() == ["server-1"]


def test_cut_sync_without_a_sync_link_is_a_clear_error():
    bench = Bench("carp-reboot", seed=1)
    with pytest.raises(ValueError, match="no sync link"):
        bench.cut_sync()


def test_dropped_garps_make_the_outage_longer():
    def ping_outage(drop: bool) -> float:
        bench = Bench("keepalived-lost-garp", seed=1)
        if drop:
            bench.drop_garp("server-2", count=20)
        bench.power_off("server-1")
        bench.advance(60)
        (o,) = [o for o in bench.outages() if o["kind"] == "ping"]
        return o["duration_s"]

    plain, dropped = ping_outage(False), ping_outage(True)
    assert plain < 5
    assert dropped > 3 * plain  # the client waits for its ARP entry to expire


def test_nic_down_and_up_on_the_first_nic():
    bench = Bench("carp-reboot", seed=1)
    bench.nic_down("server-1")
    bench.advance(5)
    assert bench.master() == "server-2"
    faults = bench.world.trace.of(FaultRecord)
    assert faults[-1].detail == "ifconfig em0 down"
    bench.nic_up("server-1")
    bench.advance(5)
    assert bench.world.trace.of(FaultRecord)[-1].detail == "ifconfig em0 up"
    with pytest.raises(ValueError, match="no NIC"):
        bench.nic_down("server-1", "em9")


def test_events_filters_and_summaries():
    bench = Bench("carp-reboot", seed=1)
    bench.advance(1)
    every = bench.events()
    assert every and all(set(e) >= {"t_s", "src", "dst", "protocol", "summary"} for e in every)
    assert [e["t_s"] for e in every] == sorted(e["t_s"] for e in every)
    carp = bench.events(protocol="carp")
    assert carp and all(e["protocol"] == "CARP" for e in carp)
    assert len(carp) < len(every)
    assert all("advskew 0" in e["summary"] for e in carp)  # only the master advertises
    icmp = bench.events(protocol="ICMP", host="client")
    assert icmp and all("client" in (e["src"], e["dst"]) for e in icmp)
    garp = bench.events(text="GRATUITOUS")
    assert garp and all("gratuitous" in e["summary"] for e in garp)
    assert bench.events(text="no such words") == []
    # the cache grows with the trace and matches a fresh bench's full list
    bench.advance(2)
    again = Bench("carp-reboot", seed=1)
    again.advance(3)
    assert bench.events() == again.events()


def test_pcap_is_a_valid_capture_of_every_frame():
    bench = Bench("carp-reboot", seed=1)
    bench.reboot("server-1")
    bench.advance(5)
    records = list(read_pcap(bench.pcap()))
    assert len(records) == len(bench.events())
    for record, event in zip(records, bench.events(), strict=True):
        assert record.ts_ns / 1e9 == pytest.approx(event["t_s"])
        parse_frame(record.frame)


def test_log_lines_look_like_syslog():
    bench = Bench("keepalived-reboot", seed=1)
    lines = bench.log_lines("server-1")
    assert any("Keepalived_vrrp[" in line and "Entering MASTER STATE" in line for line in lines)
    assert all(" server-1 " in line for line in lines)
    assert len(bench.log_lines()) > len(lines)


def test_availability_counts_probes():
    bench = Bench("carp-reboot", seed=1)
    bench.reboot("server-1")
    bench.advance(20)
    a = bench.availability()
    probes = bench.probe_points()
    lost = sum(not p["ok"] for p in probes)
    assert a["availability"] == pytest.approx(1 - lost / len(probes))
    assert a["outages"] == 1
    assert a["downtime_s"] == pytest.approx(bench.outages()[0]["duration_s"])
    assert a["downtime_minutes_per_year"] == pytest.approx((1 - a["availability"]) * 525_600)
    json.dumps(a)
    assert all(p["rtt_ms"] is None for p in probes if not p["ok"])
    assert all(0 < p["rtt_ms"] < 10 for p in probes if p["ok"])


def test_topology_marks_the_vip_holder():
    bench = Bench("carp-reboot", seed=1)
    g = bench.topology()
    assert g.nodes["server-1"]["holds_vip"] and not g.nodes["server-2"]["holds_vip"]
    assert g.nodes["server-1"]["state"] == "MASTER"
    assert g.nodes["switch"]["kind"] == "switch"
    assert g.has_edge("server-1", "switch")
    bench.power_off("server-1")
    bench.advance(5)
    g = bench.topology()
    assert g.nodes["server-2"]["holds_vip"] and g.nodes["server-1"]["state"] == "DOWN"


def test_console_shares_the_world():
    bench = Bench("carp-reboot", seed=1)
    console = bench.console("server-1")
    assert console is bench.console("server-1")
    out = console.run("ifconfig em0")
    assert "MASTER" in out
    assert bench.now_s == pytest.approx(11.0)  # a command takes a second of the shared clock
    assert "advskew 100" in bench.console("server-2").run("cat /etc/rc.conf")


ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["reboot", "power_off", "power_on", "nic_down", "nic_up", "advskew"]),
        st.sampled_from(["server-1", "server-2"]),
        st.floats(min_value=0.0, max_value=4.0, allow_nan=False),
    ),
    max_size=4,
)


def _play(seed: int, steps) -> Bench:
    bench = Bench("carp-reboot", seed=seed, warmup_s=5)
    for action, host, wait in steps:
        if action == "advskew":
            bench.set_advskew(host, 50)
        else:
            getattr(bench, action)(host)
        bench.advance(wait)
    bench.advance(1)
    return bench


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**16), steps=ACTIONS)
def test_same_seed_and_buttons_give_the_same_run(seed, steps):
    a, b = _play(seed, steps), _play(seed, steps)
    assert a.events() == b.events()
    assert a.state_bands() == b.state_bands()
    assert a.probe_points() == b.probe_points()
    assert a.pcap() == b.pcap()


def test_keepalived_nic_down_is_fault():
    bench = Bench("keepalived-reboot", seed=1)
    bench.nic_down("server-1")
    bench.advance(5)
    assert bench.states() == {"server-1": "FAULT", "server-2": "MASTER"}
    assert [b["state"] for b in bench.state_bands() if b["host"] == "server-1"][-1] == "FAULT"


def test_a_scenario_object_and_its_seed():
    from simlab.config.scenario import load_scenario
    from simlab.data import builtin_scenarios

    spec = load_scenario(builtin_scenarios()["carp-reboot"])
    bench = Bench(spec)
    assert bench.seed == spec.seed
    assert bench.scenario.events == []  # the learner is the timeline
    assert spec.events  # the caller's scenario is left as it was


def test_out_of_range_parameters_are_refused_before_anything_is_recorded():
    carp = Bench("carp-reboot", seed=1)
    for setter, value in ((carp.set_advskew, 255), (carp.set_advbase, 0)):
        with pytest.raises(ValueError, match="server-1: adv"):
            setter("server-1", value)
    vrrp = Bench("keepalived-reboot", seed=1)
    with pytest.raises(ValueError, match=r"priority takes 1\.\.255"):
        vrrp.set_priority("server-1", 0)
    with pytest.raises(ValueError, match="whole seconds"):
        vrrp.set_advert_int("server-1", 1.5)  # VRRPv2 carries whole seconds
    assert carp.faults() == [] and vrrp.faults() == []
    vrrp.set_advert_int("server-1", 2)
    assert vrrp.faults()[-1]["detail"] == "VI_1: advert_int 200"


def test_each_clients_outage_gets_the_failover_as_its_cause():
    bench = Bench("keepalived-reboot", seed=1)
    bench.advance(0.3)
    bench.reboot("server-1")
    bench.advance(20)
    outages = bench.outages()
    assert {o["client"] for o in outages} == {"client", "remote"}
    assert [o["cause"] for o in outages] == ["failover"] * len(outages)
    assert [o["start_s"] for o in outages] == sorted(o["start_s"] for o in outages)


def test_the_bench_needs_neither_plotly_nor_ipywidgets():
    import subprocess
    import sys

    code = (
        "import sys; from simlab.lab import Bench; Bench('carp-reboot').advance(1); "
        "print('plotly' in sys.modules, 'ipywidgets' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
