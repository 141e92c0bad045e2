"""VRRP v2 (RFC 3768) and v3 (RFC 5798, RFC 9568) as a sans-I/O state machine, keepalived flavour.

:class:`VrrpRouter` is one keepalived ``vrrp_instance`` on one interface. It is fed events
(``start``, ``frame_received``, ``timer_fired``...) carrying ``now`` in integer nanoseconds and
answers with a list of actions (:mod:`simlab.core.actions`). It never reads a clock and never
touches a socket; frames in and out are whole Ethernet frames built and parsed by
:mod:`simlab.wire`.

By default it does what keepalived 2.2/2.4 does where keepalived and the RFCs differ (a FAULT
state on link loss, "forcing new election" adverts from a master hearing a lower priority,
``nopreempt``, ``preempt_delay``, GARP bursts, dropping adverts whose address list differs);
``VrrpConfig(strict_rfc=True)`` switches the differences that have an RFC answer back to the RFC.
``docs/protocols/vrrp-core.md`` lists what is modelled and what is not.

The RFC state table (RFC 3768 §6.4 = RFC 5798/9568 §6.4), with the method that implements each row::

    state   event                        method                                   clause
    ------  ---------------------------  ---------------------------------------  ------
    INIT    Startup, priority 255        _startup -> _become_master               §6.4.1
    INIT    Startup, priority < 255      _startup (BACKUP, Master_Down_Timer)     §6.4.1
    BACKUP  Master_Down_Timer fires      _on_master_down -> _become_master        §6.4.2
    BACKUP  ADVERTISEMENT                _backup_rx                               §6.4.2
    BACKUP  Shutdown                     shutdown -> _stop                        §6.4.2
    MASTER  Adver_Timer fires            _on_adver_timer                          §6.4.3
    MASTER  ADVERTISEMENT                _master_rx (-> _leave_master)            §6.4.3
    MASTER  Shutdown                     shutdown -> _stop -> _leave_master       §6.4.3
    any     link down / up               link_changed -> _enter_fault/_leave_fault  (keepalived)
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from ipaddress import IPv4Address, IPv6Address

from simlab.core.actions import (
    Action,
    AddAddress,
    Log,
    RemoveAddress,
    SendFrame,
    StateChanged,
)
from simlab.core.interface import Interface
from simlab.core.machine import ProtocolMachine
from simlab.core.timing import NS_PER_CS, vrrp_skew_time
from simlab.core.vrrp_config import VrrpConfig
from simlab.wire.addresses import ip_object
from simlab.wire.errors import DecodeError
from simlab.wire.frames import garp_frame, parse_frame, unsolicited_na_frame, vrrp_frame
from simlab.wire.ipv4 import IPv4
from simlab.wire.ipv6 import IPv6
from simlab.wire.mac import BROADCAST, virtual_mac
from simlab.wire.templates import Ipv4Template
from simlab.wire.vrrp import VrrpAdvert, auth_pass_bytes

__all__ = ["VrrpConfig", "VrrpRouter"]

SOURCE = "Keepalived_vrrp"  # syslog ident of keepalived's VRRP child process
PROTO_VRRP = 112
VRRP_TTL = 255
PRIO_STOP = 0  # "the master is leaving"
PRIO_OWNER = 255  # the address owner
ADVERT_TOS = 0xC0  # keepalived: IPTOS_PREC_INTERNETCONTROL

IPAddress = IPv4Address | IPv6Address


class VrrpRouter(ProtocolMachine):
    """One VRRP instance (keepalived ``vrrp_instance``) on ``iface``.

    ``state`` is ``"INIT"`` until :meth:`start`, then ``"BACKUP"``, ``"MASTER"`` or ``"FAULT"``.
    The instance keeps up to three internal deadlines (master down timer, advert timer, delayed
    GARP burst); :attr:`next_deadline` is the earliest and every handler ends with an
    ``ArmTimer``/``CancelTimer`` when it changed.
    """

    def __init__(
        self, config: VrrpConfig, iface: Interface, *, vip_iface: Interface | None = None
    ) -> None:
        """``iface`` carries the adverts; ``vip_iface`` is the device the VIPs live on when it
        is another one (keepalived's ``virtual_ipaddress { ... dev eth0 }`` with
        ``interface eth1``): the addresses are added there and announced from its MAC, as
        keepalived does, and the driver sends the gratuitous ARPs on it."""
        self.config = config
        self.iface = iface
        self.vip_iface = vip_iface or iface
        self._ipv6 = config.family == 6
        if self._ipv6:
            if iface.ip6_ll is None:
                raise ValueError(f"{config.name}: IPv6 instance needs an ip6_ll on {iface.name}")
            self._own_ip: IPAddress = iface.ipv6_link_local
        else:
            if iface.ip is None:
                raise ValueError(f"{config.name}: IPv4 instance needs an ip on {iface.name}")
            self._own_ip = iface.ipv4
        # keepalived sends from the NIC's own MAC unless use_vmac puts the instance on a macvlan
        # carrying the virtual MAC 00:00:5e:00:01:VRID (00:00:5e:00:02:VRID for IPv6).
        self._mac = virtual_mac(config.vrid, ipv6=self._ipv6) if config.use_vmac else iface.mac
        # The MAC the VIPs are answered and announced with: the VIP device's own, or the VMAC.
        self._vip_mac = self._mac if config.use_vmac else self.vip_iface.mac
        self._vips = config.vip_addresses
        self._auth_data = auth_pass_bytes(config.auth_pass) if config.auth_type else bytes(8)

        # Run-time parameters (set_parameter); they survive a shutdown/start cycle.
        self._base_priority = config.priority
        self._priority = config.priority  # keepalived's effective_priority
        self._adver_int_cs = config.advert_int_cs
        self._preempt = config.preempt

        self._state = "INIT"
        self._running = False  # between start() and shutdown()
        self._link_up = True
        self._ip_id = 0  # keepalived: IP ID 1 on the first advert, +1 per advert
        self._advert_template: tuple[tuple, Ipv4Template | None, bytes] | None = None
        self._reset_timers()

    # ------------------------------------------------------------------ fast-forward support
    _FF_TIMES = (
        "_announced",
        "_down_at",
        "_adver_at",
        "_garp_at",
        "_refresh_at",
        "_preempt_until",
    )
    _FF_CACHES = frozenset({"_advert_template"})

    @property
    def period_ns(self) -> int | None:
        """A MASTER's advert interval; with ``garp_master_refresh`` the refresh cycle (the
        refresh rides on the first advert *after* the refresh time, so every refresh_ns //
        interval + 1 adverts). None otherwise."""
        if self._state != "MASTER" or self._adver_at is None:
            return None
        period = self._adver_int_cs * NS_PER_CS
        refresh = self.config.garp_master_refresh_ns
        if self._refresh_at is not None and refresh:
            period *= refresh // period + 1
        return period

    def _ff_counts(self) -> dict[str, int]:
        return {"_ip_id": 0x10000}  # +1 per advert, 16 bits

    # ------------------------------------------------------------------ public properties
    @property
    def state(self) -> str:
        return self._state

    @property
    def effective_priority(self) -> int:
        """The priority this instance advertises and elects with (keepalived's effective one)."""
        return self._priority

    @property
    def master_adver_interval_cs(self) -> int:
        """Master_Adver_Interval: own interval, or in v3 the one learned from the master."""
        return self._master_adver_int_cs

    @property
    def master_down_interval_ns(self) -> int:
        """Master_Down_Interval for the current priority and Master_Adver_Interval."""
        return self._down_interval()

    @property
    def skew_time_ns(self) -> int:
        """Skew_Time for the current priority and Master_Adver_Interval."""
        return self._skew()

    @property
    def next_deadline(self) -> int | None:
        pending = [t for t in (self._down_at, self._adver_at, self._garp_at) if t is not None]
        return min(pending) if pending else None

    @property
    def steady(self) -> bool:
        """True when only the periodic advert (MASTER) or the down timer kept alive by a live
        master's adverts (BACKUP) is pending: no GARP burst, no preempt delay running, no
        takeover under way (a BACKUP that has heard no master, or heard a priority-0 advert, is
        about to take over)."""
        if self._garp_at is not None or self._preempt_until is not None:
            return False
        if self._state == "BACKUP":
            return self._heard_master and self._down_is_full
        return True

    # ------------------------------------------------------------------ events

    def start(self, now: int) -> list[Action]:
        """Startup event (RFC 3768/5798 §6.4.1): the daemon starts the instance."""
        out: list[Action] = []
        if not self._running:
            self._running = True
            self._startup(now, out)
        return self._finish(out)

    def shutdown(self, now: int) -> list[Action]:
        """Shutdown event (§6.4.2/§6.4.3): a MASTER says goodbye with a priority-0 advert."""
        out: list[Action] = []
        if self._running:
            self._running = False
            self._stop(now, out, reason="shutdown")
        return self._finish(out)

    def frame_received(self, now: int, frame: bytes) -> list[Action]:
        out: list[Action] = []
        if self._state in ("BACKUP", "MASTER"):
            checked = self._receive_checks(frame, out)
            if checked is not None:
                advert, src = checked
                if self._state == "BACKUP":
                    self._backup_rx(now, advert, src, out)
                else:
                    self._master_rx(now, advert, src, out)
        return self._finish(out)

    def timer_fired(self, now: int) -> list[Action]:
        """Run every internal timer whose deadline is <= now, earliest first."""
        out: list[Action] = []
        self._timer_spent(now)
        while True:
            timers = self._timers()
            due = [(at, i) for i, (at, _) in enumerate(timers) if at is not None and at <= now]
            if not due:
                break
            _, first = min(due)  # earliest deadline; ties in the order of _timers()
            timers[first][1](now, out)  # every handler moves its deadline past now
        return self._finish(out)

    def _timers(self) -> tuple[tuple[int | None, Callable[[int, list[Action]], None]], ...]:
        return (
            (self._down_at, self._on_master_down),
            (self._adver_at, self._on_adver_timer),
            (self._garp_at, self._on_garp_delay),
        )

    def link_changed(self, now: int, up: bool) -> list[Action]:
        """Carrier/admin state of the interface. keepalived: down -> FAULT, up -> BACKUP."""
        out: list[Action] = []
        if up == self._link_up:
            return self._finish(out)
        self._link_up = up
        if not self._running:
            return self._finish(out)
        if self.config.strict_rfc:
            # The RFCs have no FAULT state: an interface that goes away is a Shutdown of the
            # virtual router on it, and its return a Startup.
            if up:
                self._startup(now, out)
            else:
                self._stop(now, out, reason="interface down")
            return self._finish(out)
        netlink = self._line(
            f"Netlink reports {self.iface.name} {'up' if up else 'down'}", bare=True
        )
        if not up:
            self._enter_fault(now, out, netlink)
        elif self._state == "FAULT":
            self._leave_fault(now, out, netlink)
        else:
            out.append(netlink)
        return self._finish(out)

    def force_state(self, now: int, state: str) -> list[Action]:
        """VRRP has no administrative "state master/backup" (keepalived has no such command)."""
        return [
            Log(
                "simlab",
                f"({self.config.name}) VRRP has no administrative state change; "
                f"ignoring request for {state} (change the priority instead)",
                level="warning",
            )
        ]

    def set_parameter(self, now: int, name: str, value: int) -> list[Action]:
        """Run-time change of ``priority``, ``advert_int`` (centiseconds) or ``preempt``."""
        out: list[Action] = []
        if name == "priority":
            self._set_priority(now, value, out)
        elif name == "advert_int":
            self._set_advert_int(value)
        elif name == "preempt":
            self._preempt = bool(value)
            if self._preempt:
                self._preempt_until = None
        else:
            out.append(
                Log(
                    "simlab",
                    f"({self.config.name}) parameter {name!r} does not apply to VRRP "
                    "(priority, advert_int, preempt)",
                    level="warning",
                )
            )
        return self._finish(out)

    # ------------------------------------------------------------------ transitions
    def _startup(self, now: int, out: list[Action]) -> None:
        """§6.4.1 Initialize. keepalived: an interface already down means FAULT."""
        self._reset_timers()
        if not self._link_up:
            if not self.config.strict_rfc:
                self._change(out, "FAULT", "interface down at startup")
                self._log(out, "Entering FAULT STATE (init)")
            return
        if self._priority == PRIO_OWNER:
            # "If the Priority = 255 (i.e., the router owns the IP address(es) associated with
            # the virtual router) ... transition to the Master state" without waiting.
            self._become_master(now, out, "startup as address owner (priority 255)")
            return
        self._change(out, "BACKUP", "startup")
        self._log(out, "removing VIPs.", detail=True)
        self._log(out, "Entering BACKUP STATE (init)")
        self._arm_down(now, full=True)

    def _stop(self, now: int, out: list[Action], *, reason: str) -> None:
        """Back to INIT: a MASTER sends priority 0 and removes its addresses (§6.4.3)."""
        if self._state == "MASTER":
            self._leave_master(now, out, "INIT", reason, send_prio0=True)
        elif self._state != "INIT":
            self._change(out, "INIT", reason)
        self._reset_timers()

    def _become_master(
        self, now: int, out: list[Action], reason: str, detail_first: str | None = None
    ) -> None:
        """§6.4.1/§6.4.2: send an ADVERTISEMENT, announce the VIPs, arm the Adver_Timer."""
        self._change(out, "MASTER", reason)
        if detail_first:
            self._log(out, detail_first, detail=True)
        self._log(out, "Entering MASTER STATE")
        self._log(out, "setting VIPs.", detail=True)
        garps = self._link_update_frames(out)
        for vip in self.config.vips:
            out.append(AddAddress(self.vip_iface.name, vip, self._vip_mac))
        out.append(self._advert(self._priority))
        out.extend(garps)
        self._down_at = None
        self._preempt_until = None
        # keepalived resets Master_Adver_Interval to its own on becoming master.
        self._master_adver_int_cs = self._adver_int_cs
        self._adver_at = now + self._adver_int_cs * NS_PER_CS
        delay = self.config.garp_master_delay_ns
        self._garp_at = now + delay if delay else None
        refresh = self.config.garp_master_refresh_ns
        self._refresh_at = now + refresh if refresh else None

    def _leave_master(
        self,
        now: int,
        out: list[Action],
        new: str,
        reason: str,
        *,
        send_prio0: bool,
        cause: Log | None = None,
    ) -> None:
        """MASTER -> BACKUP/FAULT/INIT: remove the VIPs, stop advertising; a MASTER that stops
        or fails says goodbye with a priority-0 advert (keepalived vrrp_restore_interface)."""
        self._change(out, new, reason)
        if cause is not None:
            out.append(cause)
        if new != "INIT":
            self._log(out, f"Entering {new} STATE")
        if send_prio0:
            self._log(out, "sent 0 priority", detail=True)
        self._log(out, "removing VIPs.", detail=True)
        for vip in self.config.vips:
            out.append(RemoveAddress(self.vip_iface.name, vip))
        if send_prio0:
            out.append(self._advert(PRIO_STOP))
        self._adver_at = None
        self._garp_at = None
        self._refresh_at = None

    def _enter_fault(self, now: int, out: list[Action], cause: Log) -> None:
        """keepalived: interface down -> FAULT; a MASTER first sends priority 0 (vrrp.c
        vrrp_state_leave_master). Nothing is sent while in FAULT."""
        if self._state == "MASTER":
            self._leave_master(now, out, "FAULT", "interface down", send_prio0=True, cause=cause)
        else:
            self._change(out, "FAULT", "interface down")
            out.append(cause)
            self._log(out, "Entering FAULT STATE")
        self._reset_timers()

    def _leave_fault(self, now: int, out: list[Action], cause: Log) -> None:
        """keepalived vrrp_state_leave_fault/try_up_instance: back to BACKUP with a fresh down
        timer at our own interval (an owner waits one interval + skew, others the full one)."""
        self._change(out, "BACKUP", "interface up")
        out.append(cause)
        self._log(out, "Entering BACKUP STATE")
        self._reset_timers()
        self._master_adver_int_cs = self._adver_int_cs
        if self._priority == PRIO_OWNER:
            self._down_at = now + self._adver_int_cs * NS_PER_CS + self._skew()
            self._down_is_full = True
        else:
            self._arm_down(now, full=True)

    # ------------------------------------------------------------------ timers
    def _on_master_down(self, now: int, out: list[Action]) -> None:
        """§6.4.2: "If the Master_Down_Timer fires" -> Master."""
        self._become_master(
            now, out, "master down timer expired", detail_first="Receive advertisement timeout"
        )

    def _on_adver_timer(self, now: int, out: list[Action]) -> None:
        """§6.4.3: "If the Adver_Timer fires": send an ADVERTISEMENT, reset the timer."""
        out.append(self._advert(self._priority))
        # keepalived checks garp_master_refresh only when it sends an advert (vrrp_state_master_tx)
        if self._refresh_at is not None and now > self._refresh_at:
            out.extend(self._garp_burst(out, repeat=1))
            self._refresh_at = now + self.config.garp_master_refresh_ns
        self._adver_at = now + self._adver_int_cs * NS_PER_CS

    def _on_garp_delay(self, now: int, out: list[Action]) -> None:
        """keepalived vrrp_gratuitous_arp_thread: the second burst, garp_master_delay later."""
        self._garp_at = None
        if self._state == "MASTER":
            out.extend(self._link_update_frames(out))

    # ------------------------------------------------------------------ receiving
    def _receive_checks(
        self, frame: bytes, out: list[Action]
    ) -> tuple[VrrpAdvert, IPAddress] | None:
        """RFC 3768 §7.1 / RFC 5798 §7.1 receive validation, in keepalived's order
        (vrrp.c vrrp_check_packet), with its log lines. Returns None to drop."""
        try:
            parsed = parse_frame(frame)
        except DecodeError:
            return None  # not even a frame: nothing a daemon would see
        ip = parsed.ip
        if self._ipv6:
            if not isinstance(ip, IPv6) or ip.next_header != PROTO_VRRP:
                return None
        elif not isinstance(ip, IPv4) or ip.proto != PROTO_VRRP or not ip.checksum_ok:
            return None  # the kernel drops bad IPv4 header checksums before keepalived
        advert = parsed.payload
        if not isinstance(advert, VrrpAdvert) or advert.vrid != self.config.vrid:
            return None  # other protocol (CARP) or another virtual router: silently ignored
        src = ip_object(ip.src)
        if src == self._own_ip:
            return None  # our own advert looped back
        cfg = self.config
        if parsed.ttl != VRRP_TTL:
            self._log(out, f"invalid TTL/HL. Received {parsed.ttl} and expect {VRRP_TTL}")
            return None
        if advert.version != cfg.version:
            self._log(out, f"wrong version. Received {advert.version} and expect {cfg.version}")
            return None
        if advert.type != 1:
            self._log(out, f"Invalid packet type. {advert.type} and expect 1")
            return None
        if cfg.version == 2:
            if advert.auth_type not in (0, 1, 2):
                self._log(out, f"Invalid auth type: {advert.auth_type}")
                return None
            if advert.auth_type != cfg.auth_type_code:
                self._log(
                    out, f"received a {advert.auth_type} auth, expecting {cfg.auth_type_code}!"
                )
                return None
            if cfg.auth_type_code == 1 and bytes(advert.auth_data) != self._auth_data:
                self._log(out, "received an invalid passwd!")
                return None
            if advert.advert_int * 100 != self._adver_int_cs:
                # RFC 3768 §7.1: MUST drop when Adver Int differs from the configured one.
                self._log(
                    out,
                    f"advertisement interval mismatch with {src} "
                    f"mine={self._adver_int_cs // 100} sec rcv'd={advert.advert_int} sec",
                )
                return None
        elif advert.advert_int == 0:
            # RFC 9568 erratum 8301: an interval of 0 is invalid.
            self._log(out, f"received advert from {src} with advert interval 0 - ignoring")
            return None
        if not advert.checksum_ok:
            self._log(out, f"Invalid VRRPv{cfg.version} checksum")
            return None
        count = len(advert.addresses)
        if count == 0:
            # RFC 9568 erratum 8299: an advert with no address is invalid.
            self._log(out, f"received an unexpected ip number count 0, expected {len(self._vips)}!")
            return None
        # RFC 3768 §7.1: the receiver MUST log an address list mismatch and MUST drop the advert
        # unless the sender is the owner; keepalived always drops.
        owner_excused = cfg.strict_rfc and advert.priority == PRIO_OWNER
        if not self._addresses_match(advert, out) and not owner_excused:
            return None
        return advert, src

    def _addresses_match(self, advert: VrrpAdvert, out: list[Action]) -> bool:
        count = len(advert.addresses)
        if count != len(self._vips):
            self._log(
                out, f"received an unexpected ip number count {count}, expected {len(self._vips)}!"
            )
            return False
        got = set()
        for text in advert.addresses:
            with contextlib.suppress(ValueError):
                got.add(ip_object(text))
        for vip in self._vips:
            if ip_object(vip) not in got:
                self._log(
                    out,
                    f"ip address associated with VRID {self.config.vrid} "
                    f"not present in MASTER advert : {vip}",
                )
                return False
        return True

    def _backup_rx(self, now: int, advert: VrrpAdvert, src: IPAddress, out: list[Action]) -> None:
        """§6.4.2 Backup, "If an ADVERTISEMENT is received" (keepalived vrrp_state_backup)."""
        if advert.priority == PRIO_STOP:
            # "If the Priority in the ADVERTISEMENT is zero, then: Set the Master_Down_Timer to
            # Skew_Time" - the fast takeover after a master's goodbye.
            self._log(out, "Backup received priority 0 advertisement", detail=True)
            self._arm_down(now, full=False)
            return
        lower = advert.priority < self._priority
        delay = self.config.preempt_delay_ns
        tolerated = delay and (self._preempt_until is None or self._preempt_until > now)
        if not self._preempt or not lower or tolerated:
            # "If Preempt_Mode is False, or if the Priority in the ADVERTISEMENT is greater than
            # or equal to the local Priority": accept and reset the Master_Down_Timer.
            # keepalived nopreempt accepts every valid advert; preempt_delay accepts lower ones
            # until the delay runs out.
            if self.config.version == 3:
                self._learn_interval(advert, out, "master")
            self._arm_down(now, full=True)
            self._heard_master = True
            if delay:
                if not lower:
                    if self._preempt_until is not None:
                        self._log(out, "stop preempt delay", detail=True)
                    self._preempt_until = None
                elif self._preempt_until is None:
                    self._log(
                        out,
                        f"start preempt delay ({delay // 1_000_000_000}."
                        f"{delay % 1_000_000_000 // 1000:06d})",
                        detail=True,
                    )
                    self._preempt_until = now + delay
            return
        # "Otherwise: Discard the ADVERTISEMENT" - the down timer keeps running: preemption.
        self._log(
            out, f"received lower priority ({advert.priority}) advert from {src} - discarding"
        )

    def _master_rx(self, now: int, advert: VrrpAdvert, src: IPAddress, out: list[Action]) -> None:
        """§6.4.3 Master, "If an ADVERTISEMENT is received" (keepalived vrrp_state_master_rx)."""
        cfg = self.config
        if advert.priority == PRIO_STOP:
            # "If the Priority in the ADVERTISEMENT is zero, then: Send an ADVERTISEMENT; Reset
            # the Adver_Timer to Advertisement_Interval".
            self._log(out, "Master received priority 0 message", detail=True)
            out.append(self._advert(self._priority))
            self._adver_at = now + self._adver_int_cs * NS_PER_CS
            return
        if (
            advert.priority == self._priority == PRIO_OWNER
            and not cfg.strict_rfc
            and src != self._own_ip
        ):
            # keepalived: two owners is a configuration error; it steps down to 254.
            self._log(
                out,
                "CONFIGURATION ERROR: local instance and a remote instance are both configured "
                "as address owner, please fix - reducing local priority",
            )
            self._priority = self._base_priority = PRIO_OWNER - 1
        # Tie-break (RFC 9568 §6.4.3): primary addresses compared as unsigned integers in
        # network byte order, which is what comparing ipaddress objects does.
        higher = advert.priority > self._priority or (
            advert.priority == self._priority and src > self._own_ip
        )
        if not higher:
            if cfg.strict_rfc:
                # RFC 3768 §6.4.3: "Otherwise: Discard the ADVERTISEMENT". RFC 9568 §6.4.3: a
                # lower priority advert makes the Active Router send an advert at once.
                if cfg.version == 3:
                    out.append(self._advert(self._priority))
                return
            self._log(
                out,
                f"Received advert from {src} with lower priority {advert.priority}, "
                f"ours {self._priority}"
                + ("" if cfg.lower_prio_no_advert else ", forcing new election"),
            )
            if not cfg.lower_prio_no_advert:
                out.append(self._advert(self._priority))
            return
        # "If the Priority in the ADVERTISEMENT is greater than the local Priority, or ... equal
        # ... and the primary IP Address of the sender is greater": Backup.
        if advert.priority > self._priority:
            cause = (
                f"Master received advert from {src} with higher priority {advert.priority}, "
                f"ours {self._priority}"
            )
            reason = f"higher priority {advert.priority} advert from {src}"
        else:
            cause = (
                f"Master received advert from {src} with same priority {advert.priority} "
                "but higher IP address than ours"
            )
            reason = f"same priority {advert.priority} but higher IP address {src}"
        # StateChanged comes first in every action list; the log lines keep keepalived's order.
        self._leave_master(now, out, "BACKUP", reason, send_prio0=False, cause=self._line(cause))
        if cfg.version == 3:
            self._learn_interval(advert, out, "new master")
        self._arm_down(now, full=True)
        self._heard_master = True

    def _learn_interval(self, advert: VrrpAdvert, out: list[Action], who: str) -> None:
        """RFC 5798 §6.4.2/§6.4.3: "Set Master_Adver_Interval to Adver Interval contained in
        the ADVERTISEMENT"; RFC 9568 adds: recompute Skew_Time and the down interval (done by
        computing both from Master_Adver_Interval whenever the timer is armed)."""
        if advert.advert_int != self._master_adver_int_cs:
            self._log(
                out,
                f"advertisement interval updated from {self._master_adver_int_cs * 10}ms "
                f"to {advert.advert_int * 10}ms by {who}",
                detail=True,
            )
            self._master_adver_int_cs = advert.advert_int

    # ------------------------------------------------------------------ run-time parameters
    def _set_priority(self, now: int, value: int, out: list[Action]) -> None:
        """keepalived vrrp_set_effective_priority: an owner's priority never changes; others are
        clamped to 1..254; a pending BACKUP down timer moves by the change in its length."""
        if not isinstance(value, int) or not 1 <= value <= PRIO_OWNER:
            raise ValueError(f"priority must be an integer in 1..255, got {value!r}")
        if self._base_priority == PRIO_OWNER:
            out.append(
                Log(
                    "simlab",
                    f"({self.config.name}) address owner (priority 255): priority unchanged",
                    level="warning",
                )
            )
            return
        new = min(value, PRIO_OWNER - 1)
        if new == self._priority:
            return
        self._log(out, f"Changing effective priority from {self._priority} to {new}")
        old_length = self._down_length()
        self._priority = new
        if self._state == "BACKUP" and self._down_at is not None:
            self._down_at = max(now, self._down_at + self._down_length() - old_length)

    def _set_advert_int(self, value: int) -> None:
        if self.config.version == 2:
            ok = isinstance(value, int) and value % 100 == 0 and 100 <= value <= 25500
        else:
            ok = isinstance(value, int) and 1 <= value <= 4095
        if not ok or isinstance(value, bool):
            raise ValueError(
                f"advert_int (centiseconds) out of range for VRRPv{self.config.version}: {value!r}"
            )
        self._adver_int_cs = value
        if self.config.version == 2 or self._state != "BACKUP" or not self._heard_master:
            self._master_adver_int_cs = value  # a v3 backup keeps the interval of its master

    # ------------------------------------------------------------------ helpers
    def _reset_timers(self) -> None:
        self._down_at: int | None = None
        self._down_is_full = True  # False while the down timer is only Skew_Time (prio 0 seen)
        self._adver_at: int | None = None
        self._garp_at: int | None = None
        self._refresh_at: int | None = None
        self._preempt_until: int | None = None
        self._heard_master = False
        self._master_adver_int_cs = self._adver_int_cs

    def _skew(self) -> int:
        """Skew_Time in ns. v2 (RFC 3768 §6.1): (256 - Priority) / 256 s, whatever the advert
        interval. v3 (RFC 5798/9568 §6.1): ((256 - Priority) * Master_Adver_Interval) / 256.
        Both truncated to the microsecond, as keepalived's VRRP_TIMER_SKEW does."""
        interval_cs = 100 if self.config.version == 2 else self._master_adver_int_cs
        return vrrp_skew_time(self._priority, interval_cs)

    def _down_interval(self) -> int:
        """Master_Down_Interval = down_timer_adverts (3) * Master_Adver_Interval + Skew_Time."""
        return self.config.down_timer_adverts * self._master_adver_int_cs * NS_PER_CS + self._skew()

    def _down_length(self) -> int:
        return self._down_interval() if self._down_is_full else self._skew()

    def _arm_down(self, now: int, *, full: bool) -> None:
        self._down_is_full = full
        self._down_at = now + self._down_length()

    def _advert(self, priority: int) -> SendFrame:
        """An ADVERTISEMENT as keepalived builds it (vrrp.c vrrp_build_pkt)."""
        cfg = self.config
        advert_int = self._adver_int_cs // 100 if cfg.version == 2 else self._adver_int_cs
        ident = 0
        if not self._ipv6:
            self._ip_id = (self._ip_id + 1) & 0xFFFF
            ident = self._ip_id
        # the same advert goes out every interval: build it once per (priority, interval) and
        # from then on only patch the IP id (simlab.wire.templates); the key holds every input
        key = (
            priority,
            advert_int,
            cfg.version,
            cfg.vrid,
            cfg.auth_type_code,
            cfg.v3_ipv4_pseudo_header,
            self._vips,
            self._auth_data,
            self._mac,
            self._own_ip,
        )
        cached = self._advert_template
        if cached is None or cached[0] != key:
            advert = VrrpAdvert(
                version=cfg.version,
                vrid=cfg.vrid,
                priority=priority,
                addresses=self._vips,
                advert_int=advert_int,
                auth_type=cfg.auth_type_code if cfg.version == 2 else 0,
                auth_data=self._auth_data if cfg.version == 2 else bytes(8),
            )
            frame = vrrp_frame(
                advert,
                src_mac=self._mac,
                src_ip=str(self._own_ip),
                tos=ADVERT_TOS,
                ident=0,
                ttl=VRRP_TTL,
                v3_ipv4_pseudo_header=cfg.v3_ipv4_pseudo_header,
            )
            cached = self._advert_template = (
                key,
                None if self._ipv6 else Ipv4Template(frame),
                frame,
            )
        if cached[1] is None:
            return SendFrame(cached[2], "advert")  # IPv6: no IP id, the very same frame
        return SendFrame(cached[1].with_id(ident), "advert")

    def _link_update_frames(self, out: list[Action]) -> list[SendFrame]:
        """keepalived vrrp_send_link_update: garp_master_repeat rounds of one gratuitous ARP
        (IPv6: unsolicited NA) per VIP; the log lines go to ``out`` now, the frames are returned
        so the caller can place them after the advert."""
        what = "Unsolicited Neighbour Adverts" if self._ipv6 else "gratuitous ARPs"
        for vip in self._vips:
            self._log(
                out, f"Sending/queueing {what} on {self.vip_iface.name} for {vip}", detail=True
            )
        return self._garp_burst(out, repeat=self.config.garp_master_repeat)

    def _garp_burst(self, out: list[Action], *, repeat: int) -> list[SendFrame]:
        frames: list[SendFrame] = []
        for _ in range(repeat):
            for vip in self._vips:
                if self._ipv6:
                    self._log(
                        out,
                        f"Sending unsolicited Neighbour Advert on {self.vip_iface.name} for {vip}",
                        detail=True,
                        bare=True,
                    )
                    frame = unsolicited_na_frame(
                        src_mac=self._vip_mac,
                        src_ip=vip,
                        target=vip,
                        tll_mac=self._vip_mac,
                        router=True,
                    )
                    frames.append(SendFrame(frame, "unsolicited-na"))
                else:
                    self._log(
                        out,
                        f"Sending gratuitous ARP on {self.vip_iface.name} for {vip}",
                        detail=True,
                        bare=True,
                    )
                    frame = garp_frame(
                        mac=self._vip_mac,
                        ip=vip,
                        src_mac=self._vip_mac,
                        target_mac=BROADCAST,
                        op=1,
                    )
                    frames.append(SendFrame(frame, "garp"))
        return frames

    def _change(self, out: list[Action], new: str, reason: str) -> None:
        out.append(StateChanged(self._state, new, reason))  # type: ignore[arg-type]
        self._state = new

    def _line(self, text: str, *, detail: bool = False, bare: bool = False) -> Log:
        """A keepalived log line: ``(VI_1) text`` (``bare``: no instance prefix)."""
        return Log(SOURCE, text if bare else f"({self.config.name}) {text}", detail=detail)

    def _log(self, out: list[Action], text: str, *, detail: bool = False, bare: bool = False):
        out.append(self._line(text, detail=detail, bare=bare))
