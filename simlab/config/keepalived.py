"""Reader for keepalived.conf, the file the Linux article has learners write, read as keepalived.

The result is a :class:`KeepalivedConf` whose instances each carry a validated
:class:`simlab.core.vrrp_config.VrrpConfig`, so a simulated Linux host runs exactly what the
learner configured. The reader follows keepalived 2.x where it matters to a learner:

* the syntax: keywords one per line, ``{ }`` blocks (an opening brace may also start the next
  line), ``#`` and ``!`` comments where a word would start, double-quoted strings;
* the defaults and the quiet fix-ups keepalived applies and logs (a VRRPv2 ``advert_int`` of 1.5
  is rounded to 2 s, ``auth_pass`` is cut to 8 characters, ``nopreempt`` is cleared with
  ``state MASTER``, no ``priority`` with ``state MASTER`` means the address owner, 255); each
  becomes a warning saying what keepalived does;
* what keepalived understands but simlab does not model (``unicast_peer``, ``vrrp_strict``,
  sync groups, ...) is parsed and reported as a "not modelled" warning, never silently dropped.

Mistakes become errors with file and line, all of them at once: unknown keywords (with a "did you
mean" from difflib), missing ``virtual_router_id`` or ``interface``, values out of range, values
:class:`VrrpConfig` refuses, unbalanced braces, duplicate instance names or VRIDs. Real keepalived
logs an unknown keyword and carries on; ``strict=False`` does the same (a warning), which is what
the simulated console uses.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from ipaddress import ip_address, ip_interface
from pathlib import Path

from simlab.config.errors import ConfigError, Diagnostic, DiagnosticSink
from simlab.core.timing import NS_PER_S
from simlab.core.vrrp_config import VrrpConfig

__all__ = [
    "KeepalivedConf",
    "KeepalivedInstance",
    "VrrpScript",
    "parse_keepalived_conf",
    "read_keepalived_conf",
]


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VrrpScript:
    """A ``vrrp_script`` block: a health check whose result moves the priority of instances."""

    name: str
    script: str
    interval_ns: int = NS_PER_S
    weight: int = 0
    fall: int = 1
    rise: int = 1
    timeout_ns: int | None = None
    user: str | None = None
    line: int = 0


@dataclass(frozen=True, eq=False)
class KeepalivedInstance:
    """One ``vrrp_instance``: the core config plus what the host around it needs.

    ``track_interfaces`` and ``track_scripts`` are ``(name, weight)`` pairs (a track_script
    without its own weight takes the script's). ``vip_devices`` maps each VIP (as in
    ``config.vips``) to the interface it is added to (``dev``, else ``interface``): the Linux
    article puts the service IP on ``dummy0``. ``notify`` maps ``notify_master`` / ``notify`` /
    ... to the command line. Unicast settings are kept but not modelled.
    """

    name: str
    interface: str
    state: str
    line: int
    config: VrrpConfig
    track_interfaces: tuple[tuple[str, int], ...] = ()
    track_scripts: tuple[tuple[str, int], ...] = ()
    unicast_peers: tuple[str, ...] = ()
    notify: dict[str, str] = field(default_factory=dict)
    vip_devices: dict[str, str] = field(default_factory=dict)
    unicast_src_ip: str | None = None
    excluded_vips: tuple[str, ...] = ()


@dataclass
class KeepalivedConf:
    """A parsed keepalived.conf (only returned when it has no errors; warnings are kept)."""

    path: str
    global_defs: dict[str, object] = field(default_factory=dict)
    scripts: dict[str, VrrpScript] = field(default_factory=dict)
    instances: list[KeepalivedInstance] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def instance(self, name: str) -> KeepalivedInstance:
        for inst in self.instances:
            if inst.name == name:
                return inst
        raise KeyError(name)

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]


def parse_keepalived_conf(
    text: str, *, path: str = "keepalived.conf", strict: bool = True
) -> KeepalivedConf:
    """Parse keepalived.conf text; raise :class:`ConfigError` with every error (and warning)."""
    sink = DiagnosticSink()
    if not isinstance(text, str):
        sink.error(path, 0, f"expected the text of {path}, got {type(text).__name__}")
        sink.raise_if_errors()
    sink.add_file(path, text)
    conf = _Reader(path, sink, strict).read(text)
    sink.raise_if_errors()
    conf.diagnostics = sink.diagnostics
    return conf


def read_keepalived_conf(path: str | Path, *, strict: bool = True) -> KeepalivedConf:
    """Read and parse a keepalived.conf file; an unreadable file is a :class:`ConfigError` too."""
    label = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            [Diagnostic(label, 0, None, f"cannot read the file: {exc}", severity="error")]
        ) from None
    return parse_keepalived_conf(text, path=label, strict=strict)


# --------------------------------------------------------------------------------------------
# Tokens and blocks
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Token:
    text: str
    line: int
    column: int  # 1-based
    quoted: bool = False

    @property
    def width(self) -> int:
        return len(self.text) + (2 if self.quoted else 0)

    def is_brace(self, brace: str) -> bool:
        return self.text == brace and not self.quoted


@dataclass(eq=False)
class _Node:
    """A statement: a keyword, the words after it on its line, and a ``{ }`` block if any."""

    keyword: _Token
    args: list[_Token] = field(default_factory=list)
    block: list[_Node] | None = None
    open_token: _Token | None = None

    @property
    def line(self) -> int:
        return self.keyword.line

    @property
    def label(self) -> str:
        if self.args and self.block is not None:
            return f"{self.keyword.text} {self.args[0].text}"
        return self.keyword.text


def _tokenize_line(line: str, number: int, path: str, sink: DiagnosticSink) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(line)
    while i < n:
        c = line[i]
        if c.isspace():
            i += 1
        elif c in "#!":
            # keepalived treats # and ! as a comment only where a word starts, so a password
            # such as "pa#ss" survives.
            break
        elif c in "{}":
            tokens.append(_Token(c, number, i + 1))
            i += 1
        elif c == '"':
            j, chars = i + 1, []
            while j < n and line[j] != '"':
                if line[j] == "\\" and j + 1 < n and line[j + 1] in '"\\':
                    j += 1
                chars.append(line[j])
                j += 1
            if j >= n:
                sink.error(
                    path,
                    number,
                    "unterminated quoted string",
                    column=i + 1,
                    width=n - i,
                    expected='a closing " on the same line',
                )
            tokens.append(_Token("".join(chars), number, i + 1, quoted=True))
            i = j + 1
        else:
            j = i
            while j < n and not line[j].isspace() and line[j] not in '{}"':
                j += 1
            tokens.append(_Token(line[i:j], number, i + 1))
            i = j
    return tokens


def _parse_blocks(text: str, path: str, sink: DiagnosticSink) -> list[_Node]:
    """Build the statement tree; report unbalanced braces at the line of the unclosed ``{``."""
    root: list[_Node] = []
    # (statements of the open block, its owner, indentation of the owner's line)
    stack: list[tuple[list[_Node], _Node | None, int]] = [(root, None, 0)]
    # Blocks whose "}" sat at a shallower indentation than their opening line: when braces do not
    # balance, the forgotten "}" is almost always in the first of these.
    misindented: list[tuple[_Node, int]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        indent = len(line) - len(line.lstrip())
        current: _Node | None = None
        tokens = _tokenize_line(line, number, path, sink)
        for position, tok in enumerate(tokens):
            body, _owner, _ = stack[-1]
            if tok.is_brace("{"):
                target = current
                if target is None and body and body[-1].block is None:
                    # "vrrp_instance VI_1" then "{" alone on the next line.
                    target = body[-1]
                if target is None or target.block is not None:
                    sink.error(path, number, "'{' without a keyword before it", column=tok.column)
                    target = _Node(tok)
                    body.append(target)
                target.block = []
                target.open_token = tok
                stack.append((target.block, target, indent))
                current = None
            elif tok.is_brace("}"):
                current = None
                if len(stack) == 1:
                    sink.error(
                        path, number, "unexpected '}': no block is open here", column=tok.column
                    )
                    continue
                _, owner, open_indent = stack.pop()
                if position == 0 and indent < open_indent and owner is not None:
                    misindented.append((owner, number))
            elif current is None:
                current = _Node(tok)
                body.append(current)
            else:
                current.args.append(tok)
    unclosed = [owner for _, owner, _ in stack[1:] if owner is not None]
    if unclosed:
        suspects = misindented[: len(unclosed)]
        if suspects:
            for owner, close_line in suspects:
                assert owner.open_token is not None
                sink.error(
                    path,
                    owner.open_token.line,
                    f"the '{{' of {owner.label} is never closed (the '}}' on line {close_line} "
                    "is indented for an outer block)",
                    column=owner.open_token.column,
                    expected="a '}' at the end of the block",
                )
        else:
            for owner in unclosed:
                assert owner.open_token is not None
                sink.error(
                    path,
                    owner.open_token.line,
                    f"the '{{' of {owner.label} is never closed",
                    column=owner.open_token.column,
                    expected="a '}' before the end of the file",
                )
    return root


# --------------------------------------------------------------------------------------------
# Keyword tables (keepalived 2.2-2.4, keepalived/core/global_parser.c and vrrp_parser.c)
# --------------------------------------------------------------------------------------------
_ROOT_MODELLED = ("global_defs", "vrrp_script", "vrrp_instance")
_ROOT_NOT_MODELLED = (
    "vrrp_sync_group",
    "static_ipaddress",
    "static_routes",
    "static_rules",
    "garp_group",
    "vrrp_track_file",
    "track_file",
    "vrrp_track_process",
    "track_process",
    "virtual_server",
    "virtual_server_group",
    "bfd_instance",
    "linkbeat_use_polling",
    "net_namespace",
    "net_namespace_ipvs",
    "namespace_with_ipsets",
    "use_pid_dir",
    "instance",
    "child_wait_time",
)

_GLOBAL_KEPT = (
    "router_id",
    "vrrp_version",
    "vrrp_garp_master_delay",
    "vrrp_garp_master_repeat",
    "vrrp_garp_master_refresh",
    "vrrp_garp_interval",
    "vrrp_gna_interval",
    "vrrp_lower_prio_no_advert",
    "enable_script_security",
    "script_user",
    "notification_email",
    "notification_email_from",
    "smtp_server",
    "smtp_helo_name",
    "smtp_connect_timeout",
    "smtp_alert",
    "smtp_alert_vrrp",
)
_GLOBAL_NOT_MODELLED = (
    "process_names",
    "process_name",
    "vrrp_process_name",
    "checker_process_name",
    "bfd_process_name",
    "startup_script",
    "startup_script_timeout",
    "shutdown_script",
    "shutdown_script_timeout",
    "max_auto_priority",
    "min_auto_priority_delay",
    "smtp_alert_checker",
    "checker_log_all_failures",
    "dynamic_interfaces",
    "no_email_faults",
    "default_interface",
    "disable_local_igmp",
    "lvs_timeouts",
    "lvs_flush",
    "lvs_flush_on_stop",
    "lvs_sync_daemon",
    "vrrp_mcast_group4",
    "vrrp_mcast_group6",
    "vrrp_garp_master_refresh_repeat",
    "vrrp_garp_lower_prio_delay",
    "vrrp_garp_lower_prio_repeat",
    "vrrp_min_garp",
    "vrrp_garp_extra_if",
    "vrrp_higher_prio_send_advert",
    "vrrp_iptables",
    "vrrp_ipsets",
    "nftables",
    "nftables_priority",
    "nftables_ifindex",
    "nftables_counters",
    "vrrp_check_unicast_src",
    "vrrp_skip_check_adv_addr",
    "vrrp_strict",
    "vrrp_priority",
    "vrrp_no_swap",
    "vrrp_rt_priority",
    "vrrp_cpu_affinity",
    "vrrp_rlimit_rttime",
    "notify_fifo",
    "notify_fifo_script",
    "vrrp_notify_fifo",
    "vrrp_notify_fifo_script",
    "vrrp_notify_priority_changes",
    "snmp_socket",
    "enable_traps",
    "enable_snmp_vrrp",
    "enable_snmp_keepalived",
    "enable_snmp_rfc",
    "enable_snmp_rfcv2",
    "enable_snmp_rfcv3",
    "enable_snmp_checker",
    "enable_dbus",
    "dbus_service_name",
    "vrrp_netlink_cmd_rcv_bufs",
    "vrrp_netlink_cmd_rcv_bufs_force",
    "vrrp_netlink_monitor_rcv_bufs",
    "vrrp_netlink_monitor_rcv_bufs_force",
    "vrrp_rx_bufs_policy",
    "vrrp_rx_bufs_multiplier",
    "vrrp_startup_delay",
    "log_unknown_vrids",
    "vmac_prefix",
    "vmac_addr_prefix",
    "umask",
    "random_seed",
    "reload_check_config",
    "reload_time_file",
    "reload_repeat",
    "reload_file",
    "include_check",
    "tmp_config_directory",
    "data_use_instance",
    "linkbeat_use_polling",
)

_SCRIPT_KEPT = ("script", "interval", "timeout", "weight", "rise", "fall", "user")
_SCRIPT_NOT_MODELLED = ("init_fail",)

_INSTANCE_MODELLED = (
    "state",
    "interface",
    "virtual_router_id",
    "priority",
    "advert_int",
    "version",
    "nopreempt",
    "preempt",
    "preempt_delay",
    "authentication",
    "virtual_ipaddress",
    "use_vmac",
    "garp_master_delay",
    "garp_master_repeat",
    "garp_master_refresh",
    "lower_prio_no_advert",
    "down_timer_adverts",
    "v3_checksum_as_v2",
)
_INSTANCE_KEPT = (
    "track_interface",
    "track_script",
    "unicast_src_ip",
    "unicast_peer",
    "notify_master",
    "notify_backup",
    "notify_fault",
    "notify_stop",
    "notify_deleted",
    "notify_master_rx_lower_pri",
    "notify",
    "smtp_alert",
    "debug",
    "virtual_ipaddress_excluded",
    "dont_track_primary",
    "accept",
    "no_accept",
    "strict_mode",
)
_INSTANCE_NOT_MODELLED = (
    "vmac_xmit_base",
    "use_ipvlan",
    "native_ipv6",
    "mcast_src_ip",
    "track_src_ip",
    "track_file",
    "track_process",
    "track_bfd",
    "promote_secondaries",
    "linkbeat_use_polling",
    "virtual_routes",
    "virtual_rules",
    "skip_check_adv_addr",
    "garp_master_refresh_repeat",
    "garp_lower_prio_delay",
    "garp_lower_prio_repeat",
    "higher_prio_send_advert",
    "kernel_rx_buf_size",
    "unicast_fault_no_peer",
    "unicast_ttl",
    "check_unicast_src",
    "old_unicast_checksum",
    "auth_hmac",
)
_NOTIFY_KEYWORDS = (
    "notify_master",
    "notify_backup",
    "notify_fault",
    "notify_stop",
    "notify_deleted",
    "notify_master_rx_lower_pri",
    "notify",
)
_VIP_OPTIONS_WITH_VALUE = ("brd", "broadcast", "dev", "scope", "label", "preferred_lft", "metric")
_VIP_FLAGS = ("no_track", "home", "-nodad", "nodad", "noprefixroute", "autojoin")

_TRUE = ("true", "on", "yes")
_FALSE = ("false", "off", "no")

#: Which VrrpConfig arguments to drop when it rejects one, so the rest can still be checked.
_VRRP_KEYWORD_FIELDS: dict[str, tuple[str, ...]] = {
    "vrrp_version": ("version",),
    "advert_int": ("advert_int_cs",),
    "preempt_delay": ("preempt_delay_ns",),
    "preempt": ("preempt",),
    "authentication": ("auth_type", "auth_pass"),
    "auth_pass": ("auth_type", "auth_pass"),
    "use_vmac": ("use_vmac",),
    "garp_master_delay": ("garp_master_delay_ns",),
    "garp_master_repeat": ("garp_master_repeat",),
    "garp_master_refresh": ("garp_master_refresh_ns",),
    "lower_prio_no_advert": ("lower_prio_no_advert",),
    "v3_ipv4_pseudo_header": ("v3_ipv4_pseudo_header",),
    "state": ("initial_state",),
    "down_timer_adverts": ("down_timer_adverts",),
    "priority": ("priority",),
}
#: VrrpConfig's name for a keyword -> the keepalived keyword whose line to blame.
_VRRP_MESSAGE_KEYWORDS: dict[str, str] = {
    "virtual_router_id": "virtual_router_id",
    "priority": "priority",
    "virtual_ipaddress": "virtual_ipaddress",
    "vrrp_version": "version",
    "advert_int": "advert_int",
    "preempt_delay": "preempt_delay",
    "preempt": "nopreempt",
    "authentication": "authentication",
    "auth_pass": "authentication",
    "use_vmac": "use_vmac",
    "garp_master_delay": "garp_master_delay",
    "garp_master_repeat": "garp_master_repeat",
    "garp_master_refresh": "garp_master_refresh",
    "lower_prio_no_advert": "lower_prio_no_advert",
    "v3_ipv4_pseudo_header": "v3_checksum_as_v2",
    "state": "state",
    "down_timer_adverts": "down_timer_adverts",
}

_REPEATABLE = ("virtual_ipaddress", "virtual_ipaddress_excluded", "unicast_peer")
#: Keywords of keepalived that open a { } block of their own.
_BLOCK_KEYWORDS = ("virtual_routes", "virtual_rules", "track_file", "track_process", "track_bfd")

_INT_TEXT = re.compile(r"[+-]?[0-9]{1,12}")
_DECIMAL_TEXT = re.compile(r"[0-9]{1,9}(?:\.[0-9]*)?|\.[0-9]+")


# --------------------------------------------------------------------------------------------
# The reader
# --------------------------------------------------------------------------------------------
@dataclass
class _Draft:
    """What one vrrp_instance said, before it becomes a VrrpConfig."""

    name: str
    node: _Node
    lines: dict[str, int] = field(default_factory=dict)
    values: dict[str, object] = field(default_factory=dict)
    vips: list[tuple[str, _Token]] = field(default_factory=list)
    vip_devices: dict[str, str] = field(default_factory=dict)
    excluded: list[str] = field(default_factory=list)
    track_interfaces: list[tuple[str, int]] = field(default_factory=list)
    track_scripts: list[tuple[str, int | None, _Token]] = field(default_factory=list)
    unicast_peers: list[str] = field(default_factory=list)
    notify: dict[str, str] = field(default_factory=dict)


_Handler = Callable[["_Reader", "_Node", "_Draft", str], None]


class _Reader:
    def __init__(self, path: str, sink: DiagnosticSink, strict: bool):
        self.path = path
        self.sink = sink
        self.strict = strict

    # -- reporting ------------------------------------------------------------------------
    def error(self, tok: _Token, message: str, expected: str | None = None) -> None:
        self.sink.error(
            self.path, tok.line, message, column=tok.column, width=tok.width, expected=expected
        )

    def warning(self, tok: _Token, message: str, expected: str | None = None) -> None:
        self.sink.warning(
            self.path, tok.line, message, column=tok.column, width=tok.width, expected=expected
        )

    def name_mistake(self, tok: _Token, message: str) -> None:
        """A misspelt keyword or name: an error when strict, else the warning keepalived logs."""
        (self.error if self.strict else self.warning)(tok, message)

    def unknown(self, node: _Node, where: str, candidates: tuple[str, ...], hint: str = "") -> None:
        word = node.keyword.text
        close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
        suggestion = f" (did you mean '{close[0]}'?{hint})" if close else ""
        self.name_mistake(node.keyword, f"unknown keyword '{word}' {where}{suggestion}")

    def not_modelled(self, node: _Node, where: str, why: str = "") -> None:
        reason = f": {why}" if why else ""
        self.warning(
            node.keyword,
            f"'{node.keyword.text}' {where} is understood by keepalived but not modelled by "
            f"simlab{reason}",
        )

    # -- value helpers ---------------------------------------------------------------------
    def no_block(self, node: _Node) -> None:
        if node.block is not None and node.open_token is not None:
            self.error(node.open_token, f"'{node.keyword.text}' does not take a {{ }} block")

    def want_block(self, node: _Node, where: str) -> list[_Node] | None:
        if node.block is None:
            self.error(
                node.keyword,
                f"'{node.keyword.text}' {where} needs a {{ ... }} block",
                expected=f"{node.keyword.text} {{ ... }}",
            )
        return node.block

    def one_value(self, node: _Node, where: str, expected: str | None = None) -> _Token | None:
        self.no_block(node)
        if not node.args:
            self.error(node.keyword, f"'{node.keyword.text}' {where} needs a value", expected)
            return None
        if len(node.args) > 1:
            extra = node.args[1]
            self.warning(
                extra,
                f"words after '{node.keyword.text} {node.args[0].text}' {where} are ignored",
            )
        return node.args[0]

    def int_value(
        self, tok: _Token, what: str, where: str, low: int, high: int, unit: str = ""
    ) -> int | None:
        expected = f"{low}..{high}{unit}"
        if not _INT_TEXT.fullmatch(tok.text):
            self.error(tok, f"{what} {tok.text!r} is not a whole number {where}", expected)
            return None
        value = int(tok.text)
        if not low <= value <= high:
            self.error(tok, f"{what} {value} is out of range {where}", expected)
            return None
        return value

    def decimal_value(self, tok: _Token, what: str, where: str, expected: str) -> Decimal | None:
        if not _DECIMAL_TEXT.fullmatch(tok.text):
            self.error(tok, f"{what} {tok.text!r} is not a number {where}", expected)
            return None
        try:
            return Decimal(tok.text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
            self.error(tok, f"{what} {tok.text!r} is not a number {where}", expected)
            return None

    def bool_flag(self, node: _Node, where: str) -> bool | None:
        """``keyword`` alone is true; ``keyword true|false`` (also on/off, yes/no) as keepalived."""
        self.no_block(node)
        if not node.args:
            return True
        word = node.args[0].text.lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        self.error(
            node.args[0],
            f"'{node.keyword.text}' {where} takes true or false, got {node.args[0].text!r}",
            "true or false",
        )
        return None

    def command(self, node: _Node, where: str) -> str | None:
        """A script command line: one quoted string, or the words after the keyword."""
        self.no_block(node)
        if not node.args:
            self.error(node.keyword, f"'{node.keyword.text}' {where} needs a command")
            return None
        if len(node.args) == 1:
            return node.args[0].text
        return " ".join(f'"{a.text}"' if a.quoted else a.text for a in node.args)

    # -- top level -------------------------------------------------------------------------
    def read(self, text: str) -> KeepalivedConf:
        nodes = _parse_blocks(text, self.path, self.sink)
        conf = KeepalivedConf(self.path)
        instances: list[_Node] = []
        # global_defs first: keepalived applies its defaults only once the whole file is read,
        # so a global_defs placed after the instances still counts.
        for node in nodes:
            word = node.keyword.text
            if node.keyword.quoted:
                self.unknown(node, "at the top level", _ROOT_MODELLED + _ROOT_NOT_MODELLED)
            elif word == "global_defs":
                self.no_args(node, "global_defs")
                for child in self.want_block(node, "") or []:
                    self.global_keyword(child, conf.global_defs)
            elif word == "vrrp_script":
                self.vrrp_script(node, conf)
            elif word == "vrrp_instance":
                instances.append(node)
            elif word == "include":
                self.error(
                    node.keyword,
                    "include is not supported: paste the included file's text into this file",
                )
            elif word[:1] in "$@~":
                self.error(
                    node.keyword,
                    "keepalived's configuration macros ($NAME=..., @host, ~SEQ) are not "
                    "supported: write the values out",
                )
            elif word in _ROOT_NOT_MODELLED:
                why = "each instance runs on its own" if word == "vrrp_sync_group" else ""
                self.not_modelled(node, "at the top level", why)
            else:
                self.unknown(node, "at the top level", _ROOT_MODELLED + _ROOT_NOT_MODELLED)
        seen_names: dict[str, int] = {}
        seen_vrids: dict[tuple[str, int, int], tuple[str, int]] = {}
        for node in instances:
            draft, inst = self.vrrp_instance(node, conf, seen_names)
            if draft is None:
                continue
            # Checked on what the instance says, so a clash is found even if the instance has
            # other errors. keepalived allows one VRID for IPv4 and IPv6 on one interface.
            interface, vrid = draft.values.get("interface"), draft.values.get("vrid")
            family = 6 if any(":" in vip for vip, _ in draft.vips) else 4
            if isinstance(interface, str) and isinstance(vrid, int):
                key = (interface, family, vrid)
                if key in seen_vrids:
                    other, other_line = seen_vrids[key]
                    self.error(
                        self._draft_token(node, "virtual_router_id"),
                        f"virtual_router_id {vrid} on {interface} is already used by "
                        f"vrrp_instance {other} (line {other_line}); VRIDs must differ on one "
                        "interface",
                    )
                    continue
                seen_vrids[key] = (draft.name, node.line)
            if inst is not None:
                conf.instances.append(inst)
        return conf

    def no_args(self, node: _Node, where: str) -> None:
        if node.args:
            self.warning(node.args[0], f"words after '{where}' are ignored")

    def _draft_token(self, node: _Node, keyword: str) -> _Token:
        for child in node.block or []:
            if child.keyword.text == keyword:
                return child.keyword
        return node.keyword

    # -- global_defs -----------------------------------------------------------------------
    def global_keyword(self, node: _Node, out: dict[str, object]) -> None:
        where = "in global_defs"
        word = node.keyword.text
        if word in out and word != "notification_email":
            self.warning(node.keyword, f"'{word}' {where} is given again; this later one is used")
        if word in ("router_id", "notification_email_from", "smtp_helo_name"):
            tok = self.one_value(node, where)
            if tok:
                out[word] = tok.text
        elif word == "vrrp_version":
            tok = self.one_value(node, where, "2 or 3")
            if tok:
                value = self.int_value(tok, "vrrp_version", where, 2, 3)
                if value is not None:
                    out[word] = value
        elif word in ("vrrp_garp_master_delay", "vrrp_garp_master_refresh"):
            tok = self.one_value(node, where, "0..1000 (seconds)")
            if tok:
                value = self.int_value(tok, word, where, 0, 1000, " s")
                if value is not None:
                    out[word] = value
        elif word == "vrrp_garp_master_repeat":
            tok = self.one_value(node, where, "1..255")
            if tok:
                value = self.int_value(tok, word, where, 1, 255)
                if value is not None:
                    out[word] = value
        elif word in ("vrrp_garp_interval", "vrrp_gna_interval"):
            tok = self.one_value(node, where, "seconds, e.g. 0.001")
            if tok:
                value = self.decimal_value(tok, word, where, "seconds, 0..1")
                if value is not None:
                    out[word] = int(value * NS_PER_S)
                    if value:
                        self.warning(
                            tok,
                            f"{word} {tok.text} is not modelled: simlab sends the gratuitous "
                            "ARPs / NAs of one burst together, as with the default 0",
                        )
        elif word in ("vrrp_lower_prio_no_advert", "smtp_alert", "smtp_alert_vrrp"):
            value = self.bool_flag(node, where)
            if value is not None:
                out[word] = value
        elif word == "enable_script_security":
            self.no_block(node)
            out[word] = True
        elif word == "script_user":
            self.no_block(node)
            if not node.args:
                self.error(node.keyword, f"'script_user' {where} needs a user name", "USER [GROUP]")
            else:
                out[word] = " ".join(a.text for a in node.args[:2])
        elif word == "smtp_server":
            self.no_block(node)
            if not node.args:
                self.error(node.keyword, f"'smtp_server' {where} needs a value", "HOST [PORT]")
            else:
                if len(node.args) > 2:
                    self.warning(node.args[2], f"words after the smtp_server port {where} ignored")
                out[word] = " ".join(a.text for a in node.args[:2])
        elif word == "smtp_connect_timeout":
            tok = self.one_value(node, where, "seconds")
            if tok:
                value = self.int_value(tok, word, where, 1, 3600, " s")
                if value is not None:
                    out[word] = value
        elif word == "notification_email":
            addresses = list(out.get(word, []))  # type: ignore[call-overload]
            for child in self.want_block(node, where) or []:
                addresses.append(child.keyword.text)
                addresses.extend(a.text for a in child.args)
            out[word] = addresses
        elif word in _GLOBAL_NOT_MODELLED:
            self.not_modelled(node, where)
        else:
            self.unknown(node, where, _GLOBAL_KEPT + _GLOBAL_NOT_MODELLED)

    # -- vrrp_script -----------------------------------------------------------------------
    def vrrp_script(self, node: _Node, conf: KeepalivedConf) -> None:
        if not node.args:
            self.error(node.keyword, "vrrp_script needs a name", "vrrp_script NAME { ... }")
            return
        name = node.args[0].text
        where = f"in vrrp_script {name}"
        block = self.want_block(node, "")
        if block is None:
            return
        if name in conf.scripts:
            self.error(
                node.args[0],
                f"vrrp_script {name} is defined twice (first on line {conf.scripts[name].line})",
            )
            return
        values: dict[str, object] = {}
        for child in block:
            word = child.keyword.text
            if word in values:
                self.warning(child.keyword, f"'{word}' {where} is given again; this one is used")
            if word == "script":
                command = self.command(child, where)
                if command is not None:
                    values[word] = command
            elif word in ("interval", "timeout"):
                tok = self.one_value(child, where, "seconds")
                if tok:
                    value = self.decimal_value(tok, word, where, "seconds > 0")
                    if value is not None and value <= 0:
                        self.error(tok, f"{word} {tok.text} must be more than 0 s {where}")
                    elif value is not None:
                        values[word] = int(value * NS_PER_S)
            elif word == "weight":
                self.no_block(child)
                if not child.args:
                    self.error(child.keyword, f"'weight' {where} needs a value", "-253..253")
                    continue
                value = self.int_value(child.args[0], "weight", where, -253, 253)
                if value is not None:
                    values[word] = value
                for extra in child.args[1:]:
                    if extra.text == "reverse":
                        self.warning(extra, f"'weight ... reverse' {where} is not modelled")
                    else:
                        self.warning(extra, f"words after the weight {where} are ignored")
            elif word in ("rise", "fall"):
                tok = self.one_value(child, where, "1 or more")
                if tok:
                    value = self.int_value(tok, word, where, 1, 1_000_000)
                    if value is not None:
                        values[word] = value
            elif word == "user":
                self.no_block(child)
                if not child.args:
                    self.error(child.keyword, f"'user' {where} needs a user name", "USER [GROUP]")
                else:
                    values[word] = " ".join(a.text for a in child.args[:2])
            elif word in _SCRIPT_NOT_MODELLED:
                self.not_modelled(child, where)
            else:
                self.unknown(child, where, _SCRIPT_KEPT + _SCRIPT_NOT_MODELLED)
        if "script" not in values:
            self.error(
                node.keyword,
                f"vrrp_script {name} has no 'script' line (keepalived removes it)",
                'script "/path/to/check"',
            )
            return
        conf.scripts[name] = VrrpScript(
            name=name,
            script=str(values["script"]),
            interval_ns=int(values.get("interval", NS_PER_S)),  # type: ignore[call-overload]
            weight=int(values.get("weight", 0)),  # type: ignore[call-overload]
            fall=int(values.get("fall", 1)),  # type: ignore[call-overload]
            rise=int(values.get("rise", 1)),  # type: ignore[call-overload]
            timeout_ns=values.get("timeout"),  # type: ignore[arg-type]
            user=values.get("user"),  # type: ignore[arg-type]
            line=node.line,
        )

    # -- vrrp_instance ---------------------------------------------------------------------
    def vrrp_instance(
        self, node: _Node, conf: KeepalivedConf, seen: dict[str, int]
    ) -> tuple[_Draft | None, KeepalivedInstance | None]:
        """Read one vrrp_instance block; the draft is None when there is no instance at all."""
        if not node.args:
            self.error(node.keyword, "vrrp_instance needs a name", "vrrp_instance NAME { ... }")
            return None, None
        name = node.args[0].text
        if len(node.args) > 1:
            self.warning(node.args[1], f"words after 'vrrp_instance {name}' are ignored")
        block = self.want_block(node, "")
        if block is None:
            return None, None
        if name in seen:
            self.error(
                node.args[0], f"vrrp_instance {name} is defined twice (first on line {seen[name]})"
            )
            return None, None
        seen[name] = node.line
        draft = _Draft(name, node)
        where = f"in vrrp_instance {name}"
        for child in block:
            self.instance_keyword(child, draft, where)
        return draft, self.finish_instance(draft, conf, where)

    def instance_keyword(self, node: _Node, d: _Draft, where: str) -> None:
        word = node.keyword.text
        if node.keyword.quoted:
            self.unknown(node, where, _INSTANCE_MODELLED + _INSTANCE_KEPT + _INSTANCE_NOT_MODELLED)
            return
        if word in d.lines and word not in _REPEATABLE:
            first = d.lines[word]
            if word in _NOTIFY_KEYWORDS:
                # keepalived: "notify_master script already specified - ignoring".
                self.warning(
                    node.keyword,
                    f"'{word}' {where} is given again (first on line {first}); keepalived keeps "
                    "the first and ignores this one",
                )
                return
            self.warning(
                node.keyword,
                f"'{word}' {where} is given again (first on line {first}); keepalived uses this "
                "later one",
            )
        if word not in _REPEATABLE or word not in d.lines:
            d.lines[word] = node.line
        handler = _INSTANCE_HANDLERS.get(word)
        if handler is not None:
            handler(self, node, d, where)
        elif word in _NOTIFY_KEYWORDS:
            command = self.command(node, where)
            if command is not None:
                d.notify[word] = command
        elif word in _INSTANCE_NOT_MODELLED:
            if word not in _BLOCK_KEYWORDS:
                self.no_block(node)
            self.not_modelled(node, where)
        else:
            hint = " vrrp_version belongs in global_defs" if word == "vrrp_version" else ""
            self.unknown(
                node, where, _INSTANCE_MODELLED + _INSTANCE_KEPT + _INSTANCE_NOT_MODELLED, hint
            )

    # Each handler stores what it read in the draft; checks across keywords wait for the end.
    def _state(self, node: _Node, d: _Draft, where: str) -> None:
        tok = self.one_value(node, where, "MASTER or BACKUP")
        if tok is None:
            return
        if tok.text in ("MASTER", "BACKUP"):
            d.values["state"] = tok.text
        elif tok.text.upper() in ("MASTER", "BACKUP"):
            self.error(
                tok,
                f"state {tok.text} must be written in capitals {where}: keepalived reads "
                f"'{tok.text}' as an unknown state and starts as BACKUP",
                "MASTER or BACKUP",
            )
        else:
            self.error(tok, f"state {tok.text!r} is not a state {where}", "MASTER or BACKUP")

    def _interface(self, node: _Node, d: _Draft, where: str) -> None:
        tok = self.one_value(node, where, "an interface name such as eth0")
        if tok is not None:
            d.values["interface"] = tok.text

    def _advert_int(self, node: _Node, d: _Draft, where: str) -> None:
        tok = self.one_value(node, where, "seconds")
        if tok is None:
            return
        value = self.decimal_value(tok, "advert_int", where, "1..255 s (v2) or 0.01..40.95 s (v3)")
        if value is None:
            return
        if value <= 0:
            self.error(
                tok,
                f"advert_int {tok.text} must be more than 0 {where}",
                "1..255 s (v2) or 0.01..40.95 s (v3)",
            )
            return
        d.values["advert_int"] = (value, tok)

    def _version(self, node: _Node, d: _Draft, where: str) -> None:
        tok = self.one_value(node, where, "2 or 3")
        if tok is not None:
            value = self.int_value(tok, "version", where, 2, 3)
            if value is not None:
                d.values["version"] = (value, tok)

    def _nopreempt(self, node: _Node, d: _Draft, where: str) -> None:
        self.no_block(node)
        self.no_args(node, node.keyword.text)
        d.values["preempt"] = node.keyword.text == "preempt"

    def _preempt_delay(self, node: _Node, d: _Draft, where: str) -> None:
        tok = self.one_value(node, where, "0..1000 (seconds)")
        if tok is None:
            return
        value = self.decimal_value(tok, "preempt_delay", where, "0..1000 s")
        if value is None:
            return
        if value > 1000:
            self.error(tok, f"preempt_delay {tok.text} is out of range {where}", "0..1000 s")
            return
        d.values["preempt_delay_ns"] = int(value * NS_PER_S)

    def _authentication(self, node: _Node, d: _Draft, where: str) -> None:
        self.no_args(node, "authentication")
        inner = f"in the authentication block of vrrp_instance {d.name}"
        for child in self.want_block(node, where) or []:
            word = child.keyword.text
            if word == "auth_type":
                tok = self.one_value(child, inner, "PASS or AH")
                if tok is None:
                    continue
                if tok.text in ("PASS", "AH"):
                    d.values["auth_type"] = tok.text
                    d.lines["auth_type"] = child.line
                else:
                    self.error(tok, f"auth_type {tok.text!r} is not known {inner}", "PASS or AH")
            elif word == "auth_pass":
                tok = self.one_value(child, inner, "a password of up to 8 characters")
                if tok is None:
                    continue
                password = tok.text
                if len(password) > 8:
                    self.warning(
                        tok,
                        f"auth_pass is longer than 8 characters; keepalived truncates it to "
                        f"{password[:8]!r} (only that goes in the advert)",
                    )
                    password = password[:8]
                d.values["auth_pass"] = password
                d.lines["auth_pass"] = child.line
            else:
                self.unknown(child, inner, ("auth_type", "auth_pass"))

    def _vip_block(self, node: _Node, d: _Draft, where: str, excluded: bool) -> None:
        self.no_args(node, node.keyword.text)
        for entry in self.want_block(node, where) or []:
            vip = self.vip_entry(entry, d, where)
            if vip is None:
                continue
            if excluded:
                d.excluded.append(vip)
            else:
                d.vips.append((vip, entry.keyword))
        if excluded and node.block:
            self.warning(
                node.keyword,
                f"virtual_ipaddress_excluded {where} is parsed but not modelled: simlab neither "
                "adds nor removes these addresses",
            )

    def vip_entry(self, entry: _Node, d: _Draft, where: str) -> str | None:
        self.no_block(entry)
        text = entry.keyword.text
        try:
            iface = ip_interface(text)
        except ValueError:
            self.error(
                entry.keyword,
                f"{text!r} is not an IP address {where}",
                "ADDRESS[/PREFIX] [dev IFACE] [label LABEL]",
            )
            return None
        # keepalived, like `ip addr add`, takes an address without a prefix as a host route.
        vip = str(iface)
        args = entry.args
        i = 0
        device = None
        while i < len(args):
            word = args[i].text
            if word in _VIP_OPTIONS_WITH_VALUE:
                if i + 1 >= len(args):
                    self.error(args[i], f"'{word}' after {text} needs a value {where}")
                    break
                if word == "dev":
                    device = args[i + 1].text
                i += 2
            elif word in _VIP_FLAGS:
                i += 1
            else:
                close = difflib.get_close_matches(
                    word, _VIP_OPTIONS_WITH_VALUE + _VIP_FLAGS, n=1, cutoff=0.6
                )
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.name_mistake(args[i], f"unknown option '{word}' for {text} {where}{hint}")
                # A misspelt option that takes a value: skip the value too.
                i += 2 if close and close[0] in _VIP_OPTIONS_WITH_VALUE else 1
        if device is not None:
            d.vip_devices[vip] = device
        return vip

    def _track_interface(self, node: _Node, d: _Draft, where: str) -> None:
        self.no_args(node, "track_interface")
        for entry in self.want_block(node, where) or []:
            self.no_block(entry)
            weight = 0
            rest = entry.args
            if rest and rest[0].text == "weight":
                if len(rest) < 2:
                    self.error(rest[0], f"'weight' after {entry.keyword.text} needs a value")
                    continue
                value = self.int_value(rest[1], "weight", f"for {entry.keyword.text}", -253, 253)
                if value is None:
                    continue
                weight = value
                rest = rest[2:]
            for extra in rest:
                if extra.text == "reverse":
                    self.warning(extra, f"'reverse' for track_interface {where} is not modelled")
                else:
                    self.error(
                        extra,
                        f"unexpected {extra.text!r} after {entry.keyword.text} in "
                        f"track_interface {where}",
                        "IFACE [weight N]",
                    )
            d.track_interfaces.append((entry.keyword.text, weight))

    def _track_script(self, node: _Node, d: _Draft, where: str) -> None:
        self.no_args(node, "track_script")
        for entry in self.want_block(node, where) or []:
            self.no_block(entry)
            weight: int | None = None
            rest = entry.args
            if rest and rest[0].text == "weight":
                if len(rest) < 2:
                    self.error(rest[0], f"'weight' after {entry.keyword.text} needs a value")
                    continue
                weight = self.int_value(rest[1], "weight", f"for {entry.keyword.text}", -253, 253)
                if weight is None:
                    continue
                rest = rest[2:]
            for extra in rest:
                if extra.text == "reverse":
                    self.warning(extra, f"'reverse' for track_script {where} is not modelled")
                else:
                    self.error(
                        extra,
                        f"unexpected {extra.text!r} after {entry.keyword.text} in track_script "
                        f"{where}",
                        "SCRIPT [weight N]",
                    )
            d.track_scripts.append((entry.keyword.text, weight, entry.keyword))

    def _unicast_src_ip(self, node: _Node, d: _Draft, where: str) -> None:
        tok = self.one_value(node, where, "an IP address")
        if tok is None:
            return
        try:
            d.values["unicast_src_ip"] = str(ip_address(tok.text))
        except ValueError:
            self.error(tok, f"unicast_src_ip {tok.text!r} is not an IP address {where}")

    def _unicast_peer(self, node: _Node, d: _Draft, where: str) -> None:
        self.no_args(node, "unicast_peer")
        for entry in self.want_block(node, where) or []:
            self.no_block(entry)
            try:
                d.unicast_peers.append(str(ip_address(entry.keyword.text)))
            except ValueError:
                self.error(
                    entry.keyword,
                    f"unicast_peer {entry.keyword.text!r} is not an IP address {where}",
                )

    def _use_vmac(self, node: _Node, d: _Draft, where: str) -> None:
        self.no_block(node)
        d.values["use_vmac"] = True

    def _v3_checksum_as_v2(self, node: _Node, d: _Draft, where: str) -> None:
        value = self.bool_flag(node, where)
        if value is not None:
            d.values["v3_ipv4_pseudo_header"] = not value

    def _silent(self, node: _Node, d: _Draft, where: str) -> None:
        # smtp_alert / debug: accepted (they change mail and log volume, which simlab has not).
        self.no_block(node)

    # -- end of an instance: defaults, keepalived's fix-ups, VrrpConfig -------------------
    def finish_instance(
        self, d: _Draft, conf: KeepalivedConf, where: str
    ) -> KeepalivedInstance | None:
        """Apply defaults and keepalived's fix-ups, check across keywords, build the VrrpConfig."""
        node = d.node
        ok = True
        if "interface" not in d.values and "interface" not in d.lines:
            self.error(
                node.args[0],
                f"vrrp_instance {d.name} has no interface",
                "interface IFACE, e.g. interface eth0",
            )
        if "vrid" not in d.values and "virtual_router_id" not in d.lines:
            self.error(
                node.args[0],
                f"vrrp_instance {d.name} has no virtual_router_id",
                "virtual_router_id 1..255",
            )
        if not d.vips and "virtual_ipaddress" not in d.lines:
            self.error(
                node.args[0],
                f"vrrp_instance {d.name} has no virtual_ipaddress",
                "virtual_ipaddress { ADDRESS[/PREFIX] }",
            )
        elif not d.vips and any(
            c.keyword.text == "virtual_ipaddress" and c.block == [] for c in node.block or []
        ):
            self.error(
                self._draft_token(node, "virtual_ipaddress"),
                f"virtual_ipaddress {where} lists no address",
                "ADDRESS[/PREFIX] [dev IFACE] [label LABEL]",
            )
        if "interface" not in d.values or "vrid" not in d.values or not d.vips:
            ok = False
        if d.unicast_peers or "unicast_src_ip" in d.values:
            tok = self._draft_token(node, "unicast_peer" if d.unicast_peers else "unicast_src_ip")
            self.warning(
                tok,
                f"unicast_peer / unicast_src_ip {where} are kept but not modelled: the simulated "
                "instance advertises to the multicast group 224.0.0.18 / ff02::12",
            )
        g = conf.global_defs
        vips = [vip for vip, _ in d.vips]
        families = {6 if ":" in vip else 4 for vip in vips}

        # Priority and state derive from each other when one is missing (keepalived 2.x).
        state = d.values.get("state")
        priority = d.values.get("priority")
        if priority is None and "priority" not in d.lines:
            if state == "MASTER":
                self.warning(
                    self._draft_token(node, "state"),
                    f"no priority {where}: keepalived makes a state MASTER instance without a "
                    "priority the address owner (priority 255), which never yields; write the "
                    "priority you mean",
                )
                priority = 255
            else:
                priority = 100
        if state is None:
            state = "MASTER" if priority == 255 else "BACKUP"

        version_value = d.values.get("version")
        if version_value is not None:
            version, version_tok = version_value  # type: ignore[misc]
            if version == 2 and families == {6}:
                self.warning(
                    version_tok,
                    f"version 2 {where} is ignored: IPv6 instances are always VRRPv3",
                )
                version = 3
        else:
            version = 3 if families == {6} else g.get("vrrp_version", 2)

        kwargs: dict[str, object] = {"name": d.name, "vips": tuple(vips)}
        if "vrid" in d.values:
            kwargs["vrid"] = d.values["vrid"]
        if priority is not None:
            kwargs["priority"] = priority
        kwargs["version"] = version
        kwargs["initial_state"] = state

        advert = d.values.get("advert_int")
        if advert is not None:
            cs = self.advert_int_cs(advert, version, where)  # type: ignore[arg-type]
            if cs is None:
                ok = False
            else:
                kwargs["advert_int_cs"] = cs

        preempt = d.values.get("preempt", True)
        delay = d.values.get("preempt_delay_ns", 0)
        if not preempt and priority == 255:
            self.warning(
                self._draft_token(node, "nopreempt"),
                f"nopreempt {where} is incompatible with priority 255; keepalived resets it",
            )
            preempt = True
        if state == "MASTER":
            if not preempt:
                self.warning(
                    self._draft_token(node, "nopreempt"),
                    f"nopreempt {where} will not work with state MASTER; keepalived clears it "
                    "(use state BACKUP on every node)",
                )
                preempt = True
            if delay:
                self.warning(
                    self._draft_token(node, "preempt_delay"),
                    f"preempt_delay {where} will not work with state MASTER; keepalived clears it",
                )
                delay = 0
        if delay and not preempt:
            self.warning(
                self._draft_token(node, "preempt_delay"),
                f"preempt_delay {where} is incompatible with nopreempt; keepalived resets it",
            )
            delay = 0
        kwargs["preempt"] = preempt
        kwargs["preempt_delay_ns"] = delay

        if not self.check_auth(d, version, where):
            ok = False
        elif "auth_type" in d.values:
            kwargs["auth_type"] = d.values["auth_type"]
            kwargs["auth_pass"] = d.values.get("auth_pass", "")
        for key, global_key, scale in (
            ("garp_master_delay_ns", "vrrp_garp_master_delay", NS_PER_S),
            ("garp_master_repeat", "vrrp_garp_master_repeat", 1),
            ("garp_master_refresh_ns", "vrrp_garp_master_refresh", NS_PER_S),
        ):
            if key in d.values:
                kwargs[key] = d.values[key]
            elif global_key in g:
                kwargs[key] = int(g[global_key]) * scale  # type: ignore[call-overload]
        if "lower_prio_no_advert" in d.values:
            kwargs["lower_prio_no_advert"] = d.values["lower_prio_no_advert"]
        elif "vrrp_lower_prio_no_advert" in g:
            kwargs["lower_prio_no_advert"] = g["vrrp_lower_prio_no_advert"]
        for key in ("use_vmac", "v3_ipv4_pseudo_header", "down_timer_adverts"):
            if key in d.values:
                kwargs[key] = d.values[key]

        seen_vips: dict[str, int] = {}
        for vip, tok in d.vips:
            address = vip.split("/")[0]
            if address in seen_vips:
                self.error(
                    tok,
                    f"virtual_ipaddress {address} is listed twice {where} (first on line "
                    f"{seen_vips[address]})",
                )
                ok = False
            seen_vips.setdefault(address, tok.line)
        if len(families) > 1:
            first = next(tok for vip, tok in d.vips if (":" in vip) != (":" in vips[0]))
            self.error(
                first,
                f"virtual_ipaddress mixes IPv4 and IPv6 {where}; keepalived wants one family per "
                "instance (use a second vrrp_instance, or virtual_ipaddress_excluded)",
            )
            ok = False
        elif families == {6} and not ip_interface(vips[0]).ip.is_link_local:
            self.warning(
                d.vips[0][1],
                f"the first IPv6 VIP {where} should be link-local (keepalived logs this; RFC "
                "9568 erratum 8300)",
            )

        track_scripts: list[tuple[str, int]] = []
        for script_name, weight, tok in d.track_scripts:
            script = conf.scripts.get(script_name)
            if script is None:
                close = difflib.get_close_matches(script_name, list(conf.scripts), n=1, cutoff=0.6)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                self.name_mistake(
                    tok,
                    f"track_script {script_name} {where} names no vrrp_script{hint}; keepalived "
                    "ignores it",
                )
                continue
            track_scripts.append((script_name, script.weight if weight is None else weight))

        if not ok:
            return None
        config = self.build_config(kwargs, d)
        if config is None:
            return None
        interface = str(d.values["interface"])
        return KeepalivedInstance(
            name=d.name,
            interface=interface,
            state=str(state),
            line=node.line,
            config=config,
            track_interfaces=tuple(d.track_interfaces),
            track_scripts=tuple(track_scripts),
            unicast_peers=tuple(d.unicast_peers),
            notify=dict(d.notify),
            vip_devices={vip: d.vip_devices.get(vip, interface) for vip in config.vips},
            unicast_src_ip=d.values.get("unicast_src_ip"),  # type: ignore[arg-type]
            excluded_vips=tuple(d.excluded),
        )

    def check_auth(self, d: _Draft, version: int, where: str) -> bool:
        """The authentication block against the version; VrrpConfig's rules, at the right line."""
        auth_type = d.values.get("auth_type")
        has_pass = "auth_pass" in d.values
        if auth_type is None and not has_pass:
            return True
        block = self._draft_token(d.node, "authentication")
        type_tok = self._auth_token(d.node) or block
        if auth_type == "AH":
            self.error(
                type_tok,
                f"auth_type AH (IPsec AH) {where} is not modelled",
                "auth_type PASS, or no authentication block",
            )
            return False
        if auth_type is None:
            self.error(
                block,
                f"authentication {where} has auth_pass but no auth_type",
                "auth_type PASS",
            )
            return False
        if not has_pass or not d.values.get("auth_pass"):
            self.error(
                type_tok,
                f"auth_type PASS {where} needs an auth_pass (keepalived drops the authentication)",
                "auth_pass PASSWORD",
            )
            return False
        if version != 2:
            self.error(
                block,
                f"authentication {where} is VRRPv2 only (RFC 5798 removed it; keepalived ignores "
                "it with version 3)",
                "no authentication block, or version 2",
            )
            return False
        try:
            str(d.values["auth_pass"]).encode("ascii")
        except UnicodeEncodeError:
            self.error(type_tok, f"auth_pass {where} must be ASCII")
            return False
        return True

    def advert_int_cs(self, advert: tuple[Decimal, _Token], version: int, where: str) -> int | None:
        value, tok = advert
        if version == 2:
            if value >= 256:
                self.error(
                    tok, f"advert_int {tok.text} is out of range for VRRPv2 {where}", "1..255 s"
                )
                return None
            if value != value.to_integral_value():
                rounded = max(1, int(value.to_integral_value(rounding=ROUND_HALF_UP)))
                self.warning(
                    tok,
                    f"advert_int {tok.text} {where}: VRRPv2 carries whole seconds; keepalived "
                    f"rounds it to {rounded} s",
                )
                return rounded * 100
            return int(value) * 100
        cs = value * 100
        if cs >= 4096:
            self.error(
                tok, f"advert_int {tok.text} is out of range for VRRPv3 {where}", "0.01..40.95 s"
            )
            return None
        if cs != cs.to_integral_value():
            rounded_cs = max(1, int(cs.to_integral_value(rounding=ROUND_HALF_UP)))
            self.warning(
                tok,
                f"advert_int {tok.text} {where}: VRRPv3 counts in 10 ms steps; keepalived rounds "
                f"it to {Decimal(rounded_cs) / 100} s",
            )
            return rounded_cs
        return int(cs)

    def build_config(self, kwargs: dict[str, object], d: _Draft) -> VrrpConfig | None:
        """Construct the VrrpConfig; attach each refusal to the line of the keyword it names.

        VrrpConfig stops at its first complaint, so after one the offending argument is dropped
        and the rest is checked again: the learner still gets every problem in one go.
        """
        failed = False
        for _ in range(len(_VRRP_KEYWORD_FIELDS) + 1):
            try:
                config = VrrpConfig(**kwargs)  # type: ignore[arg-type]
            except ValueError as exc:
                failed = True
                message = str(exc)
                keyword = _blamed_keyword(message)
                line_keyword = _VRRP_MESSAGE_KEYWORDS.get(keyword or "", "")
                tok = self._draft_token(d.node, line_keyword) if line_keyword else d.node.keyword
                if line_keyword == "authentication" and "auth_type" in d.lines:
                    tok = self._auth_token(d.node) or tok
                self.error(tok, message)
                drop = _VRRP_KEYWORD_FIELDS.get(keyword or "")
                if not drop or not any(k in kwargs for k in drop):
                    return None
                for k in drop:
                    kwargs.pop(k, None)
                continue
            return None if failed else config
        return None  # pragma: no cover - each retry drops one argument

    def _auth_token(self, node: _Node) -> _Token | None:
        for child in node.block or []:
            if child.keyword.text == "authentication":
                for inner in child.block or []:
                    if inner.keyword.text == "auth_type":
                        return inner.keyword
                return child.keyword
        return None


def _blamed_keyword(message: str) -> str | None:
    """The first VrrpConfig keyword named in its error message (after "vrrp_instance NAME: ")."""
    body = message.split(": ", 1)[1] if ": " in message else message
    best: tuple[int, str] | None = None
    for keyword in _VRRP_MESSAGE_KEYWORDS:
        match = re.search(rf"(?<![A-Za-z_]){re.escape(keyword)}(?![A-Za-z_])", body)
        if match and (best is None or match.start() < best[0]):
            best = (match.start(), keyword)
    return best[1] if best else None


def _bool_handler(key: str) -> _Handler:
    def handler(reader: _Reader, node: _Node, d: _Draft, where: str) -> None:
        value = reader.bool_flag(node, where)
        if value is not None:
            d.values[key] = value

    return handler


def _int_handler(key: str, low: int, high: int, unit: str = "") -> _Handler:
    """An integer keyword; ``unit`` " s" means whole seconds, stored in nanoseconds."""

    def handler(reader: _Reader, node: _Node, d: _Draft, where: str) -> None:
        tok = reader.one_value(node, where, f"{low}..{high}{unit}")
        if tok is not None:
            value = reader.int_value(tok, node.keyword.text, where, low, high, unit)
            if value is not None:
                d.values[key] = value * NS_PER_S if unit else value

    return handler


def _not_modelled_handler(why: str, takes_bool: bool = False) -> _Handler:
    def handler(reader: _Reader, node: _Node, d: _Draft, where: str) -> None:
        if takes_bool:
            reader.bool_flag(node, where)
        else:
            reader.no_block(node)
        reader.not_modelled(node, where, why)

    return handler


_NO_FILTER = "packets to the VIPs are not filtered either way"
_INSTANCE_HANDLERS: dict[str, _Handler] = {
    "state": _Reader._state,
    "interface": _Reader._interface,
    "virtual_router_id": _int_handler("vrid", 1, 255),
    "priority": _int_handler("priority", 1, 255),
    "advert_int": _Reader._advert_int,
    "version": _Reader._version,
    "nopreempt": _Reader._nopreempt,
    "preempt": _Reader._nopreempt,
    "preempt_delay": _Reader._preempt_delay,
    "authentication": _Reader._authentication,
    "virtual_ipaddress": lambda r, n, d, w: r._vip_block(n, d, w, excluded=False),
    "virtual_ipaddress_excluded": lambda r, n, d, w: r._vip_block(n, d, w, excluded=True),
    "use_vmac": _Reader._use_vmac,
    "garp_master_delay": _int_handler("garp_master_delay_ns", 0, 1000, " s"),
    "garp_master_repeat": _int_handler("garp_master_repeat", 1, 255),
    "garp_master_refresh": _int_handler("garp_master_refresh_ns", 0, 1000, " s"),
    "lower_prio_no_advert": _bool_handler("lower_prio_no_advert"),
    "down_timer_adverts": _int_handler("down_timer_adverts", 1, 100),
    "v3_checksum_as_v2": _Reader._v3_checksum_as_v2,
    "track_interface": _Reader._track_interface,
    "track_script": _Reader._track_script,
    "unicast_src_ip": _Reader._unicast_src_ip,
    "unicast_peer": _Reader._unicast_peer,
    "smtp_alert": _Reader._silent,
    "debug": _Reader._silent,
    "dont_track_primary": _not_modelled_handler(
        "the simulated instance still enters FAULT when its interface goes down"
    ),
    "accept": _not_modelled_handler(_NO_FILTER),
    "no_accept": _not_modelled_handler(_NO_FILTER),
    "strict_mode": _not_modelled_handler(
        "the instance keeps keepalived's default (non-strict) behaviour", takes_bool=True
    ),
}
