"""The seed's experiments in the simulated world: failover after power loss, reboot, link
down, both down, daemon crash, split brain over em1, a lost gratuitous ARP, a switch failure,
ip_nonlocal_bind; and how the network learns the move (CARP: the switch; keepalived: ARP caches).
"""

from __future__ import annotations

import pytest

from simlab.core.timing import carp_master_down, vrrp_master_down_interval, vrrp_skew_time
from simlab.sim import MS, FrameSent, LogLine, Probe, S, StateChange, World, seed_pair

VMAC = "00:00:5e:00:01:01"
PROBE_INTERVAL = 100 * MS


def outages(world: World, kind: str = "ping") -> list[tuple[int, int | None]]:
    """Each run of lost probes as (send time of the first lost, send time of the next
    answered one, or None if the run lasts to the end)."""
    runs, start = [], None
    for p in world.trace.of(Probe):
        if p.kind != kind:
            continue
        if not p.answered:
            if start is None:
                start = p.time
        elif start is not None:
            runs.append((start, p.time))
            start = None
    if start is not None:
        runs.append((start, None))
    return runs


def after(runs: list, t: int) -> list:
    return [r for r in runs if r[0] >= t]


def transitions(world: World, since: int = 0) -> list[tuple[str, str, str]]:
    return [(r.node, r.old, r.new) for r in world.trace.of(StateChange) if r.time >= since]


@pytest.mark.parametrize("phase_ms", [0, 130, 470, 999])
def test_carp_master_power_loss_outage_is_about_three_seconds(phase_ms):
    world = World(seed=phase_ms)
    pair = seed_pair(world, "carp")
    fault = 10 * S + phase_ms * MS
    world.at(fault, "power-off", "hosta")
    world.run(20 * S)
    (run,) = after(outages(world), 5 * S)
    length = run[1] - run[0]
    down = carp_master_down(1, 100)  # hostb's advskew 100: 3.390625 s after the last advert
    assert down - S <= length <= down + PROBE_INTERVAL
    assert transitions(world, fault) == [
        ("hosta", "MASTER", "INIT"),  # the trace notes the end; hosta logged nothing
        ("hostb", "BACKUP", "MASTER"),
    ]
    lines = [r.text for r in world.trace.of(LogLine) if r.node == "hostb" and r.time > fault]
    assert "carp: 1@em0: BACKUP -> MASTER (master timed out)" in lines
    assert pair.holders() == ["hostb"]


def test_carp_move_keeps_the_virtual_mac_in_arp_caches_and_moves_the_switch_entry():
    world = World(seed=1)
    pair = seed_pair(world, "carp", client_behind_router=True)
    world.run(9 * S)
    assert pair.router.arp_entry(pair.vip) == VMAC
    assert pair.switch.port_of(VMAC) == pair.switch.port_towards("hosta").name
    world.at(10 * S, "power-off", "hosta")
    world.run(20 * S)
    assert pair.router.arp_entry(pair.vip) == VMAC  # nothing for ARP caches to learn
    assert pair.switch.port_of(VMAC) == pair.switch.port_towards("hostb").name
    (run,) = after(outages(world), 5 * S)
    assert run[1] - run[0] <= carp_master_down(1, 100) + PROBE_INTERVAL
    garp = [f for f in world.trace.of(FrameSent) if f.kind == "garp" and f.node == "hostb"]
    assert garp and garp[0].frame[22:28] == bytes.fromhex("00005e000101")  # sender MAC = VMAC


def test_keepalived_move_changes_arp_caches_to_the_new_masters_own_mac():
    world = World(seed=1)
    pair = seed_pair(world, "vrrp", client_behind_router=True)
    s1, s2 = pair.servers
    world.run(9 * S)
    assert pair.masters() == ["server-1"]
    assert pair.router.arp_entry(pair.vip) == s1.nic("eth0").mac
    world.at(10 * S, "power-off", "server-1")
    world.run(20 * S)
    assert pair.router.arp_entry(pair.vip) == s2.nic("eth0").mac  # learnt from the GARPs
    (run,) = after(outages(world), 5 * S)
    down = vrrp_master_down_interval(100, 100)  # server-2 at priority 100: 3.609375 s
    assert down - S <= run[1] - run[0] <= down + PROBE_INTERVAL


def test_keepalived_reboot_says_goodbye_and_the_backup_takes_over_after_its_skew_time():
    world = World(seed=2)
    pair = seed_pair(world, "vrrp")
    fault = 10 * S + 300 * MS
    world.at(fault, "reboot", "server-1")
    world.run(25 * S)
    (run,) = after(outages(world), 5 * S)
    skew = vrrp_skew_time(100, 100)  # priority-0 advert: wait Skew_Time only (0.609 s)
    assert skew - PROBE_INTERVAL <= run[1] - run[0] <= skew + PROBE_INTERVAL
    adverts = [f for f in world.trace.of(FrameSent) if f.node == "server-1" and f.time == fault]
    assert adverts and adverts[0].frame[14 + 20 + 2] == 0  # the goodbye: priority 0
    # server-1 boots (20 s), preempts with priority 150 after its down interval
    world.run(40 * S)
    assert pair.masters() == ["server-1"]
    assert ("server-1", "BACKUP", "MASTER") in transitions(world, fault + 20 * S)


@pytest.mark.parametrize("preempt", [False, True])
def test_carp_reboot_hosta_returns_as_backup_unless_preempt(preempt):
    world = World(seed=3)
    pair = seed_pair(world, "carp", preempt=preempt)
    world.at(10 * S, "reboot", "hosta")
    world.run(50 * S)
    (run, *rest) = after(outages(world), 5 * S)
    assert run[1] - run[0] <= carp_master_down(1, 100) + PROBE_INTERVAL
    boot = [r for r in world.trace.of(LogLine) if r.node == "hosta" and r.text == "boot complete"]
    assert boot and boot[0].time == 40 * S  # FreeBSD boots in 30 s
    if preempt:
        assert pair.masters() == ["hosta"]  # takes over at hostb's first (slower) advert
        assert ("hosta", "BACKUP", "MASTER") in transitions(world, 40 * S)
    else:
        assert pair.masters() == ["hostb"]
    assert not rest or all(r[1] is not None and r[1] - r[0] <= 200 * MS for r in rest)


def test_carp_link_down_on_the_master_demotes_it_and_the_backup_takes_over():
    world = World(seed=4)
    pair = seed_pair(world, "carp")
    world.at(10 * S, "ifconfig-down", "hosta", iface="em0")
    world.run(20 * S)
    assert pair.masters() == ["hostb"]
    lines = [r.text for r in world.trace.of(LogLine) if r.node == "hosta" and r.time >= 10 * S]
    assert "carp: 1@em0: MASTER -> INIT (hardware interface down)" in lines
    assert "carp: demoted by 240 to 240 (interface down)" in lines
    (run,) = after(outages(world), 5 * S)
    assert run[1] - run[0] <= carp_master_down(1, 100) + PROBE_INTERVAL


def test_both_interfaces_down_the_service_is_gone_until_one_returns():
    world = World(seed=5)
    pair = seed_pair(world, "carp")
    world.at(10 * S, "ifconfig-down", "hosta", iface="em0")
    world.at(15 * S, "ifconfig-down", "hostb", iface="em0")
    world.at(30 * S, "ifconfig-up", "hostb", iface="em0")
    world.run(45 * S)
    runs = after(outages(world), 14 * S)
    assert len(runs) == 1
    start, end = runs[0]
    assert start <= 15 * S + PROBE_INTERVAL
    # hostb comes back INIT -> BACKUP, and with nobody advertising takes over 3.39 s later; a
    # ping sent up to 1 s (its timeout) before waits for ARP and is answered after the GARP
    takeover = 30 * S + carp_master_down(1, 100)
    assert takeover - S <= end <= takeover + PROBE_INTERVAL
    assert pair.masters() == ["hostb"]


def test_both_servers_powered_off_nobody_answers_until_one_is_back():
    world = World(seed=6)
    pair = seed_pair(world, "vrrp", boot_time_ns=20 * S)
    world.at(10 * S, "power-off", "server-1")
    world.at(10 * S, "power-off", "server-2")
    world.at(15 * S, "power-on", "server-2")
    world.run(60 * S)
    (run,) = after(outages(world), 5 * S)
    # back after boot (20 s) + down interval, and the first ping must re-resolve ARP
    assert 35 * S + vrrp_master_down_interval(100, 100) <= run[1] <= 35 * S + 4 * S + 3 * S
    assert pair.masters() == ["server-2"]


@pytest.mark.parametrize("protocol", ["carp", "vrrp"])
def test_daemon_crash_leaves_the_vip_on_both_nodes_and_both_answer_arp(protocol):
    world = World(seed=7)
    pair = seed_pair(world, protocol)
    first, second = pair.names
    world.at(10 * S, "daemon-crash", first)
    world.run(20 * S)
    assert pair.masters() == [second]
    assert pair.holders() == [first, second]  # the killed daemon never removed it
    # a new neighbour asking for the VIP gets two answers
    world.at(21 * S, lambda: pair.router.neigh.entries.clear())
    world.add_ping(pair.router, pair.vip, S, count=1, start_ns=21 * S)
    world.run(23 * S)
    replies = {
        f.node
        for f in world.trace.of(FrameSent)
        if f.time >= 21 * S
        and f.kind == "arp"
        and f.frame[20:22] == b"\x00\x02"
        and f.frame[28:32] == bytes([192, 168, 1, 50])
    }
    assert replies == {first, second}
    # the restarted daemon cleans up its leftovers
    world.at(24 * S, "daemon-restart", first)
    world.run(26 * S)
    assert pair.holders() == [second]


@pytest.mark.parametrize("protocol", ["carp", "vrrp"])
def test_partition_of_the_sync_link_gives_two_masters_while_ping_still_answers(protocol):
    world = World(seed=8)
    pair = seed_pair(world, protocol, sync_link=True)
    world.run(9 * S)
    assert len(pair.masters()) == 1
    sync = f"{pair.names[0]}:{pair.sync_iface}"
    world.at(10 * S, "partition", sync)
    world.run(20 * S)
    assert sorted(pair.masters()) == sorted(pair.names)  # split brain
    late = [p for p in world.trace.of(Probe) if p.time >= 15 * S]
    assert late and all(p.answered for p in late)
    world.at(21 * S, "heal", sync)
    world.run(30 * S)
    assert len(pair.masters()) == 1


def test_lost_gratuitous_arp_keeps_clients_on_the_old_mac_until_their_entry_expires():
    def run(drop: int) -> int:
        world = World(seed=9)
        seed_pair(world, "vrrp")
        if drop:
            world.at(5 * S, "drop-garp", "server-2", count=drop)
        world.at(10 * S, "power-off", "server-1")
        world.run(120 * S)
        (run,) = after(outages(world), 5 * S)
        return run[1] - run[0]

    normal, lost = run(0), run(10)  # both bursts of 5
    assert normal <= vrrp_master_down_interval(100, 100) + PROBE_INTERVAL
    # Linux client: REACHABLE 15-45 s, STALE, DELAY 5 s, 3 unicast probes 1 s apart, then asks
    # again by broadcast and the new master answers
    assert lost > normal + 5 * S
    assert lost <= 45 * S + 5 * S + 3 * S + S


def test_keepalived_vip_on_dummy0_sends_no_gratuitous_arp():
    world = World(seed=10)
    pair = seed_pair(world, "vrrp", vip_iface="dummy0")
    world.at(10 * S, "power-off", "server-1")
    world.run(80 * S)
    assert not [f for f in world.trace.of(FrameSent) if f.kind == "garp"]
    assert pair.servers[1].addresses("dummy0")[0].address == "192.168.1.50/24"
    (run,) = after(outages(world), 5 * S)
    assert run[1] - run[0] > 5 * S  # like a lost GARP: the clients find out by themselves


def test_switch_failure_is_an_outage_for_everyone():
    world = World(seed=11)
    pair = seed_pair(world, "carp")
    world.at(10 * S, "switch-fail", "switch")
    world.at(20 * S, "switch-recover", "switch")
    world.run(40 * S)
    (run,) = after(outages(world), 5 * S)
    assert run[0] <= 10 * S + PROBE_INTERVAL
    # both went INIT; re-elected 3 s after the recovery (a ping queued behind ARP up to its 1 s
    # timeout before that is answered after the GARP)
    assert 20 * S + carp_master_down(1, 0) - S <= run[1] <= 23 * S + PROBE_INTERVAL
    assert pair.masters() == ["hosta"]
    lines = [r.text for r in world.trace.of(LogLine) if r.node == "hostb" and r.time >= 10 * S]
    assert "em0: link state changed to DOWN" in lines


@pytest.mark.parametrize("nonlocal_bind", [False, True])
def test_ip_nonlocal_bind_decides_whether_the_service_starts_without_the_vip(nonlocal_bind):
    world = World(seed=12)
    pair = seed_pair(world, "vrrp", service_port=80, nonlocal_bind=nonlocal_bind)
    s1, s2 = pair.servers
    world.run(10 * S)
    expected = "running" if nonlocal_bind else "failed"
    assert s2.service("httpd").state == expected
    assert s1.service("httpd").state == expected  # at boot nobody holds the VIP yet
    requests = [p for p in world.trace.of(Probe) if p.kind == "request" and p.time >= 5 * S]
    pings = [p for p in world.trace.of(Probe) if p.kind == "ping" and p.time >= 5 * S]
    assert all(p.answered for p in pings)
    if nonlocal_bind:
        assert all(p.answered and p.responder == "server-1" for p in requests)
    else:
        # "ping answers but the web service is down"
        assert {p.error for p in requests} == {"connection refused"}
        bind_errors = [r for r in world.trace.of(LogLine) if r.source == "httpd"]
        assert bind_errors[0].text == "bind(192.168.1.50:80): Cannot assign requested address"
    world.at(11 * S, "power-off", "server-1")
    world.run(20 * S)
    late = [p for p in world.trace.of(Probe) if p.kind == "request" and p.time >= 16 * S]
    if nonlocal_bind:
        assert late and all(p.answered and p.responder == "server-2" for p in late)
    else:
        assert late and not any(p.answered for p in late)


def test_freebsd_service_on_the_carp_vip_starts_on_the_backup_too():
    world = World(seed=13)
    pair = seed_pair(world, "carp", service_port=80)
    world.run(10 * S)
    assert [s.service("httpd").state for s in pair.servers] == ["running", "running"]
    world.at(11 * S, "power-off", "hosta")
    world.run(20 * S)
    late = [p for p in world.trace.of(Probe) if p.kind == "request" and p.time >= 16 * S]
    assert late and all(p.answered and p.responder == "hostb" for p in late)


def test_stopping_the_service_refuses_requests_while_ping_answers():
    world = World(seed=14)
    seed_pair(world, "carp", service_port=80)
    world.at(10 * S, "service-stop", "hosta", "httpd")
    world.run(15 * S)
    late = [p for p in world.trace.of(Probe) if p.time >= 11 * S]
    assert {(p.kind, p.answered, p.error) for p in late} == {
        ("ping", True, None),
        ("request", False, "connection refused"),
    }


def test_forcing_state_and_changing_advskew_at_run_time():
    world = World(seed=15)
    pair = seed_pair(world, "carp", preempt=True)
    world.run(10 * S)
    # ifconfig em0 vhid 1 state master on the less-preferred node: undone by hosta's next advert
    world.at(10 * S, "force-state", "hostb", "master")
    world.run(12 * S)
    assert pair.masters() == ["hosta"]
    assert ("hostb", "BACKUP", "MASTER") in transitions(world, 10 * S)
    # make hostb preferred: with preempt it takes over at hosta's next advert
    world.at(12 * S, "set-parameter", "hostb", "advskew", 0)
    world.at(12 * S, "set-parameter", "hosta", "advskew", 200)
    world.run(16 * S)
    assert pair.masters() == ["hostb"]


def test_carp_demotion_sysctl_moves_mastership_when_the_peer_preempts():
    world = World(seed=16)
    pair = seed_pair(world, "carp", preempt=True)
    world.run(10 * S)
    world.at(10 * S, "sysctl", "hosta", "net.inet.carp.demotion", 240)
    world.run(15 * S)
    assert pair.masters() == ["hostb"]
    assert pair.servers[0].sysctls["net.inet.carp.demotion"] == 240
    lines = [r.text for r in world.trace.of(LogLine) if r.node == "hosta" and r.time >= 10 * S]
    assert "carp: demoted by 240 to 240 (sysctl)" in lines


@pytest.mark.parametrize(
    ("advbase", "advskew", "phase_ms"),
    [(1, 50, 250), (1, 200, 700), (2, 100, 1300), (3, 10, 2900)],
)
def test_carp_outage_follows_the_formula_across_timers(advbase, advskew, phase_ms):
    world = World(seed=advbase * 1000 + advskew)
    seed_pair(world, "carp", advbase=advbase, advskews=(0, advskew))
    fault = 20 * S + phase_ms * MS
    world.at(fault, "power-off", "hosta")
    world.run(fault + 20 * S)
    (run,) = after(outages(world), 15 * S)
    down = carp_master_down(advbase, advskew)
    # the master's last advert was up to one advert interval (advbase, its skew is 0) before
    assert down - advbase * S <= run[1] - run[0] <= down + PROBE_INTERVAL
    # with the phase known, the takeover instant is exact: last advert + master down
    takeover = next(
        r.time for r in world.trace.of(StateChange) if r.new == "MASTER" and r.time > fault
    )
    last_advert = max(
        f.time for f in world.trace.of(FrameSent) if f.node == "hosta" and f.kind == "advert"
    )
    assert takeover == last_advert + 100_000 + down  # + two 50 us hops to hostb


@pytest.mark.parametrize(
    ("version", "advert_int_cs", "priority"),
    [(2, 100, 50), (2, 200, 200), (3, 50, 100), (3, 100, 254)],
)
def test_vrrp_outage_follows_the_formula_across_timers(version, advert_int_cs, priority):
    world = World(seed=priority + advert_int_cs)
    seed_pair(
        world,
        "vrrp",
        vrrp_version=version,
        advert_int_cs=advert_int_cs,
        priorities=(255 if priority == 254 else 250, priority),
    )
    fault = 20 * S + 370 * MS
    world.at(fault, "power-off", "server-1")
    world.run(fault + 20 * S)
    (run,) = after(outages(world), 15 * S)
    down = vrrp_master_down_interval(
        priority, advert_int_cs if version == 3 else 100 * (advert_int_cs // 100)
    )
    interval = advert_int_cs * 10 * MS
    assert down - interval <= run[1] - run[0] <= down + PROBE_INTERVAL
