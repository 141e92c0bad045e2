"""Quiescence fast-forward (simlab.sim.quiesce): same trace, same report, same end state, and
far fewer events.

Every comparison runs the same world twice, with ``fast_forward=True`` and ``False``, on
fault-heavy horizons: the built-in scenarios (their own faults, probes removed so the world can
be quiet) and seeded random fault schedules on the seed pair (reboots, power loss, link and NIC
faults, switch failure, partition, daemon crash, forced state), and asserts the records, the run
report's JSON and the whole end state (every protocol field, switch table, ARP cache, random
stream, pending timer) are identical.
"""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simlab.analysis.report import run_report
from simlab.config.scenario import load_scenario
from simlab.core.carp import CarpConfig, CarpVhid
from simlab.core.interface import Interface
from simlab.data import builtin_scenarios
from simlab.sim import NS_PER_S, World, seed_pair
from simlab.sim.build import build_world
from simlab.sim.daemon import Daemon
from simlab.sim.quiesce import CounterRng
from simlab.sim.trace import FrameSent

S = NS_PER_S
H = 3600 * S


# ---------------------------------------------------------------------------- helpers
def trace_bytes(world: World) -> bytes:
    return "\n".join(repr(r) for r in world.trace).encode()


def end_state(world: World) -> list:
    """Everything a later run could depend on, with absolute times (what a skip must get
    right). Timer generations are compared by validity: their values are private counters."""
    out: list = [world.now]
    for name, stream in world._streams.items():
        out.append((name, stream.draws if isinstance(stream, CounterRng) else stream.getstate()))
    for dev in world.devices.values():
        if getattr(dev, "kind", None) == "switch":
            out.append(sorted((m, p.name, seen) for m, (p, seen) in dev._table.items()))
            continue
        out.append((dev.name, dev.booted, dev.powered, dev._ip_id, sorted(dev.local)))
        out.append(
            sorted((e.ip, e.mac, e.state, e.until, e.tries) for e in dev.neigh.entries.values())
        )
        for d in dev.daemons.values():
            m = d.machine
            fields = None
            if m is not None:
                fields = {k: v for k, v in vars(m).items() if k not in ("rng", "config", "iface")}
                fields = {k: v for k, v in fields.items() if "template" not in k}
            out.append((d.instance, d.running, d.state, sorted(d.held.items()), repr(fields)))
    pending = []
    for t, _prio, _eid, ev in world.env._queue:
        fn = getattr(ev, "fn", None)
        if getattr(fn, "__func__", None) is Daemon._timer:
            owner = fn.__self__
            if ev.args[0] == owner._gen and owner.running:
                pending.append((t, owner.host.name, owner.instance))
    out.append(sorted(pending))
    return out


def assert_same(a: World, b: World) -> None:
    assert trace_bytes(a) == trace_bytes(b)
    assert a.pcap() == b.pcap()
    assert end_state(a) == end_state(b)


PAIRED = [("reboot", "power-off", "power-on"), ("daemon-crash", "daemon-restart")]


def random_schedule(world: World, pair, rng: random.Random, horizon: int, faults: int) -> None:
    """``faults`` random faults (each with its repair) over ``horizon`` on a seed pair."""
    servers = pair.names
    iface = pair.iface
    kinds = [
        "reboot",
        "power",
        "daemon",
        "ifconfig",
        "nic",
        "switch",
        "switch-hung",
        "partition",
        "cable",
        "force",
        "parameter",
    ]
    for _ in range(faults):
        at = rng.randrange(60 * S, horizon - 600 * S)
        down = rng.choice([rng.randrange(S, 10 * S), rng.randrange(10 * S, 900 * S)])
        host = rng.choice(servers)
        kind = rng.choice(kinds)
        if kind == "reboot":
            world.at(at, "reboot", host)
        elif kind == "power":
            world.at(at, "power-off", host)
            world.at(at + down, "power-on", host)
        elif kind == "daemon":
            world.at(at, "daemon-crash", host)
            world.at(at + down, "daemon-restart", host)
        elif kind == "ifconfig":
            world.at(at, "ifconfig-down", host, iface)
            world.at(at + down, "ifconfig-up", host, iface)
        elif kind == "nic":
            world.at(at, "nic-fail", host, iface)
            world.at(at + down, "nic-repair", host, iface)
        elif kind in ("switch", "switch-hung"):
            world.at(at, "switch-fail", "switch", carrier_loss=kind == "switch")
            world.at(at + down, "switch-recover", "switch")
        elif kind == "partition":
            world.at(at, "partition", f"{host}:{iface}")
            world.at(at + down, "heal", f"{host}:{iface}")
        elif kind == "cable":
            world.at(at, "cable-cut", f"{host}:{iface}")
            world.at(at + down, "cable-repair", f"{host}:{iface}")
        elif kind == "parameter":
            if pair.protocol == "carp":
                name, value = rng.choice(
                    [("advskew", rng.choice([0, 64, 128, 200])), ("advbase", 2)]
                )
            else:
                name, value = rng.choice(
                    [("priority", rng.randrange(50, 200)), ("advert_int", 200)]
                )
            world.at(at, "set-parameter", host, name=name, value=value)
        else:
            world.at(at, "force-state", host, "MASTER")


def pair_world(protocol: str, case: int, fast_forward: bool, **options) -> World:
    world = World(seed=case, capture_frames=False, fast_forward=fast_forward)
    pair = seed_pair(world, protocol, ping=False, **options)
    random_schedule(world, pair, random.Random(case), 3 * H, faults=6)
    return world


# ---------------------------------------------------------------------------- identical runs
@pytest.mark.parametrize("protocol", ["carp", "vrrp"])
@pytest.mark.parametrize("case", range(4))
def test_random_fault_schedules_give_the_same_trace_and_state(protocol, case):
    options = {"sync_link": True} if case == 3 else {}
    if case == 2:
        options["preempt" if protocol == "carp" else "use_vmac"] = True
    a = pair_world(protocol, case, True, **options)
    b = pair_world(protocol, case, False, **options)
    a.run(3 * H)
    b.run(3 * H)
    assert_same(a, b)
    assert a.ff_jumps >= 1 and b.ff_jumps == 0  # it really jumped, and the reference did not
    assert len(a.trace) > 20  # the faults did something


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["carp", "vrrp"]),
    st.integers(100, 10_000),
    st.integers(1, 10),
    st.booleans(),
)
def test_any_fault_schedule_gives_the_same_trace_and_state(protocol, case, faults, sync):
    def world(ff: bool) -> World:
        w = World(seed=case, capture_frames=False, fast_forward=ff)
        pair = seed_pair(w, protocol, ping=False, sync_link=sync)
        random_schedule(w, pair, random.Random(case), 2 * H, faults=faults)
        w.run(2 * H)
        return w

    assert_same(world(True), world(False))


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("protocol", ["carp", "vrrp"])
def test_two_days_with_forty_faults(protocol):
    worlds = []
    for ff in (True, False):
        w = World(seed=40, capture_frames=False, fast_forward=ff)
        pair = seed_pair(w, protocol, ping=False)
        random_schedule(w, pair, random.Random(40), 48 * H, faults=40)
        w.run(48 * H)
        worlds.append(w)
    assert worlds[0].ff_jumps > 10
    assert_same(*worlds)


def test_link_jitter_keeps_the_world_busy_and_nothing_changes():
    worlds = []
    for ff in (True, False):
        w = World(seed=4, capture_frames=False, fast_forward=ff)
        seed_pair(w, "vrrp", ping=False, jitter_ns=20_000)
        w.at(300 * S, "reboot", "server-1")
        w.run(900 * S)
        worlds.append(w)
    assert worlds[0].ff_jumps == 0
    assert_same(*worlds)


def test_two_vhids_with_different_intervals_jump_by_their_common_period():
    worlds = []
    for ff in (True, False):
        w = World(seed=6, capture_frames=False, fast_forward=ff)
        pair = seed_pair(w, "carp", ping=False)
        for host, skew in zip(pair.servers, (200, 128), strict=True):
            host.add_carp(
                "em0", CarpConfig(vhid=2, advskew=skew, password="two", vips=("192.168.1.60",))
            )
        w.at(1200 * S, "reboot", "hostb")
        w.at(2400 * S, "power-off", "hosta")
        w.at(2500 * S, "power-on", "hosta")
        w.run(2 * H)
        worlds.append(w)
    fast = worlds[0]
    assert fast.ff_jumps >= 2
    # vhid 1 adverts every 1 s, vhid 2 (hostb, advskew 128) every 1.5 s: a common period of 3 s.
    # (Intervals like 1 + 50/256 s, kept in whole microseconds as the kernels do, have a common
    # period of hours: such a pair is never quiet long enough to jump.)
    assert fast.ff_skipped_ns > H
    assert_same(*worlds)


SCENARIOS = list(builtin_scenarios())


def scenario_run(name: str, fast_forward: bool, *, probes: bool = False, until: float = 3600.0):
    spec = load_scenario(builtin_scenarios()[name])
    update: dict = {"until": until}
    if not probes:
        update["probes"] = []
    spec = spec.model_copy(update=update)
    built = build_world(spec, seed=11, capture_frames=False, fast_forward=fast_forward)
    built.world.run(built.until_ns)
    report = run_report(
        built.world.trace,
        scenario=spec.name,
        seed=built.seed,
        until_ns=built.until_ns,
        fault_offset_ns=built.fault_offset_ns,
    )
    return built.world, json.dumps(report)


@pytest.mark.parametrize("name", SCENARIOS)
def test_builtin_scenarios_give_the_same_trace_report_and_state(name):
    a, report_a = scenario_run(name, True)
    b, report_b = scenario_run(name, False)
    assert_same(a, b)
    assert report_a == report_b
    if not any(link.jitter_ns or link.loss for link in a.links.values()):
        assert a.ff_jumps >= 1  # a quiet hour after the faults: it did jump


def test_probes_keep_the_world_busy_and_nothing_changes():
    a, report_a = scenario_run("carp-reboot", True, probes=True, until=120.0)
    b, report_b = scenario_run("carp-reboot", False, probes=True, until=120.0)
    assert a.ff_jumps == 0
    assert_same(a, b)
    assert report_a == report_b


def test_a_pinger_that_has_finished_no_longer_keeps_the_world_busy():
    worlds = []
    for ff in (True, False):
        w = World(seed=5, capture_frames=False, fast_forward=ff)
        pair = seed_pair(w, "carp", ping=False)
        w.add_ping(pair.client, pair.vip, S // 10, count=50, start_ns=10 * S)
        w.at(2000 * S, "reboot", pair.names[0])
        w.run(H)
        worlds.append(w)
    assert worlds[0].ff_jumps >= 1
    assert_same(*worlds)


def test_recorded_frames_turn_fast_forward_off_and_the_capture_is_the_same():
    worlds = []
    for ff in (True, False):
        w = World(seed=2, capture_frames=True, fast_forward=ff)
        seed_pair(w, "carp", ping=False)
        w.at(100 * S, "reboot", "hosta")
        w.run(300 * S)
        worlds.append(w)
    assert worlds[0].ff_jumps == 0
    assert worlds[0].pcap() == worlds[1].pcap() and worlds[0].trace.of(FrameSent)
    assert_same(*worlds)


def test_the_trace_is_the_one_of_a_run_that_records_frames_minus_the_frames():
    """Recording frames (which turns fast-forward off) changes nothing else."""
    fast = pair_world("carp", 7, True)
    full = World(seed=7, capture_frames=True)
    pair = seed_pair(full, "carp", ping=False)
    random_schedule(full, pair, random.Random(7), 3 * H, faults=6)
    fast.run(3 * H)
    full.run(3 * H)
    kept = [r for r in full.trace if not isinstance(r, FrameSent)]
    assert "\n".join(map(repr, kept)) == trace_bytes(fast).decode()


def test_a_run_in_pieces_is_the_same_as_one_run():
    a = pair_world("vrrp", 9, True)
    b = pair_world("vrrp", 9, False)
    for t in (1000 * S, 1000 * S, 5000 * S + 3, 2 * H, 3 * H):
        a.run(t)
    b.run(3 * H)
    assert_same(a, b)


# ---------------------------------------------------------------------------- it does skip
def test_a_long_quiet_horizon_costs_a_small_fraction_of_the_events():
    counts = {}
    for ff in (True, False):
        w = World(seed=1, capture_frames=False, fast_forward=ff)
        pair = seed_pair(w, "carp", ping=False)
        w.at(1800 * S, "reboot", pair.names[0])
        w.run(2 * H)
        counts[ff] = (w.events_scheduled, w.ff_skipped_ns)
    assert counts[False][0] > 50 * counts[True][0]
    assert counts[True][1] > 1.8 * H  # nearly all of the two hours was skipped


def test_fast_forward_can_be_switched_off():
    w = World(seed=1, capture_frames=False, fast_forward=False)
    seed_pair(w, "carp", ping=False)
    w.run(600 * S)
    assert w.ff_jumps == 0 and w.ff_skipped_ns == 0 and w.events_scheduled > 2000


# ---------------------------------------------------------------------------- the pieces
@given(st.integers(0, 2**64 - 1), st.integers(0, 200), st.sampled_from([1, 16, 64, 300]))
def test_a_counter_stream_draw_depends_only_on_its_index(seed, skip, bits):
    drawn = CounterRng(seed)
    for _ in range(skip):
        drawn.getrandbits(bits)
    counted = CounterRng(seed)
    counted.draws += skip
    assert drawn.getrandbits(bits) == counted.getrandbits(bits) < 2**bits
    assert 0.0 <= counted.random() < 1.0


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["freebsd", "ucarp", "openbsd"]),
    st.integers(1, 40),
    st.booleans(),
    st.integers(0, 2**32),
)
def test_a_carp_master_fast_forwarded_equals_one_that_adverts(flavour, periods, heard, seed):
    """The core's part: N adverts run one by one end where snapshot + fast_forward puts them."""

    def master() -> CarpVhid:
        cfg = CarpConfig(vhid=1, password="pw", vips=("10.0.0.50",), flavour=flavour)
        m = CarpVhid(cfg, Interface("em0", "02:00:00:00:00:01", "10.0.0.1"), rng=CounterRng(seed))
        m.start(0)
        while m.state != "MASTER":
            m.timer_fired(m.next_deadline)
        for _ in range(3):  # past the delayed GARPs
            m.timer_fired(m.next_deadline)
        if heard:
            m._init_counter = False  # as after hearing a peer (FreeBSD, ucarp count from it)
        return m

    def state(m: CarpVhid):
        snap = m.snapshot()
        shape = [kv for kv in snap.shape[0] if kv[0] != "rng"]
        return shape, snap.shape[1], snap.times, snap.counts, m.rng.draws

    run, jump = master(), master()
    period = run.period_ns
    first, drawn = run.snapshot(), run.rng.draws
    run.timer_fired(run.next_deadline)
    one = run.snapshot()
    pairs = zip(first.counts, one.counts, strict=True)
    step = {name: (b - a) % mod for (name, a, mod), (_n, b, _m) in pairs}
    draws = run.rng.draws - drawn
    for _ in range(periods - 1):
        run.timer_fired(run.next_deadline)
    jump.fast_forward(periods * period, {k: v * periods for k, v in step.items()})
    jump.rng.draws += draws * periods
    assert state(run) == state(jump)
    assert run.timer_fired(run.next_deadline) == jump.timer_fired(jump.next_deadline)


def test_a_counter_stream_survives_pickling_and_copying():
    import copy
    import pickle

    stream = CounterRng(99)
    stream.getrandbits(16)
    reference = CounterRng(99)
    reference.draws = 1
    expected = reference.getrandbits(32)
    for twin in (pickle.loads(pickle.dumps(stream)), copy.deepcopy(stream)):
        assert type(twin) is CounterRng and twin.draws == 1
        assert twin.getrandbits(32) == expected


def test_fast_forward_rejects_a_negative_shift_and_an_unknown_counter():
    cfg = CarpConfig(vhid=1, password="pw", vips=("10.0.0.50",))
    m = CarpVhid(cfg, Interface("em0", "02:00:00:00:00:01", "10.0.0.1"), rng=CounterRng(1))
    with pytest.raises(ValueError, match="shift_ns"):
        m.fast_forward(-1, {})
    with pytest.raises(ValueError, match="not a counter"):
        m.fast_forward(0, {"_state": 1})


# ---------------------------------------------------------------------------- simlab run
def test_simlab_run_gives_the_same_json_and_pcap_with_and_without_fast_forward(tmp_path):
    from typer.testing import CliRunner

    from simlab.cli import app

    text = builtin_scenarios()["carp-reboot"].read_text()
    quiet = text.replace("until: 90", "until: 7200")
    quiet = quiet.replace("  - {client: client, ping: 192.0.2.50, interval: 0.1, start: 5}\n", "")
    quiet = quiet.replace("probes:\n", "probes: []\n")
    assert quiet.count("7200") == 1 and "probes: []" in quiet
    path = tmp_path / "quiet.yaml"
    path.write_text(quiet)
    runner = CliRunner()
    outputs = []
    for flag in ("--fast-forward", "--no-fast-forward"):
        result = runner.invoke(app, ["run", str(path), "--json", flag])
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["transitions"]  # the reboot happened in both
    pcaps = []
    for flag in ("--fast-forward", "--no-fast-forward"):
        pcap = tmp_path / f"{flag}.pcap"
        result = runner.invoke(app, ["run", str(path), "--until", "120", "--pcap", str(pcap), flag])
        assert result.exit_code == 0, result.output
        pcaps.append(pcap.read_bytes())
    assert pcaps[0] == pcaps[1] and len(pcaps[0]) > 5_000  # ~120 adverts and the GARPs
