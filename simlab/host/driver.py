"""Run one :mod:`simlab.core` protocol instance on a real Linux interface.

The driver is the I/O half of the sans-I/O design; every protocol decision stays in the core:

* **receive**: an ``AF_PACKET`` socket bound to the interface hands over whole Ethernet frames
  (what ``frame_received`` consumes). A classic BPF filter keeps only IPv4/IPv6 protocol 112,
  frames we sent ourselves are skipped. A UDP socket joins 224.0.0.18 (and ff02::12 for IPv6
  VIPs) on the interface so a real NIC's multicast filter lets the adverts in.
* **send**: the core's frames go out unchanged through the same socket, so the Ethernet source is
  exactly the one the core chose (the NIC's MAC for keepalived, ``00:00:5e:00:00:vhid`` for
  ucarp, the virtual MAC for FreeBSD CARP and ``use_vmac``), and TTL 255 is already in the frame.
  Gratuitous ARPs and unsolicited NAs are frames from the core like any other.
* **time**: ``time.monotonic_ns()``; one timer, the deadline the core last announced
  (``ArmTimer``/``CancelTimer``), waited for with ``selectors`` next to the sockets.
* **addresses**: ``AddAddress``/``RemoveAddress`` through pyroute2 (``ip addr`` as fallback), on
  the device the core names (keepalived's VIPs may live on another NIC than the adverts; its
  gratuitous ARPs then leave from that NIC) or, for a NOARP device such as ``dummy0``, on the
  device given in ``vip_devices``.
  When the core gives a MAC that is not the interface's own (CARP's VMAC, ``use_vmac``), the
  address goes on a macvlan carrying that MAC (``vrrp.<vrid>`` as keepalived names it,
  ``carp.<vhid>`` for CARP), created on demand and deleted at stop; while it exists the parent
  has ``arp_ignore=1`` (only the macvlan answers ARP for the VIP) and ``arp_announce=2`` (the
  host's own ARP requests never give the VIP with the parent's MAC); both are restored at stop.
* **link**: ``SIOCGIFFLAGS`` (up and running) re-read whenever a netlink link event arrives
  (``RTMGRP_LINK``) and once a second; a change is fed to ``link_changed``.
* **stop**: SIGTERM/SIGINT (or :meth:`HostDriver.stop` from another thread, or ``duration``)
  run ``shutdown`` and carry out its actions: the VRRP master's priority-0 advert and the VIPs
  removed; FreeBSD CARP sends nothing. A SIGKILL leaves the VIP configured, as a killed
  keepalived does; the next start removes a stale VIP of this instance and says so.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import ipaddress
import os
import selectors
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from simlab.core.actions import (
    Action,
    AddAddress,
    ArmTimer,
    CancelTimer,
    Log,
    RemoveAddress,
    SendFrame,
    StateChanged,
)
from simlab.core.interface import Interface
from simlab.core.machine import ProtocolMachine

__all__ = [
    "HostDriver",
    "HostError",
    "LogPrinter",
    "device_flags",
    "device_mac",
    "interface_info",
    "needs_privileges",
]

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
SO_ATTACH_FILTER = 26
SIOCGIFFLAGS, SIOCGIFHWADDR = 0x8913, 0x8927
IFF_UP, IFF_RUNNING, IFF_NOARP = 0x1, 0x40, 0x80
RTMGRP_LINK = 0x1
CAP_NET_ADMIN, CAP_NET_RAW = 12, 13
LINK_RECHECK_NS = 1_000_000_000

# Classic BPF: accept IPv4 with protocol 112 or IPv6 with next header 112, drop the rest.
_BPF = [
    (0x28, 0, 0, 12),  # ldh [12]            ethertype
    (0x15, 0, 2, 0x0800),  # jeq #IPv4, L2, L4
    (0x30, 0, 0, 23),  # L2: ldb [23]        IPv4 protocol
    (0x15, 3, 4, 112),  # jeq #112, accept, drop
    (0x15, 0, 3, 0x86DD),  # L4: jeq #IPv6, L5, drop
    (0x30, 0, 0, 20),  # L5: ldb [20]        IPv6 next header
    (0x15, 0, 1, 112),  # jeq #112, accept, drop
    (0x06, 0, 0, 0x40000),  # accept: whole frame
    (0x06, 0, 0, 0),  # drop
]


class HostError(Exception):
    """A problem the user must fix (privileges, interface); the CLI prints it and exits 2."""


def _is_proto112(frame: bytes) -> bool:
    """The BPF filter again in Python (belt and braces; the core filters too)."""
    if len(frame) < 34:
        return False
    if frame[12:14] == b"\x08\x00":
        return frame[23] == 112
    return frame[12:14] == b"\x86\xdd" and len(frame) >= 54 and frame[20] == 112


def needs_privileges() -> bool:
    """True when this process lacks CAP_NET_RAW or CAP_NET_ADMIN (effective set)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("CapEff:"):
                    caps = int(line.split()[1], 16)
                    return not (caps >> CAP_NET_RAW & 1 and caps >> CAP_NET_ADMIN & 1)
    except OSError:
        pass
    return os.geteuid() != 0


def device_flags(name: str) -> int | None:
    """``SIOCGIFFLAGS`` of ``name`` in this network namespace (None: no such device)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            raw = fcntl.ioctl(s, SIOCGIFFLAGS, struct.pack("16sH", name.encode(), 0))
        except OSError:
            return None
    return struct.unpack("16sH", raw[:18])[1]


def device_mac(name: str) -> str:
    """The hardware address of ``name`` in this network namespace."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        raw = fcntl.ioctl(s, SIOCGIFHWADDR, struct.pack("16s16x", name.encode()))
    return ":".join(f"{b:02x}" for b in raw[18:24])


def interface_info(name: str, exclude: tuple[str, ...] = ()) -> tuple[Interface, int]:
    """The core's :class:`Interface` for ``name`` (MAC, primary IPv4, IPv6 link-local) and its
    index. ``exclude``: addresses not to take as the primary one (the instance's own VIPs)."""
    names = [n for _, n in socket.if_nameindex()]
    if name not in names:
        raise HostError(f"no interface {name!r} (available: {', '.join(names)})")
    index = socket.if_nametoindex(name)
    mac = device_mac(name)
    ipv4 = ip6_ll = None
    try:
        from pyroute2 import IPRoute

        with IPRoute() as ipr:
            for msg in ipr.get_addr(index=index):
                addr, family = msg.get("address"), msg["family"]
                if not addr or addr in exclude:
                    continue
                if family == socket.AF_INET and ipv4 is None and not msg["flags"] & 0x01:
                    ipv4 = addr  # first non-secondary IPv4 (IFA_F_SECONDARY = 0x01)
                elif family == socket.AF_INET6 and ip6_ll is None and addr.startswith("fe80"):
                    ip6_ll = addr
    except Exception:  # pyroute2 missing or failing: ask iproute2
        out = subprocess.run(
            ["ip", "-o", "addr", "show", "dev", name], capture_output=True, text=True, timeout=10
        ).stdout
        for line in out.splitlines():
            fields = line.split()
            addr = fields[3].split("/")[0]
            if addr in exclude:
                continue
            if fields[2] == "inet" and ipv4 is None and "secondary" not in fields:
                ipv4 = addr
            elif fields[2] == "inet6" and ip6_ll is None and addr.startswith("fe80:"):
                ip6_ll = addr
    return Interface(name=name, mac=mac, ip=ipv4, ip6_ll=ip6_ll), index


@dataclass
class LogPrinter:
    """Prints the core's :class:`Log` lines the way the real daemons' logs look:
    ``Nov 25 02:30:01.123 host Keepalived_vrrp[4242]: (VI_1) Entering MASTER STATE``.

    ``detail``: also the lines keepalived prints only with ``-D``; ``debug``: also debug-level
    lines; ``use_syslog``: send each line to syslog too (ident = the daemon's, with the PID).
    """

    stream: TextIO = sys.stdout
    detail: bool = False
    debug: bool = False
    use_syslog: bool = False

    def __call__(self, log: Log) -> None:
        if (log.detail and not self.detail) or (log.level == "debug" and not self.debug):
            return
        now = time.time()
        stamp = time.strftime("%b %e %H:%M:%S", time.localtime(now))
        stamp += f".{int(now * 1000) % 1000:03d}"
        ident = log.source if log.source == "kernel" else f"{log.source}[{os.getpid()}]"
        self.stream.write(f"{stamp} {socket.gethostname()} {ident}: {log.text}\n")
        self.stream.flush()
        if self.use_syslog:
            import syslog

            level = getattr(syslog, f"LOG_{log.level.upper()}", syslog.LOG_INFO)
            syslog.openlog(log.source, syslog.LOG_PID, syslog.LOG_DAEMON)
            syslog.syslog(level, log.text)


class _Addresses:
    """Service IPs on the interface (or on a macvlan holding a virtual MAC): pyroute2 first,
    ``ip`` from iproute2 when pyroute2 is unavailable or fails for another reason than
    "already there" / "not there"."""

    def __init__(self, iface: Interface, vmac_name: str, label: str | None) -> None:
        self.iface = iface
        self.vmac_name = vmac_name
        self.label = label
        self.vmac_made = False
        self._saved_sysctls: dict[str, str] = {}
        try:
            from pyroute2 import IPRoute

            self._ipr: object | None = IPRoute()
        except Exception:
            self._ipr = None

    def close(self) -> None:
        if self.vmac_made:
            self._ip("link", "del", self.vmac_name)
            self.vmac_made = False
            for name, old in self._saved_sysctls.items():
                self._sysctl(self.iface.name, name, old)
        if self._ipr is not None:
            self._ipr.close()  # type: ignore[attr-defined]

    def device_for(self, dev: str, mac: str) -> str:
        """The device that must hold an address the core puts on ``dev`` and answers for with
        ``mac``: ``dev`` itself when that is its MAC, else our macvlan carrying ``mac``."""
        if mac.lower() == device_mac(dev).lower():
            return dev
        if not self.vmac_made:
            self._ip("link", "del", self.vmac_name, quiet=True)  # left over by a crash
            self._ip(
                "link", "add", "link", self.iface.name, "name", self.vmac_name,
                "address", mac, "type", "macvlan", "mode", "private",
            )  # fmt: skip
            self._ip("link", "set", self.vmac_name, "up")
            self.vmac_made = True
            # Only the macvlan may answer ARP for the VIP (arp_ignore 1), and ARP requests the
            # host sends from the parent (e.g. to answer a ping to the VIP) must not carry the
            # VIP as sender, or clients would learn the parent's MAC for it (arp_announce 2).
            for name, value in (("arp_ignore", "1"), ("arp_announce", "2")):
                old = self._sysctl(self.iface.name, name, value)
                if old is not None:
                    self._saved_sysctls[name] = old
        return self.vmac_name

    def present(self, address: str, dev: str) -> bool:
        """Whether ``address`` is configured on ``dev`` now."""
        ip = str(ipaddress.ip_interface(address).ip)
        out = subprocess.run(
            ["ip", "-o", "addr", "show", "dev", dev],
            capture_output=True, text=True, timeout=10,
        ).stdout  # fmt: skip
        return any(line.split()[3].split("/")[0] == ip for line in out.splitlines())

    def stale_vmac(self) -> bool:
        """Delete a macvlan of ours left by a killed run (its VIPs go with it)."""
        if self.vmac_name not in (n for _, n in socket.if_nameindex()):
            return False
        self._ip("link", "del", self.vmac_name, quiet=True)
        return True

    def add(self, dev: str, address: str) -> None:
        label = self.label if dev == self.iface.name and self.label else None
        if not self._netlink("add", dev, address, label):
            extra = ["label", label] if label else []
            self._ip("addr", "add", address, "dev", dev, *extra, ok_if="File exists")

    def remove(self, dev: str, address: str) -> None:
        if not self._netlink("del", dev, address, None):
            self._ip("addr", "del", address, "dev", dev, ok_if="Cannot assign")

    def _netlink(self, op: str, dev: str, address: str, label: str | None) -> bool:
        if self._ipr is None:
            return False
        from pyroute2 import NetlinkError

        iface = ipaddress.ip_interface(address)
        kwargs: dict[str, object] = {
            "index": socket.if_nametoindex(dev),
            "address": str(iface.ip),
            "prefixlen": iface.network.prefixlen,
        }
        if label:
            kwargs["label"] = label
        try:
            self._ipr.addr(op, **kwargs)  # type: ignore[attr-defined]
        except NetlinkError as exc:
            return exc.code in (errno.EEXIST, errno.EADDRNOTAVAIL)
        except Exception:
            return False
        return True

    @staticmethod
    def _ip(*args: str, ok_if: str = "", quiet: bool = False) -> None:
        done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=10)
        if done.returncode and not quiet and not (ok_if and ok_if in done.stderr):
            raise HostError(f"ip {' '.join(args)}: {done.stderr.strip()}")

    @staticmethod
    def _sysctl(dev: str, name: str, value: str) -> str | None:
        path = f"/proc/sys/net/ipv4/conf/{dev}/{name}"
        try:
            with open(path) as f:
                old = f.read().strip()
            with open(path, "w") as f:
                f.write(value)
        except OSError:
            return None
        return old


class HostDriver:
    """Runs ``machine`` on interface ``iface``; :meth:`run` returns when stopped.

    ``machine`` is a :class:`~simlab.core.vrrp.VrrpRouter` or :class:`~simlab.core.carp.CarpVhid`
    built on the :class:`Interface` from :func:`interface_info`. ``log`` receives every
    :class:`Log` action; ``on_state`` every :class:`StateChanged`. ``label``: the address label
    for VIPs on the interface itself (``eth0:vip``). ``vmac_name``: the macvlan for a virtual MAC.
    ``vip_devices``: VIP -> the device it goes on when not the interface and not the machine's
    ``vip_iface`` (keepalived's ``192.0.2.50/24 dev dummy0``: a NOARP device, so the VIP is
    announced from the interface).
    """

    def __init__(
        self,
        machine: ProtocolMachine,
        *,
        index: int,
        log: Callable[[Log], None] | None = None,
        on_state: Callable[[StateChanged], None] | None = None,
        label: str | None = None,
        vmac_name: str = "vmac",
        vip_devices: dict[str, str] | None = None,
    ) -> None:
        self.machine = machine
        self.iface: Interface = machine.iface  # type: ignore[attr-defined]
        # keepalived's VIPs on another NIC (VrrpRouter(vip_iface=...)): added and announced there
        self.vip_iface: Interface = getattr(machine, "vip_iface", self.iface)
        self.vips: tuple[str, ...] = machine.config.vips  # type: ignore[attr-defined]
        self.index = index
        self.vip_devices = dict(vip_devices or {})
        self.log = log if log is not None else LogPrinter()
        self.on_state = on_state
        self._deadline: int | None = None
        self._link_up: bool | None = None
        self._stop_reason: str | None = None
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._addresses = _Addresses(self.iface, vmac_name, label)
        self._where: dict[str, str] = {}  # VIP -> device it was added on

    # ---------------------------------------------------------------- public
    def stop(self, reason: str = "stop requested") -> None:
        """Ask :meth:`run` to shut down (thread-safe)."""
        self._stop_reason = reason
        with contextlib.suppress(OSError):
            self._wake_w.send(b"\0")

    def run(self, *, duration: float | None = None, handle_signals: bool = True) -> None:
        """Open the sockets, start the instance and serve it until SIGTERM/SIGINT, :meth:`stop`
        or ``duration`` seconds; then run the protocol's shutdown. Raises :class:`HostError`."""
        if needs_privileges():
            raise HostError(self._privilege_message())
        try:
            packet = self._packet_socket()
            groups = self._join_groups()
        except PermissionError:
            raise HostError(self._privilege_message()) from None
        netlink = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
        netlink.bind((0, RTMGRP_LINK))
        netlink.setblocking(False)
        old_handlers = self._install_signals() if handle_signals else None
        sel = selectors.DefaultSelector()
        sel.register(packet, selectors.EVENT_READ, "packet")
        sel.register(netlink, selectors.EVENT_READ, "netlink")
        sel.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._packet = self._announce = packet
        if self.vip_iface.name != self.iface.name:  # GARPs/NAs leave from the VIPs' NIC
            self._announce = self._packet_socket(self.vip_iface.name, receive=False)
        try:
            self._remove_stale_vips()
            now = time.monotonic_ns()
            end = None if duration is None else now + int(duration * 1e9)
            self._link_up = self._read_link()
            if not self._link_up:
                self._do(self.machine.link_changed(now, False))
            self._do(self.machine.start(now))
            next_link_check = now + LINK_RECHECK_NS
            while self._stop_reason is None:
                now = time.monotonic_ns()
                if end is not None and now >= end:
                    self._stop_reason = f"duration {duration} s elapsed"
                    break
                if self._deadline is not None and now >= self._deadline:
                    self._deadline = None
                    self._do(self.machine.timer_fired(now))
                    continue
                if now >= next_link_check:
                    self._check_link(now)
                    next_link_check = now + LINK_RECHECK_NS
                wake = min(t for t in (self._deadline, end, next_link_check) if t is not None)
                for key, _ in sel.select(max(0.0, (wake - now) / 1e9)):
                    if key.data == "packet":
                        self._receive()
                    elif key.data == "netlink":
                        _drain(netlink)
                        self._check_link(time.monotonic_ns())
                    else:
                        _drain(self._wake_r)
            self.log(Log("simlab", f"stopping: {self._stop_reason}", "info", detail=True))
            self._do(self.machine.shutdown(time.monotonic_ns()))
        finally:
            if old_handlers is not None:
                for signum, handler in old_handlers.items():
                    signal.signal(signum, handler)
                signal.set_wakeup_fd(-1)
            sel.close()
            for sock in {packet, self._announce, netlink, *groups}:
                sock.close()
            self._addresses.close()

    # ---------------------------------------------------------------- setup
    def _privilege_message(self) -> str:
        return f"needs root (CAP_NET_RAW, CAP_NET_ADMIN) to open a raw socket on {self.iface.name}"

    def _packet_socket(self, name: str | None = None, *, receive: bool = True) -> socket.socket:
        # protocol 0: nothing is queued until bind(), so no frame slips past the filter; a
        # send-only socket is bound with protocol 0 and never receives anything
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        program = b"".join(struct.pack("HBBI", *ins) for ins in _BPF)
        buf = ctypes.create_string_buffer(program)
        fprog = struct.pack("HL", len(_BPF), ctypes.addressof(buf))
        sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)
        sock.bind((name or self.iface.name, ETH_P_ALL if receive else 0))
        sock.setblocking(False)
        return sock

    def _join_groups(self) -> list[socket.socket]:
        """Join the VRRP/CARP group(s) on the interface so the NIC (and any multicast-snooping
        switch) delivers them; the sockets are only for membership and never read."""
        socks = []
        families = {ipaddress.ip_interface(v).version for v in self.vips}
        if 4 in families:
            s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            mreqn = socket.inet_aton("224.0.0.18") + bytes(4) + struct.pack("i", self.index)
            s4.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreqn)
            socks.append(s4)
        if 6 in families:
            s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            mreq6 = socket.inet_pton(socket.AF_INET6, "ff02::12") + struct.pack("I", self.index)
            s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq6)
            socks.append(s6)
        return socks

    def _install_signals(self) -> dict[int, object]:
        def handler(signum: int, _frame: object) -> None:
            self._stop_reason = f"signal {signal.Signals(signum).name}"

        old = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
        signal.set_wakeup_fd(self._wake_w.fileno(), warn_on_full_buffer=False)
        return old

    def _remove_stale_vips(self) -> None:
        """A previous run that was killed left its VIPs configured (as keepalived would): a
        fresh instance starts without them."""
        for vip in self.vips:
            dev = self.vip_devices.get(vip, self.vip_iface.name)
            if self._addresses.present(vip, dev):
                self.log(Log("simlab", f"removing stale VIP {vip} from {dev} (left by a crash)"))
                self._addresses.remove(dev, vip)
        if self._addresses.stale_vmac():
            vmac = self._addresses.vmac_name
            self.log(Log("simlab", f"removing stale {vmac} and its VIPs (left by a crash)"))

    # ---------------------------------------------------------------- loop parts
    def _receive(self) -> None:
        while True:
            try:
                frame, addr = self._packet.recvfrom(65535)
            except BlockingIOError:
                return
            except OSError as exc:  # ENETDOWN once when the interface goes down
                if exc.errno in (errno.ENETDOWN, errno.ENXIO):
                    return
                raise
            if addr[2] == PACKET_OUTGOING or not _is_proto112(frame):
                continue
            self._do(self.machine.frame_received(time.monotonic_ns(), frame))

    def _read_link(self) -> bool:
        flags = device_flags(self.iface.name) or 0  # None: the interface vanished
        return bool(flags & IFF_UP and flags & IFF_RUNNING)

    def _check_link(self, now: int) -> None:
        up = self._read_link()
        if up != self._link_up:
            self._link_up = up
            self._do(self.machine.link_changed(now, up))

    def _do(self, actions: list[Action]) -> None:
        """Carry out the core's actions, in order."""
        for action in actions:
            match action:
                case SendFrame(frame=frame, kind=kind):
                    sock = self._packet if kind == "advert" else self._announce
                    try:
                        sock.send(frame)
                    except OSError as exc:  # link down: the core learns it from link events
                        self.log(Log("simlab", f"send failed: {exc.strerror}", "debug"))
                case ArmTimer(at=at):
                    self._deadline = at
                case CancelTimer():
                    self._deadline = None
                case AddAddress(iface=dev, address=address, mac=mac):
                    dev = self._addresses.device_for(dev, mac)
                    if dev == self.iface.name:
                        dev = self.vip_devices.get(address, dev)
                    self._addresses.add(dev, address)
                    self._where[address] = dev
                case RemoveAddress(iface=dev, address=address):
                    self._addresses.remove(self._where.pop(address, dev), address)
                case Log():
                    self.log(action)
                case StateChanged():
                    if self.on_state is not None:
                        self.on_state(action)


def _drain(sock: socket.socket) -> None:
    try:
        while sock.recv(65535):
            pass
    except (BlockingIOError, OSError):
        pass
