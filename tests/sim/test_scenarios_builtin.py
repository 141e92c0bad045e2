"""Every built-in scenario, end to end: what the seed articles and the field say should happen."""

from __future__ import annotations

import pytest

from simlab.analysis.outages import find_outages
from simlab.analysis.report import run_report
from simlab.config.scenario import load_scenario
from simlab.data import builtin_scenarios
from simlab.sim.build import build_world, run
from simlab.sim.trace import Probe, StateChange


def play(name: str, seed: int | None = None):
    built = run(build_world(load_scenario(builtin_scenarios()[name]), seed=seed))
    trace = built.world.trace
    outages = [(o.client, o.kind, o.duration / 1e9, o) for o in find_outages(trace.of(Probe))]
    return built, trace, outages


def pings(outages):
    return [d for client, kind, d, _ in outages if client == "client" and kind == "ping"]


def final_masters(trace) -> set[str]:
    state: dict[str, str] = {}
    for t in trace.of(StateChange):
        state[t.node] = t.new
    return {node for node, s in state.items() if s == "MASTER"}


def became(trace, node: str, new: str, reason: str | None = None) -> list[StateChange]:
    return [
        t
        for t in trace.of(StateChange)
        if t.node == node and t.new == new and (reason is None or t.reason == reason)
    ]


def test_carp_reboot_reproduces_the_seeds_3_second_gap():
    _, trace, outages = play("carp-reboot")
    (gap,) = pings(outages)
    # backup: 3 x advbase + 100/256 s after the last advert, which came up to 1 s before the fault
    assert 3.390625 - 1.0 - 0.1 <= gap <= 3.390625 + 0.1
    assert became(trace, "server-2", "MASTER", "master timed out")


def test_carp_power_loss_the_old_master_returns_as_backup_without_preempt():
    _, trace, outages = play("carp-power-loss")
    assert len(pings(outages)) == 1
    assert final_masters(trace) == {"server-2"}
    assert became(trace, "server-1", "BACKUP")[-1].time > 50e9


def test_carp_linkdown_moves_the_vip_and_the_master_goes_to_init():
    _, trace, outages = play("carp-linkdown")
    (gap,) = pings(outages)
    assert 2.2 <= gap <= 3.5
    assert became(trace, "server-1", "INIT", "hardware interface down")
    assert final_masters(trace) == {"server-2"}


def test_both_interfaces_down_the_service_is_gone_until_one_returns():
    _, _, outages = play("carp-both-down")
    first, second = pings(outages)
    assert first < 3.5
    assert 13.0 <= second <= 19.5  # em0 of server-2 down at ~30 s, server-1's back at ~45 s + 3 s


def test_carp_preempt_takes_back_and_state_backup_starts_a_new_election():
    _, trace, outages = play("carp-preempt")
    assert became(trace, "server-1", "MASTER", "preempting a slower master")
    (forced,) = became(trace, "server-1", "BACKUP", "user requested via ifconfig")
    # Both are BACKUP now: the first master-down timer to run out wins (server-1's 3.0 s from
    # now, or server-2's 3.390625 s from server-1's last advert), never later than 3.0 s.
    winner = next(t for t in trace.of(StateChange) if t.time > forced.time and t.new == "MASTER")
    assert winner.reason == "master timed out"
    assert winner.time - forced.time <= 3_000_000_000
    # the reboot and the election; the preemption loses nothing (same virtual MAC, and the
    # switch learns the new port from the first advert)
    assert len(pings(outages)) == 2


def test_a_switch_failure_is_an_outage_carp_cannot_help():
    _, _, outages = play("carp-switch-failure")
    assert max(pings(outages)) >= 10.0


def test_keepalived_reboot_hands_over_within_the_skew_time():
    _, trace, outages = play("keepalived-reboot")
    # SIGTERM: priority-0 advert, the backup waits only (256-100)/256 s
    assert pings(outages)[0] <= 0.609375 + 0.2
    assert final_masters(trace) == {"server-1"}  # back after the reboot: preempt is the default


def test_keepalived_power_loss_waits_the_master_down_interval():
    _, _, outages = play("keepalived-power-loss")
    assert 3.609375 - 1.0 - 0.1 <= pings(outages)[0] <= 3.609375 + 0.1


def test_keepalived_linkdown_goes_to_fault_and_the_backup_takes_over():
    _, trace, outages = play("keepalived-linkdown")
    assert became(trace, "server-1", "FAULT")
    assert pings(outages)[0] <= 3.609375 + 0.1


def test_keepalived_both_down():
    _, _, outages = play("keepalived-both-down")
    assert max(pings(outages)) > 10.0


def test_nopreempt_keeps_the_returning_server_backup():
    _, trace, outages = play("keepalived-nopreempt")
    assert final_masters(trace) == {"server-2"}
    assert len(pings(outages)) == 1  # the VIP moved once


def test_lost_gratuitous_arps_leave_clients_on_the_dead_mac_for_long():
    _, _, outages = play("keepalived-lost-garp")
    _, _, normal = play("keepalived-power-loss")
    assert max(pings(outages)) > 3 * max(pings(normal))


def test_without_nonlocal_bind_ping_answers_but_the_service_is_down():
    _, _, outages = play("keepalived-no-nonlocal-bind")
    assert max(pings(outages)) < 4.0
    requests = [o for client, kind, d, o in outages if kind == "request"]
    assert requests and "connection refused" in requests[-1].errors
    assert requests[-1].end is None or requests[-1].duration > 20e9


def test_split_brain_over_the_sync_link_both_become_master_and_both_answer():
    built, trace, _ = play("keepalived-split-brain")
    partition_at = next(
        f.time for f in built.world.trace.records if getattr(f, "kind", None) == "partition"
    )
    both = [t for t in became(trace, "server-2", "MASTER") if t.time > partition_at]
    assert both, "server-2 never became MASTER while server-1 was"
    responders = {
        p.responder
        for p in trace.of(Probe)
        if p.answered and partition_at < p.time < partition_at + 19e9
    }
    assert responders == {"server-1", "server-2"}


@pytest.mark.parametrize("name", ["carp-reboot", "keepalived-lost-garp"])
def test_same_scenario_and_seed_give_identical_json_and_pcap(name):
    a, b = play(name, seed=7)[0], play(name, seed=7)[0]
    report = lambda x: run_report(  # noqa: E731
        x.world.trace,
        scenario=name,
        seed=x.seed,
        until_ns=x.until_ns,
        fault_offset_ns=x.fault_offset_ns,
    )
    assert report(a) == report(b)
    assert a.world.trace.pcap() == b.world.trace.pcap()
    c = play(name, seed=8)[0]
    assert c.fault_offset_ns != a.fault_offset_ns  # the seed moves the fault in the cycle
