"""CARP as a pure state machine: FreeBSD carp(4) (10+ "vhid on the parent interface" design),
with OpenBSD and ucarp 1.5.2 as flavours.

One :class:`CarpVhid` is one vhid on one parent interface. It never reads a clock, never sleeps
and never touches a socket: every input carries ``now`` (integer nanoseconds) and every output is
an action (:mod:`simlab.core.actions`). Randomness (the advert counter, the IP id, OpenBSD's replay
cookie) comes only from the injected ``random.Random``, so a seed reproduces a run byte for byte.
(The simulator injects a stream whose k-th draw depends only on the seed and k, so it can skip
steady periods without drawing them; see :meth:`ProtocolMachine.fast_forward`.)

The behaviour follows FreeBSD's ``sys/netinet/ip_carp.c`` (carp_input_c, carp_master_down_locked,
carp_setrun, carp_sc_state, carp_demote_adj, carp_ioctl_set), OpenBSD's ``ip_carp.c``
(carp_proto_input_c, carp_send_ad, carp_setrun, the bow-out) and ucarp 1.5.2's ``carp.c``
(packethandler, carp_master_down, carp_send_ad). See docs/protocols/carp-core.md for what is and
is not modelled, and PROTOCOLS.md §3.4-§3.6 for the tables this code implements.
"""

from __future__ import annotations

import ipaddress
import random
from dataclasses import replace

from simlab.core.actions import (
    Action,
    AddAddress,
    Log,
    RemoveAddress,
    SendFrame,
    StateChanged,
)
from simlab.core.carp_config import CARP_MAXSKEW, CarpConfig
from simlab.core.interface import Interface
from simlab.core.machine import ProtocolMachine
from simlab.core.timing import NS_PER_S, carp_advert_interval, carp_master_down, carp_skew
from simlab.wire.addresses import ipv4_packed
from simlab.wire.carp import CARP_LEN, CarpAdvert, carp_hmac
from simlab.wire.checksum import internet_checksum
from simlab.wire.errors import DecodeError
from simlab.wire.ethernet import ETHERTYPE_IPV4, ETHERTYPE_IPV6, Ethernet
from simlab.wire.frames import (
    CARP_GROUP_V4,
    CARP_GROUP_V6,
    PROTO_VRRP,
    carp_frame,
    garp_frame,
    unsolicited_na_frame,
)
from simlab.wire.ipv4 import IPv4
from simlab.wire.ipv6 import IPv6
from simlab.wire.mac import ZERO, ucarp_mac, virtual_mac
from simlab.wire.templates import Ipv4Template, carp_body

__all__ = ["CarpConfig", "CarpVhid"]

INIT, BACKUP, MASTER = "INIT", "BACKUP", "MASTER"

#: FreeBSD >= 14 sends DSCP 56 (net.inet.carp.dscp) = TOS 0xE0; OpenBSD and ucarp IPTOS_LOWDELAY
_TOS = {"freebsd": 0xE0, "openbsd": 0x10, "ucarp": 0x10}
#: syslog level numbers, for OpenBSD's "log if net.inet.carp.log >= level" rule
_SYSLOG = {"crit": 2, "err": 3, "warning": 4, "notice": 5, "info": 6, "debug": 7}
_MASK64 = (1 << 64) - 1
_UCARP_DELAYED_ARP = 2  # "Schedule a delayed ARP request to deal w/ some L3 switches"
_UCARP_USR2_SLEEP = 3 * NS_PER_S
_OPENBSD_DEMOTE_REASON = {
    "interface down": "carpdev",
    "interface up": "carpdev",
    "vhid removed": "detach",
}


def _sort_key_time(advbase: int, advskew: int) -> int:
    """An advert's time, advbase + advskew/256 s, as the kernels compare it (skew in whole us)."""
    return carp_advert_interval(advbase, advskew)


class CarpVhid(ProtocolMachine):
    """One CARP vhid on one interface (sans-I/O).

    Methods ``start``, ``shutdown``, ``frame_received``, ``timer_fired``, ``link_changed``,
    ``force_state`` and ``set_parameter`` take ``now`` (ns) and return the actions the driver must
    carry out, in order; ``handle`` dispatches the event dataclasses to them. After every call the
    machine ends its actions with ``ArmTimer(at)`` when its earliest deadline changed (or
    ``CancelTimer()`` when none is left); the driver then calls ``timer_fired`` at that time.

    Host-global sysctls: on FreeBSD ``net.inet.carp.demotion`` and ``net.inet.carp.preempt``
    belong to the host, not to a vhid. Here each vhid holds its own copy, and the driver (the
    simulated host) must keep them in step: a ``sysctl`` write is ``set_parameter("demotion",
    N)`` on one vhid (which logs the line) and :meth:`adjust_demotion` (silent) on every other
    vhid of the host; when a vhid's :attr:`demotion` changes by itself (its interface went down
    or up), the driver passes the difference to the host's other vhids with
    :meth:`adjust_demotion`, which also makes their MASTERs re-advertise at once, as FreeBSD's
    ``carp_send_ad_all`` does. ``preempt`` is simply set on every vhid of the host.
    """

    def __init__(self, config: CarpConfig, iface: Interface, *, rng: random.Random) -> None:
        if not isinstance(config, CarpConfig):
            raise TypeError(f"config must be a CarpConfig, got {type(config).__name__}")
        if not isinstance(rng, random.Random):
            # CARP draws its advert counter and IP ids: a shared default seed would make every
            # node send the same "random" values
            raise TypeError("CarpVhid needs rng=random.Random(seed) (one stream per vhid)")
        self.config = config
        self.iface = iface
        self.rng = rng
        self._flavour = config.flavour
        # run-time settings (ifconfig / sysctl can change them)
        self._advbase = config.advbase
        self._advskew = config.advskew
        self._preempt = config.preempt
        self._demotion = config.demotion
        # state
        self._state = INIT
        self._running = False  # vhid configured / daemon started
        self._link_up = True
        self._suppress = False  # FreeBSD sc_suppress / OpenBSD sc_suppress: demoted for link
        self._md_deadline: int | None = None
        self._ad_deadline: int | None = None
        self._init_counter = True  # FreeBSD/ucarp: random counter until a valid advert arrives
        self._counter = 0
        self._cookie: int | None = None  # OpenBSD replay cookie, drawn once
        self._delayed_arp = -1  # OpenBSD/ucarp: GARP again two adverts after becoming MASTER
        self._v4_template: tuple[tuple, Ipv4Template, bytes] | None = None  # see _v4_advert
        self._vmac = virtual_mac(config.vhid)
        addrs = config.addresses
        self._v4 = tuple(a for a in addrs if ipaddress.ip_address(a).version == 4)
        self._v6 = tuple(a for a in addrs if ipaddress.ip_address(a).version == 6)
        self._own_ips = {ip for ip in (iface.ip, iface.ip6_ll) if ip is not None}
        # what we hash on send; OpenBSD also accepts the hash with IPv6 link-locals included
        self._send_hash_addrs = addrs
        self._accept_hash_addrs: tuple[tuple[str, ...], ...] = (addrs,)
        if self._flavour == "openbsd":
            no_ll = tuple(a for a in addrs if not ipaddress.ip_address(a).is_link_local)
            self._send_hash_addrs = no_ll
            self._accept_hash_addrs = (no_ll, addrs) if no_ll != addrs else (addrs,)

    # ------------------------------------------------------------------ fast-forward support
    _FF_TIMES = ("_announced", "_md_deadline", "_ad_deadline")
    _FF_CACHES = frozenset({"_v4_template"})

    @property
    def period_ns(self) -> int | None:
        """A MASTER's advert interval (it adverts by itself); None otherwise."""
        if self._state == MASTER and self._ad_deadline is not None:
            return self.advert_interval_ns
        return None

    def _ff_counts(self) -> dict[str, int]:
        # a MASTER that has heard a peer counts its adverts (FreeBSD, ucarp: sc_counter++)
        if self._state == MASTER and not self._init_counter and self._flavour != "openbsd":
            return {"_counter": 1 << 64}
        return {}

    def _ff_ignored(self) -> frozenset[str]:
        # Before a valid advert is heard the counter is redrawn for every advert (never read);
        # a BACKUP's counter is the last one heard, rewritten by every advert of its master.
        if self._init_counter or self._state != MASTER or self._flavour == "openbsd":
            return frozenset({"_counter"})
        return frozenset()

    # ------------------------------------------------------------------ public properties
    @property
    def state(self) -> str:
        return self._state

    @property
    def next_deadline(self) -> int | None:
        """The earliest internal timer (ns), or None."""
        deadlines = [d for d in (self._md_deadline, self._ad_deadline) if d is not None]
        return min(deadlines) if deadlines else None

    @property
    def steady(self) -> bool:
        """True when only the periodic advert / master-down timer is pending (no delayed GARP)."""
        if self._state == INIT:
            return self.next_deadline is None
        return self._state == BACKUP or self._delayed_arp <= 0

    @property
    def advbase(self) -> int:
        return self._advbase

    @property
    def advskew(self) -> int:
        """The configured advskew (what ``ifconfig`` prints), not the demoted one."""
        return self._advskew

    @property
    def preempt(self) -> bool:
        return self._preempt

    @property
    def demotion(self) -> int:
        """FreeBSD ``net.inet.carp.demotion`` / OpenBSD group demote counter (this host's copy)."""
        return self._demotion

    @property
    def effective_advskew(self) -> int:
        """The skew this vhid advertises: FreeBSD ``DEMOTE_ADVSKEW`` = min(240, max(0, advskew +
        demotion)); OpenBSD and ucarp advertise the configured skew (OpenBSD carries the demotion
        in byte 4 instead)."""
        if self._flavour == "freebsd":
            return min(CARP_MAXSKEW, max(0, self._advskew + self._demotion))
        return self._advskew

    @property
    def demote(self) -> int:
        """OpenBSD's demote byte (sum of group demote counters, capped 0..255); 0 elsewhere."""
        if self._flavour == "openbsd":
            return min(255, max(0, self._demotion))
        return 0

    @property
    def advert_interval_ns(self) -> int:
        """Time between adverts as MASTER (advbase + effective skew/256 s)."""
        ns = carp_advert_interval(self._advbase, self.effective_advskew)
        if ns == 0:  # OpenBSD advbase 0 advskew 0: one tick of 1/256 s
            ns = carp_skew(1)
        return ns

    @property
    def master_down_ns(self) -> int:
        """How long a BACKUP waits for an advert before taking over.

        FreeBSD: 3 * advbase + advskew/256 s with the configured (undemoted) skew; ucarp the same
        with ``deadratio``; OpenBSD (current ip_carp.c) 3 * (advbase + advskew/256 s).
        """
        if self._flavour == "openbsd":
            ns = carp_advert_interval(self._advbase, self._advskew)
            return 3 * (ns if ns else carp_skew(1))
        return carp_master_down(self._advbase, self._advskew, self.config.deadratio)

    # ------------------------------------------------------------------ event entry points

    def start(self, now: int) -> list[Action]:
        """The vhid is configured (``ifconfig ... vhid N ... alias``) or ucarp starts."""
        out: list[Action] = []
        if self._running:
            return self._finish(out)
        self._running = True
        self._init_counter = True
        if self._flavour == "ucarp":
            # ucarp goes INIT -> BACKUP at once, whatever the carrier says
            self._set_state(out, BACKUP, "initialization complete")
            if self._link_up:
                self._arm_master_down(now)
        else:
            self._sc_state(now, out)
        return self._finish(out)

    def shutdown(self, now: int) -> list[Action]:
        """Orderly stop: FreeBSD and ucarp say nothing on the wire; OpenBSD bows out."""
        out: list[Action] = []
        if not self._running:
            return self._finish(out)
        if self._flavour == "openbsd" and self._state == MASTER:
            out.extend(self._send_advert(now, bow_out=True))
        self._md_deadline = self._ad_deadline = None
        if self._state != INIT:
            old = self._state
            if self._flavour == "openbsd":
                self._set_state(out, INIT, "shutdown")
            else:
                # a stopping host / daemon prints no carp line for this
                self._state = INIT
                out.append(StateChanged(old, INIT, "shutdown"))
            if old == MASTER:
                out.extend(self._remove_addresses())
        if self._suppress and self._flavour != "ucarp":
            self._suppress = False
            self._demote(now, out, -self.config.ifdown_demotion_factor, "vhid removed")
        self._running = False
        self._delayed_arp = -1
        return self._finish(out)

    def link_changed(self, now: int, up: bool) -> list[Action]:
        """Carrier / IFF_UP of the parent interface changed."""
        out: list[Action] = []
        if up == self._link_up:
            return self._finish(out)
        self._link_up = up
        if not self._running:
            return self._finish(out)
        if self._flavour == "ucarp":
            if up:
                self._arm_master_down(now)
            else:
                # no IFF_RUNNING: forced BACKUP, timers cleared (then ucarp sleeps 10 s a round)
                self._md_deadline = self._ad_deadline = None
                was_master = self._state == MASTER
                self._set_state(out, BACKUP, "hardware interface down")
                if was_master:
                    out.extend(self._remove_addresses())
        else:
            self._sc_state(now, out)
        return self._finish(out)

    def timer_fired(self, now: int) -> list[Action]:
        out: list[Action] = []
        self._timer_spent(now)
        while True:
            md, ad = self._md_deadline, self._ad_deadline
            due = [(d, k) for d, k in ((md, "md"), (ad, "ad")) if d is not None and d <= now]
            if not due:
                break
            _, kind = min(due)
            if kind == "md":
                self._md_deadline = None
                if self._state == BACKUP:
                    self._master_down(now, out, "master timed out")
            else:
                self._ad_deadline = None
                if self._state == MASTER:
                    out.extend(self._send_advert(now))
        return self._finish(out)

    def force_state(self, now: int, state: str) -> list[Action]:
        """``ifconfig em0 vhid N state master|backup`` (case-insensitive).

        ucarp has only SIGUSR2 (= backup); asking it for MASTER raises ValueError."""
        want = str(state).upper()
        if want not in (MASTER, BACKUP):
            raise ValueError(f"ifconfig ... state takes master or backup, got {state!r}")
        if self._flavour == "ucarp" and want == MASTER:
            raise ValueError("ucarp cannot be forced to MASTER (only SIGUSR2 -> BACKUP exists)")
        out: list[Action] = []
        if self._state == INIT or want == self._state:
            return self._finish(out)
        reason = "user requested via ifconfig"
        if want == MASTER:
            self._master_down(now, out, reason)
        else:
            self._ad_deadline = None
            self._set_state(out, BACKUP, reason)
            self._arm_master_down(now)
            if self._flavour == "ucarp":
                # SIGUSR2: "hold up a sec..." sleep(3) before listening for 3 adverts again
                self._md_deadline = now + _UCARP_USR2_SLEEP + self.master_down_ns
            out.extend(self._remove_addresses())
        return self._finish(out)

    def set_parameter(self, now: int, name: str, value: int) -> list[Action]:
        """Run-time change.

        ``advskew`` / ``advbase``: ``ifconfig em0 vhid N advskew X`` (takes effect at the next
        advert or master-down arming; OpenBSD re-arms its timers at once). ``preempt``:
        ``net.inet.carp.preempt``. ``demotion``: ``sysctl net.inet.carp.demotion=N`` *adds* N,
        logging ``carp: demoted by N to T (sysctl)`` (OpenBSD: ``ifconfig -g carp carpdemote``).
        """
        out: list[Action] = []
        if name == "advskew":
            high = 255 if self._flavour == "ucarp" else 254
            value = self._int_param(name, value)
            if not 0 <= value <= high:
                raise ValueError(f"ifconfig advskew takes 0..{high}, got {value}")
            self._advskew = value
            self._openbsd_rerun(now)
        elif name == "advbase":
            low = 0 if self._flavour == "openbsd" else 1
            value = self._int_param(name, value)
            if not low <= value <= 255:
                raise ValueError(f"ifconfig advbase takes {low}..255, got {value}")
            self._advbase = value
            self._openbsd_rerun(now)
        elif name == "preempt":
            value = self._int_param(name, value)
            if value not in (0, 1):
                raise ValueError(f"net.inet.carp.preempt takes 0 or 1, got {value}")
            self._preempt = bool(value)
        elif name == "demotion":
            value = self._int_param(name, value)
            return self.adjust_demotion(now, value, reason="sysctl")
        else:
            raise ValueError(
                f"CARP has no parameter {name!r}: use advskew, advbase, preempt or demotion"
            )
        return self._finish(out)

    def adjust_demotion(self, now: int, delta: int, *, reason: str | None = None) -> list[Action]:
        """Add ``delta`` to the demotion (FreeBSD ``carp_demote_adj``); a MASTER re-advertises at
        once with its new skew. ``reason=None`` changes silently: for the host driver copying a
        host-global change that another vhid already logged."""
        out: list[Action] = []
        self._demote(now, out, self._int_param("demotion", delta), reason)
        return self._finish(out)

    def frame_received(self, now: int, frame: bytes) -> list[Action]:
        """Any frame from the interface; CARP adverts for this vhid are acted on, all else ignored.

        Never raises on any bytes."""
        out: list[Action] = []
        if self._running and self._link_up and self._state != INIT:
            self._input(now, bytes(frame), out)
        return self._finish(out)

    # ------------------------------------------------------------------ receive path
    def _input(self, now: int, frame: bytes, out: list[Action]) -> None:
        try:
            eth = Ethernet.decode(frame)
            ip: IPv4 | IPv6
            if eth.ethertype == ETHERTYPE_IPV4:
                ip = IPv4.decode(eth.payload)
            elif eth.ethertype == ETHERTYPE_IPV6 and self._flavour != "ucarp":
                ip = IPv6.decode(eth.payload)  # (ucarp reads IPv4 only)
            else:
                return
        except DecodeError:
            return  # malformed below the CARP layer: the stack drops it silently
        if isinstance(ip, IPv4):
            if ip.proto != PROTO_VRRP or ip.mf or ip.frag_offset:
                return
            if self._flavour != "ucarp" and not ip.checksum_ok:
                return  # ip_input drops it before carp sees it
            ttl, v6, group = ip.ttl, False, CARP_GROUP_V4
        else:
            if ip.next_header != PROTO_VRRP:
                return
            ttl, v6, group = ip.hop_limit, True, CARP_GROUP_V6
        if ip.src in self._own_ips:
            return  # our own advert reflected back (multicast loopback is off in the kernels)
        if self._flavour != "ucarp" and ip.dst != group:
            return  # not for the CARP group we joined (unicast peers are not modelled)
        data = ip.payload
        if self._flavour == "freebsd":
            self._input_freebsd(now, out, ip, data, ttl, v6)
        elif self._flavour == "openbsd":
            self._input_openbsd(now, out, ip, data, ttl, v6)
        else:
            assert isinstance(ip, IPv4)
            self._input_ucarp(now, out, ip, data, ttl)

    def _input_freebsd(
        self, now: int, out: list[Action], ip: IPv4 | IPv6, data: bytes, ttl: int, v6: bool
    ) -> None:
        ifname = self.iface.name
        fn = "carp6_input" if v6 else "carp_input"
        if len(data) < CARP_LEN:
            if v6:
                self._debug(out, f"carp6_input: packet size {len(data)} too small")
            else:
                self._debug(
                    out,
                    f"carp_input: received len {len(data)} < sizeof(struct carp_header) "
                    f"on {ifname}",
                )
            return
        if internet_checksum(data[:CARP_LEN]) != 0:
            sep = "," if v6 else ""
            self._debug(out, f"{fn}: checksum failed{sep} on {ifname}")
            return
        ch = CarpAdvert.decode(data)
        if ch.vhid != self.config.vhid or not (self._v6 if v6 else self._v4):
            return  # not our vhid (or no address of this family on it): carps_badvhid
        if ch.version != 2:
            self._debug(out, f"{ifname}: invalid version {ch.version}")
            return
        if ttl != 255:
            self._debug(out, f"carp_input_c: received ttl {ttl} != 255 on {ifname}")
            return
        if not self._hmac_ok(ch):
            self._debug(out, f"carp_input_c: incorrect hash for VHID {self.config.vhid}@{ifname}")
            return
        # XXX Replay protection goes here (FreeBSD has none): copy the peer's counter
        self._init_counter = False
        self._counter = ch.counter
        ours = _sort_key_time(self._advbase, self.effective_advskew)
        theirs = _sort_key_time(ch.advbase, ch.advskew)
        if self._state == MASTER:
            if ours >= theirs:
                self._ad_deadline = None
                self._set_state(out, BACKUP, "more frequent advertisement received")
                self._arm_master_down(now)
                out.extend(self._remove_addresses())
        elif self._state == BACKUP:
            if self._preempt and ours < theirs:
                self._master_down(now, out, "preempting a slower master")
            elif _sort_key_time(3 * self._advbase, self.effective_advskew) < theirs:
                self._master_down(now, out, "master will time out")
            else:
                self._arm_master_down(now)

    def _input_openbsd(
        self, now: int, out: list[Action], ip: IPv4 | IPv6, data: bytes, ttl: int, v6: bool
    ) -> None:
        ifname = self.iface.name
        if ttl != 255:
            self._openbsd_log(out, "notice", f"carp: received ttl {ttl} != 255 on {ifname}")
            return
        if len(data) < CARP_LEN:
            msg = (
                f"carp: packet size {len(data)} too small"
                if v6
                else f"carp: packet too short {len(data)} on {ifname}"
            )
            self._openbsd_log(out, "info", msg)
            return
        if internet_checksum(data[:CARP_LEN]) != 0:
            sep = "," if v6 else ""
            self._openbsd_log(out, "info", f"carp: checksum failed{sep} on {ifname}")
            return
        ch = CarpAdvert.decode(data)
        if ch.vhid != self.config.vhid:
            return
        name = self.config.carp_ifname
        if ch.version != 2:
            self._openbsd_log(out, "notice", f"{name}: invalid version {ch.version} != 2")
            return
        if not self._hmac_ok(ch):
            self._openbsd_log(out, "info", f"{name}: incorrect hash")
            return
        if ch.counter == self._replay_cookie():
            self._openbsd_log(out, "warning", f"{name}: replay or network loop detected")
            return
        ours = _sort_key_time(self._advbase, self._advskew)
        theirs = _sort_key_time(ch.advbase, ch.advskew)
        mine = self.demote
        if self._state == MASTER:
            if (ours >= theirs and ch.demote <= mine) or ch.demote < mine:
                self._ad_deadline = None
                self._set_state(out, BACKUP, "more frequent advertisement received")
                self._arm_master_down(now)
                out.extend(self._remove_addresses())
        elif self._state == BACKUP:
            if self._preempt and ours < theirs and ch.demote >= mine:
                self._master_down(now, out, "preempting a slower master")
            elif ch.demote > mine:
                self._master_down(now, out, "master is demoted")
            elif self._advbase and _sort_key_time(3 * self._advbase, self._advskew) < theirs:
                self._master_down(now, out, "master will time out")
            else:
                self._arm_master_down(now)

    def _input_ucarp(self, now: int, out: list[Action], ip: IPv4, data: bytes, ttl: int) -> None:
        if len(data) < CARP_LEN:
            return  # "Bogus size" is a DEBUG-build message
        if ttl != 255:
            self._ucarp_log(out, "warning", f"Bad TTL: [{ttl}]")
            return
        ch = CarpAdvert.decode(data)
        if ch.version != 2:
            self._ucarp_log(out, "warning", f"Bad version: [{ch.version}]")
            return
        if ch.vhid != self.config.vhid:
            return
        if not ip.checksum_ok or internet_checksum(data[:CARP_LEN]) != 0:
            self._ucarp_log(out, "warning", "Bad IP checksum")
            return
        if not self._hmac_ok(ch):
            expected = carp_hmac(
                self.config.password, self.config.vhid, self._send_hash_addrs, ch.counter
            )
            self._ucarp_log(
                out,
                "warning",
                f"Bad digest - md2=[{expected[:4].hex()}...] md=[{ch.md[:4].hex()}...] - "
                "Check vhid, password and virtual IP address",
            )
            return
        self._init_counter = False
        self._counter = ch.counter
        ours = _sort_key_time(self._advbase, self._advskew)
        theirs = _sort_key_time(ch.advbase, ch.advskew)
        # ucarp compares struct in_addr.s_addr as a host integer: little-endian on x86
        their_ip = int.from_bytes(ipv4_packed(ip.src), "little")
        our_ip = int.from_bytes(ipv4_packed(self._src_ip_v4()), "little")
        if self._state == MASTER:
            if ours > theirs or (ours == theirs and their_ip < our_ip):
                out.extend(self._send_advert(now))  # so the new master surely reasserts
                self._ad_deadline = None
                self._set_state(out, BACKUP, "more frequent advertisement received")
                out.extend(self._remove_addresses())
                self._arm_master_down(now)
                self._ucarp_log(
                    out, "warning", "Preferred master advertised: going back to BACKUP state"
                )
            elif ours < theirs or (ours == theirs and their_ip > our_ip):
                out.extend(self._garps())
                self._delayed_arp = _UCARP_DELAYED_ARP
                self._ucarp_log(
                    out,
                    "warning",
                    "Non-preferred master advertising: reasserting control of VIP with "
                    "another gratuitous arp",
                )
        elif self._state == BACKUP:
            if self._preempt and ours < theirs:
                self._master_down(now, out, "preempting a slower master")
                self._ucarp_log(out, "warning", "Putting MASTER down - preemption")
            elif _sort_key_time(self._advbase * self.config.deadratio, self._advskew) < theirs:
                self._master_down(now, out, "master will time out")
                self._ucarp_log(out, "warning", "Putting MASTER DOWN (going to time out)")
            else:
                self._arm_master_down(now)

    def _hmac_ok(self, ch: CarpAdvert) -> bool:
        return any(ch.hmac_ok(self.config.password, addrs) for addrs in self._accept_hash_addrs)

    # ------------------------------------------------------------------ transitions
    def _sc_state(self, now: int, out: list[Action]) -> None:
        """FreeBSD carp_sc_state / OpenBSD carp_carpdev_state: follow the parent's link."""
        factor = self.config.ifdown_demotion_factor
        if not self._link_up:
            self._md_deadline = self._ad_deadline = None
            was_master = self._state == MASTER
            self._set_state(out, INIT, "hardware interface down")
            if was_master:
                out.extend(self._remove_addresses())
            if not self._suppress:
                self._suppress = True
                self._demote(now, out, factor, "interface down")
        else:
            self._set_state(out, INIT, "hardware interface up")
            self._setrun(now, out)
            if self._suppress:
                self._suppress = False
                self._demote(now, out, -factor, "interface up")

    def _setrun(self, now: int, out: list[Action]) -> None:
        """carp_setrun from INIT: BACKUP and arm the master-down timer (if there is an address)."""
        if not (self._running and self._link_up and self.config.vips):
            return
        if self._state == INIT:
            self._set_state(out, BACKUP, "initialization complete")
            self._arm_master_down(now)

    def _master_down(self, now: int, out: list[Action], reason: str) -> None:
        """carp_master_down_locked: BACKUP -> MASTER, advertise and announce the addresses."""
        if self._state != BACKUP:
            return
        self._md_deadline = None
        self._set_state(out, MASTER, reason)
        mac = self.iface.mac if self._flavour == "ucarp" else self._vmac
        for vip in self.config.vips:
            out.append(AddAddress(self.iface.name, vip, mac))
        if self._flavour == "freebsd":
            out.extend(self._send_advert(now))
            out.extend(self._garps())
            out.extend(self._neighbour_adverts())
            # carp_setrun(MASTER) re-arms with the configured skew: the first interval after a
            # takeover ignores the demotion (carp_send_ad_locked's later ones use it)
            self._ad_deadline = now + carp_advert_interval(self._advbase, self._advskew)
        elif self._flavour == "openbsd":
            out.extend(self._send_advert(now))
            out.extend(self._garps())
            self._delayed_arp = _UCARP_DELAYED_ARP
            out.extend(self._neighbour_adverts())
            self._ad_deadline = now + self.advert_interval_ns
        else:
            # ucarp: carp_set_state(MASTER) runs the up-script and sends its GARP first
            out.extend(self._garps())
            out.extend(self._send_advert(now))
            self._delayed_arp = _UCARP_DELAYED_ARP

    def _set_state(self, out: list[Action], new: str, reason: str) -> None:
        old = self._state
        if old == new:
            return
        self._state = new
        out.append(StateChanged(old, new, reason))  # type: ignore[arg-type]
        if self._flavour == "freebsd":
            if self.config.log > 0:
                out.append(
                    Log(
                        "kernel",
                        f"carp: {self.config.vhid}@{self.iface.name}: {old} -> {new} ({reason})",
                        "info",
                    )
                )
        elif self._flavour == "openbsd":
            level = "warning" if INIT in (old, new) else "crit"
            self._openbsd_log(
                out, level, f"{self.config.carp_ifname}: state transition: {old} -> {new}"
            )
        else:
            if new == INIT:
                self._ucarp_log(out, "info", "Switching to state: INIT")
            else:
                self._ucarp_log(out, "warning", f"Switching to state: {new}")

    def _demote(self, now: int, out: list[Action], delta: int, reason: str | None) -> None:
        if self._flavour == "openbsd":
            # group demote counter: never below 0; ifconfig -g carp carpdemote logs nothing,
            # carp_group_demote_adj (carpdev, detach) logs at LOG_ERR
            self._demotion = max(0, self._demotion + delta)
            if reason is not None and reason != "sysctl":
                why = _OPENBSD_DEMOTE_REASON.get(reason, reason)
                self._openbsd_log(
                    out,
                    "err",
                    f"carp: {self.config.carp_ifname} demoted group carp by {delta} to "
                    f"{self._demotion} ({why})",
                )
            if self._state == MASTER and delta > 0:
                out.extend(self._send_advert(now))  # demoted: tell the peers at once
            return
        self._demotion += delta
        if self._flavour == "ucarp":
            return  # ucarp has no demotion sysctl; kept only so a driver can call it blindly
        if reason is not None and self.config.log > 0:
            out.append(Log("kernel", f"carp: demoted by {delta} to {self._demotion} ({reason})"))
        if self._state == MASTER:
            out.extend(self._send_advert(now))  # carp_send_ad_all

    def _openbsd_rerun(self, now: int) -> None:
        """OpenBSD's SIOCSVH ends with carp_setrun_all: the running timer restarts from now."""
        if self._flavour != "openbsd":
            return
        if self._state == BACKUP:
            self._arm_master_down(now)
        elif self._state == MASTER:
            self._ad_deadline = now + self.advert_interval_ns

    def _arm_master_down(self, now: int) -> None:
        self._ad_deadline = None
        self._md_deadline = now + self.master_down_ns
        if self._flavour == "openbsd":
            self._delayed_arp = -1  # carp_setrun(BACKUP) forgets a pending delayed ARP

    # ------------------------------------------------------------------ sending
    def _next_counter(self) -> int:
        if self._flavour == "openbsd":
            return self._replay_cookie()
        if self._init_counter:
            # "this could also be seconds since unix epoch": two arc4random() words
            self._counter = self.rng.getrandbits(64)
        else:
            self._counter = (self._counter + 1) & _MASK64
        return self._counter

    def _replay_cookie(self) -> int:
        if self._cookie is None:
            cookie = 0
            while cookie == 0:  # carp_prepare_ad draws while the cookie is zero
                cookie = self.rng.getrandbits(64)
            self._cookie = cookie
        return self._cookie

    def _src_ip_v4(self) -> str:
        return self.iface.ip or "0.0.0.0"

    def _send_advert(self, now: int, *, bow_out: bool = False) -> list[Action]:
        """One advert per address family on the vhid (carp_send_ad_locked / ucarp carp_send_ad),
        then the delayed-GARP bookkeeping and the next advert deadline."""
        out: list[Action] = []
        cfg = self.config
        if bow_out:
            advbase, advskew = 255, 255
        else:
            advbase, advskew = self._advbase, self.effective_advskew
        tos = _TOS[self._flavour]
        src_mac = ucarp_mac(cfg.vhid) if self._flavour == "ucarp" else self._vmac
        families = []
        if self._v4:
            families.append(False)
        if self._v6 and self._flavour != "ucarp":
            families.append(True)
        for v6 in families:
            ident = 0 if v6 else self.rng.getrandbits(16)
            counter = self._next_counter()
            md = carp_hmac(cfg.password, cfg.vhid, self._send_hash_addrs, counter)
            advert = CarpAdvert(
                vhid=cfg.vhid,
                advskew=advskew,
                advbase=advbase,
                counter=counter,
                md=md,
                demote=self.demote,
            )
            if v6:
                src_ip = self.iface.ip6_ll or "::"
                v6_tos = tos if self._flavour == "freebsd" else 0
                frame = carp_frame(advert, src_mac=src_mac, src_ip=src_ip, tos=v6_tos, ttl=255)
            else:
                frame = self._v4_advert(advert, src_mac, tos, ident)
            out.append(SendFrame(frame, "advert"))
        if self._flavour != "freebsd":
            if self._delayed_arp > 0:
                self._delayed_arp -= 1
            if self._delayed_arp == 0:
                if self._state == MASTER:
                    out.extend(self._garps())
                self._delayed_arp = -1
        if not bow_out:
            self._ad_deadline = now + self.advert_interval_ns
        return out

    def _v4_advert(self, advert: CarpAdvert, src_mac: str, tos: int, ident: int) -> bytes:
        """``carp_frame(advert, ...)`` for IPv4, from a template kept per envelope and timers:
        from one advert to the next only the IP id, the counter and the HMAC change."""
        src_ip = self._src_ip_v4()
        key = (src_mac, src_ip, tos, advert.vhid, advert.advskew, advert.advbase, advert.demote)
        cached = self._v4_template
        if cached is None or cached[0] != key:
            blank = replace(advert, counter=0, md=bytes(20))
            frame = carp_frame(blank, src_mac=src_mac, src_ip=src_ip, tos=tos, df=True, ttl=255)
            cached = self._v4_template = (key, Ipv4Template(frame), blank.encode())
        return cached[1].with_id(ident, carp_body(cached[2], advert.counter, advert.md))

    def _garps(self) -> list[Action]:
        """Gratuitous ARP per IPv4 VIP: FreeBSD/OpenBSD ``arprequest`` (sender = VMAC, target MAC
        zero, Ethernet source the VMAC); ucarp (sender = target = own MAC)."""
        out: list[Action] = []
        for vip in self._v4:
            if self._flavour == "ucarp":
                mac = self.iface.mac
                frame = garp_frame(mac=mac, ip=vip, target_mac=mac)
            else:
                frame = garp_frame(mac=self._vmac, ip=vip, target_mac=ZERO)
            out.append(SendFrame(frame, "garp"))
        return out

    def _neighbour_adverts(self) -> list[Action]:
        """Unsolicited NA per IPv6 VIP to ff02::1 (override flag, TLL = VMAC, not a router)."""
        out: list[Action] = []
        for vip in self._v6:
            frame = unsolicited_na_frame(
                src_mac=self._vmac,
                src_ip=self.iface.ip6_ll or vip,
                target=vip,
                tll_mac=self._vmac,
                router=False,
            )
            out.append(SendFrame(frame, "unsolicited-na"))
        return out

    def _remove_addresses(self) -> list[Action]:
        return [RemoveAddress(self.iface.name, vip) for vip in self.config.vips]

    # ------------------------------------------------------------------ logging and timers
    def _debug(self, out: list[Action], text: str) -> None:
        """FreeBSD CARP_DEBUG: LOG_DEBUG, no "carp:" prefix, only with net.inet.carp.log >= 2."""
        if self.config.log > 1:
            out.append(Log("kernel", text, "debug"))

    def _openbsd_log(self, out: list[Action], level: str, text: str) -> None:
        """OpenBSD CARP_LOG: printed when net.inet.carp.log >= the syslog level number."""
        if self.config.log >= _SYSLOG[level]:
            out.append(Log("kernel", text, level))

    def _ucarp_log(self, out: list[Action], level: str, text: str) -> None:
        out.append(Log("ucarp", f"[{level.upper()}] {text}", level))

    @staticmethod
    def _int_param(name: str, value: object) -> int:
        if isinstance(value, bool):
            return int(value)
        if not isinstance(value, int):
            raise ValueError(f"{name} takes an integer, got {value!r}")
        return value
