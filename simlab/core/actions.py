"""What a protocol instance asks its driver to do.

Every handler of a state machine returns a list of these, in the order the driver must carry
them out. They are plain frozen data so tests can compare them and traces can record them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

State = Literal["INIT", "BACKUP", "MASTER", "FAULT"]


@dataclass(frozen=True, slots=True)
class StateChanged:
    """The instance moved from ``old`` to ``new``; ``reason`` is the implementation's own words."""

    old: State
    new: State
    reason: str


@dataclass(frozen=True, slots=True)
class SendFrame:
    """Transmit an Ethernet frame on the instance's interface.

    ``kind`` says what it is, so a driver or a fault injector can single out, say, the
    gratuitous ARPs without decoding: ``"advert"``, ``"garp"`` (gratuitous ARP) or
    ``"unsolicited-na"`` (IPv6 unsolicited neighbour advertisement).
    """

    frame: bytes
    kind: Literal["advert", "garp", "unsolicited-na"]


@dataclass(frozen=True, slots=True)
class ArmTimer:
    """The next deadline is ``at`` (ns): call ``timer_fired`` then. Replaces any earlier one."""

    at: int


@dataclass(frozen=True, slots=True)
class CancelTimer:
    """The instance has no deadline any more."""


@dataclass(frozen=True, slots=True)
class AddAddress:
    """Configure the service IP ``address`` (``"192.0.2.50/24"``) on ``iface``.

    ``mac`` is the hardware address the host must answer ARP/ND with for it: the virtual MAC
    for CARP and ``use_vmac`` VRRP, the interface's own MAC for keepalived's default.
    """

    iface: str
    address: str
    mac: str


@dataclass(frozen=True, slots=True)
class RemoveAddress:
    """Remove the service IP ``address`` from ``iface``."""

    iface: str
    address: str


@dataclass(frozen=True, slots=True)
class Log:
    """A log line as the real implementation prints it, without the syslog prefix.

    ``source`` is the syslog ident (``"Keepalived_vrrp"``, ``"kernel"``, ``"ucarp"``);
    ``detail`` marks lines keepalived prints only with ``--log-detail`` / ``-D``.
    ``level`` is the syslog level name (``"info"``, ``"warning"``, ``"debug"``...).
    """

    source: str
    text: str
    level: str = "info"
    detail: bool = False


Action = StateChanged | SendFrame | ArmTimer | CancelTimer | AddAddress | RemoveAddress | Log
