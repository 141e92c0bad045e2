"""What a driver tells a protocol instance. Every event carries ``now`` in integer nanoseconds.

A state machine has one method per event (``start(now)``, ``frame_received(now, frame)``...)
and a generic :meth:`handle` that dispatches these objects, which is what property tests and
trace replays use.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Startup:
    """The daemon starts (or the vhid is configured, or the host finishes booting)."""

    now: int


@dataclass(frozen=True, slots=True)
class Shutdown:
    """Orderly stop (SIGTERM, ``systemctl stop``, vhid removed): the protocol's goodbye, if any."""

    now: int


@dataclass(frozen=True, slots=True)
class FrameReceived:
    """An Ethernet frame arrived on the instance's interface (any frame; the core filters)."""

    now: int
    frame: bytes


@dataclass(frozen=True, slots=True)
class TimerFired:
    """The deadline last given by ``ArmTimer`` has been reached (``now`` may be later)."""

    now: int


@dataclass(frozen=True, slots=True)
class LinkChanged:
    """The interface's link (carrier or administrative state) went up or down."""

    now: int
    up: bool


@dataclass(frozen=True, slots=True)
class ForceState:
    """Administrator forces a state: ``ifconfig em0 vhid 1 state master|backup``."""

    now: int
    state: str


@dataclass(frozen=True, slots=True)
class SetParameter:
    """Run-time change: ``name`` is ``"priority"``, ``"advskew"``, ``"advbase"``,
    ``"advert_int"``, ``"preempt"`` (sysctl ``net.inet.carp.preempt`` / keepalived ``nopreempt``
    inverse) or ``"demotion"`` (``net.inet.carp.demotion``: the value is *added*, as FreeBSD does).
    """

    now: int
    name: str
    value: int


Event = Startup | Shutdown | FrameReceived | TimerFired | LinkChanged | ForceState | SetParameter
