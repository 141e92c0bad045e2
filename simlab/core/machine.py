"""What every protocol instance shares: event dispatch and the timer rule.

A concrete machine (:class:`~simlab.core.vrrp.VrrpRouter`, :class:`~simlab.core.carp.CarpVhid`)
implements one method per event and keeps as many internal deadlines as it likes; this base
class turns event objects into those calls and, after each, tells the driver about the earliest
deadline only when it changed (``ArmTimer``) or vanished (``CancelTimer``), so a driver keeps
exactly one timer per instance.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

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


class ProtocolMachine(ABC):
    """A sans-I/O protocol instance: events in (``now`` in ns), actions out."""

    #: the deadline the driver was last told about (None: no timer armed with the driver)
    _announced: int | None = None

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
