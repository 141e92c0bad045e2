"""Reader for ``/etc/sysctl.conf`` files, FreeBSD's and Linux's alike.

Both systems read one ``name=value`` setting per line at boot: FreeBSD through ``rc.d/sysctl``,
Linux through ``sysctl --system`` / ``systemd-sysctl``. The learners' articles put
``net.inet.carp.preempt=1`` in FreeBSD's and ``net.ipv4.ip_nonlocal_bind = 1`` in Linux's, so the
reader accepts the union of the two syntaxes: spaces around ``=``, ``#`` and ``;`` comment lines,
Linux's ``/`` separators (``net/ipv4/ip_forward``) and its leading ``-`` ("ignore if unknown").
It knows no keys: the FreeBSD and Linux readers give meaning to the ones they model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from simlab.config.errors import Diagnostic, DiagnosticSink

__all__ = ["SysctlConf", "SysctlSetting", "parse_sysctl_conf"]

_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-/@]*")
_INT = re.compile(r"-?[0-9]+")


@dataclass(frozen=True)
class SysctlSetting:
    """One ``name=value`` line: the key as the kernel names it (dots), its value, the line, and
    the 1-based columns of the value and of the key."""

    key: str
    value: int | str
    raw: str
    line: int
    column: int
    key_column: int
    optional: bool = False  # Linux "-key = value": a missing key is not an error


@dataclass
class SysctlConf:
    """A sysctl.conf: the final value of each key (later lines win, as at boot) and every line."""

    path: str
    values: dict[str, int | str] = field(default_factory=dict)
    settings: list[SysctlSetting] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def line_of(self, key: str) -> int | None:
        """The line of the setting that gave ``key`` its final value."""
        for setting in reversed(self.settings):
            if setting.key == key:
                return setting.line
        return None

    def setting(self, key: str) -> SysctlSetting | None:
        for setting in reversed(self.settings):
            if setting.key == key:
                return setting
        return None


def parse_sysctl_conf(text: str, *, path: str = "sysctl.conf") -> SysctlConf:
    """Read a sysctl.conf; raise :class:`ConfigError` listing every malformed line."""
    sink = DiagnosticSink()
    conf = read_sysctl(text, path, sink)
    sink.raise_if_errors()
    conf.diagnostics = sink.diagnostics
    return conf


def read_sysctl(
    text: str, path: str, sink: DiagnosticSink, *, quiet_duplicates: frozenset[str] = frozenset()
) -> SysctlConf:
    """Parse into ``sink`` without raising (for readers that combine several files).

    A key set twice is reported as a warning (the later line wins at boot), except the keys in
    ``quiet_duplicates``, whose repetition the caller explains itself.
    """
    if not isinstance(text, str):
        sink.error(path, 0, f"expected the text of {path}, got {type(text).__name__}")
        return SysctlConf(path)
    sink.add_file(path, text)
    conf = SysctlConf(path)
    first_line: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        indent = len(line) - len(line.lstrip())
        optional = stripped.startswith("-")
        body = stripped[1:].lstrip() if optional else stripped
        body_col = indent + 1 + (len(stripped) - len(body))
        if "=" not in body and ":" in body:
            sink.error(
                path,
                number,
                f"{body!r} looks like the output of sysctl(8), not a setting",
                column=body_col,
                width=len(body),
                expected=f"{body.split(':')[0].strip()}={body.split(':', 1)[1].strip()}",
            )
            continue
        if "=" not in body:
            sink.error(
                path,
                number,
                f"{body.split()[0] if body.split() else body!r} is not a setting",
                column=body_col,
                width=len(body),
                expected="name=value",
            )
            continue
        key_text, _, value_text = body.partition("=")
        key = key_text.strip()
        # Both systems allow a trailing comment after the value when a space precedes it.
        value = re.split(r"\s[#;]", value_text, maxsplit=1)[0].strip()
        value_col = body_col + len(key_text) + 1 + (len(value_text) - len(value_text.lstrip()))
        if not key:
            sink.error(path, number, "missing name before '='", column=body_col, expected="a=b")
            continue
        if not _KEY.fullmatch(key):
            sink.error(
                path,
                number,
                f"{key!r} is not a sysctl name",
                column=body_col,
                width=len(key),
                expected="dotted name such as net.inet.carp.preempt",
            )
            continue
        if "/" in key:
            # Linux accepts / as the separator (sysctl(8) "net/ipv4/ip_forward").
            key = key.replace("/", ".")
        if not value:
            sink.error(
                path, number, f"{key} has no value", column=value_col, expected=f"{key}=value"
            )
            continue
        # Very long digit strings stay text: no kernel value is that wide, and int() refuses
        # strings of more than 4300 digits.
        typed: int | str = int(value) if _INT.fullmatch(value) and len(value) <= 40 else value
        if key in first_line and key not in quiet_duplicates:
            sink.warning(
                path,
                number,
                f"{key} is set again (first on line {first_line[key]}); this later value is the "
                "one in force after boot",
                column=body_col,
                width=len(key_text.strip()),
            )
        first_line.setdefault(key, number)
        conf.settings.append(
            SysctlSetting(key, typed, value, number, value_col, body_col, optional=optional)
        )
        conf.values[key] = typed
    return conf
