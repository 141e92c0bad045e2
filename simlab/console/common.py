"""What every simulated host's shell shares: the command line reader, files, ping, syslog.

Nothing here runs a real program: a command line is split with :mod:`shlex`, one ``|`` into
``grep`` and the ``>``/``>>`` redirections of ``echo`` are understood, the rest is looked up in the
host's command table (:mod:`simlab.console.freebsd`, :mod:`simlab.console.linux`).
"""

from __future__ import annotations

import ipaddress
import math
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simlab.core.actions import Log
from simlab.render.ping import ping_lines
from simlab.render.syslog import syslog_line
from simlab.sim.trace import LogLine, Probe

if TYPE_CHECKING:
    from simlab.console.session import Console

NS_PER_S = 1_000_000_000
#: the longest simulated time one command may take (``sleep``, ``ping -c``): use advance beyond
MAX_COMMAND_S = 3600

#: a command handler: (console, argv) -> printed text ("" prints nothing)
Handler = Callable[["Console", list[str]], str]


class CommandError(Exception):
    """The command failed; the message is what the tool prints (``ifconfig: ...``)."""


@dataclass
class CommandLine:
    """One typed line: the command's words, an optional ``| grep`` and a redirection."""

    argv: list[str]
    grep: list[str] | None = None
    redirect: tuple[str, str] | None = None  # (">" or ">>", path)
    background: bool = False


def split_line(line: str) -> CommandLine:
    """Split a typed line like ``sh`` would for the few forms simlab's consoles support."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars="|>&;")
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        words = list(lexer)
    except ValueError as exc:  # unclosed quote
        raise CommandError(f"sh: syntax error: {exc}") from None
    if ";" in words:
        raise CommandError("simlab: one command per line (';' is not supported)")
    background = False
    if words and words[-1] == "&":
        background = True
        words = words[:-1]
    if "&" in words or "&&" in words or "||" in words:
        raise CommandError("simlab: one command per line ('&&', '||' and '&' are not supported)")
    grep: list[str] | None = None
    if "|" in words:
        at = words.index("|")
        grep = words[at + 1 :]
        words = words[:at]
        if not grep or grep[0] != "grep" or "|" in grep:
            raise CommandError("simlab: the only pipe supported is '... | grep [-i|-v] PATTERN'")
    redirect = None
    for op in (">>", ">"):
        if op in words:
            at = words.index(op)
            if at != len(words) - 2:
                raise CommandError(f"sh: syntax error near '{op}'")
            redirect = (op, words[at + 1])
            words = words[:at]
            break
    return CommandLine(words, grep, redirect, background)


def apply_grep(text: str, grep: list[str]) -> str:
    """``... | grep [-i] [-v] [-w] PATTERN`` on the command's output."""
    args = grep[1:]
    flags = {a for a in args if a.startswith("-")}
    rest = [a for a in args if not a.startswith("-")]
    if len(rest) != 1 or flags - {"-i", "-v", "-w", "-iv", "-vi"}:
        raise CommandError("usage: grep [-i] [-v] [-w] PATTERN (simlab reads one pattern)")
    ignore = any("i" in f for f in flags)
    invert = any("v" in f for f in flags)
    pattern = re.escape(rest[0])
    if "-w" in flags:
        pattern = rf"\b{pattern}\b"
    regex = re.compile(pattern, re.IGNORECASE if ignore else 0)
    lines = [ln for ln in text.splitlines() if bool(regex.search(ln)) != invert]
    return "\n".join(lines)


# ------------------------------------------------------------------------------ files
@dataclass
class Files:
    """The few files a console can show and edit, by absolute path."""

    text: dict[str, str] = field(default_factory=dict)
    writable: set[str] = field(default_factory=set)

    def read(self, path: str, tool: str = "cat") -> str:
        if path not in self.text:
            raise CommandError(f"{tool}: {path}: No such file or directory")
        return self.text[path]

    def write(self, path: str, data: str, append: bool) -> None:
        if path not in self.writable:
            shown = ", ".join(sorted(self.writable))
            raise CommandError(f"sh: cannot create {path}: simlab lets you edit only {shown}")
        old = self.text.get(path, "")
        if append:
            if old and not old.endswith("\n"):
                old += "\n"
            self.text[path] = old + data
        else:
            self.text[path] = data


def cat(console: Console, argv: list[str]) -> str:
    if len(argv) < 2:
        raise CommandError("usage: cat FILE (simlab does not read the keyboard)")
    out = []
    for path in argv[1:]:
        out.append(console.files.read(_abs(path)).rstrip("\n"))
    return "\n".join(out)


def _abs(path: str) -> str:
    if path.startswith("/"):
        return path
    if path.startswith("~/"):
        return "/root/" + path[2:]
    return "/root/" + path


def echo(console: Console, argv: list[str], redirect: tuple[str, str] | None) -> str:
    words = argv[1:]
    newline = True
    escapes = False
    while words and words[0] in ("-n", "-e", "-ne", "-en"):
        newline = newline and "n" not in words[0][1:]
        escapes = escapes or "e" in words[0]
        words = words[1:]
    text = " ".join(words)
    if escapes:
        text = text.replace("\\n", "\n").replace("\\t", "\t")
    text += "\n" if newline else ""
    if redirect is None:
        return text.rstrip("\n")
    op, path = redirect
    console.files.write(_abs(path), text, append=op == ">>")
    return ""


# ------------------------------------------------------------------------------ syslog
def log_lines(
    console: Console, sources: set[str] | None = None, *, with_time: bool = False
) -> list[Any]:
    """The host's log records as syslog lines (``simlab``'s boot note as the kernel's
    ``---<<BOOT>>---``); ``sources`` keeps only those idents. ``with_time`` gives
    ``(time_ns, line)`` pairs."""
    host = console.host
    out = []
    for rec in console.world.trace.of(LogLine):
        if rec.node != host.name or rec.detail:
            continue
        source, text = rec.source, rec.text
        if source == "simlab":
            if text != "boot complete":
                continue
            source, text = "kernel", "---<<BOOT>>---"
        if sources is not None and source not in sources:
            continue
        line = syslog_line(rec.time, console.hostname, Log(source, text, rec.level))
        out.append((rec.time, line) if with_time else line)
    return out


def tail(console: Console, argv: list[str], logfile: str, sources: set[str] | None) -> str:
    count = 10
    paths = []
    args = argv[1:]
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "-n" and i + 1 < len(args):
            count = _int(args[i + 1], "tail: illegal offset")
            i += 2
            continue
        if arg == "-f":
            raise CommandError("tail: -f follows for ever; use 'tail' again after some time")
        if re.fullmatch(r"-n?\d+", arg):
            count = int(arg.lstrip("-n"))
        elif arg.startswith("-"):
            raise CommandError(f"tail: illegal option -- {arg.lstrip('-')[:1]}")
        else:
            paths.append(arg)
        i += 1
    if len(paths) != 1:
        raise CommandError(f"usage: tail [-n N] {logfile}")
    if paths[0] != logfile:
        if paths[0] in console.files.text:
            lines = console.files.text[paths[0]].rstrip("\n").splitlines()
            return "\n".join(lines[-count:] if count else [])
        raise CommandError(f"tail: {paths[0]}: No such file or directory")
    lines = log_lines(console, sources)
    return "\n".join(lines[-count:] if count else [])


def _int(text: str, message: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise CommandError(f"{message}: {text}") from None


# ------------------------------------------------------------------------------ ping
@dataclass
class PingJob:
    """A ``ping`` without ``-c`` running in a console's foreground until ``^C``."""

    pinger: object
    target: str
    start_ns: int
    interval_ns: int = NS_PER_S
    shown: int = 0  # probe lines already printed


def _ping_args(argv: list[str]) -> tuple[int | None, int, str]:
    count: int | None = None
    interval_ns = NS_PER_S
    target: str | None = None
    args = argv[1:]
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in ("-c", "-i", "-W", "-t") and i + 1 < len(args):
            value = args[i + 1]
            if arg == "-c":
                count = _int(value, "ping: invalid count of packets to transmit")
                if count <= 0:
                    raise CommandError(f"ping: invalid count of packets to transmit: `{value}'")
            elif arg == "-i":
                try:
                    seconds = float(value)
                except ValueError:
                    raise CommandError(f"ping: invalid timing interval: `{value}'") from None
                if not math.isfinite(seconds) or not 0.01 <= seconds <= MAX_COMMAND_S:
                    raise CommandError(f"ping: invalid timing interval: `{value}'")
                interval_ns = round(seconds * NS_PER_S)
            i += 2
            continue
        if arg.startswith("-"):
            raise CommandError(f"ping: option {arg} is not supported by simlab (-c N, -i S)")
        if target is not None:
            raise CommandError("usage: ping [-c count] [-i wait] host")
        target = arg
        i += 1
    if target is None:
        raise CommandError("usage: ping [-c count] [-i wait] host")
    try:
        ipaddress.IPv4Address(target)
    except ValueError:
        raise CommandError(f"ping: cannot resolve {target}: Unknown host") from None
    return count, interval_ns, target


def _probes(console: Console, job_target: str, start_ns: int, interval_ns: int) -> list[Probe]:
    """This ping's probes. The trace does not say which pinger sent a probe, and the same
    client may be pinging the same address already (a scenario's probe): this one's request
    number N left exactly at ``start + (N - 1) * interval``."""
    name = console.host.name
    return sorted(
        (
            p
            for p in console.world.trace.of(Probe)
            if p.client == name
            and p.target == job_target
            and p.kind == "ping"
            and p.time == start_ns + (p.seq - 1) * interval_ns
        ),
        key=lambda p: p.seq,
    )


def ping(console: Console, argv: list[str]) -> str:
    """``ping [-c N] [-i S] ADDR``: with ``-c`` the command takes the simulated time real ping
    would; without, it keeps running (other consoles can act meanwhile) until ``^C``."""
    count, interval_ns, target = _ping_args(argv)
    if count is not None and (count - 1) * interval_ns > MAX_COMMAND_S * NS_PER_S:
        raise CommandError(
            f"simlab: ping -c {count} would take more than {MAX_COMMAND_S} s of simulated time; "
            "run it without -c and stop it with ^C"
        )
    world = console.world
    start = world.now
    pinger = world.add_ping(console.host, target, interval_ns, start_ns=start, count=count)
    style = console.ping_style
    if count is None:
        console.job = PingJob(pinger, target, start, interval_ns)
        console.took_ns = 0
        head = ping_lines([Probe(start, console.host.name, target, 1, "ping", False)], style=style)
        return head[0]
    last = start + (count - 1) * interval_ns
    world.run(last + NS_PER_S // 1000)
    probes = _probes(console, target, start, interval_ns)
    if len(probes) < count:
        world.run(last + NS_PER_S)  # ping waits for the last answer, then gives up
        probes = _probes(console, target, start, interval_ns)
    console.took_ns = 0
    return "\n".join(ping_lines(probes, style=style, context=None))


def ping_progress(console: Console, job: PingJob, final: bool) -> str:
    """The lines a running ping has printed since last shown (all of them and the statistics
    when ``final``)."""
    if final:
        job.pinger.stop()  # type: ignore[attr-defined]
        console.world.run(console.world.now)  # settle probes whose timeout has passed
    probes = _probes(console, job.target, job.start_ns, job.interval_ns)
    # a line appears once every earlier probe is settled (answered or timed out)
    settled = []
    for want, probe in enumerate(probes, start=1):
        if probe.seq != want:
            break
        settled.append(probe)
    if not settled:
        lines: list[str] = []
        body: list[str] = []
    else:
        lines = ping_lines(settled, style=console.ping_style, context=None)
        body = lines[1 : 1 + len(settled)]
    new = body[job.shown :]
    job.shown = len(body)
    if final:
        summary = lines[1 + len(settled) :] if settled else []
        if not settled:
            summary = ["", f"--- {job.target} ping statistics ---"]
            summary.append(
                "0 packets transmitted, 0 packets received, 0.0% packet loss"
                if console.ping_style == "freebsd"
                else "0 packets transmitted, 0 received, 0% packet loss, time 0ms"
            )
        new = [*new, "^C", *summary]
    return "\n".join(new)


def sleep(console: Console, argv: list[str]) -> str:
    """``sleep N``: N seconds of simulated time pass (at most :data:`MAX_COMMAND_S`)."""
    if len(argv) != 2:
        raise CommandError("usage: sleep seconds")
    try:
        seconds = float(argv[1])
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise CommandError(f"sleep: invalid time interval: {argv[1]}")
    if seconds > MAX_COMMAND_S:
        raise CommandError(f"simlab: sleep is limited to {MAX_COMMAND_S} s (use advance)")
    console.took_ns = round(seconds * NS_PER_S)
    return ""


def history(console: Console) -> str:
    """``history``: every line typed on this host, numbered as the shells number them."""
    return "\n".join(f"{i:5d}  {line}" for i, line in enumerate(console.history, 1))
