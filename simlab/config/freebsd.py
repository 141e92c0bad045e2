"""Readers for FreeBSD's CARP configuration: rc.conf, sysctl.conf, loader.conf and ifconfig.

The FreeBSD article configures the service IP with one line per node in ``/etc/rc.conf``
(``ifconfig_em0_alias0="inet vhid 1 advskew 100 pass testpass alias 192.168.1.50/32"``), makes a
node preferred with ``net.inet.carp.preempt=1`` in ``/etc/sysctl.conf``, loads the module with
``carp_load="YES"`` in ``/boot/loader.conf``, and then types ``ifconfig`` commands. This module
reads all four the way FreeBSD 10+ does and turns them into :class:`FreeBsdHost`, whose vhids carry
validated :class:`simlab.core.carp_config.CarpConfig` objects.

What FreeBSD does quietly is said out loud as a warning: alias lines after a gap in the numbering
are never read (``rc.d/netif`` stops at the first missing ``_aliasN``), a ``pass`` longer than 19
bytes is cut, ``net.inet.carp.demotion`` lines add up, an alias line without ``inet`` works but
``rc`` complains. The pre-FreeBSD-10 ``carp0`` pseudo-interfaces, which no longer work, are an
error that shows what to write instead. Every problem of every file is reported in one
:class:`~simlab.config.errors.ConfigError`.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from dataclasses import dataclass, field

from simlab.config.errors import ConfigError, Diagnostic, DiagnosticSink
from simlab.config.sysctl import SysctlConf, parse_sysctl_conf, read_sysctl
from simlab.core.carp_config import CarpConfig

__all__ = [
    "CARP_SYSCTLS",
    "AliasLine",
    "FreeBsdHost",
    "IfconfigCommand",
    "InterfaceConf",
    "LoaderConf",
    "RcAssignment",
    "RcConf",
    "VhidConf",
    "freebsd_host",
    "parse_ifconfig_args",
    "parse_loader_conf",
    "parse_rc_conf",
    "parse_sysctl_conf",
]

#: The writable ``net.inet.carp.*`` sysctls of FreeBSD 10-15 and their defaults.
CARP_SYSCTLS: dict[str, int] = {
    "allow": 1,
    "preempt": 0,
    "log": 1,
    "demotion": 0,
    "ifdown_demotion_factor": 240,
    "senderr_demotion_factor": 240,
    "dscp": 56,
}

#: carp's key buffer is 20 bytes (CARP_KEY_LEN) and ifconfig copies with strlcpy: 19 are used.
CARP_PASS_MAX = 19


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class IfconfigCommand:
    """One ``ifconfig`` invocation (or the words of an rc.conf ``ifconfig_*`` value).

    ``address`` carries its prefix (``"192.168.1.50/32"``). ``up`` is ``None`` when neither
    ``up`` nor ``down`` was given; ``state`` is ``"MASTER"`` or ``"BACKUP"``. ``iface`` is
    ``None`` for ``ifconfig`` / ``ifconfig -a`` (show all). Warnings are in ``diagnostics``.
    """

    iface: str | None
    family: str | None = None
    address: str | None = None
    alias: bool = False
    remove: bool = False
    up: bool | None = None
    vhid: int | None = None
    advbase: int | None = None
    advskew: int | None = None
    password: str | None = None
    state: str | None = None
    peer: str | None = None
    peer6: str | None = None
    dhcp: bool = False
    show_keys: bool = False
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def is_carp(self) -> bool:
        return self.vhid is not None

    @property
    def is_show(self) -> bool:
        """Nothing to change: ``ifconfig em0`` or ``ifconfig -a`` only prints."""
        return (
            self.family is None
            and self.address is None
            and self.up is None
            and self.vhid is None
            and not self.remove
            and not self.dhcp
        )


@dataclass(frozen=True)
class InterfaceConf:
    """An interface as rc.conf leaves it: its own address, up or not, and plain aliases."""

    name: str
    ipv4: str | None = None
    up: bool = False
    ipv6: str | None = None
    aliases: tuple[str, ...] = ()
    dhcp: bool = False
    line: int | None = None


@dataclass(frozen=True, eq=False)
class VhidConf:
    """One vhid on one interface, gathered from all its alias lines."""

    iface: str
    vhid: int
    config: CarpConfig
    line: int
    lines: tuple[int, ...] = ()
    state: str | None = None

    @property
    def label(self) -> str:
        """FreeBSD's own name for it in log lines: ``1@em0``."""
        return f"{self.vhid}@{self.iface}"


@dataclass(frozen=True)
class RcAssignment:
    """``name="value"`` in rc.conf or loader.conf, with where the value starts (1-based)."""

    name: str
    value: str
    line: int
    column: int
    multiline: bool = False


@dataclass(frozen=True, eq=False)
class AliasLine:
    """An ``ifconfig_IF_aliasN`` line that FreeBSD reads, parsed."""

    var: str
    iface: str
    number: int
    command: IfconfigCommand
    line: int


@dataclass
class RcConf:
    """rc.conf as FreeBSD's rc scripts read it (alias lines after a gap are left out)."""

    path: str
    variables: dict[str, RcAssignment] = field(default_factory=dict)
    hostname: str | None = None
    defaultrouter: str | None = None
    interfaces: dict[str, InterfaceConf] = field(default_factory=dict)
    aliases: list[AliasLine] = field(default_factory=list)
    kld_list: tuple[str, ...] = ()
    diagnostics: list[Diagnostic] = field(default_factory=list)


@dataclass
class LoaderConf:
    path: str
    variables: dict[str, RcAssignment] = field(default_factory=dict)
    carp_load: bool = False
    diagnostics: list[Diagnostic] = field(default_factory=list)


@dataclass
class FreeBsdHost:
    """A FreeBSD node as its configuration files describe it after boot."""

    hostname: str | None
    interfaces: dict[str, InterfaceConf]
    vhids: list[VhidConf]
    sysctl: dict[str, int | str]
    defaultrouter: str | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    carp_loaded: bool | None = None  # None: loader.conf not given, so unknown
    rc_conf: dict[str, str] = field(default_factory=dict)

    def vhid(self, vhid: int, iface: str | None = None) -> VhidConf:
        for conf in self.vhids:
            if conf.vhid == vhid and (iface is None or conf.iface == iface):
                return conf
        raise KeyError(f"{vhid}@{iface}" if iface else vhid)

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]


# --------------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------------
def parse_rc_conf(text: str, *, path: str = "rc.conf") -> RcConf:
    """Read rc.conf; raise :class:`ConfigError` listing every problem."""
    sink = DiagnosticSink()
    rc = _read_rc_conf(text, path, sink)
    sink.raise_if_errors()
    rc.diagnostics = sink.diagnostics
    return rc


def parse_loader_conf(text: str, *, path: str = "loader.conf") -> LoaderConf:
    """Read /boot/loader.conf (same ``name="value"`` syntax); only ``carp_load`` has meaning."""
    sink = DiagnosticSink()
    loader = _read_loader_conf(text, path, sink)
    sink.raise_if_errors()
    loader.diagnostics = sink.diagnostics
    return loader


def parse_ifconfig_args(args: list[str] | str, *, path: str = "ifconfig") -> IfconfigCommand:
    """Parse an ``ifconfig`` command line (the leading word ``ifconfig`` is optional).

    ``ifconfig em0 vhid 1 advskew 100 pass testpass alias 192.168.1.50/32``,
    ``ifconfig em0 vhid 1 state master``, ``ifconfig em0 down``, ``ifconfig em0``. Raises
    :class:`ConfigError` (rendered as ``ifconfig: ...``, with the command and a caret).
    """
    sink = DiagnosticSink()
    if isinstance(args, str):
        words = args.split()
    elif isinstance(args, list | tuple) and all(isinstance(a, str) for a in args):
        words = list(args)
    else:
        raise ConfigError([Diagnostic(path, 0, None, "ifconfig takes a list of words")])
    if words and words[0] == "ifconfig":
        words = words[1:]
    # Words typed at a prompt: show them joined by single spaces, columns follow from that.
    source = " ".join(["ifconfig", *words])
    columns, col = [], len("ifconfig") + 2
    for word in words:
        columns.append(col)
        col += len(word) + 1
    ctx = _Ctx(sink, path, 0, "", source, "command")
    show_keys = False
    iface: str | None = None
    rest = list(zip(words, columns, strict=True))
    while rest and rest[0][0].startswith("-") and iface is None:
        flag, fcol = rest.pop(0)
        if flag == "-a":
            pass
        elif flag == "-k":
            show_keys = True
        else:
            ctx.error(fcol, len(flag), f"option {flag} is not supported", "-a or -k")
    if rest:
        iface = rest.pop(0)[0]
        if not _looks_like_ifname(iface):
            ctx.error(
                columns[words.index(iface)], len(iface), f"{iface!r} is not an interface name"
            )
    if iface is None and rest:
        ctx.error(rest[0][1], len(rest[0][0]), "an interface name comes first", "ifconfig em0 ...")
    fields = _ifconfig_words(rest, ctx) if iface is not None else {}
    sink.raise_if_errors()
    return IfconfigCommand(
        iface=iface, show_keys=show_keys, diagnostics=tuple(sink.diagnostics), **fields
    )


def freebsd_host(
    rc_conf_text: str,
    sysctl_conf_text: str = "",
    loader_conf_text: str | None = None,
    *,
    rc_conf_path: str = "rc.conf",
    sysctl_conf_path: str = "sysctl.conf",
    loader_conf_path: str = "loader.conf",
) -> FreeBsdHost:
    """Combine rc.conf, sysctl.conf and (optionally) loader.conf into a :class:`FreeBsdHost`.

    Alias lines of one vhid on one interface become one :class:`CarpConfig` holding all their
    addresses; ``net.inet.carp.preempt`` / ``demotion`` / ``log`` / ``ifdown_demotion_factor``
    from sysctl.conf go into every vhid. ``loader_conf_text=None`` means "not given": carp may be
    compiled into the kernel or loaded by hand, so its absence is only checked when given.
    Raises :class:`ConfigError` with the problems of all three files.
    """
    sink = DiagnosticSink()
    rc = _read_rc_conf(rc_conf_text, rc_conf_path, sink)
    sysctl = read_sysctl(
        sysctl_conf_text if isinstance(sysctl_conf_text, str) else "",
        sysctl_conf_path,
        sink,
        quiet_duplicates=frozenset({"net.inet.carp.demotion"}),
    )
    carp_settings = _carp_sysctls(sysctl, sink)
    carp_loaded: bool | None = None
    if loader_conf_text is not None:
        loader = _read_loader_conf(loader_conf_text, loader_conf_path, sink)
        carp_loaded = loader.carp_load or "carp" in rc.kld_list
        if not carp_loaded and rc.aliases and any(a.command.is_carp for a in rc.aliases):
            sink.warning(
                loader_conf_path,
                0,
                'carp_load="YES" is missing: unless carp is compiled into the kernel, the vhid '
                "alias lines fail at boot (ifconfig: SIOCSVH: Protocol not supported)",
                expected='carp_load="YES" in /boot/loader.conf, or kld_list="carp" in rc.conf',
            )
    elif "carp" in rc.kld_list:
        carp_loaded = True
    vhids = _collect_vhids(rc, carp_settings, sink)
    sink.raise_if_errors()
    return FreeBsdHost(
        hostname=rc.hostname,
        interfaces=dict(rc.interfaces),
        vhids=vhids,
        sysctl=dict(sysctl.values),
        defaultrouter=rc.defaultrouter,
        diagnostics=sink.diagnostics,
        carp_loaded=carp_loaded,
        rc_conf={name: a.value for name, a in rc.variables.items()},
    )


# --------------------------------------------------------------------------------------------
# sh assignments (rc.conf, loader.conf)
# --------------------------------------------------------------------------------------------
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _read_assignments(text: str, path: str, sink: DiagnosticSink) -> dict[str, RcAssignment]:
    """``name="value"`` / ``name='value'`` / ``name=value`` lines, as sh reads them."""
    if not isinstance(text, str):
        sink.error(path, 0, f"expected the text of {path}, got {type(text).__name__}")
        return {}
    sink.add_file(path, text)
    lines = text.splitlines()
    out: dict[str, RcAssignment] = {}
    index = 0
    while index < len(lines):
        number = index + 1
        line = lines[index]
        index += 1
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        match = _NAME.match(line, indent)
        if match is None or match.end() >= len(line) or line[match.end()] != "=":
            _bad_assignment(line, number, indent, match, path, sink)
            continue
        name = match.group(0)
        start = match.end() + 1
        quote = line[start] if start < len(line) and line[start] in "\"'" else ""
        multiline = False
        if quote:
            value_chars: list[str] = []
            pos = start + 1
            current = line
            closed = False
            while True:
                while pos < len(current):
                    c = current[pos]
                    if c == quote:
                        closed = True
                        break
                    if (
                        quote == '"'
                        and c == "\\"
                        and pos + 1 < len(current)
                        and current[pos + 1] in '"\\$`'
                    ):
                        pos += 1
                        c = current[pos]
                    value_chars.append(c)
                    pos += 1
                if closed or index >= len(lines):
                    break
                # sh keeps reading the quoted value on the next line.
                value_chars.append("\n")
                current = lines[index]
                index += 1
                pos = 0
                multiline = True
            if not closed:
                sink.error(
                    path,
                    number,
                    f"the {quote} opened here for {name} is never closed",
                    column=start + 1,
                    expected=f"a closing {quote}",
                )
                continue
            value = "".join(value_chars)
            tail = current[pos + 1 :]
        else:
            end = start
            while end < len(line) and not line[end].isspace():
                end += 1
            value = line[start:end]
            tail = line[end:]
            if tail.strip() and not tail.strip().startswith("#"):
                sink.error(
                    path,
                    number,
                    f"{name}: a value with spaces must be quoted (sh would run "
                    f"{tail.split()[0]!r} as a command)",
                    column=start + 1,
                    width=len(line) - start,
                    expected=f'{name}="{line[start:].strip()}"',
                )
                continue
        if tail.strip() and not tail.strip().startswith("#"):
            sink.error(
                path,
                number if not multiline else index,
                f"{name}: unexpected text after the closing quote",
                expected=f'{name}="value"  # comment',
            )
            continue
        if quote != "'" and "$" in value:
            sink.warning(
                path,
                number,
                f"{name}: simlab does not expand sh variables; the value is used as written",
                column=start + 1,
            )
        if name in out:
            sink.warning(
                path,
                number,
                f"{name} is set again (first on line {out[name].line}); as in sh, this later "
                "value wins",
                column=indent + 1,
                width=len(name),
            )
        out[name] = RcAssignment(name, value, number, start + 1 + (1 if quote else 0), multiline)
    return out


def _bad_assignment(
    line: str, number: int, indent: int, match: re.Match[str] | None, path: str, sink
) -> None:
    stripped = line.strip()
    spaced = re.match(r"([A-Za-z_][A-Za-z0-9_]*)\s+=\s*(.*)", stripped)
    if spaced:
        name, value = spaced.groups()
        sink.error(
            path,
            number,
            f"{name}: sh allows no spaces around '='",
            column=indent + len(name) + 1,
            width=len(stripped) - len(name) - len(value),
            expected=f"{name}={value}",
        )
    elif stripped.startswith("export "):
        sink.error(
            path, number, "rc.conf holds plain assignments; drop 'export'", column=indent + 1
        )
    else:
        sink.error(
            path,
            number,
            f"{stripped.split()[0]!r} is not a variable assignment",
            column=indent + 1,
            width=len(stripped.split()[0]),
            expected='name="value"',
        )


# --------------------------------------------------------------------------------------------
# ifconfig words
# --------------------------------------------------------------------------------------------
@dataclass
class _Ctx:
    """Where ifconfig words came from, so a problem is reported against the right text."""

    sink: DiagnosticSink
    path: str
    line: int
    prefix: str  # "ifconfig_em0_alias0: " in rc.conf, "" for a typed command
    source: str | None
    mode: str  # "command", "rc_if", "rc_alias"

    def _report(self, severity: str, column, width, message, expected) -> None:
        report = self.sink.error if severity == "error" else self.sink.warning
        report(
            self.path,
            self.line,
            self.prefix + message,
            column=column,
            width=width,
            expected=expected,
            source=self.source,
        )

    def error(self, column: int | None, width: int, message: str, expected: str | None = None):
        self._report("error", column, width, message, expected)

    def warning(self, column: int | None, width: int, message: str, expected: str | None = None):
        self._report("warning", column, width, message, expected)


_CARP_RANGES = {"vhid": (1, 255), "advbase": (1, 255), "advskew": (0, 254)}
_IFCONFIG_KEYWORDS = (
    "inet",
    "inet6",
    "alias",
    "-alias",
    "delete",
    "up",
    "down",
    "vhid",
    "advbase",
    "advskew",
    "pass",
    "state",
    "netmask",
    "prefixlen",
    "broadcast",
    "peer",
    "peer6",
)
# Real ifconfig keywords that do not touch what simlab models (value-taking ones first).
_IFCONFIG_NOT_MODELLED_WITH_VALUE = (
    "mtu",
    "media",
    "mediaopt",
    "-mediaopt",
    "description",
    "descr",
    "metric",
    "name",
    "ether",
    "lladdr",
    "vlan",
    "vlandev",
    "vlanproto",
    "laggproto",
    "laggport",
    "-laggport",
    "addm",
    "deletem",
    "fib",
    "tunnelfib",
    "pltime",
    "vltime",
)
_IFCONFIG_NOT_MODELLED_FLAGS = (
    "promisc",
    "-promisc",
    "monitor",
    "-monitor",
    "polling",
    "-polling",
    "rxcsum",
    "-rxcsum",
    "txcsum",
    "-txcsum",
    "rxcsum6",
    "-rxcsum6",
    "txcsum6",
    "-txcsum6",
    "tso",
    "-tso",
    "tso4",
    "-tso4",
    "tso6",
    "-tso6",
    "lro",
    "-lro",
    "vlanhwtag",
    "-vlanhwtag",
    "vlanhwtso",
    "-vlanhwtso",
    "vlanmtu",
    "-vlanmtu",
    "arp",
    "-arp",
    "accept_rtadv",
    "-accept_rtadv",
    "auto_linklocal",
    "-auto_linklocal",
    "ifdisabled",
    "-ifdisabled",
    "no_radr",
    "-no_radr",
    "anycast",
    "tentative",
    "-tentative",
    "prefer_source",
    "-prefer_source",
    "NOAUTO",
    "WPA",
    "HOSTAP",
)


_TAKES_VALUE = (
    *_CARP_RANGES,
    "pass",
    "state",
    "netmask",
    "prefixlen",
    "broadcast",
    "peer",
    "peer6",
    *_IFCONFIG_NOT_MODELLED_WITH_VALUE,
)


def _looks_like_ifname(name: str) -> bool:
    return re.fullmatch(r"[A-Za-z][A-Za-z0-9_.]{0,15}", name) is not None


def _prefix_from_netmask(text: str) -> int | None:
    """``255.255.255.0`` or ``0xffffff00`` -> 24; ``None`` if not a contiguous IPv4 mask."""
    try:
        if text.lower().startswith("0x"):
            value = int(text, 16) if len(text) <= 10 else -1
        else:
            value = int(ipaddress.IPv4Address(text))
    except ValueError:
        return None
    if not 0 <= value <= 0xFFFFFFFF:
        return None
    prefix = bin(value).count("1")
    if value != (0xFFFFFFFF << (32 - prefix)) & 0xFFFFFFFF:
        return None
    return prefix


def _classful_prefix(address: ipaddress.IPv4Address) -> int:
    first = int(address) >> 24
    return 8 if first < 128 else 16 if first < 192 else 24


def _ifconfig_words(words: list[tuple[str, int | None]], ctx: _Ctx) -> dict[str, object]:
    """The grammar shared by typed commands and rc.conf values; returns IfconfigCommand fields."""
    out: dict[str, object] = {}
    given: dict[str, int | None] = {}  # keyword -> column, for "requires vhid"
    address_text: str | None = None
    address_col: int | None = None
    netmask_prefix: int | None = None
    i = 0
    while i < len(words):
        word, col = words[i]
        width = len(word)

        def value(i: int = i, word: str = word, col: int | None = col):
            """The word after a keyword that takes one."""
            if i + 1 >= len(words):
                ctx.error(col, len(word), f"{word} needs a value")
                return None
            return words[i + 1]

        if word in ("inet", "inet6"):
            if "family" in out and out["family"] != word:
                ctx.error(col, width, f"{word} after {out['family']}: one family per command")
            out["family"] = word
            i += 1
        elif word in ("alias", "add"):
            out["alias"] = True
            i += 1
        elif word in ("-alias", "delete", "remove"):
            out["remove"] = True
            i += 1
        elif word in ("up", "down"):
            out["up"] = word == "up"
            i += 1
        elif word in _CARP_RANGES:
            got = value()
            if got is None:
                break
            text, vcol = got
            low, high = _CARP_RANGES[word]
            if not re.fullmatch(r"[0-9]{1,9}", text):
                ctx.error(vcol, len(text), f"{word} {text!r} is not a number", f"{low}..{high}")
            elif not low <= int(text) <= high:
                ctx.error(vcol, len(text), f"{word} {text} is out of range", f"{low}..{high}")
            else:
                out[word] = int(text)
            given[word] = col
            i += 2
        elif word == "pass":
            got = value()
            if got is None:
                break
            text, vcol = got
            encoded = text.encode("utf-8")
            if len(encoded) > CARP_PASS_MAX:
                kept = encoded[:CARP_PASS_MAX].decode("utf-8", errors="ignore")
                ctx.warning(
                    vcol,
                    len(text),
                    f"pass is {len(encoded)} bytes; FreeBSD silently keeps the first "
                    f"{CARP_PASS_MAX} ({kept!r}), so use at most {CARP_PASS_MAX} on every node",
                )
                text = kept
            out["password"] = text
            given[word] = col
            i += 2
        elif word == "state":
            got = value()
            if got is None:
                break
            text, vcol = got
            if text.lower() in ("master", "backup"):
                out["state"] = text.upper()
                if ctx.mode != "command":
                    ctx.warning(
                        col,
                        width,
                        "state in rc.conf is applied once at boot and not modelled; type "
                        "'ifconfig IF vhid N state master' at run time instead",
                    )
            else:
                ctx.error(
                    vcol, len(text), f"state {text!r} is not a CARP state", "master or backup"
                )
            given[word] = col
            i += 2
        elif word == "netmask":
            got = value()
            if got is None:
                break
            text, vcol = got
            prefix = _prefix_from_netmask(text)
            if prefix is None:
                ctx.error(
                    vcol,
                    len(text),
                    f"netmask {text!r} is not a netmask",
                    "e.g. 255.255.255.0 or 0xffffff00",
                )
            else:
                netmask_prefix = prefix
            i += 2
        elif word == "prefixlen":
            got = value()
            if got is None:
                break
            text, vcol = got
            if re.fullmatch(r"[0-9]{1,3}", text) and int(text) <= 128:
                netmask_prefix = int(text)
            else:
                ctx.error(vcol, len(text), f"prefixlen {text!r} is not valid", "0..128")
            i += 2
        elif word in ("broadcast", "brd"):
            if value() is None:
                break
            i += 2
        elif word in ("peer", "peer6"):
            got = value()
            if got is None:
                break
            text, vcol = got
            try:
                ipaddress.ip_address(text)
                out[word] = text
                ctx.warning(
                    col,
                    width,
                    f"{word} (unicast CARP, FreeBSD 14+) is kept but not modelled: the simulated "
                    "vhid advertises to the multicast group",
                )
            except ValueError:
                ctx.error(vcol, len(text), f"{word} {text!r} is not an IP address")
            given[word] = col
            i += 2
        elif word in ("DHCP", "SYNCDHCP") and ctx.mode != "command":
            out["dhcp"] = True
            ctx.warning(
                col,
                width,
                f"{word} is not modelled: give the address statically (inet ADDR/PREFIX)",
            )
            i += 1
        elif word in _IFCONFIG_NOT_MODELLED_WITH_VALUE:
            ctx.warning(col, width, f"'{word}' is not modelled and is ignored")
            i += 2
        elif word in _IFCONFIG_NOT_MODELLED_FLAGS:
            ctx.warning(col, width, f"'{word}' is not modelled and is ignored")
            i += 1
        elif (
            address_text is None
            and re.fullmatch(r"[0-9A-Fa-f:.]+(/[0-9]{1,3})?", word)
            and (any(ch.isdigit() for ch in word) or ":" in word)
        ):
            address_text, address_col = word, col
            i += 1
        else:
            candidates = (
                _IFCONFIG_KEYWORDS
                + _IFCONFIG_NOT_MODELLED_WITH_VALUE
                + _IFCONFIG_NOT_MODELLED_FLAGS
            )
            close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
            if address_text is None and not close:
                ctx.error(col, width, f"{word!r} is neither an ifconfig keyword nor an address")
            else:
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                ctx.error(col, width, f"unknown ifconfig keyword '{word}'{hint}")
                if close and close[0] in _TAKES_VALUE:
                    i += 1  # its value, so it is not mistaken for an address or keyword
            i += 1

    if address_text is not None:
        address = _address(address_text, address_col, out, netmask_prefix, ctx)
        if address is not None:
            out["address"] = address
    elif netmask_prefix is not None:
        ctx.error(None, 1, "netmask / prefixlen without an address")

    if "vhid" not in given:
        for keyword in ("advskew", "advbase", "pass", "state", "peer", "peer6"):
            if keyword in given:
                ctx.error(
                    given[keyword],
                    len(keyword),
                    f"{keyword} requires vhid",
                    f"... vhid N {keyword} ...",
                )
    return out


def _address(
    text: str,
    column: int | None,
    out: dict[str, object],
    netmask_prefix: int | None,
    ctx: _Ctx,
) -> str | None:
    family = out.get("family")
    addr_text, slash, prefix_text = text.partition("/")
    try:
        address = ipaddress.ip_address(addr_text)
    except ValueError:
        ctx.error(column, len(text), f"{text!r} is not an IP address", "ADDRESS[/PREFIX]")
        return None
    if address.version == 6 and family != "inet6":
        ctx.error(
            column,
            len(text),
            f"{text} is an IPv6 address: write inet6 before it",
            f"inet6 {text}",
        )
        return None
    if address.version == 4 and family == "inet6":
        ctx.error(column, len(text), f"{text} is an IPv4 address after inet6", f"inet {text}")
        return None
    if slash and netmask_prefix is not None:
        ctx.error(column, len(text), f"{text} has a /prefix and a netmask: give one of them")
        return None
    if slash:
        if not prefix_text.isdigit() or int(prefix_text) > address.max_prefixlen:
            ctx.error(
                column,
                len(text),
                f"/{prefix_text} is not a prefix length for {addr_text}",
                f"0..{address.max_prefixlen}",
            )
            return None
        prefix = int(prefix_text)
    elif netmask_prefix is not None:
        if address.version == 4 and netmask_prefix > 32:
            ctx.error(column, len(text), f"prefixlen {netmask_prefix} is too long for IPv4")
            return None
        prefix = netmask_prefix
    elif address.version == 4:
        assert isinstance(address, ipaddress.IPv4Address)
        prefix = _classful_prefix(address)
        if out.get("remove"):
            # Removing an address needs no mask.
            return f"{address}/{prefix}"
        ctx.warning(
            column,
            len(text),
            f"{text} has no netmask: FreeBSD falls back to the old classful mask /{prefix}; "
            "write /32 for a CARP address or the subnet's prefix for the interface's own",
            f"{text}/32 or {text}/{prefix}",
        )
    else:
        prefix = 64
    if "family" not in out:
        out["family"] = "inet6" if address.version == 6 else "inet"
    return f"{address}/{prefix}"


# --------------------------------------------------------------------------------------------
# rc.conf
# --------------------------------------------------------------------------------------------
_ALIAS_VAR = re.compile(r"ifconfig_(.+)_alias([0-9]+)")
_OTHER_IF_VAR = re.compile(r"ifconfig_(.+)_(ipv6|aliases|name|descr)")
_KNOWN_RC_NAMES = ("hostname", "defaultrouter", "cloned_interfaces", "kld_list")


def _words_of(assignment: RcAssignment) -> list[tuple[str, int | None]]:
    out: list[tuple[str, int | None]] = []
    for match in re.finditer(r"\S+", assignment.value):
        on_first_line = "\n" not in assignment.value[: match.start()]
        out.append((match.group(0), assignment.column + match.start() if on_first_line else None))
    return out


def _read_rc_conf(text: str, path: str, sink: DiagnosticSink) -> RcConf:
    variables = _read_assignments(text, path, sink)
    rc = RcConf(path, variables=variables)
    interfaces: dict[str, dict[str, object]] = {}
    alias_vars: dict[str, dict[int, RcAssignment]] = {}

    def ctx_for(a: RcAssignment, mode: str) -> _Ctx:
        return _Ctx(sink, path, a.line, f"{a.name}: ", None, mode)

    for name, a in variables.items():
        if name == "hostname":
            rc.hostname = a.value
        elif name == "defaultrouter":
            if a.value.upper() == "NO":
                continue
            try:
                rc.defaultrouter = str(ipaddress.IPv4Address(a.value))
            except ValueError:
                sink.error(
                    path,
                    a.line,
                    f"defaultrouter {a.value!r} is not an IPv4 address",
                    column=a.column,
                    width=len(a.value),
                    expected="an IPv4 address, or NO",
                )
        elif name == "kld_list":
            rc.kld_list = tuple(w.removesuffix(".ko") for w in a.value.split())
        elif name == "cloned_interfaces":
            for word, col in _words_of(a):
                if re.fullmatch(r"carp[0-9]+", word):
                    sink.error(
                        path,
                        a.line,
                        f"cloned_interfaces: {word} is a carp pseudo-interface, which FreeBSD 10 "
                        "removed; put the vhid on the parent interface instead",
                        column=col,
                        width=len(word),
                        expected=_pre10_suggestion(None, variables),
                    )
        elif name in ("carp_load", "carp_enable"):
            sink.warning(
                path,
                a.line,
                f'{name} in rc.conf does nothing: the module is loaded by carp_load="YES" in '
                '/boot/loader.conf or kld_list="carp" in rc.conf',
                column=1,
                width=len(name),
            )
        elif name.startswith("ifconfig_"):
            _rc_ifconfig_var(a, variables, interfaces, alias_vars, sink, ctx_for)
        elif name.startswith("ipv4_addrs_"):
            iface = name[len("ipv4_addrs_") :]
            for word, col in _words_of(a):
                addr = _ipv4_addrs_word(word, col, ctx_for(a, "rc_if"))
                if addr is not None:
                    entry = interfaces.setdefault(iface, {})
                    entry.setdefault("ipv4_addrs", []).append(addr)  # type: ignore[union-attr]
                    entry.setdefault("line", a.line)
        else:
            _check_rc_name_typo(a, sink, path)

    for iface, numbers in alias_vars.items():
        expected = 0
        while expected in numbers:
            a = numbers[expected]
            command = _rc_alias_command(a, iface, sink, ctx_for)
            if command is not None:
                rc.aliases.append(AliasLine(a.name, iface, expected, command, a.line))
                entry = interfaces.setdefault(iface, {})
                if command.address is not None and not command.remove:
                    entry["has_address"] = True
                    if not command.is_carp:
                        entry.setdefault("extra", []).append(command.address)  # type: ignore[union-attr]
            expected += 1
        for number in sorted(n for n in numbers if n > expected):
            a = numbers[number]
            sink.warning(
                path,
                a.line,
                f"{a.name} is never read: FreeBSD reads ifconfig_{iface}_alias0, _alias1, ... "
                f"and stops at the first one missing (ifconfig_{iface}_alias{expected} is not set)",
                column=1,
                width=len(a.name),
                expected=f"ifconfig_{iface}_alias{expected}",
            )

    for iface, entry in interfaces.items():
        ipv4_addrs = list(entry.get("ipv4_addrs", []))  # type: ignore[call-overload]
        extra = list(entry.get("extra", []))  # type: ignore[call-overload]
        ipv4 = entry.get("ipv4") or (ipv4_addrs[0] if ipv4_addrs else None)
        up_flag = entry.get("up")
        has_address = bool(ipv4 or entry.get("ipv6") or extra or entry.get("has_address"))
        rc.interfaces[iface] = InterfaceConf(
            name=iface,
            ipv4=ipv4,  # type: ignore[arg-type]
            # Giving an interface an address brings it up, as ifconfig does.
            up=bool(up_flag) if up_flag is not None else has_address or bool(entry.get("dhcp")),
            ipv6=entry.get("ipv6"),  # type: ignore[arg-type]
            aliases=tuple(x for x in ipv4_addrs + extra if x != ipv4),
            dhcp=bool(entry.get("dhcp")),
            line=entry.get("line"),  # type: ignore[arg-type]
        )
    return rc


def _rc_ifconfig_var(a, variables, interfaces, alias_vars, sink, ctx_for) -> None:
    """One ``ifconfig_*`` variable: the interface's own line, an alias, or a pre-10 carpN."""
    name = a.name
    path = ctx_for(a, "rc_if").path
    alias = _ALIAS_VAR.fullmatch(name)
    other = _OTHER_IF_VAR.fullmatch(name)
    if alias:
        iface, number_text = alias.groups()
        if re.fullmatch(r"carp[0-9]+", iface):
            _pre10_error(a, iface, variables, sink, path)
            return
        if number_text != str(int(number_text)):
            sink.warning(
                path,
                a.line,
                f"{name} is never read: rc counts alias0, alias1, ... without leading zeros",
                column=1,
                width=len(name),
                expected=f"ifconfig_{iface}_alias{int(number_text)}",
            )
            return
        if not a.value.strip():
            return  # an empty value counts as unset: rc stops there
        alias_vars.setdefault(iface, {})[int(number_text)] = a
        return
    if other:
        iface, kind = other.groups()
        if kind == "ipv6":
            command = _rc_command(a, _Ctx(sink, path, a.line, f"{name}: ", None, "rc_if"))
            entry = interfaces.setdefault(iface, {})
            if command is not None and command.get("address"):
                entry["ipv6"] = command["address"]
                entry.setdefault("line", a.line)
        elif kind == "aliases":
            sink.warning(
                path,
                a.line,
                f"{name} (the list form of aliases) is not modelled; use ifconfig_{iface}_alias0, "
                "_alias1, ...",
                column=1,
                width=len(name),
            )
        return
    iface = name[len("ifconfig_") :]
    if iface == "DEFAULT":
        return
    typo = _alias_typo(iface)
    if typo is not None:
        sink.error(
            path,
            a.line,
            f"{name} is not a variable FreeBSD reads (did you mean {typo}?)",
            column=1,
            width=len(name),
        )
        return
    if re.fullmatch(r"carp[0-9]+", iface):
        _pre10_error(a, iface, variables, sink, path)
        return
    ctx = _Ctx(sink, path, a.line, f"{name}: ", None, "rc_if")
    fields = _rc_command(a, ctx)
    if fields is None:
        return
    entry = interfaces.setdefault(iface, {})
    entry["line"] = a.line
    if fields.get("vhid") is not None:
        sink.warning(
            path,
            a.line,
            f"{name}: a vhid on the interface's own line is not modelled (and leaves {iface} "
            f"without an address of its own); put the vhid on ifconfig_{iface}_alias0",
            column=1,
            width=len(name),
        )
    if fields.get("dhcp"):
        entry["dhcp"] = True
    if "up" in fields:
        entry["up"] = fields["up"]
    address = fields.get("address")
    if address and fields.get("vhid") is None:
        if ":" in str(address):
            entry["ipv6"] = address
        else:
            entry["ipv4"] = address


def _alias_typo(rest: str) -> str | None:
    """``em0_allias0`` -> ``ifconfig_em0_alias0`` when the tail looks like a misspelt alias."""
    match = re.fullmatch(r"(.+?)_([A-Za-z]+)([0-9]*)", rest)
    if match is None:
        return None
    iface, word, number = match.groups()
    if word in ("alias",) or not re.search(r"[0-9]", iface):
        return None
    if difflib.get_close_matches(word.lower(), ["alias", "aliases"], n=1, cutoff=0.7):
        return f"ifconfig_{iface}_alias{number or 0}"
    return None


def _check_rc_name_typo(a: RcAssignment, sink: DiagnosticSink, path: str) -> None:
    head = a.name.split("_")[0]
    if head != "ifconfig" and difflib.get_close_matches(head, ["ifconfig"], n=1, cutoff=0.8):
        fixed = "ifconfig" + a.name[len(head) :]
        sink.error(
            path,
            a.line,
            f"{a.name} is not a variable FreeBSD reads (did you mean {fixed}?)",
            column=1,
            width=len(a.name),
        )
        return
    close = difflib.get_close_matches(a.name, _KNOWN_RC_NAMES, n=1, cutoff=0.85)
    if close and close[0] != a.name:
        sink.error(
            path,
            a.line,
            f"{a.name} is not a variable FreeBSD reads (did you mean {close[0]}?)",
            column=1,
            width=len(a.name),
        )


def _rc_command(a: RcAssignment, ctx: _Ctx) -> dict[str, object] | None:
    """The ifconfig fields of an rc.conf value, or None if it had errors (already reported)."""
    errors_before = ctx.sink.error_count
    fields = _ifconfig_words(_words_of(a), ctx)
    return None if ctx.sink.error_count > errors_before else fields


def _rc_alias_command(a: RcAssignment, iface: str, sink: DiagnosticSink, ctx_for):
    ctx = ctx_for(a, "rc_alias")
    words = _words_of(a)
    if words and words[0][0] not in ("inet", "inet6", "link", "ether"):
        # rc.d/netif accepts it for IPv4 but prints this warning at every boot.
        sink.warning(
            ctx.path,
            a.line,
            f'{a.name} needs "inet" keyword for an IPv4 address (FreeBSD rc warns and guesses)',
            column=a.column,
            expected=f'{a.name}="inet {a.value.strip()}"',
        )
    fields = _rc_command(a, ctx)
    if fields is None:
        return None
    if fields.get("remove"):
        ctx.error(None, 1, "an alias line adds an address; -alias / delete make no sense here")
        return None
    if fields.get("address") is None and fields.get("vhid") is None:
        ctx.error(None, 1, "no address given", "inet vhid N ... alias ADDRESS/PREFIX")
        return None
    if fields.get("up") is False:
        ctx.warning(None, 1, "'down' on an alias line takes the whole interface down")
    return IfconfigCommand(
        iface=iface, alias=True, **{k: v for k, v in fields.items() if k != "alias"}
    )


def _ipv4_addrs_word(word: str, col: int | None, ctx: _Ctx) -> str | None:
    """One ``ipv4_addrs_IF`` entry: ``ADDR/LEN`` (ranges ``A.B.C.D-E/LEN`` are not modelled)."""
    if "-" in word:
        ctx.warning(col, len(word), f"the address range {word} is not modelled and is ignored")
        return None
    try:
        iface = ipaddress.IPv4Interface(word)
    except ValueError:
        ctx.error(col, len(word), f"{word!r} is not an IPv4 address/prefix", "ADDRESS/PREFIX")
        return None
    if "/" not in word:
        ctx.error(col, len(word), f"{word} needs a /prefix in ipv4_addrs", f"{word}/24")
        return None
    return str(iface)


def _pre10_error(
    a: RcAssignment, iface: str, variables: dict[str, RcAssignment], sink, path: str
) -> None:
    sink.error(
        path,
        a.line,
        f"{a.name}: {iface} is a carp pseudo-interface, which stopped working in FreeBSD 10; "
        "the vhid now goes on the parent interface",
        column=1,
        width=len(a.name),
        expected=_pre10_suggestion(a, variables),
    )


def _pre10_suggestion(a: RcAssignment | None, variables: dict[str, RcAssignment]) -> str:
    """Rewrite ``ifconfig_carp0="vhid 1 pass x 192.168.1.50/24"`` as a FreeBSD 10+ alias line."""
    if a is None:
        a = next((v for k, v in variables.items() if re.fullmatch(r"ifconfig_carp[0-9]+", k)), None)
    words = a.value.split() if a is not None else []
    vhid, rest, address = "1", [], "192.168.1.50/32"
    i = 0
    while i < len(words):
        word = words[i]
        if word in ("vhid", "advskew", "advbase", "pass") and i + 1 < len(words):
            if word == "vhid":
                vhid = words[i + 1]
            else:
                rest += [word, words[i + 1]]
            i += 2
            continue
        if re.fullmatch(r"[0-9.]+(/[0-9]+)?", word):
            address = word
        i += 1
    parent, number = "em0", 0
    try:
        vip = ipaddress.ip_interface(address).ip
    except ValueError:
        vip = None
    for name, assignment in variables.items():
        match = re.fullmatch(r"ifconfig_([a-z]+[0-9]+)", name)
        if not match or match.group(1).startswith("carp"):
            continue
        for word in assignment.value.split():
            try:
                net = ipaddress.ip_interface(word).network
            except ValueError:
                continue
            if vip is not None and vip in net:
                parent = match.group(1)
    while f"ifconfig_{parent}_alias{number}" in variables:
        number += 1
    options = " ".join(["vhid", vhid, *rest])
    return f'ifconfig_{parent}_alias{number}="inet {options} alias {address}"'


# --------------------------------------------------------------------------------------------
# loader.conf and sysctl.conf
# --------------------------------------------------------------------------------------------
def _read_loader_conf(text: str, path: str, sink: DiagnosticSink) -> LoaderConf:
    variables = _read_assignments(text, path, sink)
    loader = LoaderConf(path, variables=variables)
    for name, a in variables.items():
        if name == "carp_load":
            if a.value.upper() == "YES":
                loader.carp_load = True
            elif a.value.upper() != "NO":
                sink.error(
                    path,
                    a.line,
                    f"carp_load={a.value!r}: the loader wants YES or NO",
                    column=a.column,
                    width=len(a.value),
                    expected='carp_load="YES"',
                )
        elif "carp" in name and name.endswith("_load"):
            sink.error(
                path,
                a.line,
                f"{name} loads nothing: the module is carp.ko (did you mean carp_load?)",
                column=1,
                width=len(name),
                expected='carp_load="YES"',
            )
    return loader


def _carp_sysctls(conf: SysctlConf, sink: DiagnosticSink) -> dict[str, object]:
    """The ``net.inet.carp.*`` settings as CarpConfig keyword arguments."""
    path = conf.path
    out: dict[str, object] = {}
    demotion_lines: list[int] = []
    prefix = "net.inet.carp."
    full_names = [prefix + k for k in CARP_SYSCTLS]
    for s in conf.settings:
        if not s.key.startswith(prefix):
            close = difflib.get_close_matches(s.key, full_names, n=1, cutoff=0.85)
            if close:
                sink.error(
                    path,
                    s.line,
                    f"unknown sysctl {s.key} (did you mean {close[0]}?)",
                    column=s.key_column,
                    width=len(s.key),
                )
            continue
        name = s.key[len(prefix) :]
        if name == "stats":
            sink.error(
                path,
                s.line,
                f"{s.key} is read-only (a statistics structure)",
                column=s.key_column,
                width=len(s.key),
            )
            continue
        if name not in CARP_SYSCTLS:
            close = difflib.get_close_matches(name, list(CARP_SYSCTLS), n=1, cutoff=0.6)
            hint = f" (did you mean {prefix}{close[0]}?)" if close else ""
            sink.error(
                path,
                s.line,
                f"unknown sysctl {s.key}{hint}",
                column=s.key_column,
                width=len(s.key),
                expected="one of " + ", ".join(prefix + k for k in CARP_SYSCTLS),
            )
            continue
        value = s.value

        def bad(expected: str, s=s) -> None:
            sink.error(
                path,
                s.line,
                f"{s.key}={s.raw} is not valid",
                column=s.column,
                width=len(s.raw),
                expected=expected,
            )

        if not isinstance(value, int):
            bad("0 or 1" if name in ("allow", "preempt") else "a whole number")
            continue
        if name in ("allow", "preempt"):
            if value not in (0, 1):
                bad("0 or 1")
                continue
            if name == "preempt":
                out["preempt"] = bool(value)
            elif value == 0:
                sink.warning(
                    path,
                    s.line,
                    f"{s.key}=0 (carp ignores all adverts and keeps every vhid in INIT) is not "
                    "modelled",
                    column=s.key_column,
                    width=len(s.key),
                )
        elif name == "demotion":
            # Writing this sysctl adds to the current demotion; rc.d/sysctl writes each line.
            demotion_lines.append(s.line)
            out["demotion"] = int(out.get("demotion", 0)) + value  # type: ignore[call-overload]
            if len(demotion_lines) > 1:
                sink.warning(
                    path,
                    s.line,
                    f"{s.key} is an adjustment: each line adds to it, so after boot the demotion "
                    f"is {out['demotion']} (lines {', '.join(map(str, demotion_lines))})",
                    column=s.key_column,
                    width=len(s.key),
                )
        elif name == "log":
            if value < 0:
                bad("0 or more")
                continue
            out["log"] = value
        elif name == "ifdown_demotion_factor":
            if value < 0:
                bad("0 or more")
                continue
            out["ifdown_demotion_factor"] = value
        elif name == "senderr_demotion_factor":
            if value < 0:
                bad("0 or more")
            elif value != CARP_SYSCTLS[name]:
                sink.warning(
                    path,
                    s.line,
                    f"{s.key} is not modelled (simlab sends no failing adverts)",
                    column=s.key_column,
                    width=len(s.key),
                )
        elif name == "dscp":
            if not 0 <= value <= 63:
                bad("0..63")
            elif value != CARP_SYSCTLS[name]:
                sink.warning(
                    path,
                    s.line,
                    f"{s.key}={value} is not modelled: simulated adverts keep DSCP 56",
                    column=s.key_column,
                    width=len(s.key),
                )
    return out


# --------------------------------------------------------------------------------------------
# vhids
# --------------------------------------------------------------------------------------------
def _collect_vhids(
    rc: RcConf, carp_settings: dict[str, object], sink: DiagnosticSink
) -> list[VhidConf]:
    path = rc.path
    groups: dict[tuple[str, int], list[AliasLine]] = {}
    for alias in rc.aliases:
        if alias.command.vhid is not None:
            groups.setdefault((alias.iface, alias.command.vhid), []).append(alias)
    vhids: list[VhidConf] = []
    owner_of: dict[str, str] = {}
    for (iface, vhid), lines in groups.items():
        settings: dict[str, tuple[object, AliasLine]] = {}
        ok = True
        for alias in lines:
            for attr, keyword in (
                ("advskew", "advskew"),
                ("advbase", "advbase"),
                ("password", "pass"),
                ("state", "state"),
            ):
                value = getattr(alias.command, attr)
                if value is None:
                    continue
                if attr in settings and settings[attr][0] != value:
                    first_value, first = settings[attr]
                    sink.error(
                        path,
                        alias.line,
                        f"{alias.var}: {keyword} {value} disagrees with {keyword} {first_value} "
                        f"given for vhid {vhid} on {iface} by {first.var} (line {first.line}); "
                        "one vhid has one setting",
                        column=1,
                        width=len(alias.var),
                    )
                    ok = False
                settings.setdefault(attr, (value, alias))
        addresses = [a.command.address for a in lines if a.command.address is not None]
        for alias in lines:
            address = alias.command.address
            if address is None:
                continue
            ip = address.split("/")[0]
            label = f"vhid {vhid} on {iface}"
            if ip in owner_of and owner_of[ip] != label:
                sink.error(
                    path,
                    alias.line,
                    f"{alias.var}: {ip} is already the address of {owner_of[ip]}",
                    column=1,
                    width=len(alias.var),
                )
                ok = False
            owner_of.setdefault(ip, label)
            _check_subnet(rc, iface, alias, ip, sink)
        if not addresses:
            sink.warning(
                path,
                lines[0].line,
                f"vhid {vhid} on {iface} has no address: carp keeps it in INIT",
                column=1,
                width=len(lines[0].var),
            )
        if not ok:
            continue
        kwargs: dict[str, object] = dict(carp_settings)
        for attr in ("advskew", "advbase", "password"):
            if attr in settings:
                kwargs[attr] = settings[attr][0]
        try:
            config = CarpConfig(vhid=vhid, vips=tuple(addresses), **kwargs)  # type: ignore[arg-type]
        except ValueError as exc:
            sink.error(
                path, lines[0].line, f"{lines[0].var}: {exc}", column=1, width=len(lines[0].var)
            )
            continue
        state = settings.get("state", (None, None))[0]
        vhids.append(
            VhidConf(
                iface=iface,
                vhid=vhid,
                config=config,
                line=lines[0].line,
                lines=tuple(a.line for a in lines),
                state=state,  # type: ignore[arg-type]
            )
        )
    return vhids


def _check_subnet(rc: RcConf, iface: str, alias: AliasLine, ip: str, sink: DiagnosticSink) -> None:
    conf = rc.interfaces.get(iface)
    own = conf.ipv4 if conf else None
    if ":" in ip:
        own = conf.ipv6 if conf else None
    if own is None:
        if ":" not in ip:
            sink.warning(
                rc.path,
                alias.line,
                f"{alias.var}: {iface} has no IPv4 address of its own (set ifconfig_{iface}="
                '"inet ADDRESS/PREFIX"); each node needs one beside the shared address',
                column=1,
                width=len(alias.var),
            )
        return
    network = ipaddress.ip_interface(own).network
    if ipaddress.ip_address(ip) not in network:
        sink.warning(
            rc.path,
            alias.line,
            f"{alias.var}: {ip} is outside {iface}'s subnet {network}; hosts on that subnet "
            "will not find it by ARP",
            column=1,
            width=len(alias.var),
        )
