"""Interop matrix: simlab's core on real Linux against itself, keepalived 2.2.7 and ucarp 1.5.2.

Every test builds the seed topology in fresh network namespaces (:class:`SeedLab`: a bridge,
server1, server2, a client; 192.0.2.0/24 only; torn down by the fixture even on failure) and runs
one *story* with the better node on server1 (VRRP priority 150 vs 100, CARP advskew 0 vs 100):

1. election: the better node holds the VIP, the other not;
2. graceful stop of the master (SIGTERM): the backup takes over (VRRP: after its Skew_Time,
   thanks to the priority-0 advert; CARP says nothing, so master-down);
3. restart: the better node takes the VIP back (preemption);
4. power loss (SIGKILL of the daemon - keepalived's VRRP child too - and its switch port down):
   the backup takes over; the dead node still has the VIP configured, as a killed daemon leaves;
5. port up and restart: the stale VIP is removed and the better node preempts again;
6. the master's own interface down (``ip link set eth0 down``): the backup takes over;
7. interface up: the better node preempts (a real ucarp has exited at step 6: pinned).

A client probes the VIP every 50 ms. For each failover the measured outage is printed next to
the prediction and the test fails when they differ by more than one advert interval. The
prediction is :func:`predicted_outage`: the simulator's (:func:`simulator_prediction`, to be
plugged in) or else the timer formula with the failing master's advert phase taken from a
capture on the bridge. The capture is also fed to tshark: simlab's adverts must decode as valid
VRRP/CARP (checksums good, nothing malformed).

Set ``SIMLAB_HOST_RESULTS=FILE`` to append one JSON line per measured failover (the table in
docs/real-hosts.md was made that way).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from simlab.core.timing import (
    NS_PER_S,
    carp_advert_interval,
    carp_master_down,
    vrrp_master_down_interval,
    vrrp_skew_time,
)
from simlab.host.interop import (
    PASSWORD,
    formula_outage_ns,
    keepalived_conf,
    last_advert_before,
    start_keepalived,
    start_simlab_carp,
    start_simlab_vrrp,
    start_ucarp,
    ucarp_down_ns,
)
from simlab.host.netns import HOSTS, ProbeResult, Proc, SeedLab, netns_unavailable_reason

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

X, Y = "server1", "server2"  # the better node and the other


@pytest.fixture
def lab():
    reason = netns_unavailable_reason()
    if reason:
        pytest.skip(reason)
    with SeedLab() as built:
        yield built


def needs(*programs: str) -> None:
    for program in programs:
        if shutil.which(program) is None:
            pytest.skip(f"{program} is not installed (make apt-deps installs it)")


# ------------------------------------------------------------------------------ the pairs
@dataclass(frozen=True)
class Impl:
    """One implementation in one role: how to start it and what it does on a link loss."""

    name: str  # simlab, keepalived, ucarp
    start: Callable[[SeedLab, str], Proc]
    link_down_log: str  # the line its log shows when its interface goes down
    exits_on_link_down: bool = False


@dataclass(frozen=True)
class Pair:
    proto: str  # vrrp2, vrrp3, carp
    better: Impl
    worse: Impl

    @property
    def advert_ns(self) -> int:
        return carp_advert_interval(1, 0) if self.proto == "carp" else NS_PER_S

    @property
    def backup_down_ns(self) -> int:
        """The worse node's master-down interval (it is the backup that takes over); a real
        ucarp notices it only at its next poll wake-up (:func:`ucarp_down_ns`)."""
        if self.proto == "carp":
            return ucarp_down_ns(1, 100) if self.worse.name == "ucarp" else carp_master_down(1, 100)
        return vrrp_master_down_interval(100, 100)

    @property
    def backup_skew_ns(self) -> int:
        return 0 if self.proto == "carp" else vrrp_skew_time(100, 100)

    @property
    def id(self) -> str:
        return f"{self.proto}-{self.better.name}-over-{self.worse.name}"


def simlab_vrrp(version: int, priority: int) -> Impl:
    auth = PASSWORD if version == 2 else None
    return Impl(
        "simlab",
        lambda lab, role: start_simlab_vrrp(
            lab, role, priority=priority, version=version, auth_pass=auth
        ),
        "Entering FAULT STATE",
    )


def keepalived(version: int, priority: int) -> Impl:
    auth = PASSWORD if version == 2 else None
    return Impl(
        "keepalived",
        lambda lab, role: start_keepalived(
            lab, role, keepalived_conf(role, priority=priority, version=version, auth_pass=auth)
        ),
        "Entering FAULT STATE",
    )


def simlab_carp(advskew: int, flavour: str = "freebsd") -> Impl:
    line = "MASTER -> INIT (hardware interface down)" if flavour == "freebsd" else "BACKUP"
    return Impl(
        f"simlab-{flavour}" if flavour != "freebsd" else "simlab",
        lambda lab, role: start_simlab_carp(
            lab, role, advskew=advskew, preempt=True, flavour=flavour
        ),
        line,
    )


def ucarp(advskew: int) -> Impl:
    return Impl(
        "ucarp",
        lambda lab, role: start_ucarp(lab, role, advskew=advskew, preempt=True),
        "exiting: pfds[0].revents",
        exits_on_link_down=True,
    )


PAIRS = [
    Pair("vrrp2", simlab_vrrp(2, 150), simlab_vrrp(2, 100)),
    Pair("vrrp2", simlab_vrrp(2, 150), keepalived(2, 100)),
    Pair("vrrp2", keepalived(2, 150), simlab_vrrp(2, 100)),
    Pair("vrrp3", simlab_vrrp(3, 150), keepalived(3, 100)),
    Pair("vrrp3", keepalived(3, 150), simlab_vrrp(3, 100)),
    Pair("carp", simlab_carp(0), simlab_carp(100)),
    Pair("carp", simlab_carp(0, "ucarp"), ucarp(100)),
    Pair("carp", ucarp(0), simlab_carp(100, "ucarp")),
]


# ------------------------------------------------------------------------------ predictions
@dataclass
class Fault:
    name: str
    mono_ns: int = field(default_factory=time.monotonic_ns)
    real_ns: int = field(default_factory=time.time_ns)


SIM_PING_NS = 50_000_000  # the simulated client probes as often as the real one
# An outage may start with a probe sent just before the fault (its answer was lost): count it
# for the fault if it began at most one probe interval (plus scheduling slack) earlier.
PROBE_SLACK_NS = 2 * SIM_PING_NS


def simulator_prediction(pair: Pair, fault: str, phase_ns: int) -> int | None:
    """The simulator's outage (ns) for this pair and fault, ``phase_ns`` after the master's last
    advert: :func:`simlab.sim.topologies.seed_pair` with the same priorities / advskews, a client
    pinging every 50 ms, the fault (``graceful stop`` = the daemon stopped, ``power loss`` =
    power off, ``link down`` = ``ip link set eth0 down``) put that long after an advert of the
    steady master, and the longest outage the simulated client then sees.

    None where the simulator has no model of the pair: its hosts run keepalived (VRRP) or
    FreeBSD carp(4), not ucarp, so the pairs with a real or simulated ucarp use the formula.
    """
    if pair.proto == "carp" and {pair.better.name, pair.worse.name} != {"simlab"}:
        return None
    try:
        from simlab.analysis.outages import find_outages
        from simlab.sim.topologies import seed_pair
        from simlab.sim.trace import FrameSent, Probe
        from simlab.sim.world import World
    except ImportError:
        return None

    def world_and_pair() -> tuple:
        world = World(seed=1)
        seed = seed_pair(
            world, "carp" if pair.proto == "carp" else "vrrp", priorities=(150, 100),
            advskews=(0, 100), preempt=True, vrrp_version=3 if pair.proto == "vrrp3" else 2,
            ping_interval_ns=SIM_PING_NS, start_ns=(0, 1_000_000),
        )  # fmt: skip
        return world, seed

    # a first run finds the steady master's adverts; the same world again gets the fault
    world, seed = world_and_pair()
    world.run(12 * NS_PER_S)
    master = seed.servers[0]
    adverts = [
        r.time
        for r in world.trace
        if isinstance(r, FrameSent) and r.node == master.name and r.kind == "advert"
    ]
    if not adverts:
        return None
    t_fault = adverts[-1] + phase_ns
    world, seed = world_and_pair()
    master = seed.servers[0]
    if fault == "graceful stop":
        world.at(t_fault, master.stop_daemon)
    elif fault == "power loss":
        world.at(t_fault, master.power_off)
    else:
        world.at(t_fault, master.ifconfig, seed.iface, "down")
    world.run(t_fault + 8 * NS_PER_S)
    probes = [r for r in world.trace if isinstance(r, Probe)]
    # A probe sent just before the fault whose answer the fault swallowed starts the outage:
    # it belongs to this fault if it began at most one probe interval earlier.
    runs = [
        o for o in find_outages(probes)
        if o.start >= t_fault - SIM_PING_NS and o.end is not None
    ]  # fmt: skip
    return max((o.duration for o in runs), default=0)


def formula_prediction(pair: Pair, fault: str, phase_ns: int) -> int:
    """The timer formulas (:mod:`simlab.core.timing`): Skew_Time after a VRRP goodbye, else the
    backup's master-down interval (a real ucarp's as its loop really runs) minus the phase."""
    goodbye = fault == "graceful stop" and pair.proto != "carp"
    return formula_outage_ns(
        down_ns=pair.backup_down_ns, skew_ns=pair.backup_skew_ns, phase_ns=phase_ns,
        goodbye=goodbye,
    )  # fmt: skip


def predicted_outage(pair: Pair, fault: str, phase_ns: int) -> tuple[int, str]:
    """(ns, source): the simulator's prediction where it has one, else the timer formula."""
    simulated = simulator_prediction(pair, fault, phase_ns)
    if simulated is not None:
        return simulated, "simulator"
    source = "formula (ucarp loop)" if pair.worse.name == "ucarp" else "formula"
    return formula_prediction(pair, fault, phase_ns), source


def check_outages(pair: Pair, faults: list[Fault], probes: ProbeResult, pcap: Path) -> list[str]:
    """Measured vs predicted per failover; returns the problems (empty: all within tolerance)."""
    problems = []
    tolerance = pair.advert_ns
    for i, fault in enumerate(faults):
        end = faults[i + 1].mono_ns if i + 1 < len(faults) else None
        runs = [
            o for o in probes.outages
            if o.start >= fault.mono_ns - PROBE_SLACK_NS and (end is None or o.start < end)
        ]  # fmt: skip
        measured = max((o.end - o.start for o in runs if o.end is not None), default=0)
        last = last_advert_before(pcap, HOSTS[X][1], fault.real_ns)
        phase = fault.real_ns - last if last is not None else 0
        predicted, source = predicted_outage(pair, fault.name, phase)
        row = {
            "pair": pair.id,
            "fault": fault.name,
            "measured_s": round(measured / 1e9, 3),
            "predicted_s": round(predicted / 1e9, 3),
            "source": source,
            "formula_s": round(formula_prediction(pair, fault.name, phase) / 1e9, 3),
            "phase_s": round(phase / 1e9, 3),
        }
        print(json.dumps(row))
        if os.environ.get("SIMLAB_HOST_RESULTS"):
            with open(os.environ["SIMLAB_HOST_RESULTS"], "a") as f:
                f.write(json.dumps(row) + "\n")
        if pair.worse.name == "ucarp":
            # pinned: a real ucarp backup is late by its poll rounding (0.78 s here) at least
            kernel = carp_master_down(1, 100) - phase
            if measured - kernel < 500_000_000:
                late = (measured - kernel) / 1e9
                problems.append(f"{fault.name}: ucarp only {late:.3f} s after the kernel formula")
        if abs(measured - predicted) > tolerance:
            problems.append(f"{fault.name}: measured {measured / 1e9:.3f} s, {source} "
                            f"{predicted / 1e9:.3f} s (phase {phase / 1e9:.3f} s)")  # fmt: skip
    return problems


# ------------------------------------------------------------------------------ tshark
def tshark_check(pcap: Path, simlab_ips: list[str], proto: str) -> None:
    """tshark decodes simlab's adverts on the wire as valid VRRP/CARP."""
    if shutil.which("tshark") is None or not simlab_ips:
        return
    layer = "carp" if proto == "carp" else "vrrp"
    fields = ["ip.src", "ip.checksum.status", f"{layer}.checksum.status", "_ws.malformed"]
    cmd = ["tshark", "-n", "-r", str(pcap), "-o", "ip.check_checksum:TRUE"]
    if proto == "carp":
        cmd += ["-o", "ip.try_heuristic_first:TRUE"]
    cmd += ["-T", "fields", "-E", "separator=|"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=True).stdout
    rows = [dict(zip(fields, line.split("|"), strict=True)) for line in out.splitlines()]
    ours = [r for r in rows if r["ip.src"] in simlab_ips]
    assert ours, f"no frame from {simlab_ips} in the capture"
    good = ("1", "1", "")
    bad = [r for r in ours if (r["ip.checksum.status"], r[f"{layer}.checksum.status"],
                               r["_ws.malformed"]) != good]  # fmt: skip
    assert not bad, f"tshark: {len(bad)} of {len(ours)} simlab frames not valid {layer}: {bad[:3]}"


def start_capture(lab: SeedLab, path: Path) -> Proc:
    cap = lab.capture(path)
    assert lab.wait_until(lambda: path.exists() and path.stat().st_size >= 24, 10), cap.output()
    return cap


# ------------------------------------------------------------------------------ the story
def logs(*procs: Proc) -> str:
    return "\n".join(f"--- {p.name} (pid {p.pid})\n{p.output()[-3000:]}" for p in procs)


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: p.id)
def test_failover_story(lab: SeedLab, pair: Pair) -> None:
    needs(*{i.name for i in (pair.better, pair.worse)} & {"keepalived", "ucarp"})
    pcap = lab.workdir / "story.pcap"
    capture = start_capture(lab, pcap)
    y = pair.worse.start(lab, Y)
    x = pair.better.start(lab, X)
    wait = lab.wait_until
    seed = random.randrange(1 << 30)
    phase = random.Random(seed).uniform  # faults at a random point of the advert cycle
    print(f"story {pair.id}: phase seed {seed}")

    # 1. election
    assert wait(lambda: lab.holders() == [X], 8), (lab.holders(), logs(x, y))
    assert wait(lambda: lab.holders() == [X], 1.5) and lab.holders() == [X], logs(x, y)
    probe = lab.start_probe()
    time.sleep(1.0)
    faults = []

    # 2. graceful stop
    time.sleep(phase(0, 1))
    faults.append(Fault("graceful stop"))
    assert x.stop(signal.SIGTERM, timeout=5) == 0, logs(x)
    assert wait(lambda: lab.holders() == [Y], 6), (lab.holders(), logs(x, y))
    time.sleep(0.5)

    # 3. restart: preemption
    x = pair.better.start(lab, X)
    assert wait(lambda: lab.holders() == [X], 8), (lab.holders(), logs(x, y))
    time.sleep(1.2)

    # 4. power loss: the daemon (all its processes) SIGKILLed, its switch port down
    time.sleep(phase(0, 1))
    x.kill_all()
    # Stamped once nothing of the daemon can send any more: an advert that left while the
    # kill was under way must count as the last one, or the phase is off by an interval.
    faults.append(Fault("power loss"))
    lab.set_port(X, False)
    assert wait(lambda: lab.holds(Y), 6), (lab.holders(), logs(x, y))
    assert lab.holds(X), "a SIGKILLed daemon leaves its VIP configured"
    time.sleep(0.5)

    # 5. back: port up, restart; the stale VIP goes, preemption brings the VIP back
    lab.set_port(X, True)
    x = pair.better.start(lab, X)
    assert wait(lambda: lab.holders() == [X], 8), (lab.holders(), logs(x, y))
    if pair.better.name.startswith("simlab"):  # on eth0, or with its macvlan (CARP's VMAC)
        assert "removing stale" in x.output(), logs(x)
    time.sleep(1.2)

    # 6. the master's interface down
    time.sleep(phase(0, 1))
    lab.set_link(X, False)
    faults.append(Fault("link down"))  # stamped once the link is down (see power loss)
    assert wait(lambda: lab.holds(Y), 6), (lab.holders(), logs(x, y))
    assert wait(lambda: pair.better.link_down_log in x.output(), 3), logs(x)
    time.sleep(0.5)

    # 7. interface up
    lab.set_link(X, True)
    if pair.better.exits_on_link_down:
        # ucarp 1.5.2 exits on the poll error (running its down script with -z) and never
        # comes back: the VIP stays with the backup.
        assert x.wait(3) is not None, logs(x)
        time.sleep(2)
        assert lab.holders() == [Y], logs(x, y)
    else:
        assert wait(lambda: lab.holders() == [X], 8), (lab.holders(), logs(x, y))
    result = probe.stop()
    for proc in (x, y):
        proc.stop(signal.SIGTERM, timeout=5)
    capture.stop(signal.SIGTERM, timeout=5)

    problems = check_outages(pair, faults, result, pcap)
    simlab_ips = [HOSTS[r][1] for r, i in ((X, pair.better), (Y, pair.worse))
                  if i.name.startswith("simlab")]  # fmt: skip
    tshark_check(pcap, simlab_ips, pair.proto)
    assert not problems, "\n".join(problems)
