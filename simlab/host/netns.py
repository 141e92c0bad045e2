"""The seed topology in Linux network namespaces, for tests, benchmarks and notebooks.

:class:`SeedLab` builds what ``shared/captures/README.md`` describes: a bridge ``br0`` in its own
namespace as the switch, and ``server1``, ``server2`` and ``client`` (optionally ``router``),
each with an ``eth0`` that is one end of a veth pair whose other end is a bridge port named after
the host (``server1`` ... in the switch namespace)::

    server1 eth0 02:00:00:00:00:11 192.0.2.11/24 --+
    server2 eth0 02:00:00:00:00:12 192.0.2.12/24 --+-- br0 (namespace "sw")
    client  eth0 02:00:00:00:01:00 192.0.2.100/24 -+
    router  eth0 02:00:00:00:00:01 192.0.2.1/24 ---+   (router=True)
    service IP 192.0.2.50 (VIP)

Nothing is created in the root namespace: every veth is made inside the switch namespace with
its peer placed straight into the host's namespace. Namespace names carry the PID and a counter
(``sl4242-1-server1``) so parallel runs never collide. IPv6 is off unless ``ipv6=True``.

Processes started with :meth:`SeedLab.start` run under ``ip netns exec`` (which execs, so the
handle's PID is the program's own); :meth:`SeedLab.close` (also the context manager's exit, also
on errors) stops each one by PID - SIGTERM, then SIGKILL after a bounded wait - and deletes the
namespaces, which takes the veths and the bridge with them. Every wait has a time limit.

Use::

    with SeedLab() as lab:
        a = lab.start("server1", ["simlab", "host", "vrrp", ...])
        lab.wait_until(lambda: lab.holds("server1"), timeout=6)
        probe = lab.start_probe()
        ...
        print(probe.stop().longest_outage)

Requires root (``ip netns add``); :class:`NetnsUnavailable` says why not.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from simlab.host.probe import ProbeOutage, outages

__all__ = [
    "HOSTS",
    "VIP",
    "NetnsUnavailable",
    "ProbeResult",
    "Prober",
    "Proc",
    "SeedLab",
    "netns_unavailable_reason",
]

VIP = "192.0.2.50"
PREFIXLEN = 24
#: role -> (MAC, IPv4) as in the captures
HOSTS = {
    "server1": ("02:00:00:00:00:11", "192.0.2.11"),
    "server2": ("02:00:00:00:00:12", "192.0.2.12"),
    "client": ("02:00:00:00:01:00", "192.0.2.100"),
    "router": ("02:00:00:00:00:01", "192.0.2.1"),
}
SWITCH = "sw"
_counter = itertools.count(1)


class NetnsUnavailable(RuntimeError):
    """This machine (or user) cannot build namespaces; the message says why."""


def netns_unavailable_reason() -> str | None:
    """None when namespaces can be built here, else a reason fit for ``pytest.skip``."""
    if os.geteuid() != 0:
        return "network-namespace tests need root (ip netns add); run as root or in CI"
    if shutil.which("ip") is None:
        return "iproute2's `ip` is not installed (make apt-deps)"
    name = f"sl{os.getpid()}-probe{next(_counter)}"
    done = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True, timeout=10)
    if done.returncode:
        return f"`ip netns add` failed here: {done.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=10)
    return None


@dataclass
class Proc:
    """A process started in a namespace. ``extra_pids`` returns PIDs of children it spawned
    that must be stopped with it (keepalived's VRRP child), read from their PID files."""

    name: str
    argv: list[str]
    popen: subprocess.Popen
    log_path: Path
    extra_pids: Callable[[], list[int]] = field(default=lambda: [])

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def running(self) -> bool:
        return self.popen.poll() is None

    def send_signal(self, signum: int) -> None:
        """Send ``signum`` to this PID only (if it is still ours and running)."""
        if self.popen.poll() is None:
            os.kill(self.popen.pid, signum)

    def kill_all(self) -> None:
        """SIGKILL this process and its recorded children at once (a power loss)."""
        pids = [self.pid, *self.extra_pids()] if self.running else self.extra_pids()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.wait(5)

    def wait(self, timeout: float) -> int | None:
        """The exit status, or None if still running after ``timeout`` seconds."""
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 5.0) -> int | None:
        """``signum``, wait up to ``timeout`` s, then SIGKILL (this PID and recorded children)."""
        children = self.extra_pids()
        self.send_signal(signum)
        status = self.wait(timeout)
        if status is None:
            self.kill_all()
            status = self.wait(5)
        for pid in children:  # children normally end with their parent; make sure
            if _alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        return status

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class ProbeResult:
    """What the client saw: probes ``[seq, sent_ns, answered_ns | None]`` and their outages."""

    interval: float
    probes: list[list]
    outages: list[ProbeOutage]

    @property
    def sent(self) -> int:
        return len(self.probes)

    @property
    def answered(self) -> int:
        return self.sent - sum(o.lost for o in self.outages)

    @property
    def longest_outage(self) -> float:
        """Seconds of the longest run of unanswered probes that ended (0.0 if none)."""
        return max((o.seconds for o in self.outages if o.end is not None), default=0.0)

    def outages_after(self, t_ns: int) -> list[ProbeOutage]:
        """Outages that end after monotonic time ``t_ns`` (e.g. the moment of a fault)."""
        return [o for o in self.outages if o.end is None or o.end > t_ns]

    def outage_after(self, t_ns: int) -> float:
        """Seconds of the longest outage ending after ``t_ns`` (the fault's), 0.0 if none."""
        return max((o.seconds for o in self.outages_after(t_ns)), default=0.0)


@dataclass
class Prober:
    """The client's ICMP prober (``python -m simlab.host.probe``) running in its namespace."""

    proc: Proc
    out: Path

    def stop(self, timeout: float = 5.0) -> ProbeResult:
        self.proc.stop(signal.SIGTERM, timeout=timeout)
        data = json.loads(self.out.read_text())
        timeout_ns = int(data["timeout"] * 1e9)
        return ProbeResult(data["interval"], data["probes"], outages(data["probes"], timeout_ns))


class SeedLab:
    """The seed topology in namespaces (see the module docstring). A context manager."""

    def __init__(
        self, *, router: bool = False, ipv6: bool = False, workdir: str | Path | None = None
    ) -> None:
        self.tag = f"sl{os.getpid()}-{next(_counter)}"
        self.roles = ["server1", "server2", "client"] + (["router"] if router else [])
        self.ipv6 = ipv6
        self.ns = {role: f"{self.tag}-{role}" for role in [SWITCH, *self.roles]}
        self._own_workdir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix=f"{self.tag}-"))
        self.procs: list[Proc] = []
        self._made: list[str] = []

    # ---------------------------------------------------------------- life cycle
    def __enter__(self) -> SeedLab:
        try:
            self.build()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def build(self) -> None:
        reason = netns_unavailable_reason()
        if reason:
            raise NetnsUnavailable(reason)
        for role, name in self.ns.items():
            done = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True)
            if done.returncode:
                raise NetnsUnavailable(f"`ip netns add {name}` failed: {done.stderr.strip()}")
            self._made.append(name)
            self._sysctl(role, "net.ipv6.conf.all.disable_ipv6", "0" if self.ipv6 else "1")
            self._sysctl(role, "net.ipv6.conf.default.disable_ipv6", "0" if self.ipv6 else "1")
            if self.ipv6:  # no duplicate address detection: link-locals usable at once
                self._sysctl(role, "net.ipv6.conf.default.accept_dad", "0")
            self.ip(role, "link", "set", "lo", "up")
        self.ip(SWITCH, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0")
        self.ip(SWITCH, "link", "set", "br0", "up")
        for role in self.roles:
            mac, addr = HOSTS[role]
            self.ip(SWITCH, "link", "add", role, "type", "veth", "peer", "name", "eth0",
                    "netns", self.ns[role])  # fmt: skip
            self.ip(SWITCH, "link", "set", role, "master", "br0", "up")
            self.ip(role, "link", "set", "eth0", "address", mac, "up")
            self.ip(role, "addr", "add", f"{addr}/{PREFIXLEN}", "dev", "eth0")
        if "router" in self.roles:
            self._sysctl("router", "net.ipv4.ip_forward", "1")

    def close(self) -> None:
        """Stop every process we started (by PID), delete every namespace we made."""
        for proc in reversed(self.procs):
            if proc.running or any(_alive(p) for p in proc.extra_pids()):
                proc.stop(signal.SIGTERM, timeout=3)
        for name in reversed(self._made):
            subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=10)
        self._made.clear()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # ---------------------------------------------------------------- commands
    def ip(self, role: str, *args: str) -> str:
        """``ip -n <namespace> args``; raises with iproute2's message on failure."""
        done = subprocess.run(
            ["ip", "-n", self.ns[role], *args], capture_output=True, text=True, timeout=10
        )
        if done.returncode:
            raise RuntimeError(f"ip -n {self.ns[role]} {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def exec(self, role: str, argv: Sequence[str], timeout: float = 10.0):
        """Run ``argv`` to completion in ``role``'s namespace (bounded by ``timeout``)."""
        return subprocess.run(
            ["ip", "netns", "exec", self.ns[role], *argv],
            capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip

    def start(
        self,
        role: str,
        argv: Sequence[str],
        *,
        name: str | None = None,
        extra_pids: Callable[[], list[int]] | None = None,
    ) -> Proc:
        """Start ``argv`` in ``role``'s namespace; output (stdout+stderr) goes to a log file."""
        name = name or f"{role}-{Path(argv[0]).name}"
        log_path = self.workdir / f"{name}-{len(self.procs)}.log"
        with open(log_path, "wb") as log:
            popen = subprocess.Popen(
                ["ip", "netns", "exec", self.ns[role], *argv],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        proc = Proc(name, list(argv), popen, log_path)
        if extra_pids is not None:
            proc.extra_pids = extra_pids
        self.procs.append(proc)
        return proc

    def _sysctl(self, role: str, key: str, value: str) -> None:
        path = "/proc/sys/" + key.replace(".", "/")
        self.exec(role, ["sh", "-c", f"echo {value} > {path}"])

    # ---------------------------------------------------------------- faults and views
    def set_link(self, role: str, up: bool, iface: str = "eth0") -> None:
        """``ip link set eth0 down|up`` inside the host (what an admin or a driver fault does)."""
        self.ip(role, "link", "set", iface, "up" if up else "down")

    def set_port(self, role: str, up: bool) -> None:
        """The switch port of ``role`` down/up: a pulled cable or, with a SIGKILL, power loss."""
        self.ip(SWITCH, "link", "set", role, "up" if up else "down")

    def addresses(self, role: str, iface: str | None = None) -> list[str]:
        """``ADDR/LEN`` of every IPv4/IPv6 address in ``role``'s namespace (or on ``iface``)."""
        args = ["-o", "addr", "show"] + (["dev", iface] if iface else [])
        return [line.split()[3] for line in self.ip(role, *args).splitlines()]

    def holds(self, role: str, vip: str = VIP) -> bool:
        """Whether ``vip`` is configured on any interface of ``role``."""
        return any(a.split("/")[0] == vip for a in self.addresses(role))

    def holders(self, vip: str = VIP) -> list[str]:
        return [r for r in self.roles if r != "client" and self.holds(r, vip)]

    @staticmethod
    def wait_until(predicate: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
        """Poll ``predicate`` until true or ``timeout`` seconds passed; returns the last value."""
        end = time.monotonic() + timeout
        while True:
            if predicate():
                return True
            if time.monotonic() >= end:
                return False
            time.sleep(interval)

    def start_probe(
        self, target: str = VIP, interval: float = 0.05, role: str = "client"
    ) -> Prober:
        """Probe ``target`` from ``role`` every ``interval`` s until :meth:`Prober.stop`."""
        out = self.workdir / f"probe-{len(self.procs)}.json"
        argv = [sys.executable, "-m", "simlab.host.probe", target, "--interval", str(interval),
                "--out", str(out)]  # fmt: skip
        return Prober(self.start(role, argv, name="probe"), out)

    def capture(self, path: str | Path, capture_filter: str = "ip proto 112") -> Proc:
        """``dumpcap`` on the bridge (sees every flooded advert); stop it with ``.stop()``."""
        dumpcap = shutil.which("dumpcap") or "dumpcap"
        argv = [dumpcap, "-q", "-i", "br0", "-f", capture_filter, "-P", "-w", str(path)]
        return self.start(SWITCH, argv, name="dumpcap")
