"""The network pieces on their own: the learning switch and the ARP rules of each OS."""

from __future__ import annotations

from simlab.sim import MS, FrameSent, LogLine, Probe, S, World
from simlab.wire.frames import garp_frame


def lan(os: str = "linux", *, aging_ns: int | None = None, **sysctls: int) -> tuple:
    """Three hosts a, b, c on one switch (10.0.0.1-3/24), no latency jitter."""
    world = World(seed=0)
    switch = world.add_switch("sw", aging_ns=aging_ns)
    hosts = []
    for i, name in enumerate("abc"):
        host = world.add_host(name, os, sysctls=dict(sysctls) if name == "c" else None)
        host.add_nic("eth0" if os == "linux" else "em0", f"10.0.0.{i + 1}/24")
        world.connect(host.nics[next(iter(host.nics))], switch)
        hosts.append(host)
    return world, switch, hosts


def frames(world: World, node: str | None = None) -> list[FrameSent]:
    return [f for f in world.trace.of(FrameSent) if node is None or f.node == node]


def test_switch_floods_unknown_and_broadcast_then_forwards_learned_unicast():
    world, switch, (a, b, c) = lan()
    world.add_ping(a, "10.0.0.2", S, count=2)
    world.run(3 * S)
    table = dict((mac, port) for mac, port, _age in switch.mac_table())
    assert table == {a.nic("eth0").mac: "port1", b.nic("eth0").mac: "port2"}
    # c saw the broadcast ARP request (flooded) but no ping: unicast went only to b
    assert c.arp_table() == []  # a request not for c: Linux creates no entry
    assert [p.answered for p in world.trace.of(Probe)] == [True, True]


def test_switch_entries_age_out_and_unknown_unicast_is_flooded_again():
    world, switch, (a, b, _c) = lan(aging_ns=2 * S)
    world.add_ping(a, "10.0.0.2", S, count=1)
    world.run(1 * S)
    assert switch.port_of(b.nic("eth0").mac) == "port2"
    world.run(4 * S)
    assert switch.mac_table() == []  # nothing heard for more than 2 s


def test_switch_learns_a_moved_mac_from_a_gratuitous_arp_and_logs_the_move():
    world, switch, (a, b, _c) = lan()
    vmac = "00:00:5e:00:01:01"
    world.run(S)
    world.at(S, lambda: a.nic("eth0").send(garp_frame(mac=vmac, ip="10.0.0.50"), "garp"))
    world.at(2 * S, lambda: b.nic("eth0").send(garp_frame(mac=vmac, ip="10.0.0.50"), "garp"))
    world.run(S + 1)
    assert switch.port_of(vmac) == "port1"
    world.run(3 * S)
    assert switch.port_of(vmac) == "port2"
    moved = [r.text for r in world.trace.of(LogLine) if r.node == "sw"]
    assert moved == [f"MAC {vmac} moved from port1 to port2"]


def test_switch_forgets_the_macs_of_a_port_that_loses_carrier():
    world, switch, (a, b, _c) = lan()
    world.add_ping(a, "10.0.0.2", S, count=1)
    world.run(S)
    assert switch.port_of(b.nic("eth0").mac) == "port2"
    b.power_off()
    assert switch.port_of(b.nic("eth0").mac) is None


def _garp_from(world: World, host, ip: str, mac: str) -> None:
    host.nic(next(iter(host.nics))).send(garp_frame(mac=mac, ip=ip), "garp")


def test_linux_gratuitous_arp_updates_an_existing_entry_but_creates_none():
    world, _switch, (a, b, c) = lan()
    world.add_ping(c, "10.0.0.1", S, count=1)  # c learns a
    world.run(S)
    assert c.arp_entry("10.0.0.1") == a.nic("eth0").mac
    new = "02:00:00:00:00:99"
    world.at(S, _garp_from, world, b, "10.0.0.1", new)  # "10.0.0.1 is now at ...99"
    world.at(S, _garp_from, world, b, "10.0.0.77", new)  # an address c never talked to
    world.run(2 * S)
    assert c.arp_entry("10.0.0.1") == new
    assert c.arp_entry("10.0.0.77") is None
    assert dict((ip, st) for ip, _m, st, _i in c.arp_table())["10.0.0.1"] == "STALE"


def test_linux_arp_accept_lets_a_gratuitous_arp_create_the_entry():
    world, _switch, (_a, b, c) = lan(**{"net.ipv4.conf.all.arp_accept": 1})
    world.run(S)
    world.at(S, _garp_from, world, b, "10.0.0.77", "02:00:00:00:00:99")
    world.run(2 * S)
    assert c.arp_entry("10.0.0.77") == "02:00:00:00:00:99"


def test_freebsd_gratuitous_arp_updates_and_logs_the_move_creates_none():
    world, _switch, (a, b, c) = lan("freebsd")
    world.add_ping(c, "10.0.0.1", S, count=1)
    world.run(S)
    old = a.nic("em0").mac
    new = "02:00:00:00:00:99"
    world.at(S, _garp_from, world, b, "10.0.0.1", new)
    world.at(S, _garp_from, world, b, "10.0.0.77", new)
    world.run(2 * S)
    assert c.arp_entry("10.0.0.1") == new
    assert c.arp_entry("10.0.0.77") is None
    lines = [r.text for r in world.trace.of(LogLine) if r.node == "c" and r.source == "kernel"]
    assert f"arp: 10.0.0.1 moved from {old} to {new} on em0" in lines


def test_linux_entry_goes_stale_then_is_reprobed_by_unicast():
    world, _switch, (_a, _b, c) = lan()
    world.add_ping(c, "10.0.0.1", S)
    world.run(120 * S)
    probes = [
        f
        for f in frames(world, "c")
        # a request (op 1) sent unicast, to the cached MAC
        if f.kind == "arp" and f.frame[20:22] == b"\x00\x01" and f.frame[0:6] != b"\xff" * 6
    ]
    assert probes, "a Linux neighbour entry is re-confirmed by unicast probes"
    # reachable time is drawn in [15 s, 45 s]; then 5 s DELAY before the first probe
    assert 20 * S <= probes[0].time <= 51 * S
    assert all(p.answered for p in world.trace.of(Probe))


def test_arp_resolution_fails_after_three_requests_and_ping_says_host_unreachable():
    world, _switch, (a, _b, _c) = lan()
    world.add_ping(a, "10.0.0.9", S, count=1)
    world.run(5 * S)
    requests = [f for f in frames(world, "a") if f.kind == "arp"]
    assert [r.time for r in requests] == [0, S, 2 * S]
    (probe,) = world.trace.of(Probe)
    assert not probe.answered and probe.error == "host unreachable"


def test_linux_answers_arp_for_a_dummy0_address_on_eth0_freebsd_only_on_its_interface():
    world = World(seed=0)
    switch = world.add_switch("sw")
    lin = world.add_host("lin", "linux")
    lin.add_nic("eth0", "10.0.0.1/24")
    lin.add_dummy("dummy0", "10.0.0.50/32")
    bsd = world.add_host("bsd", "freebsd")
    bsd.add_nic("em0", "10.0.0.2/24")
    bsd.add_nic("em1", "10.0.0.20/24")  # not cabled: its address is asked for on em0
    other = world.add_host("cli", "linux")
    other.add_nic("eth0", "10.0.0.3/24")
    for nic in (lin.nic("eth0"), bsd.nic("em0"), other.nic("eth0")):
        world.connect(nic, switch)
    world.add_ping(other, "10.0.0.50", S, count=1)  # on lin's dummy0, answered through eth0
    world.add_ping(other, "10.0.0.20", S, count=1, start_ns=100 * MS)  # on bsd's em1
    world.run(5 * S)
    got = {p.target: (p.answered, p.error) for p in world.trace.of(Probe)}
    assert got == {"10.0.0.50": (True, None), "10.0.0.20": (False, "host unreachable")}
    assert other.arp_entry("10.0.0.50") == lin.nic("eth0").mac


def test_linux_arp_ignore_1_answers_only_for_addresses_on_the_receiving_interface():
    world = World(seed=0)
    switch = world.add_switch("sw")
    lin = world.add_host("lin", "linux", sysctls={"net.ipv4.conf.all.arp_ignore": 1})
    lin.add_nic("eth0", "10.0.0.1/24")
    lin.add_dummy("dummy0", "10.0.0.50/32")
    other = world.add_host("cli", "linux")
    other.add_nic("eth0", "10.0.0.3/24")
    world.connect(lin.nic("eth0"), switch)
    world.connect(other.nic("eth0"), switch)
    world.add_ping(other, "10.0.0.50", S, count=1)
    world.run(5 * S)
    (probe,) = world.trace.of(Probe)
    assert (probe.answered, probe.error) == (False, "host unreachable")
