"""A console on one simulated host (:class:`Console`) and one per host of a world (:class:`Lab`).

A console runs one command line at a time and returns what the host would print. Simulated time
is the world's: every command takes ``step_s`` (1 s by default: the time to read the output and
type the next line), except those that take their own time (``ping -c 5`` about 4 s, ``sleep N``
N s). All the consoles of a :class:`Lab` share one world and so one clock: while a ``ping`` runs
on the client's console, commands typed on the servers happen during it, as in the articles'
two terminals.

Every command a running host receives is also a ``console`` record in the world's trace
(:class:`~simlab.sim.trace.FaultRecord`, ``detail`` is the line), so run reports list the
commands beside the faults.

The same world, seed and command lines give the same transcript, character for character.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from simlab.console.common import (
    NS_PER_S,
    CommandError,
    Files,
    PingJob,
    apply_grep,
    echo,
    ping_progress,
    split_line,
)
from simlab.sim.trace import FaultRecord

if TYPE_CHECKING:
    from simlab.config.scenario import Scenario
    from simlab.sim.world import World


class Console:
    """A root shell on ``host_name`` of ``world``.

    ``files`` overrides the text of the host's files (``/etc/rc.conf``, ``/etc/sysctl.conf``,
    ``/etc/keepalived/keepalived.conf``...); by default they are written from what the world
    configured. ``step_s`` is the simulated time each command takes.
    """

    def __init__(
        self,
        world: World,
        host_name: str,
        *,
        files: dict[str, str] | None = None,
        step_s: float = 1.0,
    ) -> None:
        from simlab.console.freebsd import FreeBsdShell
        from simlab.console.linux import LinuxShell

        self.world = world
        self.host = world.device(host_name)
        if getattr(self.host, "os", None) not in ("freebsd", "linux"):
            raise ValueError(f"{host_name} is not a host with a console")
        if step_s < 0:
            raise ValueError(f"step_s must be >= 0, got {step_s}")
        self.step_ns = round(step_s * NS_PER_S)
        self.history: list[str] = []
        self.transcript: list[str] = []
        self.files = Files()
        self.job: PingJob | None = None
        self.took_ns: int | None = None
        self.shell: Any = (
            FreeBsdShell(self, files or {})
            if self.host.os == "freebsd"
            else LinuxShell(self, files or {})
        )

    # ------------------------------------------------------------------ what it looks like
    @property
    def hostname(self) -> str:
        return self.shell.hostname()

    @property
    def prompt(self) -> str:
        """``root@server-1:~ #`` (FreeBSD's sh) or ``root@server-1:~#`` (Debian's bash)."""
        sep = " #" if self.host.os == "freebsd" else "#"
        return f"root@{self.hostname}:~{sep}"

    @property
    def ping_style(self) -> str:
        return "freebsd" if self.host.os == "freebsd" else "linux"

    def commands(self) -> list[str]:
        """The command names this host understands (``help`` lists them with their forms)."""
        return sorted(self.shell.commands())

    # ------------------------------------------------------------------ time
    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of simulated time pass (nobody types)."""
        _advance(self.world, seconds)

    # ------------------------------------------------------------------ running
    def run(self, line: str) -> str:
        """Run one command line; return its output (no trailing newline; ``""`` if none)."""
        self.history.append(line)
        self.took_ns = None
        self._record(line)
        out = self._run(line)
        self.transcript.append(f"{self.prompt} {line}".rstrip())
        if out:
            self.transcript.append(out)
        took = self.step_ns if self.took_ns is None else self.took_ns
        if took:
            self.world.run(self.world.now + took)
        return out

    def _record(self, line: str) -> None:
        """The trace keeps every command a running host received (``console`` records, shown
        in run reports beside the faults); keystrokes for a running ping (Enter, ``^C``),
        comments and lines typed while the host is down are not commands it received."""
        text = line.strip()
        if self.host.booted and text and text != "^C" and not text.startswith("#"):
            self.world.trace.append(FaultRecord(self.world.now, "console", self.host.name, text))

    def _run(self, line: str) -> str:
        text = line.strip()
        if self.job is not None:
            if text in ("", "^C"):
                job, final = self.job, text == "^C"
                if final:
                    self.job = None
                self.took_ns = 0 if not final else None
                return ping_progress(self, job, final)
            # typing another command interrupts the ping first, as ^C would
            job, self.job = self.job, None
            before = ping_progress(self, job, True)
            after = self._run(line)
            return "\n".join(x for x in (before, after) if x)
        if not text or text.startswith("#"):
            self.took_ns = 0
            return ""
        if not self.host.booted:
            self.took_ns = 0
            return self._unreachable()
        try:
            cmd = split_line(text)
            if not cmd.argv:
                raise CommandError("sh: syntax error")
            if cmd.background:
                raise CommandError(
                    "simlab: background jobs are not supported; run ping without -c on a "
                    "console of its own (it runs until ^C while you work on other hosts)"
                )
            name = cmd.argv[0]
            if name == "echo":
                out = echo(self, cmd.argv, cmd.redirect)
            else:
                if cmd.redirect is not None:
                    raise CommandError("simlab: only 'echo ... >> FILE' can write to a file")
                out = self.shell.run(cmd.argv)
            if cmd.grep is not None:
                out = apply_grep(out, cmd.grep)
            return out
        except CommandError as exc:
            return str(exc)

    def _unreachable(self) -> str:
        state = "is powered off" if not self.host.powered else "is booting"
        name = self.host.name
        return f"ssh: connect to host {name} port 22: Connection refused ({name} {state})"

    def transcript_text(self) -> str:
        """Everything typed and printed on this console, as the terminal shows it."""
        return "\n".join(self.transcript)


class Lab:
    """One console per server and client of one world (what ``simlab console`` drives)."""

    def __init__(
        self,
        world: World,
        *,
        files: dict[str, dict[str, str]] | None = None,
        step_s: float = 1.0,
    ) -> None:
        self.world = world
        self.consoles: dict[str, Console] = {}
        for name, device in world.devices.items():
            if getattr(device, "os", None) in ("freebsd", "linux") and device.kind != "router":
                self.consoles[name] = Console(
                    world, name, files=(files or {}).get(name), step_s=step_s
                )

    @classmethod
    def from_scenario(
        cls, scenario: Scenario, *, seed: int | None = None, step_s: float = 1.0
    ) -> Lab:
        """The scenario's world without its timeline and probes (the learner types them), its
        hosts' files taken from the scenario (``rc_conf``, ``sysctl_conf``,
        ``keepalived_conf``). The world is run until the first election has settled (10 s)."""
        from simlab.sim.build import build_world

        bare = scenario.model_copy(update={"events": [], "probes": []})
        built = build_world(bare, seed=seed, capture_frames=False)
        lab = cls(built.world, files=scenario_files(scenario), step_s=step_s)
        built.world.run(10 * NS_PER_S)
        return lab

    def __getitem__(self, host: str) -> Console:
        try:
            return self.consoles[host]
        except KeyError:
            raise KeyError(f"no console on {host!r}; hosts: {', '.join(self.consoles)}") from None

    def run(self, host: str, line: str) -> str:
        return self[host].run(line)

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of simulated time pass on every host."""
        _advance(self.world, seconds)

    def transcript(self, host: str) -> str:
        return self[host].transcript_text()


def scenario_files(scenario: Scenario) -> dict[str, dict[str, str]]:
    """The host files a scenario configures, by host then path (``/etc/rc.conf``,
    ``/etc/sysctl.conf``, ``/etc/keepalived/keepalived.conf``): what a console shows and edits."""
    files: dict[str, dict[str, str]] = {}
    for spec in scenario.topology.hosts:
        mine: dict[str, str] = {}
        if spec.os == "freebsd":
            mine["/etc/rc.conf"] = spec.rc_conf or ""
            mine["/etc/sysctl.conf"] = spec.sysctl_conf or ""
        elif spec.keepalived_conf is not None:
            mine["/etc/keepalived/keepalived.conf"] = spec.keepalived_conf
        files[spec.name] = mine
    return files


def _advance(world: World, seconds: float) -> None:
    if not isinstance(seconds, int | float) or not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"advance takes a number of seconds >= 0, got {seconds!r}")
    world.run(world.now + round(seconds * NS_PER_S))
