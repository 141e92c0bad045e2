"""The driver of one protocol instance on a simulated host.

A :class:`Daemon` owns one :class:`~simlab.core.vrrp.VrrpRouter` (a keepalived
``vrrp_instance``) or :class:`~simlab.core.carp.CarpVhid` (a FreeBSD vhid, or ucarp) and does what
its actions say:

* ``SendFrame`` -> the NIC transmits it (``FrameSent`` with the action's kind), unless the host
  is told to lose its next gratuitous ARPs;
* ``AddAddress`` / ``RemoveAddress`` -> the host's stack (with the MAC to answer ARP with) and an
  ``AddressChange`` record;
* ``StateChanged`` -> ``StateChange`` record (instance ``"VI_1"`` or ``"1@em0"``);
* ``Log`` -> ``LogLine`` record;
* ``ArmTimer`` / ``CancelTimer`` -> its single pending timer (a generation counter makes an
  older timer fire into nothing).

The core objects are created fresh each time the daemon starts (a rebooted host or restarted
daemon is a new process with a clean state); a CARP vhid keeps its random stream across
restarts, so the run stays deterministic. That stream is counter-based
(:meth:`~simlab.sim.world.World.counter_rng`): the k-th draw depends only on the seed and k.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from simlab.core.actions import (
    AddAddress,
    ArmTimer,
    CancelTimer,
    Log,
    RemoveAddress,
    SendFrame,
    StateChanged,
)
from simlab.core.carp import CarpConfig, CarpVhid
from simlab.core.interface import Interface
from simlab.core.vrrp import VrrpConfig, VrrpRouter
from simlab.sim.trace import FaultRecord, LogLine, StateChange

if TYPE_CHECKING:
    from simlab.sim.host import Host, Nic


class Daemon:
    """One protocol instance on ``host``'s NIC ``nic`` (create it with ``host.add_vrrp`` /
    ``host.add_carp``).

    ``instance`` is its name in the trace; ``daemon`` says which program runs it
    (``"keepalived"``, ``"carp"`` for the FreeBSD kernel, ``"ucarp"``, ``"openbsd-carp"``).
    """

    def __init__(
        self,
        host: Host,
        nic: Nic,
        config: VrrpConfig | CarpConfig,
        *,
        daemon: str,
        vip_iface: str | None = None,
    ) -> None:
        self.host = host
        self.world = host.world
        self.nic = nic
        self.config = config
        self.daemon = daemon
        self.protocol = "vrrp" if isinstance(config, VrrpConfig) else "carp"
        self.instance = (
            config.name if isinstance(config, VrrpConfig) else f"{config.vhid}@{nic.name}"
        )
        self.ident = config.vrid if isinstance(config, VrrpConfig) else config.vhid
        self.vip_iface = vip_iface
        # keepalived sends its gratuitous ARPs on the VIP's interface (vrrp_arp.c uses the
        # address's ifp), and not at all on an IFF_NOARP one such as dummy0; CARP and ucarp send
        # them on the instance's own interface.
        self._garp_nic: Nic | None = nic
        if vip_iface is not None and daemon == "keepalived":
            target = host.ifaces[vip_iface]
            self._garp_nic = None if getattr(target, "noarp", False) else target  # type: ignore[assignment]
        # counter-based: the k-th draw (IP id, counter) depends on k only, so a fast-forward
        # can skip steady adverts without drawing their random fields
        self.rng = self.world.counter_rng(f"{host.name}/{self.instance}")
        self.machine: VrrpRouter | CarpVhid | None = None
        self.running = False
        self.crashed = False
        #: addresses this daemon has added and not removed: address -> interface
        self.held: dict[str, str] = {}
        self._gen = 0

    # ------------------------------------------------------------------ reading
    @property
    def state(self) -> str:
        """The instance's state; ``"INIT"`` while not running (crashed, stopped, host off)."""
        if self.running and self.machine is not None:
            return self.machine.state
        return "INIT"

    def __repr__(self) -> str:
        return f"<Daemon {self.daemon} {self.instance} on {self.host.name} {self.state}>"

    # ------------------------------------------------------------------ life cycle
    def _new_machine(self) -> VrrpRouter | CarpVhid:
        nic = self.nic
        iface = Interface(nic.name, nic.mac, nic.ip_text, nic.ip6_ll)
        cfg = self.config
        if isinstance(cfg, VrrpConfig):
            # VIPs on another NIC are announced from that NIC's MAC; on a NOARP device
            # (dummy0) Linux answers for them through the instance's NIC, so its MAC stays.
            target = self._garp_nic
            vip_iface = None
            if self.vip_iface is not None and target is not None and target is not nic:
                vip_iface = Interface(target.name, target.mac, target.ip_text, target.ip6_ll)
            return VrrpRouter(cfg, iface, vip_iface=vip_iface)
        if cfg.flavour == "freebsd":
            sysctls = self.host.sysctls
            cfg = dataclasses.replace(
                cfg,
                preempt=bool(sysctls.get("net.inet.carp.preempt", int(cfg.preempt))),
                demotion=self.host.carp_demotion,
                log=sysctls.get("net.inet.carp.log", cfg.log),
            )
        return CarpVhid(cfg, iface, rng=self.rng)

    def start(self) -> None:
        """Start the instance (host boot, ``daemon-start``/``restart``). No-op if running."""
        if self.running or not self.host.booted:
            return
        self.running = True
        self.crashed = False
        self.machine = m = self._new_machine()
        now = self.world.env._now
        if not self.nic.up:
            m.link_changed(now, False)  # nothing to carry out while not started
        self._call(m.start, now)

    def shutdown(self) -> None:
        """Orderly stop (SIGTERM, vhid removed): the protocol's goodbye, if it has one."""
        if not self.running or self.machine is None:
            return
        self._call(self.machine.shutdown, self.world.env._now)
        self.running = False
        self._gen += 1

    def kill(self, why: str = "power lost") -> None:
        """SIGKILL / power loss: stops with no action at all (nothing sent, nothing logged);
        addresses stay where they are. The trace still gets a ``StateChange`` to INIT with
        ``why`` as the reason, so "who is MASTER at time t" can be read from it."""
        if self.running and self.machine is not None and self.machine.state != "INIT":
            world = self.world
            world.trace.append(
                StateChange(
                    world.env._now, self.host.name, self.instance, self.machine.state, "INIT", why
                )
            )
        self.running = False
        self._gen += 1

    def crash(self) -> None:
        self.kill("killed (SIGKILL)")
        self.crashed = True

    def forget_addresses(self) -> None:
        """The host lost its memory (power off): the addresses are gone, recorded as removed."""
        for address, iface in list(self.held.items()):
            self.host._remove_address(iface, address, self.instance)
        self.held.clear()

    def remove_leftovers(self) -> None:
        """A restarted daemon cleans up the addresses its killed predecessor left configured."""
        self.forget_addresses()

    # ------------------------------------------------------------------ inputs
    def frame(self, frame: bytes) -> None:
        if self.running:
            self._call(self.machine.frame_received, self.world.env._now, frame)  # type: ignore[union-attr]

    def link_changed(self, up: bool) -> None:
        if self.running:
            self._call(self.machine.link_changed, self.world.env._now, up)  # type: ignore[union-attr]

    def force_state(self, state: str) -> None:
        if self.running:
            self._call(self.machine.force_state, self.world.env._now, state)  # type: ignore[union-attr]

    def set_parameter(self, name: str, value: int) -> None:
        if self.running:
            self._call(self.machine.set_parameter, self.world.env._now, name, value)  # type: ignore[union-attr]
        else:
            self._remember(name, value)

    def adjust_demotion(self, delta: int) -> None:
        """Another vhid of this host changed the host-global demotion: follow it silently."""
        m = self.machine
        if self.running and isinstance(m, CarpVhid):
            self._apply(m.adjust_demotion(self.world.env._now, delta, reason=None))

    def _remember(self, name: str, value: int) -> None:
        """A parameter changed while stopped applies from the next start (config change)."""
        cfg = self.config
        if isinstance(cfg, VrrpConfig) and name in ("priority", "preempt"):
            self.config = dataclasses.replace(
                cfg, **{name: value if name == "priority" else bool(value)}
            )
        elif isinstance(cfg, VrrpConfig) and name == "advert_int":
            self.config = dataclasses.replace(cfg, advert_int_cs=value)
        elif isinstance(cfg, CarpConfig) and name in ("advskew", "advbase"):
            self.config = dataclasses.replace(cfg, **{name: value})

    def _timer(self, gen: int) -> None:
        if gen == self._gen and self.running:
            self._call(self.machine.timer_fired, self.world.env._now)  # type: ignore[union-attr]

    # ------------------------------------------------------------------ carrying out actions
    def _call(self, method: Any, *args: Any) -> None:
        m = self.machine
        if isinstance(m, CarpVhid):
            before = m.demotion
            self._apply(method(*args))
            delta = m.demotion - before
            if delta:
                self.host._carp_demoted(self, delta)
        else:
            self._apply(method(*args))

    def _apply(self, actions: list) -> None:
        world = self.world
        host = self.host
        for action in actions:
            kind = type(action)
            if kind is SendFrame:
                if action.kind == "garp":
                    if host._garp_drops:
                        host._garp_drops -= 1
                        world.trace.append(
                            FaultRecord(
                                world.env._now,
                                "garp-lost",
                                host.name,
                                f"a gratuitous ARP of {self.instance} was lost",
                            )
                        )
                    elif self._garp_nic is not None:
                        self._garp_nic.send(action.frame, "garp")
                    continue
                self.nic.send(action.frame, action.kind)
            elif kind is ArmTimer:
                self._gen += 1
                world.call_at(action.at, self._timer, self._gen)
            elif kind is CancelTimer:
                self._gen += 1
            elif kind is StateChanged:
                world.trace.append(
                    StateChange(
                        world.env._now,
                        host.name,
                        self.instance,
                        action.old,
                        action.new,
                        action.reason,
                    )
                )
            elif kind is Log:
                world.trace.append(
                    LogLine(
                        world.env._now,
                        host.name,
                        action.source,
                        action.text,
                        action.level,
                        action.detail,
                    )
                )
            elif kind is AddAddress:
                iface = self.vip_iface or action.iface
                self.held[action.address] = iface
                host._add_address(iface, action.address, action.mac, self.instance)
            elif kind is RemoveAddress:
                iface = self.held.pop(action.address, self.vip_iface or action.iface)
                host._remove_address(iface, action.address, self.instance)
            else:  # pragma: no cover - a new action type in the core
                raise TypeError(f"the simulated host cannot carry out {action!r}")
