"""What every protocol instance shares: event dispatch and the timer rule.

A concrete machine (:class:`~simlab.core.vrrp.VrrpRouter`, :class:`~simlab.core.carp.CarpVhid`)
implements one method per event and keeps as many internal deadlines as it likes; this base
class turns event objects into those calls and, after each, tells the driver about the earliest
deadline only when it changed (``ArmTimer``) or vanished (``CancelTimer``), so a driver keeps
exactly one timer per instance.

It also gives the simulator what its quiescence fast-forward needs (DESIGN.md, "Year scale"):
:attr:`ProtocolMachine.period_ns` (how often the instance acts by itself when nothing happens),
:meth:`ProtocolMachine.snapshot` (its whole state, split into what must repeat exactly, the
absolute deadlines and the counters that advance) and :meth:`ProtocolMachine.fast_forward`
(move the deadlines and counters on by a whole number of periods). The core never decides to
skip: the driver compares two snapshots one period apart and skips only if they match.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from simlab.core.actions import Action, ArmTimer, CancelTimer
from simlab.core.events import (
    Event,
    ForceState,
    FrameReceived,
    LinkChanged,
    SetParameter,
    Shutdown,
    Startup,
    TimerFired,
)

_CONTAINERS = frozenset({list, tuple, dict, set})


def freeze(value: Any) -> Any:
    """A comparable copy of a field: containers become tuples (recursively), anything else is
    kept as is (so an object compares by its own ``==``, identity for plain objects)."""
    cls = value.__class__
    if cls is list or cls is tuple:
        return tuple([freeze(v) if v.__class__ in _CONTAINERS else v for v in value])
    if cls is dict:
        return tuple(
            [(k, freeze(v) if v.__class__ in _CONTAINERS else v) for k, v in value.items()]
        )
    if cls is set:
        return frozenset(value)
    return value


@dataclass(frozen=True)
class Snapshot:
    """A protocol instance's state as the fast-forward compares it.

    ``shape``: every field that must be *equal* one period later (names and values);
    ``times``: the absolute deadlines (ns or None) named by ``_FF_TIMES``, which must all move by
    exactly one period; ``counts``: the counters that advance (name, value, modulus)."""

    shape: tuple
    times: tuple[int | None, ...]
    counts: tuple[tuple[str, int, int], ...]


class ProtocolMachine(ABC):
    """A sans-I/O protocol instance: events in (``now`` in ns), actions out."""

    #: the deadline the driver was last told about (None: no timer armed with the driver)
    _announced: int | None = None

    #: fields holding absolute times (ns or None): shifted by :meth:`fast_forward`
    _FF_TIMES: tuple[str, ...] = ("_announced",)
    #: fields that are caches of other fields (never compared)
    _FF_CACHES: frozenset[str] = frozenset()

    @property
    def steady(self) -> bool:
        """True when no transition is under way: only the periodic advert (MASTER) or the
        master-down timer a live master keeps pushing back (BACKUP) is pending. The driver's
        fast-forward does not even compare snapshots while an instance says False."""
        return True

    @property
    def period_ns(self) -> int | None:
        """How often the instance acts by itself while nothing else happens (a MASTER's advert
        interval), or None when it only reacts (a BACKUP, INIT)."""
        return None

    def _ff_counts(self) -> dict[str, int]:
        """Counters that advance in steady state, with their modulus (field name -> 2**bits)."""
        return {}

    def _ff_ignored(self) -> frozenset[str]:
        """Fields whose present value cannot influence anything before it is overwritten (a
        value heard from the peer and rewritten by every advert; a draw that is redrawn before
        it is read). They are left out of the comparison."""
        return frozenset()

    def snapshot(self) -> Snapshot:
        """This instance's state, for the driver's "is it periodic" test (see module doc)."""
        counts = self._ff_counts()
        skip = self._FF_CACHES | self._ff_ignored() | set(self._FF_TIMES) | counts.keys()
        shape = tuple((k, freeze(v)) for k, v in vars(self).items() if k not in skip)
        times = tuple(getattr(self, name) for name in self._FF_TIMES)
        return Snapshot(
            (shape, tuple(t is None for t in times)),
            times,
            tuple((name, getattr(self, name), mod) for name, mod in counts.items()),
        )

    def fast_forward(self, shift_ns: int, advance: dict[str, int]) -> None:
        """Jump ``shift_ns`` ahead as if the steady periods in between had been run: every
        deadline moves by ``shift_ns`` and counter ``name`` by ``advance[name]`` (mod its
        modulus). Only valid in the state :meth:`snapshot` described as periodic."""
        if isinstance(shift_ns, bool) or not isinstance(shift_ns, int) or shift_ns < 0:
            raise ValueError(f"shift_ns must be an integer >= 0, got {shift_ns!r}")
        for name in self._FF_TIMES:
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, value + shift_ns)
        counts = self._ff_counts()
        for name, delta in advance.items():
            if name not in counts:
                raise ValueError(f"{name} is not a counter of {type(self).__name__}")
            setattr(self, name, (getattr(self, name) + delta) % counts[name])

    @property
    @abstractmethod
    def state(self) -> str: ...

    @property
    @abstractmethod
    def next_deadline(self) -> int | None:
        """The earliest internal deadline (ns), or None (aioquic's ``get_timer`` shape)."""

    @abstractmethod
    def start(self, now: int) -> list[Action]: ...

    @abstractmethod
    def shutdown(self, now: int) -> list[Action]: ...

    @abstractmethod
    def frame_received(self, now: int, frame: bytes) -> list[Action]: ...

    @abstractmethod
    def timer_fired(self, now: int) -> list[Action]: ...

    @abstractmethod
    def link_changed(self, now: int, up: bool) -> list[Action]: ...

    @abstractmethod
    def force_state(self, now: int, state: str) -> list[Action]: ...

    @abstractmethod
    def set_parameter(self, now: int, name: str, value: int) -> list[Action]: ...

    def handle(self, event: Event) -> list[Action]:
        """Dispatch an event object to its method (what replays and property tests use)."""
        match event:
            case Startup(now=now):
                return self.start(now)
            case Shutdown(now=now):
                return self.shutdown(now)
            case FrameReceived(now=now, frame=frame):
                return self.frame_received(now, frame)
            case TimerFired(now=now):
                return self.timer_fired(now)
            case LinkChanged(now=now, up=up):
                return self.link_changed(now, up)
            case ForceState(now=now, state=state):
                return self.force_state(now, state)
            case SetParameter(now=now, name=name, value=value):
                return self.set_parameter(now, name, value)
        raise TypeError(f"not a simlab.core event: {event!r}")

    def _timer_spent(self, now: int) -> None:
        """Call on ``timer_fired``: the driver's timer is used up, so the handler's end
        announces the next deadline again even if it did not move. A driver whose sleep woke
        early (``now`` before the deadline) therefore just re-arms instead of stalling."""
        self._announced = None

    def _finish(self, out: list[Action]) -> list[Action]:
        """End of every handler: append ArmTimer/CancelTimer if the earliest deadline changed."""
        deadline = self.next_deadline
        if deadline != self._announced:
            out.append(ArmTimer(deadline) if deadline is not None else CancelTimer())
            self._announced = deadline
        return out
