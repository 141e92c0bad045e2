"""Configuration of one CARP vhid, validated the way ``ifconfig`` / ``ucarp`` validate it.

One :class:`CarpConfig` describes what ``ifconfig em0 vhid 1 advskew 100 pass testpass alias
192.168.1.50/32`` plus the ``net.inet.carp.*`` sysctls configure on FreeBSD, what the
``carpN`` interface holds on OpenBSD, or what the ``ucarp`` command line says. Every error
message names the keyword (or ucarp flag) the learner would have typed and its range.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["CARP_MAXSKEW", "FLAVOURS", "CarpConfig", "Flavour"]

Flavour = Literal["freebsd", "openbsd", "ucarp"]
FLAVOURS: tuple[str, ...] = ("freebsd", "openbsd", "ucarp")

#: FreeBSD caps the demoted (effective) advskew at this value (``CARP_MAXSKEW``)
CARP_MAXSKEW = 240

_LOG_DEFAULT = {"freebsd": 1, "openbsd": 2, "ucarp": 1}
_IFDOWN_DEFAULT = {"freebsd": CARP_MAXSKEW, "openbsd": 1, "ucarp": 0}


def _check_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    return value


@dataclass(frozen=True)
class CarpConfig:
    """One vhid's settings.

    ``vhid``, ``advbase``, ``advskew``, ``password`` and ``vips`` are the ifconfig keywords
    (``vhid``, ``advbase``, ``advskew``, ``pass``, ``alias``); ``preempt``, ``demotion``,
    ``log`` and ``ifdown_demotion_factor`` are the ``net.inet.carp.*`` sysctls (``preempt`` is
    ucarp's ``-P``); ``deadratio`` is ucarp's ``--deadratio`` (the kernels hard-code 3).

    ``vips`` accepts ``"192.168.1.50/32"``, ``"192.168.1.50"`` (taken as /32) and IPv6; they are
    stored normalised (``"192.168.1.50/32"``). A vhid with no address stays INIT, as in the kernel.

    ``log`` and ``ifdown_demotion_factor`` default to the flavour's own defaults: FreeBSD log 1 and
    factor 240; OpenBSD log 2 (its ``net.inet.carp.log`` default, compared with syslog levels)
    and factor 1 (the ``carpdev`` demote step); ucarp has neither (log lines always printed).

    ``carp_ifname`` is the OpenBSD pseudo-interface name used in its log lines (``carp0``).
    """

    vhid: int
    advbase: int = 1
    advskew: int = 0
    password: str = ""
    vips: tuple[str, ...] = ()
    preempt: bool = False
    demotion: int = 0
    flavour: Flavour = "freebsd"
    deadratio: int = 3
    log: int = field(default=None)  # type: ignore[assignment]  # None -> flavour default
    ifdown_demotion_factor: int = field(default=None)  # type: ignore[assignment]
    carp_ifname: str = "carp0"

    def __post_init__(self) -> None:
        flavour = self.flavour
        if flavour not in FLAVOURS:
            raise ValueError(f"flavour must be one of {', '.join(FLAVOURS)}, got {flavour!r}")
        ucarp = flavour == "ucarp"

        vhid = _check_int("vhid", self.vhid)
        if not 1 <= vhid <= 255:
            kw = "ucarp --vhid (-v)" if ucarp else "ifconfig vhid"
            raise ValueError(f"{kw} takes 1..255, got {vhid}")

        advbase = _check_int("advbase", self.advbase)
        low = 0 if flavour == "openbsd" else 1
        if not low <= advbase <= 255:
            kw = "ucarp --advbase (-b)" if ucarp else "ifconfig advbase"
            raise ValueError(f"{kw} takes {low}..255 on {flavour}, got {advbase}")

        advskew = _check_int("advskew", self.advskew)
        high = 255 if ucarp else 254
        if not 0 <= advskew <= high:
            kw = "ucarp --advskew (-k)" if ucarp else "ifconfig advskew"
            raise ValueError(f"{kw} takes 0..{high}, got {advskew}")

        if not isinstance(self.password, str):
            raise ValueError(f"pass must be a string, got {self.password!r}")
        if ucarp and len(self.password.encode("utf-8")) >= 20:
            raise ValueError(
                "ucarp --pass (-p): password too long (ucarp refuses 20 characters or more)"
            )

        vips = self.vips
        if isinstance(vips, str):
            vips = (vips,)
        normalised: list[str] = []
        for vip in vips:
            try:
                iface = ipaddress.ip_interface(vip)
            except (TypeError, ValueError):
                raise ValueError(
                    f"alias {vip!r} is not an IPv4/IPv6 address (ifconfig ... alias ADDR/PREFIX)"
                ) from None
            text = str(iface)
            if any(ipaddress.ip_interface(n).ip == iface.ip for n in normalised):
                raise ValueError(f"alias {iface.ip} is given twice on vhid {vhid}")
            normalised.append(text)
        if ucarp and (len(normalised) != 1 or ipaddress.ip_interface(normalised[0]).version != 4):
            raise ValueError(
                f"ucarp --addr (-a) takes exactly one IPv4 address, got {list(normalised)}"
            )
        object.__setattr__(self, "vips", tuple(normalised))

        if not isinstance(self.preempt, bool):
            if self.preempt in (0, 1):
                object.__setattr__(self, "preempt", bool(self.preempt))
            else:
                raise ValueError(f"net.inet.carp.preempt takes 0 or 1, got {self.preempt!r}")

        demotion = _check_int("demotion", self.demotion)
        if flavour == "openbsd" and not 0 <= demotion <= 255:
            raise ValueError(f"carpdemote takes 0..255 on openbsd, got {demotion}")

        deadratio = _check_int("deadratio", self.deadratio)
        if ucarp:
            if deadratio < 1:
                raise ValueError(f"ucarp --deadratio (-r) takes 1 or more, got {deadratio}")
        elif deadratio != 3:
            raise ValueError(
                f"deadratio is ucarp's --deadratio; {flavour} carp always uses 3, got {deadratio}"
            )

        log = _LOG_DEFAULT[flavour] if self.log is None else _check_int("log", self.log)
        if log < 0:
            raise ValueError(f"net.inet.carp.log takes 0 or more, got {log}")
        object.__setattr__(self, "log", log)

        factor = self.ifdown_demotion_factor
        factor = (
            _IFDOWN_DEFAULT[flavour]
            if factor is None
            else _check_int("ifdown_demotion_factor", factor)
        )
        if factor < 0:
            raise ValueError(f"net.inet.carp.ifdown_demotion_factor takes 0 or more, got {factor}")
        object.__setattr__(self, "ifdown_demotion_factor", factor)

        if not isinstance(self.carp_ifname, str) or not self.carp_ifname:
            raise ValueError(f"carp_ifname must be a non-empty name, got {self.carp_ifname!r}")

    @property
    def addresses(self) -> tuple[str, ...]:
        """The VIPs without prefix length, as hashed into the CARP HMAC."""
        return tuple(str(ipaddress.ip_interface(v).ip) for v in self.vips)

    @property
    def ipv4_vips(self) -> tuple[str, ...]:
        return tuple(v for v in self.vips if ipaddress.ip_interface(v).version == 4)

    @property
    def ipv6_vips(self) -> tuple[str, ...]:
        return tuple(v for v in self.vips if ipaddress.ip_interface(v).version == 6)
