"""The world engine: building, time, convergence of a pair, determinism, the API's guard rails."""

from __future__ import annotations

import json

import pytest

from simlab.core.carp import CarpConfig
from simlab.core.vrrp import VrrpConfig
from simlab.sim import (
    ACTIONS,
    MS,
    FaultRecord,
    FrameSent,
    LivelockError,
    LogLine,
    Probe,
    S,
    StateChange,
    World,
    seed_pair,
)
from simlab.sim.world import stream_seed


def test_a_carp_pair_converges_and_the_client_reaches_the_vip_through_the_master():
    world = World(seed=1)
    pair = seed_pair(world, "carp")
    world.run(10 * S)
    changes = [(r.time, r.node, r.old, r.new) for r in world.trace.of(StateChange)]
    assert changes == [
        (0, "hosta", "INIT", "BACKUP"),
        (0, "hostb", "INIT", "BACKUP"),
        (3 * S, "hosta", "BACKUP", "MASTER"),  # advskew 0: master down 3 s
    ]
    assert pair.masters() == ["hosta"]
    assert pair.holders() == ["hosta"]
    answered = [p for p in world.trace.of(Probe) if p.answered]
    assert answered and all(p.responder == "hosta" for p in answered)
    assert all(p.time >= 3 * S for p in answered)
    # four 50 us hops: client -> switch -> hosta -> switch -> client (the very first ping waited
    # for ARP, and hosta's gratuitous ARP answered the client's pending entry on its way)
    assert {p.rtt_ns for p in answered[1:]} == {200_000}
    assert answered[0].rtt_ns == 300_000


def test_world_time_is_integer_nanoseconds_and_run_is_resumable():
    world = World(seed=3)
    seed_pair(world, "vrrp")
    world.run(1 * S)
    assert world.now == S and isinstance(world.now, int)
    world.run(2 * S + 1)
    assert world.now == 2 * S + 1
    with pytest.raises(ValueError, match="back in time"):
        world.run(S)
    with pytest.raises(ValueError, match="integer"):
        world.run(2.5e9)  # type: ignore[arg-type]


def test_topology_graph_has_devices_as_nodes_and_links_as_edges():
    world = World(seed=0)
    seed_pair(world, "carp", sync_link=True, client_behind_router=True)
    g = world.graph
    assert {n: g.nodes[n]["kind"] for n in g} == {
        "switch": "switch",
        "router": "router",
        "hosta": "host",
        "hostb": "host",
        "client": "client",
    }
    assert g.nodes["hosta"]["os"] == "freebsd"
    pairs = sorted(tuple(sorted((u, v))) for u, v in g.edges())
    assert pairs == [
        ("client", "router"),
        ("hosta", "hostb"),  # the em1 sync cable
        ("hosta", "switch"),
        ("hostb", "switch"),
        ("router", "switch"),
    ]
    link = world.link("hosta", "hostb")
    assert link.name == "hosta:em1--hostb:em1"
    assert world.link("hosta:em0").name == "hosta:em0--switch:port2"


def test_random_streams_depend_only_on_seed_and_component_name():
    a, b = World(seed=7), World(seed=7)
    a.rng("something else")  # drawing another stream first changes nothing
    assert a.rng("link/x").random() == b.rng("link/x").random()
    assert stream_seed(7, "x") != stream_seed(8, "x")


def _record_tuple(world: World) -> list:
    return [tuple(getattr(r, f) for f in r.__slots__) for r in world.trace]


def _eventful(seed: int) -> World:
    world = World(seed=seed)
    seed_pair(world, "carp", jitter_ns=30_000, service_port=80)
    world.at(7 * S + 123 * MS, "power-off", "hosta")
    world.at(20 * S, "power-on", "hosta")
    world.run(60 * S)
    return world


def test_same_seed_same_trace_records_and_pcap_bytes():
    one, two = _eventful(42), _eventful(42)
    assert _record_tuple(one) == _record_tuple(two)
    assert one.pcap() == two.pcap()
    assert len(one.trace.of(FrameSent)) > 500


def test_different_seed_different_jitter_and_counters():
    one, two = _eventful(42), _eventful(43)
    rtts_one = [p.rtt_ns for p in one.trace.of(Probe) if p.answered]
    rtts_two = [p.rtt_ns for p in two.trace.of(Probe) if p.answered]
    assert rtts_one != rtts_two
    assert one.pcap() != two.pcap()


def test_trace_stays_ordered_by_time_although_probes_are_recorded_late():
    world = _eventful(5)
    times = [r.time for r in world.trace]
    assert times == sorted(times)


def test_every_fault_action_is_recorded_under_its_own_name():
    world = World(seed=2)
    pair = seed_pair(world, "carp", sync_link=False, service_port=80)
    calls = {
        "power-off": ("hostb",),
        "power-on": ("hostb",),
        "reboot": ("hostb",),
        "daemon-crash": ("hosta",),
        "daemon-restart": ("hosta",),
        "daemon-stop": ("hosta",),
        "daemon-start": ("hosta",),
        "ifconfig-down": ("hosta", "em0"),
        "ifconfig-up": ("hosta", "em0"),
        "nic-fail": ("hosta", "em0"),
        "nic-repair": ("hosta", "em0"),
        "switch-fail": ("switch",),
        "switch-recover": ("switch",),
        "cable-cut": ("hostb:em0",),
        "cable-repair": ("hostb:em0",),
        "partition": ("hostb:em0",),
        "heal": ("hostb:em0",),
        "drop-garp": ("hosta", 2),
        "sysctl": ("hosta", "net.inet.carp.preempt", 1),
        "force-state": ("hostb", "master"),
        "set-parameter": ("hostb", "advskew", 50),
        "service-stop": ("hosta", "httpd"),
        "service-start": ("hosta", "httpd"),
    }
    assert set(calls) == set(ACTIONS)
    world.run(5 * S)
    t = 5 * S
    for action, args in calls.items():
        t += 100 * MS
        world.at(t, action, *args)
    world.run(t + S)
    kinds = [r.kind for r in world.trace.of(FaultRecord)]
    for action in calls:
        assert action in kinds
    assert pair.instances[1].config.advskew == 50  # hostb was rebooting: kept for its start


def test_bad_input_is_refused_with_a_clear_message():
    world = World(seed=0)
    host = world.add_host("hosta", "freebsd")
    with pytest.raises(ValueError, match="os must be one of"):
        world.add_host("x", "windows")
    with pytest.raises(ValueError, match="already a device"):
        world.add_host("hosta")
    host.add_nic("em0", "192.168.1.3/24")
    with pytest.raises(ValueError, match="unknown sysctl"):
        host.sysctl("net.ipv4.ip_nonlocal_bind", 1)  # a Linux knob on FreeBSD
    with pytest.raises(ValueError, match="kernel CARP needs os='freebsd'"):
        lin = world.add_host("lin", "linux")
        lin.add_nic("eth0", "192.168.1.9/24")
        lin.add_carp("eth0", CarpConfig(vhid=1, vips=("192.168.1.50",)))
    with pytest.raises(ValueError, match="unknown action"):
        world.apply("explode", "hosta")
    with pytest.raises(ValueError, match="past"):
        world.run(S)
        world.at(0, "power-off", "hosta")


def test_a_zero_delay_frame_loop_is_caught():
    world = World(seed=0)
    sw1, sw2 = world.add_switch("sw1"), world.add_switch("sw2")
    world.connect(sw1, sw2, latency_ns=0)
    world.connect(sw1, sw2, latency_ns=0, name="second-cable")  # a loop: no spanning tree
    host = world.add_host("h")
    host.add_nic("eth0", "10.0.0.1/24")
    world.connect(host.nic("eth0"), sw1, latency_ns=0)
    world.add_ping(host, "10.0.0.2", S, count=1)
    with pytest.raises(LivelockError):
        world.run(S)


def test_power_loss_ends_the_instance_in_the_trace_without_a_log_line():
    world = World(seed=4)
    seed_pair(world, "carp")
    world.at(10 * S, "power-off", "hosta")
    world.at(12 * S, "daemon-crash", "hostb")
    world.run(20 * S)
    ends = [
        (r.node, r.old, r.new, r.reason) for r in world.trace.of(StateChange) if r.new == "INIT"
    ]
    assert ends == [
        ("hosta", "MASTER", "INIT", "power lost"),
        ("hostb", "BACKUP", "INIT", "killed (SIGKILL)"),
    ]
    assert not [r for r in world.trace.of(LogLine) if r.node == "hosta" and r.time >= 10 * S]


def test_inventory_is_plain_data_enough_to_render_interfaces():
    world = World(seed=0)
    seed_pair(world, "vrrp", vip_iface="dummy0", service_port=80)
    inv = json.loads(json.dumps(world.inventory()))
    hosts = {d["name"]: d for d in inv["devices"]}
    s1 = hosts["server-1"]
    assert s1["os"] == "linux" and s1["kind"] == "host"
    assert [(i["name"], i["type"], i["addresses"]) for i in s1["interfaces"]] == [
        ("eth0", "nic", ["192.168.1.3/24"]),
        ("dummy0", "dummy", []),
    ]
    (inst,) = s1["instances"]
    assert (inst["instance"], inst["iface"], inst["vip_iface"]) == ("VI_1", "eth0", "dummy0")
    assert inst["config"]["priority"] == 150 and inst["config"]["vips"] == ["192.168.1.50/24"]
    assert s1["services"] == [
        {"name": "httpd", "bind": "192.168.1.50", "port": 80, "autostart": True}
    ]
    assert hosts["switch"]["kind"] == "switch"
    assert {link["name"] for link in inv["links"]} == set(world.links)


def test_vrrpv3_over_ipv6_elects_and_fails_over_with_unsolicited_neighbour_adverts():
    world = World(seed=3)
    switch = world.add_switch("sw")
    for i, prio in enumerate((150, 100)):
        host = world.add_host(f"s{i}")
        host.add_nic("eth0", f"192.168.1.{3 + i}/24")
        world.connect(host.nic("eth0"), switch)
        host.add_vrrp("eth0", VrrpConfig(vrid=7, priority=prio, vips=("2001:db8::50/64",)))
    world.at(10 * S, "power-off", "s0")
    world.run(20 * S)
    masters = [(r.node, r.time) for r in world.trace.of(StateChange) if r.new == "MASTER"]
    assert masters == [("s0", 3_414_062_000), ("s1", 13_023_537_000)]
    kinds = {f.kind for f in world.trace.of(FrameSent)}
    assert kinds == {"advert", "unsolicited-na"}


def test_identical_timers_tie_for_ever_unless_the_hosts_start_apart():
    tied = World(seed=3)
    seed_pair(tied, "carp", advskews=(0, 0))
    tied.run(20 * S)
    assert len([r for r in tied.trace.of(StateChange) if r.new == "MASTER"]) > 6
    apart = World(seed=3)
    pair = seed_pair(apart, "carp", advskews=(0, 0), start_ns=(0, 7 * MS))
    apart.run(20 * S)
    assert [(r.node, r.time) for r in apart.trace.of(StateChange) if r.new == "MASTER"] == [
        ("hosta", 3 * S)
    ]
    assert pair.masters() == ["hosta"]


def test_a_vrrp_address_owner_keeps_its_primary_address_when_it_stops():
    world = World(seed=0)
    switch = world.add_switch("sw")
    owner = world.add_host("owner")
    owner.add_nic("eth0", "192.168.1.1/24")
    world.connect(owner.nic("eth0"), switch)
    owner.add_vrrp("eth0", VrrpConfig(vrid=1, priority=255, vips=("192.168.1.1/24",)))
    world.run(S)
    world.at(S, "daemon-stop", "owner")
    world.run(2 * S)
    assert [a.address for a in owner.addresses("eth0")] == ["192.168.1.1/24"]
    assert owner.holds("192.168.1.1")


def test_snapshot_shows_what_ifconfig_would_before_and_after_a_failover():
    world = World(seed=1)
    pair = seed_pair(world, "carp")
    snaps = []
    world.at(9 * S, lambda: snaps.append([h.snapshot() for h in pair.servers]))
    world.at(10 * S, "power-off", "hosta")
    world.at(15 * S, lambda: snaps.append([h.snapshot() for h in pair.servers]))
    world.run(16 * S)
    before, after_ = snaps
    carp = before[0]["instances"][0]
    assert (carp["state"], carp["vhid"], carp["advbase"], carp["advskew"]) == ("MASTER", 1, 1, 0)
    assert [a["address"] for a in before[0]["interfaces"][0]["addresses"]] == [
        "192.168.1.3/24",
        "192.168.1.50/32",
    ]
    assert before[1]["instances"][0]["state"] == "BACKUP"
    assert after_[0]["booted"] is False and after_[0]["instances"][0]["state"] == "INIT"
    assert after_[1]["instances"][0]["state"] == "MASTER"
    assert json.dumps(after_)  # plain data
