"""The Linux sysctls a keepalived service-IP setup depends on, read from ``/etc/sysctl.conf``.

The Linux article prepares each server before keepalived runs: ``net.ipv4.ip_nonlocal_bind = 1``
so a service can listen on the service IP while the other node holds it. Two more settings change
what a simulated Linux host does around a failover: ``net.ipv4.ip_forward`` (keepalived sets the
Router flag of its unsolicited neighbour adverts only when forwarding is on) and
``net.ipv4.conf.all.arp_accept`` (whether a gratuitous ARP may *create* a neighbour entry, not only
update one). This module gives those keys meaning on top of the shared sysctl.conf reader and
checks their values, with file:line errors; every other key is kept as written.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from simlab.config.errors import Diagnostic, DiagnosticSink
from simlab.config.sysctl import read_sysctl

__all__ = ["LINUX_SYSCTLS", "LinuxSysctl", "parse_linux_sysctl"]

#: The keys modelled, with the values the kernel accepts and why simlab cares.
LINUX_SYSCTLS: dict[str, tuple[tuple[int, ...], str]] = {
    "net.ipv4.ip_nonlocal_bind": (
        (0, 1),
        "services may bind the service IP before this node holds it",
    ),
    "net.ipv6.ip_nonlocal_bind": ((0, 1), "the same for IPv6 service addresses"),
    "net.ipv4.ip_forward": ((0, 1), "the host routes; keepalived's NAs then carry the R flag"),
    # 2 (create entries only for senders on a local subnet) exists since Linux 6.1.
    "net.ipv4.conf.all.arp_accept": ((0, 1, 2), "gratuitous ARP may create neighbour entries"),
    "net.ipv4.conf.default.arp_accept": ((0, 1, 2), "arp_accept for interfaces created later"),
}


@dataclass
class LinuxSysctl:
    """The modelled settings (kernel defaults when absent) plus every key of the file."""

    path: str
    ip_nonlocal_bind: bool = False
    ipv6_nonlocal_bind: bool = False
    ip_forward: bool = False
    arp_accept: int = 0
    values: dict[str, int | str] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def arp_accept_on(self, iface: str) -> int:
        """Effective arp_accept on ``iface``: the kernel takes the larger of ``all`` and the
        interface's own ``net.ipv4.conf.IFACE.arp_accept``."""
        own = self.values.get(f"net.ipv4.conf.{iface}.arp_accept", 0)
        return max(self.arp_accept, own if isinstance(own, int) else 0)


def parse_linux_sysctl(text: str, *, path: str = "sysctl.conf") -> LinuxSysctl:
    """Read a Linux sysctl.conf; raise :class:`~simlab.config.errors.ConfigError` on bad values
    of the modelled keys, on keys that look like misspellings of them, and on malformed lines."""
    sink = DiagnosticSink()
    result = read_linux_sysctl(text, path, sink)
    sink.raise_if_errors()
    result.diagnostics = sink.diagnostics
    return result


def read_linux_sysctl(text: str, path: str, sink: DiagnosticSink) -> LinuxSysctl:
    conf = read_sysctl(text, path, sink)
    result = LinuxSysctl(path, values=dict(conf.values))
    per_iface_arp = [
        s.key
        for s in conf.settings
        if s.key.startswith("net.ipv4.conf.") and s.key.endswith(".arp_accept")
    ]
    for setting in conf.settings:
        key = setting.key
        allowed = LINUX_SYSCTLS.get(key)
        if allowed is None and key in per_iface_arp and key not in LINUX_SYSCTLS:
            allowed = ((0, 1, 2), "arp_accept of one interface")
        if allowed is None:
            close = difflib.get_close_matches(key, list(LINUX_SYSCTLS), n=1, cutoff=0.9)
            if close:
                # The kernel has no such file under /proc/sys: sysctl reports it and the setting
                # the learner meant is never applied.
                sink.error(
                    path,
                    setting.line,
                    f"unknown sysctl {key!r} (did you mean {close[0]!r}?)",
                    column=setting.key_column,
                    width=len(key),
                )
            continue
        values, _why = allowed
        if not isinstance(setting.value, int) or setting.value not in values:
            sink.error(
                path,
                setting.line,
                f"{key} = {setting.raw} is not valid",
                column=setting.column,
                width=len(setting.raw),
                expected=" or ".join(str(v) for v in values),
            )
            continue
        value = setting.value
        if key == "net.ipv4.ip_nonlocal_bind":
            result.ip_nonlocal_bind = bool(value)
        elif key == "net.ipv6.ip_nonlocal_bind":
            result.ipv6_nonlocal_bind = bool(value)
        elif key == "net.ipv4.ip_forward":
            result.ip_forward = bool(value)
        elif key == "net.ipv4.conf.all.arp_accept":
            result.arp_accept = value
    return result
