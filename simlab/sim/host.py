"""A simulated host: NICs, a small IPv4 stack, protocol daemons, services, faults.

The same class is a server, the router (IPv4 forwarding on) and a client (it runs probes): what
differs is the configuration, as on real machines. See docs/world.md for the model.

The stack, in the order a frame meets it:

* :meth:`Nic.receive` keeps frames for its own MAC, for a virtual MAC it currently answers for,
  and every broadcast/multicast one (a CARP parent interface is promiscuous anyway);
* IP protocol 112 (VRRP and CARP) goes straight to the protocol instances on that NIC whose
  vrid/vhid matches the byte at its fixed offset; nothing else is decoded for them;
* ARP goes to :meth:`Host.arp_input` (answering, and learning per the OS rules of
  :mod:`simlab.sim.neighbour`);
* IPv4 for a local address goes to ICMP echo (answered) or TCP (the services); IPv4 for anyone
  else is forwarded if the host forwards, else dropped.

Which host answers ARP for an address: Linux (``arp_ignore=0``, its default) answers on any
interface for any local address, with the MAC of the interface the request came in on; this is
why a VIP on ``dummy0`` works. With ``net.ipv4.conf.all.arp_ignore=1`` only addresses on the
receiving interface are answered. FreeBSD answers only for addresses on the receiving
interface. An address added by a protocol instance is answered with the MAC its action names:
the virtual MAC for CARP (and keepalived ``use_vmac``), the NIC's own MAC for keepalived.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass
from heapq import heappush
from typing import TYPE_CHECKING, Any

from simlab.core.carp import CarpConfig
from simlab.core.vrrp import VrrpConfig
from simlab.sim.daemon import Daemon
from simlab.sim.neighbour import REACHABLE, NeighbourTable
from simlab.sim.packets import (
    ETH_ARP,
    ETH_IPV4,
    ETH_IPV6,
    PROTO_ICMP,
    PROTO_TCP,
    TCP_ACK,
    TCP_RST,
    TCP_SYN,
    arp_eth,
    echo_reply_from_request,
    ip_bytes,
    ipv4_packet,
    mac_bytes,
    mac_text,
    parse_arp,
    parse_tcp,
    tcp_segment,
)
from simlab.sim.switch import SwitchPort
from simlab.sim.trace import AddressChange, FrameSent, LogLine
from simlab.sim.world import NORMAL, _Call

if TYPE_CHECKING:
    from simlab.sim.link import Link
    from simlab.sim.world import World

NS_PER_S = 1_000_000_000
OSES = ("linux", "freebsd")
DEFAULT_BOOT_NS = {"freebsd": 30 * NS_PER_S, "linux": 20 * NS_PER_S}

#: the sysctls a host knows, with their defaults; others are refused with this list
LINUX_SYSCTLS: dict[str, int] = {
    "net.ipv4.ip_forward": 0,
    "net.ipv4.ip_nonlocal_bind": 0,
    "net.ipv4.conf.all.arp_accept": 0,
    "net.ipv4.conf.all.arp_ignore": 0,
    "net.ipv4.neigh.default.base_reachable_time_ms": 30_000,
    "net.ipv4.neigh.default.delay_first_probe_time": 5,
    "net.ipv4.neigh.default.retrans_time_ms": 1_000,
    "net.ipv4.neigh.default.mcast_solicit": 3,
    "net.ipv4.neigh.default.ucast_solicit": 3,
}
FREEBSD_SYSCTLS: dict[str, int] = {
    "net.inet.ip.forwarding": 0,
    "net.inet.carp.preempt": 0,
    "net.inet.carp.demotion": 0,
    "net.inet.carp.log": 1,
    "net.link.ether.inet.max_age": 1200,
    "net.link.ether.inet.maxtries": 5,
}
_NOT_LOCAL = "Cannot assign requested address"
_MISS = object()


def default_mac(host: str, iface: str, prefix: str = "52:54:00") -> str:
    """A stable MAC for ``host``'s ``iface``: the QEMU/KVM prefix and 3 bytes of SHA-256 of
    the names (so it does not depend on the seed or on the order hosts were built in)."""
    tail = hashlib.sha256(f"{host}/{iface}".encode()).digest()[:3]
    return prefix + ":" + tail.hex(":")


def _eui64_link_local(mac: str) -> str:
    raw = bytearray(mac_bytes(mac))
    raw[0] ^= 0x02
    eui = bytes(raw[:3]) + b"\xff\xfe" + bytes(raw[3:])
    return str(ipaddress.IPv6Address(b"\xfe\x80" + bytes(6) + eui))


@dataclass(frozen=True, slots=True)
class AddressInfo:
    """One address on an interface, as ``ip addr`` / ``ifconfig`` would list it.

    ``owner`` is ``"static"`` for configured addresses, else the protocol instance that added it
    (``"VI_1"``, ``"1@em0"``); ``mac`` is the MAC ARP answers with for it."""

    iface: str
    address: str
    mac: str
    owner: str


class _Local:
    __slots__ = ("address", "iface", "ip", "mac_b", "owner")

    def __init__(self, address: str, iface: str, mac_b: bytes, owner: str) -> None:
        self.address = address  # "192.168.1.50/32"
        self.ip = ip_bytes(address.split("/")[0])
        self.iface = iface
        self.mac_b = mac_b
        self.owner = owner


class Nic:
    """A network interface with a cable port (``em0``, ``eth0``)."""

    def __init__(self, host: Host, name: str, mac: str, ip: str | None) -> None:
        self.host = host
        self.world = host.world
        self.name = name
        self.mac = mac
        self.mac_b = mac_bytes(mac)
        self.ip: ipaddress.IPv4Interface | None = ipaddress.IPv4Interface(ip) if ip else None
        self.ip_text = str(self.ip.ip) if self.ip else None
        self.ip_b = self.ip.ip.packed if self.ip else None
        self.ip6_ll = _eui64_link_local(mac)
        self.link: Link | None = None
        self.admin_up = True
        self.failed = False
        self._oper = False
        #: other MACs this NIC receives for (virtual MACs of addresses it holds)
        self.accept: set[bytes] = set()
        self.daemons: list[Daemon] = []
        self.by_id: dict[int, list[Daemon]] = {}

    @property
    def label(self) -> str:
        return f"{self.host.name}:{self.name}"

    @property
    def alive(self) -> bool:
        """The PHY is on: host running, interface administratively up, NIC not failed."""
        return self.host.booted and self.admin_up and not self.failed

    @property
    def up(self) -> bool:
        """Operationally up: alive and with carrier (what the protocol daemons are told)."""
        return self._oper

    @property
    def carrier(self) -> bool:
        return self.link is not None and self.link.carrier

    def refresh(self) -> None:
        link = self.link
        up = self.alive and link is not None and link.carrier
        if up != self._oper:
            self._oper = up
            self.host._nic_changed(self, up)

    def ingress(self, frame: bytes, delay: int) -> None:
        world = self.world
        if delay:
            env = world.env  # World.call_later inlined: two of these per ping
            heappush(
                env._queue,
                (env._now + delay, NORMAL, next(env._eid), _Call(world, self.receive, (frame,))),
            )
            world.events_scheduled += 1
        else:
            world.soon(self.receive, frame)

    def receive(self, frame: bytes) -> None:
        if not self._oper:
            return
        dst = frame[0:6]
        if dst != self.mac_b and not dst[0] & 1 and dst not in self.accept:
            return
        ethertype = frame[12:14]
        if ethertype == ETH_IPV4:
            if frame[23] == 112:
                if self.daemons:
                    targets = self.by_id.get(frame[35]) if frame[14] == 0x45 else self.daemons
                    if targets:
                        for daemon in targets:
                            daemon.frame(frame)
            else:
                self.host.ip_input(self, frame)
        elif ethertype == ETH_ARP:
            self.host.arp_input(self, frame)
        elif ethertype == ETH_IPV6 and len(frame) > 55 and frame[20] == 112 and self.daemons:
            for daemon in self.by_id.get(frame[55], ()):
                daemon.frame(frame)

    def send(self, frame: bytes, kind: str | None) -> bool:
        """Put ``frame`` on the wire (a ``FrameSent`` record); False if the NIC is down."""
        if not self._oper:
            return False
        world = self.world
        if world.capture_frames:
            world.trace.records.append(
                FrameSent(world.env._now, self.host.name, self.name, frame, kind)
            )
        link = self.link
        d = link.fixed  # type: ignore[union-attr]
        if d is None:
            d = link.delay()  # type: ignore[union-attr]
            if d is None:
                return True  # lost on the wire
        peer = link.b if link.a is self else link.a  # type: ignore[union-attr]
        if peer.__class__ is SwitchPort:
            peer.switch.forward(frame, peer, d)  # what SwitchPort.ingress does, one call less
        else:
            peer.ingress(frame, d)
        return True

    def __repr__(self) -> str:
        return f"<Nic {self.label} {self.mac} {'up' if self._oper else 'down'}>"


class Dummy:
    """A NIC-less interface (Linux ``dummy0``): it holds addresses, carries no frames.

    Like the kernel's dummy driver it is IFF_NOARP, so keepalived sends no gratuitous ARP for a
    VIP placed on it."""

    noarp = True

    def __init__(self, host: Host, name: str, mac: str) -> None:
        self.host = host
        self.name = name
        self.mac = mac
        self.mac_b = mac_bytes(mac)
        self.ip = None
        self.ip_text = None
        self.ip_b = None
        self.link = None
        self.admin_up = True

    @property
    def up(self) -> bool:
        return self.host.booted and self.admin_up

    def __repr__(self) -> str:
        return f"<Dummy {self.host.name}:{self.name}>"


class Service:
    """A TCP service (``name``, bound to ``bind``:``port``) that accepts connections while
    running. ``state`` is ``"stopped"``, ``"running"`` or ``"failed"`` (could not bind)."""

    def __init__(self, host: Host, name: str, bind: str, port: int, autostart: bool) -> None:
        if not isinstance(port, int) or not 1 <= port <= 65535:
            raise ValueError(f"service {name}: port must be 1..65535, got {port!r}")
        self.host = host
        self.name = name
        self.bind = str(ipaddress.IPv4Address(bind))
        self.bind_b = None if self.bind == "0.0.0.0" else ip_bytes(self.bind)
        self.port = port
        self.autostart = autostart
        self.state = "stopped"
        self.connections = 0

    @property
    def running(self) -> bool:
        return self.state == "running"

    def _start(self) -> None:
        host = self.host
        if not host.booted or self.running:
            return
        world = host.world
        if host.can_bind(self.bind):
            self.state = "running"
            text = f"listening on {self.bind}:{self.port}"
            level = "info"
        else:
            self.state = "failed"
            err = _NOT_LOCAL if host.os == "linux" else "Can't assign requested address"
            text = f"bind({self.bind}:{self.port}): {err}"
            level = "err"
        world.trace.append(LogLine(world.env._now, host.name, self.name, text, level))

    def __repr__(self) -> str:
        return f"<Service {self.name} {self.bind}:{self.port} {self.state}>"


class Host:
    """A FreeBSD or Linux machine. Build it with ``world.add_host`` / ``add_router`` /
    ``add_client``; see docs/world.md for what each method models."""

    def __init__(
        self,
        world: World,
        name: str,
        os: str = "linux",
        *,
        role: str = "host",
        boot_time_ns: int | None = None,
        shutdown_ns: int = 0,
        sysctls: dict[str, int] | None = None,
        start_ns: int = 0,
    ) -> None:
        if os not in OSES:
            raise ValueError(f"host {name}: os must be one of {', '.join(OSES)}, got {os!r}")
        self.world = world
        self.name = name
        self.os = os
        self.kind = role
        self.boot_time_ns = DEFAULT_BOOT_NS[os] if boot_time_ns is None else boot_time_ns
        self.shutdown_ns = shutdown_ns
        self.sysctls: dict[str, int] = dict(LINUX_SYSCTLS if os == "linux" else FREEBSD_SYSCTLS)
        for key, value in (sysctls or {}).items():
            self._check_sysctl(key, value)
            self.sysctls[key] = int(value)
        self._configured = dict(self.sysctls)  # what sysctl.conf sets at every boot
        self.rng = world.rng(f"{name}/host")
        self.powered = True
        self.booted = False
        self._boot_gen = 0
        #: daemon programs not started at boot (``systemctl disable keepalived``)
        self.disabled_at_boot: set[str] = set()
        #: called at every boot before anything starts: what the host's files make permanent
        self.boot_hooks: list[Any] = []
        self.nics: dict[str, Nic] = {}
        self.ifaces: dict[str, Nic | Dummy] = {}
        self.local: dict[bytes, _Local] = {}
        self._iface_addrs: dict[str, list[_Local]] = {}
        self._routes: list[tuple[int, int, int, Nic, bytes | None]] = []
        self._route_cache: dict[bytes, tuple[Nic, bytes, bytes] | None] = {}
        self.gateway: str | None = None
        self.neigh = NeighbourTable(self)
        self.daemons: dict[str, Daemon] = {}
        self.services: dict[str, Service] = {}
        self._pingers: dict[int, Any] = {}
        self._tcp_ports: dict[int, Any] = {}
        self._listeners: dict[int, list[Service]] = {}
        self._ip_id = self.rng.getrandbits(16)
        self._garp_drops = 0
        self.carp_demotion = 0
        self._forwarding = False
        self._apply_sysctls()
        world.call_at(start_ns, self._boot_complete, self._boot_gen)

    # ------------------------------------------------------------------ building
    def add_nic(self, name: str, ip: str | None = None, *, mac: str | None = None) -> Nic:
        """A NIC ``name`` with MAC ``mac`` (stable default from the names) and primary address
        ``ip`` (``"192.168.1.3/24"``; it adds the connected route)."""
        if name in self.ifaces:
            raise ValueError(f"{self.name} already has an interface {name}")
        mac = (mac or default_mac(self.name, name)).lower()
        nic = Nic(self, name, mac, ip)
        self._claim_mac(nic.mac_b)
        self.nics[name] = nic
        self.ifaces[name] = nic
        self._iface_addrs[name] = []
        if nic.ip is not None:
            self._add_local(name, str(nic.ip), nic.mac_b, "static")
            net = nic.ip.network
            self._routes.append(
                (int(net.network_address), int(net.netmask), net.prefixlen, nic, None)
            )
            self._routes.sort(key=lambda r: -r[2])
        return nic

    def add_dummy(self, name: str = "dummy0", ip: str | None = None) -> Dummy:
        """A NIC-less interface (``ip link add dummy0 type dummy``), Linux only."""
        if self.os != "linux":
            raise ValueError(f"{self.name}: dummy interfaces are a Linux feature (os={self.os})")
        if name in self.ifaces:
            raise ValueError(f"{self.name} already has an interface {name}")
        dummy = Dummy(self, name, default_mac(self.name, name, prefix="d6:0c:a1"))
        self.ifaces[name] = dummy
        self._iface_addrs[name] = []
        if ip is not None:
            self._add_local(name, str(ipaddress.IPv4Interface(ip)), dummy.mac_b, "static")
        return dummy

    def set_gateway(self, gateway: str) -> None:
        """Default route via ``gateway`` (must be on a connected subnet)."""
        self.add_route("0.0.0.0/0", gateway)
        self.gateway = gateway

    def add_route(self, network: str, via: str) -> None:
        net = ipaddress.IPv4Network(network)
        gw = ipaddress.IPv4Address(via)
        for nic in self.nics.values():
            if nic.ip is not None and gw in nic.ip.network:
                self._routes.append(
                    (int(net.network_address), int(net.netmask), net.prefixlen, nic, gw.packed)
                )
                self._routes.sort(key=lambda r: -r[2])
                self._route_cache.clear()
                return
        raise ValueError(f"{self.name}: gateway {via} is on none of its subnets")

    def add_vrrp(
        self,
        iface: str,
        config: VrrpConfig,
        *,
        daemon: str = "keepalived",
        vip_iface: str | None = None,
    ) -> Daemon:
        """A keepalived ``vrrp_instance`` on ``iface``. ``vip_iface`` puts the VIPs on another
        interface (``"dummy0"``, as the keepalived article does); ARP for them is then answered
        through ``iface`` by Linux's rules."""
        if not isinstance(config, VrrpConfig):
            raise TypeError(f"add_vrrp takes a VrrpConfig, got {type(config).__name__}")
        if daemon != "keepalived":
            raise ValueError(f"VRRP daemon {daemon!r} is not modelled (keepalived is)")
        if self.os != "linux":
            raise ValueError(f"{self.name}: keepalived runs on Linux hosts (os={self.os})")
        if vip_iface is not None and vip_iface not in self.ifaces:
            raise ValueError(f"{self.name} has no interface {vip_iface} for the VIPs")
        return self._add_daemon(
            Daemon(self, self.nic(iface), config, daemon=daemon, vip_iface=vip_iface)
        )

    def add_carp(self, iface: str, config: CarpConfig, *, vip_iface: str | None = None) -> Daemon:
        """A CARP vhid on ``iface``: the FreeBSD kernel's (``flavour="freebsd"``, FreeBSD hosts)
        or ucarp (``flavour="ucarp"``, Linux hosts). ``net.inet.carp.preempt`` / ``demotion`` /
        ``log`` are the host's sysctls and override the config's copies on FreeBSD.

        ``vip_iface`` puts the VIPs on another NIC while the adverts use ``iface`` (the sync
        link design; ucarp does it with its up-script, FreeBSD's kernel CARP cannot: there the
        VIP always sits on the vhid's interface)."""
        if not isinstance(config, CarpConfig):
            raise TypeError(f"add_carp takes a CarpConfig, got {type(config).__name__}")
        if config.flavour == "freebsd" and self.os != "freebsd":
            raise ValueError(f"{self.name}: kernel CARP needs os='freebsd' (use flavour='ucarp')")
        if vip_iface is not None and vip_iface not in self.ifaces:
            raise ValueError(f"{self.name} has no interface {vip_iface} for the VIPs")
        daemon = {"freebsd": "carp", "ucarp": "ucarp", "openbsd": "openbsd-carp"}[config.flavour]
        return self._add_daemon(
            Daemon(self, self.nic(iface), config, daemon=daemon, vip_iface=vip_iface)
        )

    def _add_daemon(self, daemon: Daemon) -> Daemon:
        if daemon.instance in self.daemons:
            raise ValueError(f"{self.name} already runs an instance named {daemon.instance}")
        self.daemons[daemon.instance] = daemon
        nic = daemon.nic
        nic.daemons.append(daemon)
        nic.by_id.setdefault(daemon.ident, []).append(daemon)
        if self.booted:
            with self.world.atomic():
                daemon.start()
        return daemon

    def add_service(
        self, name: str, bind: str = "0.0.0.0", port: int = 80, *, autostart: bool = True
    ) -> Service:
        """A TCP service on ``bind``:``port``, started at boot when ``autostart``. It starts
        only if ``bind`` is 0.0.0.0 or a local address, or (Linux) with
        ``net.ipv4.ip_nonlocal_bind=1``; FreeBSD counts a configured CARP VIP as local even on
        the BACKUP (the address is on the interface there too, just not answered)."""
        if name in self.services:
            raise ValueError(f"{self.name} already has a service {name}")
        svc = Service(self, name, bind, port, autostart)
        self.services[name] = svc
        self._listeners.setdefault(port, []).append(svc)
        if self.booted and autostart:
            svc._start()
        return svc

    # ------------------------------------------------------------------ lookups
    def nic(self, name: str) -> Nic:
        try:
            return self.nics[name]
        except KeyError:
            raise KeyError(f"{self.name} has no NIC {name!r}; it has {sorted(self.nics)}") from None

    def daemon(self, instance: str | None = None) -> Daemon:
        """The protocol instance named ``instance`` (``"VI_1"``, ``"1@em0"``); may be omitted
        when the host runs exactly one."""
        if instance is None:
            if len(self.daemons) != 1:
                raise ValueError(
                    f"{self.name} runs {len(self.daemons)} instances: name one of "
                    f"{sorted(self.daemons)}"
                )
            return next(iter(self.daemons.values()))
        try:
            return self.daemons[instance]
        except KeyError:
            raise KeyError(
                f"{self.name} has no instance {instance!r}; it has {sorted(self.daemons)}"
            ) from None

    def service(self, name: str) -> Service:
        return self.services[name]

    def addresses(self, iface: str | None = None) -> list[AddressInfo]:
        """Addresses configured now (all interfaces, or one), primary first."""
        names = [iface] if iface is not None else list(self.ifaces)
        return [
            AddressInfo(name, a.address, mac_text(a.mac_b), a.owner)
            for name in names
            for a in self._iface_addrs[name]
        ]

    def holds(self, address: str) -> bool:
        """The host has ``address`` configured (and is running)."""
        return self.booted and ip_bytes(address.split("/")[0]) in self.local

    def arp_table(self) -> list[tuple[str, str | None, str, str]]:
        """``(ip, mac, state, iface)`` rows of the ARP cache now."""
        return self.neigh.table()

    def arp_entry(self, ip: str) -> str | None:
        """The MAC cached for ``ip`` now (None if no resolved entry)."""
        for addr, mac, _state, _iface in self.arp_table():
            if addr == ip:
                return mac
        return None

    @property
    def forwarding(self) -> bool:
        return self._forwarding

    def snapshot(self) -> dict[str, Any]:
        """What the host would show now, as plain data: per interface its flags and addresses
        (``ifconfig`` / ``ip addr``), per protocol instance its state and run-time parameters
        (the ``carp:`` line, keepalived's effective priority), the ARP cache (``arp -an``),
        services and sysctls. Take it at chosen times with ``world.at(t, ...)`` to print a
        before/after; the trace plus :meth:`World.inventory` give the same without a live
        world."""
        interfaces = []
        for name, iface in self.ifaces.items():
            nic = self.nics.get(name)
            interfaces.append(
                {
                    "name": name,
                    "type": "nic" if nic is not None else "dummy",
                    "mac": iface.mac,
                    "admin_up": iface.admin_up,
                    "up": nic.up if nic is not None else iface.up,
                    "carrier": nic.carrier if nic is not None else None,
                    "failed": nic.failed if nic is not None else False,
                    "addresses": [
                        {"address": a.address, "mac": a.mac, "owner": a.owner}
                        for a in self.addresses(name)
                    ],
                }
            )
        instances = []
        for d in self.daemons.values():
            m = d.machine if d.running else None
            entry: dict[str, Any] = {
                "instance": d.instance,
                "daemon": d.daemon,
                "protocol": d.protocol,
                "iface": d.nic.name,
                "state": d.state,
                "running": d.running,
                "crashed": d.crashed,
                "holds": dict(d.held),
            }
            cfg = d.config
            if d.protocol == "carp":
                entry.update(
                    vhid=cfg.vhid,  # type: ignore[union-attr]
                    advbase=m.advbase if m else cfg.advbase,  # type: ignore[union-attr]
                    advskew=m.advskew if m else cfg.advskew,  # type: ignore[union-attr]
                    demotion=m.demotion if m else self.carp_demotion,  # type: ignore[union-attr]
                    preempt=m.preempt if m else cfg.preempt,  # type: ignore[union-attr]
                    vips=list(cfg.vips),
                )
            else:
                entry.update(
                    vrid=cfg.vrid,  # type: ignore[union-attr]
                    priority=m.effective_priority if m else cfg.priority,  # type: ignore[union-attr]
                    advert_int_cs=cfg.advert_int_cs,  # type: ignore[union-attr]
                    vips=list(cfg.vips),
                )
            instances.append(entry)
        return {
            "name": self.name,
            "os": self.os,
            "kind": self.kind,
            "time": self.world.env._now,
            "powered": self.powered,
            "booted": self.booted,
            "interfaces": interfaces,
            "instances": instances,
            "arp": [
                {"ip": ip, "mac": mac, "state": state, "iface": iface}
                for ip, mac, state, iface in self.arp_table()
            ],
            "services": [
                {"name": v.name, "bind": v.bind, "port": v.port, "state": v.state}
                for v in self.services.values()
            ],
            "sysctls": dict(self.sysctls),
        }

    def __repr__(self) -> str:
        state = "up" if self.booted else "booting" if self.powered else "off"
        return f"<Host {self.name} {self.os} {self.kind} {state}>"

    # ------------------------------------------------------------------ addresses
    def _claim_mac(self, mac: bytes) -> None:
        owner = self.world._macs.get(mac)
        if owner is not None:
            raise ValueError(f"MAC {mac_text(mac)} of {self.name} is already used by {owner}")
        self.world._macs[mac] = self.name

    def _add_local(self, iface: str, address: str, mac_b: bytes, owner: str) -> _Local:
        local = _Local(address, iface, mac_b, owner)
        old = self.local.get(local.ip)
        if old is not None:
            self._iface_addrs[old.iface].remove(old)
        self.local[local.ip] = local
        self._iface_addrs[iface].append(local)
        self._refresh_accept()
        return local

    def _refresh_accept(self) -> None:
        for nic in self.nics.values():
            nic.accept = {a.mac_b for a in self._iface_addrs[nic.name] if a.mac_b != nic.mac_b}

    def _add_address(self, iface: str, address: str, mac: str, owner: str) -> None:
        """A protocol instance configures a service IP (AddAddress)."""
        if iface not in self.ifaces:
            raise ValueError(f"{self.name}: {owner} adds {address} to unknown interface {iface}")
        address = str(ipaddress.IPv4Interface(address)) if ":" not in address else address
        if ":" not in address:
            existing = self.local.get(ip_bytes(address.split("/")[0]))
            # a VRRP address owner's VIP is its own primary address: that stays as it is
            if existing is None or existing.owner != "static":
                self._add_local(iface, address, mac_bytes(mac), owner)
        world = self.world
        world.trace.append(AddressChange(world.env._now, self.name, iface, address, True, mac))
        # a service that failed to bind this address stays failed: nobody restarts it (the
        # keepalived article's reason for net.ipv4.ip_nonlocal_bind=1)

    def _remove_address(self, iface: str, address: str, owner: str) -> None:
        """A protocol instance removes a service IP (RemoveAddress)."""
        ip = address.split("/")[0]
        if ":" not in ip:
            local = self.local.get(ip_bytes(ip))
            if local is not None and local.owner != "static":
                del self.local[local.ip]
                self._iface_addrs[local.iface].remove(local)
                self._refresh_accept()
        world = self.world
        world.trace.append(AddressChange(world.env._now, self.name, iface, address, False, None))

    def can_bind(self, address: str) -> bool:
        """Whether a service may bind ``address`` now (see :meth:`add_service`)."""
        if address == "0.0.0.0":
            return True
        raw = ip_bytes(address)
        if raw in self.local:
            return True
        if self.os == "linux":
            return bool(self.sysctls["net.ipv4.ip_nonlocal_bind"])
        for d in self.daemons.values():
            cfg = d.config
            if isinstance(cfg, CarpConfig) and any(v.split("/")[0] == address for v in cfg.vips):
                return True
        return False

    # ------------------------------------------------------------------ routing and sending
    def _route(self, dst: bytes) -> tuple[Nic, bytes, bytes] | None:
        cache = self._route_cache
        if dst in cache:
            return cache[dst]
        d = int.from_bytes(dst, "big")
        found = None
        for net, mask, _plen, nic, gw in self._routes:
            if d & mask == net:
                found = (nic, gw or dst, nic.ip_b)
                break
        cache[dst] = found  # type: ignore[assignment]
        return found

    def _next_id(self) -> int:
        self._ip_id = (self._ip_id + 1) & 0xFFFF
        return self._ip_id

    def send_ip(
        self,
        dst: bytes,
        proto: int,
        payload: bytes,
        kind: str,
        *,
        src: bytes | None = None,
        owner: Any = None,
        token: Any = None,
    ) -> bytes | None:
        """Send an IPv4 packet (route, ARP, NIC); returns the packet, or None if unroutable.
        ``owner.unreachable(token, reason)`` hears about failures."""
        if not self.booted:
            return None
        route = self._route_cache.get(dst, _MISS)
        if route is _MISS:
            route = self._route(dst)
        if route is None:
            if owner is not None:
                owner.unreachable(token, "network unreachable")
            return None
        nic, nexthop, rsrc = route
        self._ip_id = ident = (self._ip_id + 1) & 0xFFFF
        packet = ipv4_packet(src or rsrc, dst, proto, payload, ident=ident)
        # the common case inline: a REACHABLE / valid ARP entry (see NeighbourTable.output)
        entry = self.neigh.entries.get(nexthop)
        if entry is not None and entry.state is REACHABLE and self.world.env._now < entry.until:
            nic.send(entry.mac + nic.mac_b + ETH_IPV4 + packet, kind)  # type: ignore[operator]
        else:
            self.neigh.output(nic, nexthop, packet, kind, owner, token)
        return packet

    # ------------------------------------------------------------------ receiving
    def arp_input(self, nic: Nic, frame: bytes) -> None:
        arp = parse_arp(frame)
        if arp is None:
            return
        op, sha, spa, _tha, tpa = arp
        local = self.local.get(tpa)
        answers = False
        if local is not None:
            if self.os == "linux":
                answers = (
                    not self.sysctls["net.ipv4.conf.all.arp_ignore"] or local.iface == nic.name
                )
            else:
                answers = local.iface == nic.name
        gratuitous = spa == tpa
        if op == 1 and answers and not gratuitous:
            mac = local.mac_b if local.iface == nic.name else nic.mac_b  # type: ignore[union-attr]
            nic.send(arp_eth(sha, mac, 2, mac, tpa, sha, spa), "arp")
        if spa == b"\x00\x00\x00\x00" or spa in self.local or sha == nic.mac_b:
            return
        if self.os == "linux":
            create = (op == 1 and answers) or (
                gratuitous and bool(self.sysctls["net.ipv4.conf.all.arp_accept"])
            )
        else:
            create = answers
        confirmed = op == 2 and frame[0:6] == nic.mac_b
        self.neigh.learn(nic, spa, sha, confirmed=confirmed, create=create)

    def ip_input(self, nic: Nic, frame: bytes) -> None:
        dst = frame[30:34]
        if dst not in self.local:
            if self._forwarding and dst[0] < 224 and dst != b"\xff\xff\xff\xff":
                self._forward(frame)
            return
        if frame[14] != 0x45:
            return  # IP options: not produced in the simulated world
        proto = frame[23]
        if proto == PROTO_ICMP:
            icmp_type = frame[34]
            if icmp_type == 8:
                self._echo(frame)
            elif icmp_type == 0:
                pinger = self._pingers.get(int.from_bytes(frame[38:40], "big"))
                if pinger is not None:
                    pinger.reply(frame)
        elif proto == PROTO_TCP:
            self._tcp_input(frame)

    def _echo(self, frame: bytes) -> None:
        total = (frame[16] << 8) | frame[17]
        packet = frame[14 : 14 + total]
        reply = self.send_ip(
            packet[12:16], PROTO_ICMP, echo_reply_from_request(packet), "icmp", src=packet[16:20]
        )
        if reply is not None:
            self._note_responder(reply[4:6] + reply[24:28] + reply[16:20])

    def _note_responder(self, key: bytes) -> None:
        responders = self.world._responders
        if len(responders) > 100_000:  # replies that never arrived
            responders.clear()
        responders[key] = self.name

    def _tcp_input(self, frame: bytes) -> None:
        total = (frame[16] << 8) | frame[17]
        packet = frame[14 : 14 + total]
        seg = parse_tcp(packet)
        if seg is None:
            return
        sport, dport, seq, ack, flags = seg
        src, dst = packet[12:16], packet[16:20]
        if flags & TCP_SYN and not flags & TCP_ACK:
            svc = None
            for candidate in self._listeners.get(dport, ()):
                if candidate.state == "running" and candidate.bind_b in (None, dst):
                    svc = candidate
                    break
            if svc is not None:
                svc.connections += 1
                out = tcp_segment(
                    dst, src, dport, sport, self.rng.getrandbits(32), seq + 1, TCP_SYN | TCP_ACK
                )
            else:
                out = tcp_segment(dst, src, dport, sport, 0, seq + 1, TCP_RST | TCP_ACK, window=0)
            reply = self.send_ip(src, PROTO_TCP, out, "tcp", src=dst)
            if reply is not None:
                self._note_responder(reply[4:6] + reply[20:24] + reply[16:20])
            return
        requester = self._tcp_ports.get(dport)
        if requester is not None:
            requester.segment(frame, sport, dport, seq, ack, flags)

    def _forward(self, frame: bytes) -> None:
        ttl = frame[22]
        if ttl <= 1:
            return  # ICMP time exceeded is not modelled
        total = (frame[16] << 8) | frame[17]
        packet = frame[14 : 14 + total]
        route = self._route(packet[16:20])
        if route is None:
            return
        nic, nexthop, _src = route
        # TTL is the high byte of header word 4: one less adds 0x0100 to the checksum (RFC 1624)
        c = ((packet[10] << 8) | packet[11]) + 0x0100
        c = (c & 0xFFFF) + (c >> 16)
        packet = (
            packet[:8] + bytes((ttl - 1,)) + packet[9:10] + bytes((c >> 8, c & 0xFF)) + packet[12:]
        )
        kind = "icmp" if packet[9] == PROTO_ICMP else "tcp" if packet[9] == PROTO_TCP else "ip"
        self.neigh.output(nic, nexthop, packet, kind)

    # ------------------------------------------------------------------ link state
    def _nic_changed(self, nic: Nic, up: bool) -> None:
        self._route_cache.clear()
        world = self.world
        if self.booted:
            if self.os == "freebsd":
                text = f"{nic.name}: link state changed to {'UP' if up else 'DOWN'}"
            else:
                text = f"{nic.name}: Link is {'Up' if up else 'Down'}"
            world.trace.append(LogLine(world.env._now, self.name, "kernel", text))
        if not up:
            self.neigh.flush_nic(nic)
        for daemon in nic.daemons:
            daemon.link_changed(up)

    def _refresh_nics(self) -> None:
        for nic in self.nics.values():
            if nic.link is not None:
                nic.link.refresh()
            else:
                nic.refresh()

    # ------------------------------------------------------------------ boot and power
    def _boot_complete(self, gen: int) -> None:
        if gen != self._boot_gen or not self.powered or self.booted:
            return
        for hook in list(self.boot_hooks):
            hook(self)
        self.booted = True
        world = self.world
        self.sysctls = dict(self._configured)
        self._apply_sysctls()
        self.carp_demotion = self.sysctls.get("net.inet.carp.demotion", 0)
        self.neigh.reset()
        self._route_cache.clear()
        if world.env._now > 0:
            world.trace.append(
                LogLine(world.env._now, self.name, "simlab", "boot complete", "notice")
            )
        self._refresh_nics()
        for daemon in self.daemons.values():
            if daemon.daemon not in self.disabled_at_boot:
                daemon.start()
        for svc in self.services.values():
            if svc.autostart:
                svc._start()

    def _halt(self) -> None:
        """Everything stops at once: no goodbye, RAM (addresses, ARP cache) lost."""
        self.booted = False
        self._boot_gen += 1
        for daemon in self.daemons.values():
            daemon.kill()
        for daemon in self.daemons.values():
            daemon.forget_addresses()
        for svc in self.services.values():
            svc.state = "stopped"
        self.neigh.reset()
        self._route_cache.clear()
        self._refresh_nics()

    def power_off(self) -> None:
        """Power loss: instant, nothing is said on the wire; the addresses vanish with the
        host. Recorded as ``power-off``."""
        world = self.world
        with world.atomic():
            world.fault("power-off", self.name, "power lost: no goodbye")
            if self.powered:
                self.powered = False
                self._halt()

    def power_on(self) -> None:
        """Power back: the host boots for ``boot_time_ns``, then its interfaces come up and
        daemons and services start. Recorded as ``power-on``."""
        world = self.world
        with world.atomic():
            world.fault("power-on", self.name, f"booting, up in {self.boot_time_ns / NS_PER_S:g} s")
            if not self.powered:
                self.powered = True
                world.call_later(self.boot_time_ns, self._boot_complete, self._boot_gen)

    def reboot(self) -> None:
        """Orderly reboot: services stop, daemons shut down (keepalived sends priority 0,
        FreeBSD CARP sends nothing), ``shutdown_ns`` later the power cycles and the host boots
        for ``boot_time_ns``. Recorded as ``reboot``."""
        world = self.world
        with world.atomic():
            world.fault(
                "reboot",
                self.name,
                f"shutdown -r now: down in {self.shutdown_ns / NS_PER_S:g} s, "
                f"boot takes {self.boot_time_ns / NS_PER_S:g} s",
            )
            if not self.booted:
                return
            for svc in self.services.values():
                svc.state = "stopped"
            for daemon in self.daemons.values():
                daemon.shutdown()
            if self.shutdown_ns:
                world.call_later(self.shutdown_ns, self._reboot_halt, self._boot_gen)
            else:
                self._reboot_halt(self._boot_gen)

    def _reboot_halt(self, gen: int) -> None:
        if gen != self._boot_gen or not self.booted:
            return
        self._halt()
        self.world.call_later(self.boot_time_ns, self._boot_complete, self._boot_gen)

    # ------------------------------------------------------------------ daemons
    def crash_daemon(self, instance: str | None = None) -> None:
        """SIGKILL: the instance stops with no action; its VIPs stay configured here, so if the
        peer takes over both hosts hold (and answer for) them. Recorded as ``daemon-crash``."""
        daemon = self.daemon(instance)
        world = self.world
        with world.atomic():
            held = ", ".join(daemon.held) or "no address"
            world.fault(
                "daemon-crash",
                self.name,
                f"{daemon.daemon} {daemon.instance} killed (SIGKILL); {held} stays configured",
            )
            daemon.crash()

    def restart_daemon(self, instance: str | None = None) -> None:
        """Start a crashed or stopped instance again (a new process: it cleans up the addresses
        its dead predecessor left, then starts from INIT). Recorded as ``daemon-restart``."""
        daemon = self.daemon(instance)
        world = self.world
        with world.atomic():
            world.fault("daemon-restart", self.name, f"{daemon.daemon} {daemon.instance} restarted")
            if daemon.running:
                daemon.shutdown()
            daemon.remove_leftovers()
            daemon.start()

    def stop_daemon(self, instance: str | None = None) -> None:
        """Orderly stop (``systemctl stop keepalived``). Recorded as ``daemon-stop``."""
        daemon = self.daemon(instance)
        world = self.world
        with world.atomic():
            world.fault("daemon-stop", self.name, f"{daemon.daemon} {daemon.instance} stopped")
            daemon.shutdown()

    def start_daemon(self, instance: str | None = None) -> None:
        """Start a stopped instance. Recorded as ``daemon-start``."""
        daemon = self.daemon(instance)
        world = self.world
        with world.atomic():
            world.fault("daemon-start", self.name, f"{daemon.daemon} {daemon.instance} started")
            daemon.remove_leftovers()
            daemon.start()

    def force_state(self, state: str, instance: str | None = None) -> None:
        """``ifconfig em0 vhid 1 state master|backup`` (CARP). keepalived has no such command:
        its instance logs a warning. Recorded as ``force-state``."""
        daemon = self.daemon(instance)
        world = self.world
        with world.atomic():
            if daemon.protocol == "carp":
                detail = f"ifconfig {daemon.nic.name} vhid {daemon.ident} state {state.lower()}"
            else:
                detail = f"{daemon.instance}: state {state} requested"
            world.fault("force-state", self.name, detail)
            daemon.force_state(state)

    def set_parameter(self, name: str, value: int, instance: str | None = None) -> None:
        """Run-time change: CARP ``advskew``/``advbase`` (``ifconfig em0 vhid 1 advskew 50``),
        VRRP ``priority``/``advert_int``/``preempt``. Recorded as ``set-parameter``."""
        daemon = self.daemon(instance)
        world = self.world
        with world.atomic():
            if daemon.protocol == "carp":
                detail = f"ifconfig {daemon.nic.name} vhid {daemon.ident} {name} {value}"
            else:
                detail = f"{daemon.instance}: {name} {value}"
            world.fault("set-parameter", self.name, detail)
            daemon.set_parameter(name, value)

    def _carp_demoted(self, source: Daemon, delta: int) -> None:
        """A vhid changed the host-global demotion: the other vhids follow (FreeBSD keeps one
        counter per host)."""
        self.carp_demotion += delta
        if "net.inet.carp.demotion" in self.sysctls:
            self.sysctls["net.inet.carp.demotion"] = self.carp_demotion
        for daemon in self.daemons.values():
            if daemon is not source and daemon.protocol == "carp":
                daemon.adjust_demotion(delta)

    # ------------------------------------------------------------------ interfaces
    def ifconfig(self, iface: str, updown: str) -> None:
        """``ifconfig em0 down|up`` (``ip link set eth0 down|up``): administrative state.
        Recorded as ``ifconfig-down`` / ``ifconfig-up``."""
        if updown not in ("up", "down"):
            raise ValueError(f"ifconfig takes up or down, got {updown!r}")
        nic = self.nic(iface)
        world = self.world
        with world.atomic():
            cmd = (
                f"ifconfig {iface} {updown}"
                if self.os == "freebsd"
                else f"ip link set {iface} {updown}"
            )
            world.fault(f"ifconfig-{updown}", self.name, cmd)
            nic.admin_up = updown == "up"
            self._refresh_nic(nic)

    def fail_nic(self, iface: str) -> None:
        """The NIC dies (carrier lost, as a pulled cable). Recorded as ``nic-fail``."""
        nic = self.nic(iface)
        with self.world.atomic():
            self.world.fault("nic-fail", self.name, f"{iface} failed (no carrier)")
            nic.failed = True
            self._refresh_nic(nic)

    def repair_nic(self, iface: str) -> None:
        """The NIC works again. Recorded as ``nic-repair``."""
        nic = self.nic(iface)
        with self.world.atomic():
            self.world.fault("nic-repair", self.name, f"{iface} repaired")
            nic.failed = False
            self._refresh_nic(nic)

    def _refresh_nic(self, nic: Nic) -> None:
        if nic.link is not None:
            nic.link.refresh()
        else:
            nic.refresh()

    def drop_garps(self, count: int = 1) -> None:
        """The next ``count`` gratuitous ARPs this host's daemons send are lost (each loss is a
        ``garp-lost`` record). Recorded as ``drop-garp``."""
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"drop-garp count must be an integer >= 0, got {count!r}")
        world = self.world
        world.fault("drop-garp", self.name, f"the next {count} gratuitous ARP(s) are lost")
        self._garp_drops += count

    # ------------------------------------------------------------------ sysctls
    def _check_sysctl(self, name: str, value: Any) -> None:
        known = LINUX_SYSCTLS if self.os == "linux" else FREEBSD_SYSCTLS
        if name not in known:
            raise ValueError(
                f"{self.name} ({self.os}): unknown sysctl {name!r}; modelled: {', '.join(known)}"
            )
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"sysctl {name} takes an integer, got {value!r}")

    def _apply_sysctls(self) -> None:
        key = "net.ipv4.ip_forward" if self.os == "linux" else "net.inet.ip.forwarding"
        self._forwarding = bool(self.sysctls[key])
        self._route_cache.clear()

    def sysctl(self, name: str, value: int) -> None:
        """``sysctl name=value`` at run time (lost at the next boot, unlike ``sysctls=`` given
        when the host was built). ``net.inet.carp.demotion`` *adds* ``value`` and is logged by
        the kernel; ``net.inet.carp.preempt`` applies to every vhid. Recorded as ``sysctl``."""
        self._check_sysctl(name, value)
        world = self.world
        with world.atomic():
            world.fault("sysctl", self.name, f"sysctl {name}={value}")
            carp = [d for d in self.daemons.values() if d.protocol == "carp" and d.running]
            if name == "net.inet.carp.demotion":
                if carp:
                    carp[0].set_parameter("demotion", value)  # logs, and the others follow
                else:
                    self.carp_demotion += value
                    self.sysctls[name] = self.carp_demotion
                return
            self.sysctls[name] = value
            if name == "net.inet.carp.preempt":
                for daemon in carp:
                    daemon.set_parameter("preempt", int(bool(value)))
            self._apply_sysctls()

    # ------------------------------------------------------------------ services
    def start_service(self, name: str) -> None:
        """``service NAME start``. Recorded as ``service-start``."""
        svc = self.services[name]
        with self.world.atomic():
            self.world.fault("service-start", self.name, f"service {name} start")
            svc._start()

    def stop_service(self, name: str) -> None:
        """``service NAME stop``: connections are refused from now on. Recorded as
        ``service-stop``."""
        svc = self.services[name]
        with self.world.atomic():
            self.world.fault("service-stop", self.name, f"service {name} stop")
            svc.state = "stopped"

    # ------------------------------------------------------------------ what survives a boot
    # (the console, a layer above, keeps the host's files and applies them through these)
    @property
    def boot_generation(self) -> int:
        """How many times the host went down: changes at every halt (power loss, reboot)."""
        return self._boot_gen

    def boot_sysctls(self) -> dict[str, int]:
        """The sysctls set at every boot (``/etc/sysctl.conf``), a copy."""
        return dict(self._configured)

    def set_boot_sysctl(self, name: str, value: int) -> None:
        """``name=value`` in ``/etc/sysctl.conf``: applied from the next boot on (not now)."""
        self._check_sysctl(name, value)
        self._configured[name] = int(value)

    def add_boot_hook(self, hook: Any) -> None:
        """Call ``hook(host)`` at every boot, before the sysctls are applied and the daemons
        and services start (it may add or remove daemons: they start after it)."""
        self.boot_hooks.append(hook)

    def set_enabled_at_boot(self, program: str, enabled: bool) -> None:
        """``systemctl enable|disable PROGRAM``: whether its instances (``daemon.daemon``, e.g.
        ``"keepalived"``) start at boot. Running instances are left alone."""
        if enabled:
            self.disabled_at_boot.discard(program)
        else:
            self.disabled_at_boot.add(program)

    def remove_daemon(self, instance: str) -> Daemon:
        """Take a stopped instance out of the host (its configuration is gone: a vhid rc.conf no
        longer has, a keepalived instance about to be re-read); it will not start at boot."""
        daemon = self.daemon(instance)
        if daemon.running:
            raise ValueError(f"{self.name}: stop {instance} before removing it")
        del self.daemons[daemon.instance]
        nic = daemon.nic
        if daemon in nic.daemons:
            nic.daemons.remove(daemon)
        same = nic.by_id.get(daemon.ident, [])
        if daemon in same:
            same.remove(daemon)
        if not same:
            nic.by_id.pop(daemon.ident, None)
        return daemon
