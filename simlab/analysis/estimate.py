"""Availability over years: the HYBRID estimator of DESIGN.md ("Two speeds").

1. **Gaps from the protocol model** (:func:`measure_gaps`). The scenario's own world (its
   configs, timers, probes; its timeline dropped) is run for short windows at random phases of
   the advertisement cycle, and the client's probes say how long each kind of fault costs:

   - ``failover``: the master loses power while the backup is up;
   - ``return``: a server comes back while the other serves (a preemption when the protocol
     preempts; usually nothing when it does not), per server;
   - ``cold start``: both were down and one comes back (measured from the end of its boot),
     per server (one that cannot serve alone keeps the service down until the other is back);
   - ``switch recovery``: the switch comes back with an empty MAC table;
   - ``router recovery``: a router on the path comes back from a power loss (its ARP cache and
     the servers' entries for it start empty), measured from the end of its boot;
   - per further failure mode of the master: its HA daemon killed (``daemon``, restarted at
     repair) or its client-facing NIC failed (``nic``, replaced at repair);
   - ``reboot``: the master rebooted by its administrator (what a patch window costs).

   A gap that never closes within its window is infinite: the service stays down until the
   failed part is repaired (a configuration that cannot fail over, say).
2. **Fault processes in numpy** (:func:`simulate`). Each server alternates up (time to failure)
   and down (time to repair, then its boot); switches and routers on the client's path are in
   series. A replication covers ``years`` years: both-down spans plus the cold-start gap after
   them, a failover gap whenever the master fails with the backup up (who is master follows the
   protocol's preemption, as measured), a return gap when a server comes back, and the series
   components' own down time. Gaps are drawn from the measured samples.
3. **Replications** (:func:`estimate`) until the 95 % interval of the downtime is within a
   relative tolerance of its mean, or ``max_replications``. Replication ``r`` draws only from
   ``SeedSequence(seed, spawn_key=(r, component))`` streams, so results do not depend on how
   many replications ran together.

**Causes are exclusive.** A minute of downtime with several causes at once (a switch failure
during a both-down span) goes to one of them only, the first in :data:`PRECEDENCE`: the router,
then the switch, then both servers down, a failover, a planned reboot, a preemption. The order
follows the client's path from the outside in: while the router or switch in front of the pair
is down, nothing the servers do can bring the service back, so that minute is theirs. So the
causes add up to the total (to rounding), and each says how many minutes removing that cause
alone would *at least* save. Times in the Monte Carlo are hours; gaps are measured in seconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from simlab.analysis.availability import CAUSES, HOURS_PER_YEAR, MINUTES_PER_YEAR
from simlab.analysis.closed_form import pair_downtime, series_availability
from simlab.analysis.failures import (
    SECONDS_PER_HOUR,
    FailureModel,
    Failures,
    down_intervals,
    failures_for,
    rng_for,
    union,
)
from simlab.analysis.outages import find_outages
from simlab.config.scenario import Scenario
from simlab.sim.build import build_world
from simlab.sim.host import DEFAULT_BOOT_NS
from simlab.sim.trace import Probe, StateChange
from simlab.sim.world import NS_PER_S

Progress = Callable[[int, int, str], None]  # (done, total, what)

#: the window each gap is measured over, seconds after the fault (or after the boot)
WINDOW_S = 30.0


# --- 1. gaps from the packet-level world ----------------------------------------------------------
@dataclass(frozen=True)
class Gaps:
    """Outage samples in seconds per kind of fault (``inf``: never recovered in the window)."""

    servers: tuple[str, str]  # (preferred master, the other)
    boot_s: tuple[float, float]
    failover: np.ndarray
    returns: tuple[np.ndarray, np.ndarray]  # per server, same order
    cold_start: tuple[np.ndarray, np.ndarray]  # per server, same order
    switch_recovery: np.ndarray = field(default_factory=lambda: np.zeros(1))
    preempts: bool = False
    #: from the end of a router's boot until the client's probes get through again
    router_recovery: np.ndarray = field(default_factory=lambda: np.zeros(1))
    #: failover gaps of the master's other failure modes ("daemon", "nic")
    modes: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def fixed(
        cls,
        failover: float,
        *,
        cold_start: float = 0.0,
        returns: tuple[float, float] = (0.0, 0.0),
        boot_s: tuple[float, float] = (0.0, 0.0),
        preempts: bool = False,
    ) -> Gaps:
        """Constant gaps (for closed-form checks and what-ifs)."""
        return cls(
            servers=("a", "b"),
            boot_s=boot_s,
            failover=np.array([failover], dtype=float),
            returns=(np.array([returns[0]], dtype=float), np.array([returns[1]], dtype=float)),
            cold_start=(np.array([cold_start], dtype=float),) * 2,
            preempts=preempts,
        )

    def summary(self) -> dict[str, object]:
        """Mean seconds per kind (None when a sample never recovered) and sample counts."""

        def mean(x: np.ndarray) -> float | None:
            return None if not np.isfinite(x).all() else round(float(x.mean()), 3)

        return {
            "servers": list(self.servers),
            "preempts": self.preempts,
            "failover_s": mean(self.failover),
            "return_s": {n: mean(r) for n, r in zip(self.servers, self.returns, strict=True)},
            "cold_start_s": {
                n: mean(c) for n, c in zip(self.servers, self.cold_start, strict=True)
            },
            "switch_recovery_s": mean(self.switch_recovery),
            "router_recovery_s": mean(self.router_recovery),
            **{f"{mode}_failover_s": mean(x) for mode, x in self.modes.items()},
            "samples": int(self.failover.size),
        }


def _masters(trace_records: Sequence[StateChange], hosts: Sequence[str]) -> list[str]:
    last: dict[str, str] = {}
    for r in trace_records:
        last[r.node] = r.new
    return [h for h in hosts if last.get(h) == "MASTER"]


def _streams(probes: list[Probe]) -> list[list[Probe]]:
    by: dict[tuple[str, str, str], list[Probe]] = {}
    for p in probes:
        by.setdefault((p.client, p.target, p.kind), []).append(p)
    return list(by.values())


def _lost_after(probes: list[Probe], t_from: int, t_to: int) -> float:
    """Seconds of outage starting in [t_from, t_to) (the worst probe stream); inf if one never
    ends before ``t_to``."""
    worst = 0.0
    for stream in _streams(probes):
        total = 0.0
        for o in find_outages(stream):
            if t_from <= o.start < t_to:
                if o.end is None or o.end > t_to:
                    return math.inf
                total += o.duration / NS_PER_S
        worst = max(worst, total)
    return worst


def _restored_after(probes: list[Probe], t: int, t_to: int) -> float:
    """Seconds from ``t`` until the outage under way at ``t`` ends (0 if none); inf if never."""
    worst = 0.0
    for stream in _streams(probes):
        for o in find_outages(stream):
            end = o.end if o.end is not None else math.inf
            if o.start <= t + _interval(stream) and end > t:
                if end > t_to:
                    return math.inf
                worst = max(worst, (end - t) / NS_PER_S)
    return worst


def _interval(stream: list[Probe]) -> int:
    """The probe interval of a stream (ns), for 'under way at t' tests."""
    return stream[1].time - stream[0].time if len(stream) > 1 else 0


def _servers(scenario: Scenario) -> tuple[str, str]:
    hosts = [h.name for h in scenario.topology.hosts]
    if len(hosts) != 2:
        raise ValueError(
            f"the estimator models an active/standby pair; {scenario.name} has "
            f"{len(hosts)} servers ({', '.join(hosts)})"
        )
    if not scenario.probes:
        raise ValueError(f"{scenario.name} has no probes: nothing measures the service")
    return hosts[0], hosts[1]


def _boot_s(scenario: Scenario, name: str) -> float:
    spec = next(h for h in scenario.topology.hosts if h.name == name)
    if spec.boot_time is not None:
        return float(spec.boot_time)
    return DEFAULT_BOOT_NS[spec.os] / NS_PER_S


def path_components(scenario: Scenario) -> tuple[list[str], list[str]]:
    """(switches, routers) in series between the probing clients and the servers.

    A client on a switch the servers share needs only that switch; a client elsewhere needs
    its own switch, the servers' switches that a router also reaches, and the routers."""
    topo = scenario.topology
    clients = {p.client for p in scenario.probes}
    c_sw = {i.switch for c in topo.clients if c.name in clients for i in c.interfaces if i.switch}
    s_sw = {i.switch for h in topo.hosts for i in h.interfaces if i.switch}
    shared = c_sw & s_sw
    if shared:
        return sorted(shared), []
    r_sw = {i.switch for r in topo.routers for i in r.interfaces if i.switch}
    return sorted(c_sw | (s_sw & r_sw)), [r.name for r in topo.routers]


@dataclass(frozen=True)
class GapSample:
    """What one packet-level run of :func:`measure_gap_sample` measured (seconds per fault);
    :func:`combine_gaps` pools the samples into :class:`Gaps`."""

    master: str  # who was master after the election
    preempted: bool  # it took the VIP back when it returned
    failover: tuple[float, ...]
    returns: dict[str, tuple[float, ...]]
    cold_start: dict[str, tuple[float, ...]]
    modes: dict[str, tuple[float, ...]]
    reboot: tuple[float, ...]
    switch_recovery: tuple[float, ...]
    router_recovery: tuple[float, ...]


def measure_gaps(
    scenario: Scenario,
    *,
    samples: int = 8,
    seed: int = 0,
    progress: Progress | None = None,
) -> Gaps:
    """Run the scenario's world ``samples`` times with faults at random phases (see the module
    docstring) and collect the outage each kind of fault caused, in seconds. The samples are
    independent (:func:`measure_gap_sample`), so a sweep can run them in parallel."""
    if samples < 1:
        raise ValueError(f"samples must be >= 1, got {samples!r}")
    parts = []
    for k in range(samples):
        parts.append(measure_gap_sample(scenario, k, seed=seed))
        if progress is not None:
            progress(k + 1, samples, "packet-level gaps")
    return combine_gaps(scenario, parts)


def combine_gaps(scenario: Scenario, parts: Sequence[GapSample]) -> Gaps:
    """Pool samples (in sample order) into :class:`Gaps`: the first sample's master is the
    preferred one; the protocol preempts when most samples saw it take the VIP back."""
    if not parts:
        raise ValueError("no gap samples to combine")
    hosts = _servers(scenario)
    preferred = parts[0].master
    order = (preferred, hosts[1] if preferred == hosts[0] else hosts[0])

    def pool(get) -> list[float]:
        return [x for p in parts for x in get(p)]

    cold = {h: pool(lambda p, h=h: p.cold_start[h]) for h in hosts}
    reboot = pool(lambda p: p.reboot)
    boot = [_boot_s(scenario, h) for h in order]
    return Gaps(
        servers=order,
        boot_s=(boot[0], boot[1]),
        failover=np.array(pool(lambda p: p.failover), dtype=float),
        returns=tuple(np.array(pool(lambda p, h=h: p.returns[h]), dtype=float) for h in order),  # type: ignore[arg-type]
        cold_start=(_or(cold[order[0]], cold[order[1]]), _or(cold[order[1]], cold[order[0]])),
        switch_recovery=np.array(pool(lambda p: p.switch_recovery) or [0.0], dtype=float),
        router_recovery=np.array(pool(lambda p: p.router_recovery) or [0.0], dtype=float),
        preempts=sum(p.preempted for p in parts) * 2 > len(parts),
        modes={
            **{m: np.array(pool(lambda p, m=m: p.modes[m]), dtype=float) for m in _MODES},
            **({"reboot": np.array(reboot, dtype=float)} if reboot else {}),
        },
    )


def measure_gap_sample(scenario: Scenario, k: int, *, seed: int = 0) -> GapSample:
    """Sample ``k`` of :func:`measure_gaps`: one world (seeded by ``seed`` and ``k``), every
    kind of fault in turn at random phases (drawn from ``SeedSequence(seed, (2**31, k))``)."""
    hosts = _servers(scenario)
    switches, routers = path_components(scenario)
    base = scenario.model_copy(update={"events": [], "fault_phase": "fixed"})
    settle = max(p.start for p in scenario.probes) + 15.0
    w = round(WINDOW_S * NS_PER_S)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2**31, k)))
    failover: list[float] = []
    returns: dict[str, list[float]] = {h: [] for h in hosts}
    cold: dict[str, list[float]] = {h: [] for h in hosts}
    mode_gaps: dict[str, list[float]] = {mode: [] for mode in _MODES}
    reboot: list[float] = []
    nics = {h: _client_nic(scenario, h) for h in hosts}
    sw_recovery: list[float] = []
    rt_recovery: list[float] = []
    boot = {h: round(_boot_s(scenario, h) * NS_PER_S) for h in hosts}

    def phase() -> int:
        return int(rng.integers(0, 2 * NS_PER_S))

    built = build_world(base, seed=seed * 1_000_003 + k, capture_frames=False)
    world = built.world
    t = round(settle * NS_PER_S) + phase()
    world.run(t)
    masters = _masters(world.trace.of(StateChange), hosts)
    if len(masters) != 1:
        raise ValueError(
            f"{scenario.name}: expected one master {settle:g} s after start, found "
            f"{masters or 'none'}; the estimator needs a pair that has elected"
        )
    master = masters[0]
    other = hosts[1] if master == hosts[0] else hosts[0]

    # a. the master loses power, then comes back
    world.apply("power-off", master)
    world.run(t + w)
    failover.append(_lost_after(world.trace.of(Probe), t, t + w))
    t = t + w + phase()
    world.run(t)
    world.apply("power-on", master)
    world.run(t + boot[master] + w)
    returns[master].append(_lost_after(world.trace.of(Probe), t, t + boot[master] + w))
    now_master = _masters(world.trace.of(StateChange), hosts)
    preempted = now_master == [master]

    # b. the other server loses power (a failover when it is master) and comes back
    t = t + boot[master] + w + phase()
    world.run(t)
    was_master = _masters(world.trace.of(StateChange), hosts) == [other]
    world.apply("power-off", other)
    world.run(t + w)
    if was_master:
        failover.append(_lost_after(world.trace.of(Probe), t, t + w))
    t = t + w + phase()
    world.run(t)
    world.apply("power-on", other)
    world.run(t + boot[other] + w)
    returns[other].append(_lost_after(world.trace.of(Probe), t, t + boot[other] + w))

    # c. both down, then one comes back (alternating which): the cold start
    t = t + boot[other] + w + phase()
    world.run(t)
    world.apply("power-off", hosts[0])
    world.apply("power-off", hosts[1])
    first = hosts[k % 2]
    t = t + 5 * NS_PER_S + phase()
    world.run(t)
    world.apply("power-on", first)
    up = t + boot[first]
    world.run(up + 2 * w)
    cold[first].append(_restored_after(world.trace.of(Probe), up, up + 2 * w))

    # d. the switch on the path fails and comes back with an empty MAC table
    second = hosts[1 - k % 2]
    world.apply("power-on", second)
    t = up + 2 * w + boot[second] + w + phase()
    world.run(t)
    if switches:
        world.apply("switch-fail", switches[0])
        t = t + 10 * NS_PER_S
        world.run(t)
        world.apply("switch-recover", switches[0])
        world.run(t + w)
        sw_recovery.append(_restored_after(world.trace.of(Probe), t, t + w))
        t = t + w + phase()
        world.run(t)
    # d'. the router on the path loses power and boots again: its ARP cache is empty
    if routers:
        world.apply("power-off", routers[0])
        t = t + 10 * NS_PER_S
        world.run(t)
        world.apply("power-on", routers[0])
        up = t + world.device(routers[0]).boot_time_ns
        world.run(up + w)
        rt_recovery.append(_restored_after(world.trace.of(Probe), up, up + w))
        t = up + w + phase()
        world.run(t)

    # e. the master's daemon is killed, then restarted; its NIC fails, then is replaced
    for mode, (fail, repair) in _MODES.items():
        masters = _masters(world.trace.of(StateChange), hosts)
        if len(masters) != 1:  # pragma: no cover - the pair re-elected above
            break
        victim = masters[0]
        args = (nics[victim],) if mode == "nic" else ()
        world.apply(fail, victim, *args)
        world.run(t + w)
        mode_gaps[mode].append(_lost_after(world.trace.of(Probe), t, t + w))
        t = t + w + phase()
        world.run(t)
        world.apply(repair, victim, *args)
        world.run(t + w)
        returns[victim].append(_lost_after(world.trace.of(Probe), t, t + w))
        t = t + w + phase()
        world.run(t)

    # f. the master is rebooted by its administrator (a patch window)
    masters = _masters(world.trace.of(StateChange), hosts)
    if len(masters) == 1:
        world.apply("reboot", masters[0])
        world.run(t + w)
        reboot.append(_lost_after(world.trace.of(Probe), t, t + w))
        t = t + w + boot[masters[0]] + w
        world.run(t)
    return GapSample(
        master=master,
        preempted=preempted,
        failover=tuple(failover),
        returns={h: tuple(x) for h, x in returns.items()},
        cold_start={h: tuple(x) for h, x in cold.items()},
        modes={m: tuple(x) for m, x in mode_gaps.items()},
        reboot=tuple(reboot),
        switch_recovery=tuple(sw_recovery),
        router_recovery=tuple(rt_recovery),
    )


#: further failure modes: the world's fault action and its repair
_MODES = {"daemon": ("daemon-crash", "daemon-restart"), "nic": ("nic-fail", "nic-repair")}


def _client_nic(scenario: Scenario, host: str) -> str:
    """The server's NIC on a switch (the one clients reach it through)."""
    spec = next(h for h in scenario.topology.hosts if h.name == host)
    return next((i.name for i in spec.interfaces if i.switch), spec.interfaces[0].name)


def _or(samples: list[float], fallback: list[float]) -> np.ndarray:
    return np.array(samples or fallback, dtype=float)


# --- 2. the fault processes in numpy ---------------------------------------------------------
def _clip(s: np.ndarray, e: np.ndarray, horizon: float) -> tuple[np.ndarray, np.ndarray]:
    keep = s < horizon
    return s[keep], np.minimum(e[keep], horizon)


def _down_at(s: np.ndarray, e: np.ndarray, t: np.ndarray) -> np.ndarray:
    """For each time in ``t``: is the component down (inside one of the disjoint, sorted
    intervals [s, e))?"""
    k = np.searchsorted(s, t, side="right") - 1
    inside = np.zeros(t.shape, dtype=bool)
    ok = k >= 0
    inside[ok] = t[ok] < e[k[ok]]
    return inside


def _last_end_before(s: np.ndarray, e: np.ndarray, t: np.ndarray) -> np.ndarray:
    """For each time in ``t``: when the component last came back before it (0: never down)."""
    k = np.searchsorted(e, t, side="right") - 1
    out = np.zeros(t.shape)
    ok = k >= 0
    out[ok] = e[k[ok]]
    return out


def _intersect(s0, e0, s1, e1) -> tuple[np.ndarray, np.ndarray]:
    """Intersection of two lists of disjoint sorted intervals."""
    if s0.size == 0 or s1.size == 0:
        return np.empty(0), np.empty(0)
    times = np.concatenate([s0, e0, s1, e1])
    delta = np.concatenate(
        [np.ones(s0.size), -np.ones(e0.size), np.ones(s1.size), -np.ones(e1.size)]
    )
    order = np.lexsort((delta, times))  # at equal times, ends (-1) before starts (+1)
    times, level = times[order], np.cumsum(delta[order])
    starts = np.flatnonzero(level == 2)
    return times[starts], times[starts + 1]


_POWER, _PLANNED = 0, 1


def _union_labelled(
    s: np.ndarray, e: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`union` that keeps, per merged span, the label of the interval that started it."""
    if s.size == 0:
        return s, e, labels
    order = np.lexsort((labels, s))
    s, e, labels = s[order], e[order], labels[order]
    reach = np.maximum.accumulate(e)
    new = np.empty(s.size, dtype=bool)
    new[0] = True
    new[1:] = s[1:] > reach[:-1]
    groups = np.cumsum(new) - 1
    out_e = np.zeros(int(new.sum()))
    np.maximum.at(out_e, groups, e)
    return s[new], out_e, labels[new]


def _draw(rng: np.random.Generator, samples: np.ndarray, n: int) -> np.ndarray:
    """``n`` gaps in hours drawn from measured seconds (inf stays inf)."""
    if n == 0:
        return np.empty(0)
    return samples[rng.integers(0, samples.size, n)] / SECONDS_PER_HOUR


def simulate(
    failures: Failures, gaps: Gaps, *, years: float, replication: int, seed: int
) -> dict[str, float]:
    """One replication: hours of downtime over ``years`` years, total and per cause."""
    horizon = years * HOURS_PER_YEAR
    n_sw, n_rt = len(failures.switches), len(failures.routers)
    g = rng_for(seed, replication, 2 + n_sw + n_rt)  # the gaps' own stream
    srv: list[tuple[np.ndarray, np.ndarray]] = []
    labels: list[np.ndarray] = []  # per down span: what started it (_POWER, _PLANNED, mode)
    first_mode_stream = 3 + n_sw + n_rt
    for i, model in enumerate(failures.servers):
        s, e = down_intervals(model, rng_for(seed, replication, i), horizon)
        e = e + gaps.boot_s[i] / SECONDS_PER_HOUR  # back after its boot
        parts = [(s, e, _POWER)]
        if failures.planned is not None:
            p = failures.planned.times(horizon, i)
            parts.append((p, p + failures.planned.duration, _PLANNED))
        for m, (_, mode_model) in enumerate(failures.modes):
            rng = rng_for(seed, replication, first_mode_stream + 2 * m + i)
            ms, me = down_intervals(mode_model, rng, horizon)
            parts.append((ms, me, _PLANNED + 1 + m))
        s = np.concatenate([x[0] for x in parts])
        e = np.concatenate([x[1] for x in parts])
        lab = np.concatenate([np.full(x[0].size, x[2]) for x in parts])
        s, e, lab = _union_labelled(s, e, lab)
        keep = s < horizon
        srv.append((s[keep], np.minimum(e[keep], horizon)))
        labels.append(lab[keep])
    mode_gaps = [gaps.modes.get(name, gaps.failover) for name, _ in failures.modes]

    causes: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {c: [] for c in CAUSES}
    causes["switch recovery"] = []

    # both down, then the first one back needs its cold start; one that cannot serve alone
    # (an infinite gap) leaves the service down until the other is back too
    bs, be = _intersect(*srv[0], *srv[1])
    first = np.where(_down_at(*srv[0], be), 1, 0)  # server 0 still down: 1 came back
    cold = np.empty(bs.size)
    for i in (0, 1):
        mine = first == i
        cold[mine] = _draw(g, gaps.cold_start[i], int(mine.sum()))
    stuck = ~np.isfinite(cold)
    if stuck.any():
        for i in (0, 1):
            sel = stuck & (first == i)
            s_o, e_o = srv[1 - i]
            k = np.searchsorted(s_o, be[sel], side="right") - 1
            cold[sel] = np.where(k >= 0, e_o[np.maximum(k, 0)], horizon) - be[sel]
    causes["both nodes down"].append((bs, np.minimum(be + cold, horizon)))

    for i in (0, 1):
        j = 1 - i
        s_i, e_i = srv[i]
        s_j, e_j = srv[j]
        # failures of i while j is up, when i is the master
        j_up = ~_down_at(s_j, e_j, s_i)
        if gaps.preempts:
            master = np.full(s_i.shape, i == 0)
        else:
            up_i = np.concatenate([[0.0], e_i[:-1]])  # when i last came back
            up_j = _last_end_before(s_j, e_j, s_i)
            master = (up_i < up_j) | ((up_i == up_j) & (i == 0))
        hit = j_up & master
        f = s_i[hit]
        lab = labels[i][hit]
        d = np.empty(f.size)
        planned_gap = gaps.modes.get("reboot", gaps.failover)
        for code, samples in enumerate([gaps.failover, planned_gap, *mode_gaps]):
            mine = lab == code
            d[mine] = _draw(g, samples, int(mine.sum()))
        d = np.minimum(d, e_i[hit] - f)
        planned = lab == _PLANNED
        causes["failover"].append((f[~planned], f[~planned] + d[~planned]))
        causes["planned reboot"].append((f[planned], f[planned] + d[planned]))
        # i comes back while j serves
        back = e_i[(e_i < horizon) & ~_down_at(s_j, e_j, e_i)]
        r = _draw(g, gaps.returns[i], back.size)
        r = np.where(np.isfinite(r), r, 0.0)
        causes["preemption"].append((back, np.minimum(back + r, horizon)))

    for k, model in enumerate(failures.switches):
        s, e = _series(model, rng_for(seed, replication, 2 + k), horizon)
        causes["switch"].append((s, e))
        rec = _draw(g, gaps.switch_recovery, e.size)
        causes["switch recovery"].append(
            (e, np.minimum(e + np.where(np.isfinite(rec), rec, 0), horizon))
        )
    for k, model in enumerate(failures.routers):
        s, e = _series(model, rng_for(seed, replication, 2 + n_sw + k), horizon)
        causes["router"].append((s, e))
        rec = _draw(g, gaps.router_recovery, e.size)
        causes["router"].append((e, np.minimum(e + np.where(np.isfinite(rec), rec, 0), horizon)))
    # the switch's recovery is the switch's: one cause
    causes["switch"].extend(causes.pop("switch recovery"))
    return _exclusive(causes, horizon)


#: which cause a minute with several causes at once is attributed to, first wins (see the
#: module docstring); the causes not listed never overlap anything in this model
PRECEDENCE = ("router", "switch", "both nodes down", "failover", "planned reboot", "preemption")


def _exclusive(
    causes: dict[str, list[tuple[np.ndarray, np.ndarray]]], horizon: float
) -> dict[str, float]:
    """Hours per cause, each minute counted once, for the first cause in :data:`PRECEDENCE`
    active then: cause k gets |U_1..k| - |U_1..k-1| (the union's growth), so the causes sum to
    the total downtime |U_all|."""
    out: dict[str, float] = dict.fromkeys(CAUSES, 0.0)
    cov_s, cov_e = np.empty(0), np.empty(0)
    covered = 0.0
    order = [*PRECEDENCE, *(c for c in causes if c not in PRECEDENCE)]
    for cause in order:
        parts = causes.get(cause, [])
        if not parts:
            continue
        s = np.concatenate([cov_s, *(p[0] for p in parts)])
        e = np.concatenate([cov_e, *(p[1] for p in parts)])
        cov_s, cov_e = _clip(*union(s, e), horizon)
        now = float((cov_e - cov_s).sum())
        out[cause] = max(now - covered, 0.0)
        covered = now
    out["total"] = covered
    out["hours"] = horizon
    return out


def _series(model: FailureModel, rng: np.random.Generator, horizon: float):
    return _clip(*down_intervals(model, rng, horizon), horizon)


# --- 3. replications, interval, convergence --------------------------------------------------
# two-sided 97.5 % quantiles of Student's t for 1..30 degrees of freedom (then 1.96)
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
         2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
         2.060, 2.056, 2.052, 2.048, 2.045, 2.042)  # fmt: skip


def t975(df: int) -> float:
    """The 0.975 quantile of Student's t with ``df`` degrees of freedom (normal past 30)."""
    if df < 1:
        return math.inf
    return _T975[df - 1] if df <= len(_T975) else 1.96


@dataclass(frozen=True)
class Estimate:
    """The year-scale answer: availability with its 95 % interval, downtime by cause."""

    availability: float
    ci95: tuple[float, float]
    downtime_minutes_per_year: float
    downtime_ci95: tuple[float, float]
    by_cause: dict[str, float]  # minutes per year
    replications: int
    years_per_replication: float
    converged: bool
    rel_tol: float
    seed: int
    gaps: dict[str, object] | None = None
    closed_form: dict[str, float] | None = None
    measured: Gaps | None = field(default=None, repr=False, compare=False)

    @property
    def pair_years(self) -> float:
        return self.replications * self.years_per_replication

    def as_dict(self) -> dict[str, object]:
        return {
            "availability": self.availability,
            "ci95": list(self.ci95),
            "downtime_minutes_per_year": self.downtime_minutes_per_year,
            "downtime_minutes_per_year_ci95": list(self.downtime_ci95),
            "nines": _nines(self.availability),
            "by_cause": self.by_cause,
            "replications": self.replications,
            "years_per_replication": self.years_per_replication,
            "simulated_years": self.pair_years,
            "converged": self.converged,
            "rel_tol": self.rel_tol,
            "seed": self.seed,
            "gaps": self.gaps,
            "closed_form": self.closed_form,
        }


def _nines(a: float) -> float | None:
    return None if a >= 1.0 else round(-math.log10(1.0 - a), 3)


#: both-down spans to expect before the interval may be called converged (e^-10: the chance of
#: seeing none is negligible)
RARE_EPISODES = 10


def both_down_rate(failures: Failures) -> float:
    """Both-down spans per hour, for independent servers: one fails while the other is in
    repair (1/MTBF_i x U_j, both ways)."""
    (a, b) = failures.servers
    u_a, u_b = 1.0 - a.availability, 1.0 - b.availability
    return max(u_b / a.mtbf + u_a / b.mtbf, 1e-300)


def estimate(
    failures: Failures,
    gaps: Gaps,
    *,
    years: float = 100.0,
    max_replications: int = 200,
    min_replications: int = 10,
    rel_tol: float = 0.05,
    seed: int = 0,
    progress: Progress | None = None,
) -> Estimate:
    """Replications of ``years`` years each until the 95 % interval of the downtime is within
    ``rel_tol`` of its mean (after at least ``min_replications``, and, when the closed form
    says both servers down at once matters at that tolerance, after enough years to expect
    :data:`RARE_EPISODES` such spans), or ``max_replications``."""
    if years <= 0:
        raise ValueError(f"years must be > 0, got {years!r}")
    if max_replications < 2:
        raise ValueError(f"replications must be >= 2 for an interval, got {max_replications!r}")
    if not rel_tol > 0:
        raise ValueError(f"rel_tol must be > 0, got {rel_tol!r}")
    min_replications = max(2, min(min_replications, max_replications))
    # rare events: until both servers have been down together a few times, replications that
    # never saw it give a narrow interval around a total that leaves it out. Wait for them
    # when the closed form says they matter at this tolerance.
    rare_years = RARE_EPISODES / (both_down_rate(failures) * HOURS_PER_YEAR)
    u_a, u_b = (1.0 - m.availability for m in failures.servers)
    totals: list[float] = []
    per_cause: dict[str, float] = dict.fromkeys(CAUSES, 0.0)
    converged = False
    for r in range(max_replications):
        out = simulate(failures, gaps, years=years, replication=r, seed=seed)
        hours = out["hours"]
        totals.append(out["total"] / hours)
        for c in CAUSES:
            per_cause[c] += out[c] / hours
        if progress is not None:
            progress(r + 1, max_replications, "replications")
        n = len(totals)
        if n >= min_replications:
            mean = float(np.mean(totals))
            half = t975(n - 1) * float(np.std(totals, ddof=1)) / math.sqrt(n)
            seen_rare = n * years >= rare_years or u_a * u_b < rel_tol * mean
            if mean > 0 and half <= rel_tol * mean and seen_rare:
                converged = True
                break
    n = len(totals)
    u = float(np.mean(totals))
    half = t975(n - 1) * float(np.std(totals, ddof=1)) / math.sqrt(n)
    lo, hi = max(0.0, u - half), min(1.0, u + half)
    return Estimate(
        availability=1.0 - u,
        ci95=(1.0 - hi, 1.0 - lo),
        downtime_minutes_per_year=u * MINUTES_PER_YEAR,
        downtime_ci95=(lo * MINUTES_PER_YEAR, hi * MINUTES_PER_YEAR),
        by_cause={c: v / n * MINUTES_PER_YEAR for c, v in per_cause.items()},
        replications=n,
        years_per_replication=years,
        converged=converged,
        rel_tol=rel_tol,
        seed=seed,
        gaps=gaps.summary(),
    )


def closed_form_check(failures: Failures, gaps: Gaps) -> dict[str, float]:
    """STACK.md's pair formula with the measured mean failover gap, times the series parts'
    availability: the quick answer beside the estimate (exact for exponential times, no
    planned reboots, cold-start and return gaps small)."""
    a, b = failures.servers
    mtbf, mttr = (a.mtbf + b.mtbf) / 2, (a.mttr + b.mttr) / 2
    d = float(np.mean(gaps.failover)) if np.isfinite(gaps.failover).all() else math.inf
    pair = pair_downtime(mtbf, mttr, d) if math.isfinite(d) else None
    series = series_availability(*(m.availability for m in (*failures.switches, *failures.routers)))
    if pair is None:
        return {"failover_gap_s": d}
    total_a = pair.availability * series
    return {
        "failover_gap_s": round(d, 3),
        "pair_minutes_per_year": pair.total,
        "series_minutes_per_year": (1 - series) * MINUTES_PER_YEAR,
        "downtime_minutes_per_year": (1 - total_a) * MINUTES_PER_YEAR,
        "availability": total_a,
    }


def estimate_scenario(
    scenario: Scenario,
    *,
    years: float = 100.0,
    max_replications: int = 200,
    rel_tol: float = 0.05,
    seed: int = 0,
    gap_samples: int = 8,
    progress: Progress | None = None,
) -> Estimate:
    """From a scenario to an availability number: its failure models (the ``failures:``
    section, defaults elsewhere), gaps measured in its world, the Monte Carlo over years."""
    gaps = measure_gaps(scenario, samples=gap_samples, seed=seed, progress=progress)
    switches, routers = path_components(scenario)
    failures = failures_for(
        scenario.failures, gaps.servers, switches=len(switches), routers=len(routers)
    )
    result = estimate(
        failures,
        gaps,
        years=years,
        max_replications=max_replications,
        rel_tol=rel_tol,
        seed=seed,
        progress=progress,
    )
    return _with(result, closed_form=closed_form_check(failures, gaps), measured=gaps)


def scenario_models(scenario: Scenario, result: Estimate) -> tuple[Failures, Gaps]:
    """The failure models and measured gaps an :func:`estimate_scenario` result used."""
    gaps = result.measured
    if gaps is None:
        raise ValueError("this estimate carries no measured gaps")
    switches, routers = path_components(scenario)
    failures = failures_for(
        scenario.failures, gaps.servers, switches=len(switches), routers=len(routers)
    )
    return failures, gaps


def _with(result: Estimate, **changes: object) -> Estimate:
    from dataclasses import replace

    return replace(result, **changes)  # type: ignore[arg-type]


# --- which part to fix first ---------------------------------------------------------------------
def _scaled(dist, k: float):
    """The same distribution with every time multiplied by ``k``."""
    from simlab.analysis.failures import Exponential, Fixed, Lognormal, Weibull

    match dist:
        case Exponential(mean=m):
            return Exponential(m * k)
        case Weibull(shape=a, scale=b):
            return Weibull(a, b * k)
        case Lognormal(mu=mu, sigma=sg):
            return Lognormal(mu + math.log(k), sg)
        case Fixed(value=v):
            return Fixed(v * k)
    raise ValueError(f"cannot scale {dist!r}")  # pragma: no cover


def what_ifs(failures: Failures, gaps: Gaps) -> dict[str, tuple[Failures, Gaps]]:
    """One improvement at a time: the switch(es) and router(s) made redundant (never down),
    servers twice as reliable, server repairs four times faster, failover gaps halved."""
    from dataclasses import replace

    def servers(ttf: float = 1.0, ttr: float = 1.0) -> tuple[FailureModel, FailureModel]:
        a, b = (FailureModel(_scaled(m.ttf, ttf), _scaled(m.ttr, ttr)) for m in failures.servers)
        return a, b

    options: dict[str, tuple[Failures, Gaps]] = {}
    if failures.switches:
        options["redundant switch"] = (replace(failures, switches=()), gaps)
    if failures.routers:
        options["redundant router"] = (replace(failures, routers=()), gaps)
    options["servers twice as reliable"] = (replace(failures, servers=servers(ttf=2.0)), gaps)
    options["server repairs 4x faster"] = (replace(failures, servers=servers(ttr=0.25)), gaps)
    half = replace(
        gaps,
        failover=gaps.failover / 2,
        cold_start=(gaps.cold_start[0] / 2, gaps.cold_start[1] / 2),
    )
    options["failover twice as fast"] = (failures, half)
    return options


def fix_first(
    failures: Failures,
    gaps: Gaps,
    *,
    years: float = 100.0,
    max_replications: int = 200,
    rel_tol: float = 0.05,
    seed: int = 0,
) -> list[dict[str, float | str]]:
    """The improvements of :func:`what_ifs`, best first: minutes a year each one saves (with the
    same seed, so the replications share their random streams where the models allow)."""

    def run(f: Failures, g: Gaps) -> Estimate:
        return estimate(
            f, g, years=years, max_replications=max_replications, rel_tol=rel_tol, seed=seed
        )

    base = run(failures, gaps).downtime_minutes_per_year
    rows: list[dict[str, float | str]] = []
    for name, (f, g) in what_ifs(failures, gaps).items():
        e = run(f, g)
        rows.append(
            {
                "change": name,
                "downtime_minutes_per_year": e.downtime_minutes_per_year,
                "saved_minutes_per_year": base - e.downtime_minutes_per_year,
            }
        )
    rows.sort(key=lambda r: -float(r["saved_minutes_per_year"]))
    return rows
