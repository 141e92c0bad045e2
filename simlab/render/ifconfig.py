"""Interface status as the real tools print it: FreeBSD ``ifconfig em0`` and Linux ``ip addr``.

Both are rendered from small view objects (what the interface is, which addresses it has, the
CARP vhids on it), which the simulated world or a scenario fills in at a given instant; nothing
here reaches into a running world. The layouts follow FreeBSD 13/14's ifconfig (tab-indented,
netmask in hex, one ``carp:`` line per vhid with the *configured* advskew) and iproute2's
``ip addr show`` (a service IP on the primary's subnet is listed as ``secondary``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import IPv4Interface, IPv6Interface, ip_interface
from typing import Literal

# FreeBSD if_flags bits, as ifconfig prints them in this order.
_FREEBSD_FLAGS = (
    (0x1, "UP"),
    (0x2, "BROADCAST"),
    (0x8, "LOOPBACK"),
    (0x40, "RUNNING"),
    (0x100, "PROMISC"),
    (0x800, "SIMPLEX"),
    (0x8000, "MULTICAST"),
)


@dataclass(frozen=True, slots=True)
class AddressView:
    """``address`` with its prefix (``"192.168.1.50/32"``); ``vhid`` for a CARP address;
    ``label`` for a Linux address label such as ``eth0:vip``."""

    address: str
    vhid: int | None = None
    label: str | None = None


@dataclass(frozen=True, slots=True)
class CarpView:
    state: str
    vhid: int
    advbase: int
    advskew: int


@dataclass(frozen=True, slots=True)
class InterfaceView:
    name: str
    mac: str
    admin_up: bool = True
    carrier: bool = True
    mtu: int = 1500
    addresses: tuple[AddressView, ...] = ()
    carp: tuple[CarpView, ...] = ()
    kind: Literal["ether", "dummy", "loopback"] = "ether"
    index: int = 2  # Linux interface index (``2: eth0: ...``)


def _freebsd_flags(iface: InterfaceView) -> str:
    value = 0x2 | 0x800 | 0x8000  # BROADCAST, SIMPLEX, MULTICAST: always there on Ethernet
    if iface.kind == "loopback":
        value = 0x8 | 0x8000
    if iface.admin_up:
        value |= 0x1
        if iface.carrier:
            value |= 0x40
    if iface.carp:
        value |= 0x100  # carp(4) puts the parent in promiscuous mode
    names = ",".join(name for bit, name in _FREEBSD_FLAGS if value & bit)
    return f"flags={value:x}<{names}>"


def freebsd_ifconfig(iface: InterfaceView, *, peer_line: bool = False) -> str:
    """``ifconfig em0`` on FreeBSD. ``peer_line`` adds FreeBSD 14's ``peer 224.0.0.18`` line."""
    lines = [f"{iface.name}: {_freebsd_flags(iface)} metric 0 mtu {iface.mtu}"]
    if iface.kind == "ether":
        lines.append("\toptions=80028<VLAN_MTU,JUMBO_MTU,LINKSTATE>")
        lines.append(f"\tether {iface.mac}")
    for view in iface.addresses:
        addr = ip_interface(view.address)
        if isinstance(addr, IPv4Interface):
            mask = int(addr.network.netmask)
            line = (
                f"\tinet {addr.ip} netmask 0x{mask:08x} broadcast {addr.network.broadcast_address}"
            )
        else:
            assert isinstance(addr, IPv6Interface)
            line = f"\tinet6 {addr.ip} prefixlen {addr.network.prefixlen}"
        if view.vhid is not None:
            line += f" vhid {view.vhid}"
        lines.append(line)
    if iface.kind == "ether":
        lines.append("\tmedia: Ethernet autoselect (1000baseT <full-duplex>)")
        lines.append(f"\tstatus: {'active' if iface.carrier else 'no carrier'}")
    for carp in iface.carp:
        lines.append(
            f"\tcarp: {carp.state} vhid {carp.vhid} advbase {carp.advbase} advskew {carp.advskew}"
        )
        if peer_line:
            lines.append("\t      peer 224.0.0.18 peer6 ff02::12")
    return "\n".join(lines)


def _linux_flags(iface: InterfaceView) -> tuple[str, str]:
    if iface.kind == "loopback":
        flags = ["LOOPBACK"]
    elif iface.kind == "dummy":
        flags = ["BROADCAST", "NOARP"]
    else:
        flags = ["BROADCAST", "MULTICAST"]
    if iface.admin_up:
        flags.append("UP")
        if iface.carrier:
            flags.append("LOWER_UP")
        elif iface.kind == "ether":
            flags.insert(0, "NO-CARRIER")
    if not iface.admin_up or (iface.kind == "ether" and not iface.carrier):
        state = "DOWN"
    else:
        state = "UP" if iface.kind == "ether" else "UNKNOWN"
    return ",".join(flags), state


def linux_ip_addr(ifaces: Sequence[InterfaceView]) -> str:
    """``ip addr show`` for the given interfaces (include ``lo`` yourself if you want it)."""
    lines: list[str] = []
    for iface in ifaces:
        flags, state = _linux_flags(iface)
        qdisc = "noqueue" if iface.kind != "ether" else "pfifo_fast"
        mtu = 65536 if iface.kind == "loopback" else iface.mtu
        lines.append(
            f"{iface.index}: {iface.name}: <{flags}> mtu {mtu} qdisc {qdisc} state {state} "
            "group default qlen 1000"
        )
        if iface.kind == "loopback":
            lines.append("    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00")
        else:
            lines.append(f"    link/ether {iface.mac} brd ff:ff:ff:ff:ff:ff")
        primaries: list[IPv4Interface] = []
        for view in iface.addresses:
            addr = ip_interface(view.address)
            label = view.label or iface.name
            if isinstance(addr, IPv4Interface):
                # A second address inside a subnet the interface already has is "secondary".
                secondary = any(addr.ip in p.network for p in primaries)
                scope = "host" if iface.kind == "loopback" else "global"
                brd = (
                    f" brd {addr.network.broadcast_address}"
                    if not secondary and addr.network.prefixlen < 31
                    else ""
                )
                extra = " secondary" if secondary else ""
                lines.append(f"    inet {addr}{brd} scope {scope}{extra} {label}")
                if not secondary:
                    primaries.append(addr)
            else:
                scope = "link" if addr.ip.is_link_local else "global"
                lines.append(f"    inet6 {addr} scope {scope}")
            lines.append("       valid_lft forever preferred_lft forever")
    return "\n".join(lines)


def interface_views(snapshot: dict) -> list[InterfaceView]:
    """Views of every interface of a host snapshot (the plain data ``Host.snapshot()`` gives).

    On FreeBSD a vhid's addresses stay configured on the interface in every state (a BACKUP
    simply does not answer for them), so they are listed from the CARP instances, with their
    vhid; other service IPs (keepalived's) appear only while held.
    """
    carp = [i for i in snapshot.get("instances", []) if i.get("protocol") == "carp"]
    carp_owned = {i["instance"] for i in carp}
    views = []
    for index, iface in enumerate(snapshot.get("interfaces", []), start=2):
        name = iface["name"]
        addresses = [
            AddressView(a["address"])
            for a in iface.get("addresses", [])
            if a.get("owner") not in carp_owned
        ]
        mine = [i for i in carp if i.get("iface") == name]
        addresses += [AddressView(vip, vhid=i["vhid"]) for i in mine for vip in i.get("vips", [])]
        views.append(
            InterfaceView(
                name=name,
                mac=iface["mac"],
                admin_up=bool(iface.get("admin_up", True)),
                carrier=iface.get("carrier") is not False,
                addresses=tuple(addresses),
                carp=tuple(
                    CarpView(i["state"], i["vhid"], i["advbase"], i["advskew"]) for i in mine
                ),
                kind="dummy" if iface.get("type") == "dummy" else "ether",
                index=index,
            )
        )
    return views
