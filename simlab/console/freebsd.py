"""The FreeBSD host's commands: what the CARP article types, printed as FreeBSD 13/14 prints it.

``ifconfig`` shows the interface from the host's live snapshot (:mod:`simlab.render.ifconfig`,
with the ``carp:`` line) and changes it through the world's actions (``host.ifconfig``,
``host.force_state``, ``host.set_parameter``). ``/etc/rc.conf`` and ``/etc/sysctl.conf`` are
edited as text; ``service netif restart`` reads rc.conf with :mod:`simlab.config.freebsd`, so a
typo fails with its file and line, and applies the vhids it finds. ``sysctl`` writes go through
``host.sysctl`` (``net.inet.carp.demotion`` adds, as the kernel does).
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

from simlab.config.errors import ConfigError
from simlab.config.freebsd import CARP_SYSCTLS, freebsd_host, parse_ifconfig_args
from simlab.console.common import CommandError, cat, history, ping, sleep, tail
from simlab.core.carp_config import CarpConfig
from simlab.render.ifconfig import AddressView, InterfaceView, freebsd_ifconfig, interface_views
from simlab.sim.trace import LogLine

if TYPE_CHECKING:
    from simlab.console.session import Console

_LO0 = InterfaceView(
    name="lo0",
    mac="00:00:00:00:00:00",
    mtu=16384,
    addresses=(AddressView("127.0.0.1/8"),),
    kind="loopback",
)

HELP = """\
FreeBSD commands simlab understands on this host:
  ifconfig [-a] [IF]                        show interfaces (carp: line per vhid)
  ifconfig IF up|down                       administrative state
  ifconfig IF vhid N [advskew N] [advbase N] [pass P] alias A/LEN   add a vhid
  ifconfig IF vhid N state master|backup    force a state
  ifconfig IF vhid N advskew N|advbase N    run-time change
  sysctl net.inet.carp[.NAME]               show CARP sysctls
  sysctl NAME=VALUE                         set one (demotion adds)
  cat FILE                                  /etc/rc.conf, /etc/sysctl.conf, /boot/loader.conf
  echo '...' >> FILE                        append a line (> replaces)
  sysrc NAME=VALUE | sysrc NAME | sysrc -x NAME   edit /etc/rc.conf
  service netif restart                     apply /etc/rc.conf
  tail [-n N] /var/log/messages             the kernel's carp lines
  ping [-c N] [-i S] ADDR                   without -c: runs until ^C
  kldstat | kldload carp                    kernel modules
  reboot | shutdown -r now | shutdown -p now
  hostname | sleep N | history | help
  CMD | grep [-i] [-v] PATTERN              the one pipe supported"""


class FreeBsdShell:
    """The state a FreeBSD console keeps beside the world: its files and loaded modules."""

    def __init__(self, console: Console, files: dict[str, str]) -> None:
        self.console = console
        self.host = console.host
        carp = [d for d in self.host.daemons.values() if d.protocol == "carp"]
        f = console.files
        f.text["/etc/rc.conf"] = files.get("/etc/rc.conf", self._rc_conf_from_world())
        f.text["/etc/sysctl.conf"] = files.get("/etc/sysctl.conf", "")
        f.text["/boot/loader.conf"] = files.get(
            "/boot/loader.conf", 'carp_load="YES"\n' if carp else ""
        )
        f.writable |= {"/etc/rc.conf", "/etc/sysctl.conf", "/boot/loader.conf"}
        self.carp_loaded = bool(carp) or self._carp_at_boot()
        #: writable CARP sysctls the world does not model (allow, dscp...), as set here
        self.extra: dict[str, int] = {}
        self.host.add_boot_hook(self._at_boot)

    # ------------------------------------------------------------------ state
    def _rc_conf_from_world(self) -> str:
        lines = [f'hostname="{self.host.name}"']
        for name, nic in self.host.nics.items():
            if nic.ip is not None:
                lines.append(f'ifconfig_{name}="inet {nic.ip.ip} netmask {nic.ip.netmask}"')
            n = 0
            for d in self.host.daemons.values():
                if d.protocol != "carp" or d.nic is not nic:
                    continue
                c = d.config
                for vip in c.vips:
                    words = [f"inet vhid {c.vhid}"]
                    if c.advbase != 1:
                        words.append(f"advbase {c.advbase}")
                    if c.advskew:
                        words.append(f"advskew {c.advskew}")
                    if c.password:
                        words.append(f"pass {c.password}")
                    words.append(f"alias {vip}")
                    lines.append(f'ifconfig_{name}_alias{n}="{" ".join(words)}"')
                    n += 1
        if self.host.gateway:
            lines.append(f'defaultrouter="{self.host.gateway}"')
        return "\n".join(lines) + "\n"

    def _carp_at_boot(self) -> bool:
        f = self.console.files.text
        loader = f.get("/boot/loader.conf", "")
        rc = f.get("/etc/rc.conf", "")
        return bool(
            re.search(r'^\s*carp_load="?(YES|yes)"?', loader, re.M)
            or re.search(r'^\s*kld_list="[^"]*\bcarp\b', rc, re.M)
        )

    def _at_boot(self, host: object) -> None:
        """At every boot (before anything starts) the host is what its files say:
        /etc/sysctl.conf, the carp module only if loader.conf (``carp_load="YES"``) or rc.conf
        (``kld_list="carp"``) loads it, and the vhids and interfaces of /etc/rc.conf. What was
        typed by hand (``kldload carp``, ``ifconfig em0 vhid ...``) is gone."""
        self._boot_sysctls()
        self.carp_loaded = self._carp_at_boot()
        self.extra = {}
        try:
            conf = freebsd_host(
                self.console.files.text["/etc/rc.conf"], rc_conf_path="/etc/rc.conf"
            )
        except ConfigError as exc:
            # rc.d/netif fails on the bad line; simlab's reader cannot tell the good ones apart
            first = exc.render().splitlines()[0]
            world = self.console.world
            world.trace.append(LogLine(world.now, self.host.name, "rc", first, "err"))
            self._apply_vhids({})
            return
        for name in conf.interfaces:
            if name in self.host.nics:
                self.host.nics[name].admin_up = True  # ifconfig_em0="inet ..." brings it up
        wanted = {(v.iface, v.vhid): v.config for v in conf.vhids if v.iface in self.host.nics}
        self._apply_vhids(wanted if self.carp_loaded else {})

    def _apply_vhids(self, wanted: dict) -> None:
        """Make the host's vhids ``wanted`` ((iface, vhid) -> config): others are removed,
        new ones added, changed ones restarted (only started at once if the host is up)."""
        host = self.host
        existing = {
            (d.nic.name, d.config.vhid): d for d in host.daemons.values() if d.protocol == "carp"
        }
        for key, daemon in existing.items():
            if key not in wanted:
                if daemon.running:
                    host.stop_daemon(daemon.instance)
                host.remove_daemon(daemon.instance)
        for key, config in wanted.items():
            daemon = existing.get(key)
            if daemon is None:
                host.add_carp(key[0], config)
            elif _differs(daemon.config, config) or (host.booted and not daemon.running):
                daemon.config = config
                if host.booted:
                    host.restart_daemon(daemon.instance)

    def hostname(self) -> str:
        m = re.search(r'^\s*hostname="?([^"\n]+)"?', self.console.files.text["/etc/rc.conf"], re.M)
        return m.group(1).strip() if m else self.host.name

    def commands(self) -> list[str]:
        return [*_COMMANDS, "echo"]

    def run(self, argv: list[str]) -> str:
        handler = _COMMANDS.get(argv[0])
        if handler is None:
            raise CommandError(
                f"{argv[0]}: Command not found (simlab's FreeBSD console knows: "
                f"{', '.join(sorted(self.commands()))}; type help)"
            )
        return handler(self, argv)

    # ------------------------------------------------------------------ ifconfig
    def views(self) -> list[InterfaceView]:
        return interface_views(self.host.snapshot())

    def ifconfig(self, argv: list[str]) -> str:
        if argv[1:] and argv[1] not in ("-a", "-k") and argv[1] not in self.host.ifaces:
            if argv[1] == "lo0":
                return freebsd_ifconfig(_LO0)
            if not argv[1].startswith("-"):
                raise CommandError(f"ifconfig: interface {argv[1]} does not exist")
        try:
            cmd = parse_ifconfig_args(argv[1:], path="ifconfig")
        except ConfigError as exc:
            raise CommandError(_ifconfig_error(exc)) from None
        views = self.views()
        if cmd.iface is None:
            return "\n".join([freebsd_ifconfig(v) for v in views] + [freebsd_ifconfig(_LO0)])
        if cmd.is_show:
            return "\n".join(freebsd_ifconfig(v) for v in views if v.name == cmd.iface)
        host = self.host
        nic = cmd.iface
        if cmd.vhid is not None:
            if not self.carp_loaded:
                raise CommandError("ifconfig: SIOCSVH: Protocol not supported")
            inst = f"{cmd.vhid}@{nic}"
            daemon = host.daemons.get(inst)
            if daemon is None and cmd.address is None:
                raise CommandError(
                    f"ifconfig: vhid {cmd.vhid} is not configured on {nic}; add it with "
                    f"'ifconfig {nic} vhid {cmd.vhid} pass PASS alias ADDRESS/32'"
                )
            if daemon is None:
                config = CarpConfig(
                    vhid=cmd.vhid,
                    advbase=cmd.advbase or 1,
                    advskew=cmd.advskew or 0,
                    password=cmd.password or "",
                    vips=(cmd.address,),  # type: ignore[arg-type]
                )
                host.add_carp(nic, config)
                return ""
            if cmd.address is not None and cmd.address not in daemon.config.vips:
                raise CommandError(
                    "simlab: adding a second address to a running vhid is not modelled; put it "
                    "in rc.conf and run 'service netif restart'"
                )
            if cmd.password is not None and cmd.password != daemon.config.password:
                daemon.config = dataclasses.replace(daemon.config, password=cmd.password)
                host.restart_daemon(inst)
            for name in ("advbase", "advskew"):
                value = getattr(cmd, name)
                if value is not None:
                    host.set_parameter(name, value, inst)
            if cmd.state is not None:
                host.force_state(cmd.state.lower(), inst)
            return ""
        if cmd.address is not None:
            raise CommandError(
                "simlab: changing addresses at run time is not modelled; edit /etc/rc.conf and "
                "run 'service netif restart'"
            )
        if cmd.up is not None:
            host.ifconfig(nic, "up" if cmd.up else "down")
        return ""

    # ------------------------------------------------------------------ sysctl
    def sysctl(self, argv: list[str]) -> str:
        args = [a for a in argv[1:] if not a.startswith("-")]
        flags = [a for a in argv[1:] if a.startswith("-")]
        if flags and set(flags) - {"-a", "-n"}:
            raise CommandError(f"sysctl: illegal option -- {flags[0].lstrip('-')[:1]}")
        values = self._sysctl_values()
        if not args:
            if "-a" in flags:
                return "\n".join(f"{k}: {v}" for k, v in values.items())
            raise CommandError("usage: sysctl [-an] name[=value] ...")
        out = []
        for arg in args:
            name, eq, value = arg.partition("=")
            if not eq:
                hits = [k for k in values if k == name or k.startswith(name + ".")]
                if not hits:
                    raise CommandError(f"sysctl: unknown oid '{name}'")
                out += [str(values[k]) if "-n" in flags else f"{k}: {values[k]}" for k in hits]
                continue
            if name not in values:
                raise CommandError(f"sysctl: unknown oid '{name}'")
            try:
                number = int(value)
            except ValueError:
                raise CommandError(f"sysctl: invalid integer '{value}'") from None
            old = values[name]
            if name in self.host.sysctls:
                self.host.sysctl(name, number)
            else:
                self.extra[name] = number
            new = self._sysctl_values()[name]
            out.append(f"{name}: {old} -> {new}")
        return "\n".join(out)

    def _sysctl_values(self) -> dict[str, int]:
        host = self.host.sysctls
        values: dict[str, int] = {}
        if self.carp_loaded:
            for key, default in CARP_SYSCTLS.items():
                full = f"net.inet.carp.{key}"
                values[full] = host.get(full, self.extra.get(full, default))
            values["net.inet.carp.demotion"] = self.host.carp_demotion
        for key in ("net.inet.ip.forwarding", "net.link.ether.inet.max_age"):
            values[key] = host[key]
        values["kern.hostname"] = self.hostname()  # type: ignore[assignment]
        return values

    # ------------------------------------------------------------------ rc.conf
    def sysrc(self, argv: list[str]) -> str:
        args = argv[1:]
        path = "/etc/rc.conf"
        text = self.console.files.text[path]
        if not args:
            raise CommandError("usage: sysrc [-x] name[=value] ...")
        remove = args[0] == "-x"
        if remove:
            args = args[1:]
        out = []
        for arg in args:
            name, eq, value = arg.partition("=")
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise CommandError(f"sysrc: {name}: name contains characters not allowed in shell")
            current = _rc_value(text, name)
            if remove:
                if current is None:
                    raise CommandError(f"sysrc: {name}: not set")
                text = re.sub(rf"^\s*{name}=.*\n?", "", text, flags=re.M)
                continue
            if not eq:
                if current is None:
                    raise CommandError(f"sysrc: unknown variable '{name}'")
                out.append(f"{name}: {current}")
                continue
            line = f'{name}="{value}"'
            if current is None:
                if text and not text.endswith("\n"):
                    text += "\n"
                text += line + "\n"
            else:
                at = re.search(rf"^\s*{name}=.*$", text, flags=re.M)
                assert at is not None
                text = text[: at.start()] + line + text[at.end() :]
            out.append(f"{name}: {current or ''} -> {value}")
        self.console.files.text[path] = text
        return "\n".join(out)

    def service(self, argv: list[str]) -> str:
        if argv[0].startswith("/etc/rc.d/"):  # /etc/rc.d/netif restart
            argv = ["service", argv[0].removeprefix("/etc/rc.d/"), *argv[1:]]
        if len(argv) != 3:
            raise CommandError("usage: service NAME start|stop|restart (simlab: netif restart)")
        name, verb = argv[1], argv[2]
        if name != "netif":
            raise CommandError(
                f"{name} does not exist in /etc/rc.d or the local startup directories "
                "(simlab models: netif)"
            )
        if verb not in ("restart", "start"):
            raise CommandError(f"simlab: 'service netif {verb}' is not modelled (restart is)")
        return self.netif_restart()

    def netif_restart(self) -> str:
        """Re-read /etc/rc.conf as rc.d/netif does and apply it: each interface is taken down
        and brought up again, its vhids made as the file says."""
        host = self.host
        try:
            conf = freebsd_host(
                self.console.files.text["/etc/rc.conf"], rc_conf_path="/etc/rc.conf"
            )
        except ConfigError as exc:
            return exc.render()
        out = []
        names = [n for n in conf.interfaces if n in host.nics]
        out.append(f"Stopping Network: lo0 {' '.join(names)}.".replace("  ", " "))
        for missing in (n for n in conf.interfaces if n not in host.nics):
            out.append(f"ifconfig: interface {missing} does not exist")
        for diag in conf.warnings:
            out.append(str(diag))
        wanted = {(v.iface, v.vhid): v.config for v in conf.vhids if v.iface in host.nics}
        for name in names:
            if host.nics[name].admin_up:
                host.ifconfig(name, "down")
        if wanted and not self.carp_loaded:
            out.append("ifconfig: SIOCSVH: Protocol not supported")
            wanted = {}
        self._apply_vhids(wanted)
        out.append(f"Starting Network: lo0 {' '.join(names)}.".replace("  ", " "))
        for name in names:
            host.ifconfig(name, "up")
        out.append(freebsd_ifconfig(_LO0))
        views = {v.name: v for v in self.views()}
        out += [freebsd_ifconfig(views[n]) for n in names]
        return "\n".join(out)

    # ------------------------------------------------------------------ kernel modules, power
    def kldstat(self, argv: list[str]) -> str:
        lines = [
            "Id Refs Address                Size Name",
            f" 1   {3 if self.carp_loaded else 2:2d} 0xffffffff80200000  1f3e2d0 kernel",
        ]
        if self.carp_loaded:
            lines.append(" 2    1 0xffffffff82a1f000     3390 carp.ko")
        return "\n".join(lines)

    def kldload(self, argv: list[str]) -> str:
        if len(argv) != 2:
            raise CommandError("usage: kldload [-nqv] file ...")
        module = argv[1].removesuffix(".ko")
        if module != "carp":
            raise CommandError(f"kldload: can't load {argv[1]}: No such file or directory")
        if self.carp_loaded:
            raise CommandError("kldload: can't load carp: module already loaded or in kernel")
        self.carp_loaded = True
        return ""

    def _boot_sysctls(self) -> None:
        """/etc/sysctl.conf is what rc.d/sysctl applies at the next boot (demotion lines add)."""
        demotion = None
        for raw in self.console.files.text["/etc/sysctl.conf"].splitlines():
            line = raw.split("#", 1)[0].strip()
            name, eq, value = line.partition("=")
            name = name.strip()
            if not eq or name not in self.host.sysctls:
                continue
            try:
                number = int(value.strip())
            except ValueError:
                continue
            if name == "net.inet.carp.demotion":
                demotion = (demotion or 0) + number
            else:
                self.host.set_boot_sysctl(name, number)
        if demotion is not None:
            self.host.set_boot_sysctl("net.inet.carp.demotion", demotion)

    def reboot(self, argv: list[str]) -> str:
        if argv[0] == "shutdown":
            if len(argv) != 3 or argv[1] not in ("-r", "-p", "-h") or argv[2] != "now":
                raise CommandError("usage: shutdown [-r | -p | -h] now (simlab: time is now)")
            if argv[1] in ("-p", "-h"):
                for daemon in list(self.host.daemons.values()):
                    if daemon.running:
                        self.host.stop_daemon(daemon.instance)
                self.host.power_off()
                return (
                    f"Shutdown NOW!\nshutdown: [pid 1042]\n"
                    f"Connection to {self.host.name} closed by remote host."
                )
        elif len(argv) != 1:
            raise CommandError("usage: reboot (simlab takes no options)")
        self.host.reboot()
        return f"Connection to {self.host.name} closed by remote host."

    def hostname_cmd(self, argv: list[str]) -> str:
        return self.hostname()


def _differs(old: CarpConfig, new: CarpConfig) -> bool:
    """The ifconfig side of a vhid changed (the sysctl copies are the host's anyway)."""
    same = dataclasses.replace(new, preempt=old.preempt, demotion=old.demotion, log=old.log)
    return same != old


def _rc_value(text: str, name: str) -> str | None:
    value = None
    for m in re.finditer(rf'^\s*{name}=("([^"]*)"|\'([^\']*)\'|(\S*))', text, re.M):
        value = next(g for g in (m.group(2), m.group(3), m.group(4)) if g is not None)
    return value


def _ifconfig_error(exc: ConfigError) -> str:
    diag = exc.errors[0] if exc.errors else exc.diagnostics[0]
    message = diag.message
    if diag.expected:
        message += f" (expected {diag.expected})"
    return f"ifconfig: {message}"


def _help(shell: FreeBsdShell, argv: list[str]) -> str:
    return HELP


_COMMANDS = {
    "ifconfig": FreeBsdShell.ifconfig,
    "sysctl": FreeBsdShell.sysctl,
    "sysrc": FreeBsdShell.sysrc,
    "service": FreeBsdShell.service,
    "/etc/rc.d/netif": FreeBsdShell.service,
    "cat": lambda shell, argv: cat(shell.console, argv),
    "tail": lambda shell, argv: tail(shell.console, argv, "/var/log/messages", None),
    "ping": lambda shell, argv: ping(shell.console, argv),
    "kldstat": FreeBsdShell.kldstat,
    "kldload": FreeBsdShell.kldload,
    "reboot": FreeBsdShell.reboot,
    "shutdown": FreeBsdShell.reboot,
    "hostname": FreeBsdShell.hostname_cmd,
    "help": _help,
    "sleep": lambda shell, argv: sleep(shell.console, argv),
    "history": lambda shell, argv: history(shell.console),
}
