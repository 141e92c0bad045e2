"""Log lines as they appear in /var/log/messages or the journal of the real host.

A protocol instance emits :class:`simlab.core.actions.Log` with the implementation's own text; this
adds what syslog adds: the timestamp (``Nov 25 00:00:03``, day padded with a space as BSD syslog
does), the host name, and the ident with a PID for daemons (``Keepalived_vrrp[812]:``) or none
for the kernel (``kernel:``).
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta

from simlab.core.actions import Log

#: simulated time 0 is shown as this wall-clock moment, so runs print the same text every time
EPOCH = datetime(2026, 11, 25, 0, 0, 0, tzinfo=UTC)

_NO_PID = {"kernel"}


def fake_pid(host: str, ident: str) -> int:
    """A stable, plausible PID for ``ident`` on ``host`` (the same host always shows the same)."""
    return 400 + zlib.crc32(f"{host}/{ident}".encode()) % 9000


def syslog_timestamp(time_ns: int, epoch: datetime = EPOCH) -> str:
    moment = epoch + timedelta(microseconds=time_ns // 1000)
    return f"{moment:%b} {moment.day:2d} {moment:%H:%M:%S}"


def syslog_line(time_ns: int, host: str, log: Log, epoch: datetime = EPOCH) -> str:
    """``Nov 25 00:00:03 server1 Keepalived_vrrp[812]: (VI_1) Entering MASTER STATE``"""
    ident = log.source if log.source in _NO_PID else f"{log.source}[{fake_pid(host, log.source)}]"
    return f"{syslog_timestamp(time_ns, epoch)} {host} {ident}: {log.text}"
