"""The Debian host's commands: what the keepalived article types, printed as Debian 12 prints it.

The console keeps the host's preparation state beside the world: is the keepalived package
installed, is the ``dummy`` module loaded (``modprobe dummy`` creates ``dummy0``, down), what
``/etc/modules``, ``/etc/network/interfaces``, ``/etc/sysctl.conf`` and
``/etc/keepalived/keepalived.conf`` say. :meth:`LinuxShell.checklist` is the article's check
list: it passes only when each step was done. ``systemctl start|restart keepalived`` reads
keepalived.conf with :func:`simlab.config.keepalived.parse_keepalived_conf` (``strict=False``:
what the real daemon accepts) and runs its instances in the world.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

from simlab.config.errors import ConfigError
from simlab.config.keepalived import parse_keepalived_conf
from simlab.console.common import (
    NS_PER_S,
    CommandError,
    cat,
    history,
    log_lines,
    ping,
    sleep,
    tail,
)
from simlab.render.ifconfig import AddressView, InterfaceView, interface_views, linux_ip_addr
from simlab.render.syslog import EPOCH, fake_pid, syslog_timestamp
from simlab.sim.host import LINUX_SYSCTLS

if TYPE_CHECKING:
    from simlab.console.session import Console

KEEPALIVED_CONF = "/etc/keepalived/keepalived.conf"
KEEPALIVED_VERSION = "1:2.2.7-1+b2"
_KERNEL = "6.1.0-13-amd64"
_LO = InterfaceView(
    name="lo",
    mac="00:00:00:00:00:00",
    mtu=65536,
    addresses=(AddressView("127.0.0.1/8"),),
    kind="loopback",
    index=1,
)
_LSMOD_BASE = (
    ("nf_tables", 356352, "0"),
    ("crc32c_generic", 16384, "0"),
    ("e1000", 159744, "0"),
)

HELP = """\
Debian commands simlab understands on this host:
  apt install keepalived | apt-get install keepalived | dpkg -l keepalived
  modprobe dummy | lsmod | lsmod | grep dummy
  ip link [show [IF]] | ip addr [show [IF]] | ip a | ip link set IF up|down
  sysctl NAME | sysctl -w NAME=VALUE | sysctl -p
  cat FILE                     /etc/keepalived/keepalived.conf, /etc/sysctl.conf,
                               /etc/modules, /etc/network/interfaces
  echo '...' >> FILE           append a line (> replaces)
  systemctl start|stop|restart|status|enable|disable|is-enabled keepalived
  journalctl -u keepalived | tail [-n N] /var/log/syslog
  ping [-c N] [-i S] ADDR      without -c: runs until ^C
  reboot | hostname | sleep N | history | help
  CMD | grep [-i] [-v] PATTERN the one pipe supported"""


class LinuxShell:
    """The state a Debian console keeps beside the world (see the module docstring)."""

    def __init__(self, console: Console, files: dict[str, str]) -> None:
        self.console = console
        self.host = host = console.host
        vrrp = [d for d in host.daemons.values() if d.protocol == "vrrp"]
        self.installed = bool(vrrp)
        self.enabled = bool(vrrp)
        self.dummy_loaded = any(i.__class__.__name__ == "Dummy" for i in host.ifaces.values())
        f = console.files
        if KEEPALIVED_CONF in files or self.installed:
            f.text[KEEPALIVED_CONF] = files.get(KEEPALIVED_CONF, "")
        f.text["/etc/sysctl.conf"] = files.get("/etc/sysctl.conf", self._sysctl_conf_from_world())
        f.text["/etc/modules"] = files.get(
            "/etc/modules",
            "# /etc/modules: kernel modules to load at boot time.\n"
            + ("dummy\n" if self.dummy_loaded else ""),
        )
        f.text["/etc/network/interfaces"] = files.get(
            "/etc/network/interfaces", self._interfaces_from_world()
        )
        f.writable |= {
            KEEPALIVED_CONF,
            "/etc/sysctl.conf",
            "/etc/modules",
            "/etc/network/interfaces",
            "/etc/modprobe.d/dummy.conf",
        }
        #: journal lines the trace does not have (systemd's, config messages): (time, ident, text)
        self.journal: list[tuple[int, str, str]] = []
        #: the keepalived.conf text the running instances were made from (None: none were)
        self.applied_conf: str | None = f.text.get(KEEPALIVED_CONF) if vrrp else None
        host.add_boot_hook(self._at_boot)

    # ------------------------------------------------------------------ state
    def _sysctl_conf_from_world(self) -> str:
        lines = [
            f"{key} = {value}"
            for key, value in self.host.boot_sysctls().items()
            if LINUX_SYSCTLS.get(key, value) != value
        ]
        return "".join(line + "\n" for line in lines)

    def _interfaces_from_world(self) -> str:
        lines = ["source /etc/network/interfaces.d/*", "", "auto lo", "iface lo inet loopback"]
        for name, nic in self.host.nics.items():
            lines += ["", f"auto {name}", f"iface {name} inet static"]
            if nic.ip is not None:
                lines.append(f"    address {nic.ip}")
            if self.host.gateway:
                lines.append(f"    gateway {self.host.gateway}")
        for name in self.host.ifaces:
            if name not in self.host.nics:
                lines += ["", f"auto {name}", f"iface {name} inet manual"]
        return "\n".join(lines) + "\n"

    def _at_boot(self, host: object) -> None:
        """At every boot (before anything starts), only what the files make permanent is
        back: /etc/sysctl.conf, the modules of /etc/modules, dummy0 up if
        /etc/network/interfaces brings it up, keepalived if enabled (re-read if its file
        changed since it was started)."""
        self._boot_sysctls()
        modules = self.console.files.text["/etc/modules"]
        self.dummy_loaded = bool(re.search(r"^\s*dummy\b", modules, re.M))
        auto = self.console.files.text["/etc/network/interfaces"]
        dummy = self.host.ifaces.get("dummy0")
        if dummy is not None:
            dummy.admin_up = self.dummy_loaded and bool(
                re.search(r"^\s*(auto|allow-hotplug)\s+.*\bdummy0\b", auto, re.M)
            )
        if not (self.installed and self.enabled):
            return
        text = self.console.files.text.get(KEEPALIVED_CONF, "")
        if text == self.applied_conf:
            self._log("Starting keepalived.service - Keepalive Daemon (LVS and VRRP)...")
            self._log("Started keepalived.service - Keepalive Daemon (LVS and VRRP).")
        elif self._start_keepalived():
            # it failed: nothing of the old configuration runs either
            self._remove_instances()

    def _remove_instances(self) -> None:
        host = self.host
        for daemon in list(host.daemons.values()):
            if daemon.protocol == "vrrp":
                if daemon.running:
                    host.stop_daemon(daemon.instance)
                host.remove_daemon(daemon.instance)
        self.applied_conf = None

    def hostname(self) -> str:
        return self.host.name

    def commands(self) -> list[str]:
        return [*_COMMANDS, "echo"]

    def run(self, argv: list[str]) -> str:
        handler = _COMMANDS.get(argv[0])
        if handler is None:
            raise CommandError(
                f"-bash: {argv[0]}: command not found (simlab's Debian console knows: "
                f"{', '.join(sorted(self.commands()))}; type help)"
            )
        return handler(self, argv)

    def checklist(self) -> dict[str, bool]:
        """The keepalived article's checks, from what was done on this host."""
        dummy = self.host.ifaces.get("dummy0")
        return {
            "keepalived installed": self.installed,
            "dummy module loaded": self.dummy_loaded,
            "dummy0 up": bool(self.dummy_loaded and dummy is not None and dummy.admin_up),
            "net.ipv4.ip_nonlocal_bind = 1": self.host.sysctls["net.ipv4.ip_nonlocal_bind"] == 1,
        }

    # ------------------------------------------------------------------ packages and modules
    def apt(self, argv: list[str]) -> str:
        args = [a for a in argv[1:] if a not in ("-y", "--yes", "-q")]
        if not args or args[0] != "install":
            raise CommandError(f"{argv[0]}: simlab models only '{argv[0]} install keepalived'")
        packages = args[1:]
        if packages != ["keepalived"]:
            missing = next((p for p in packages if p != "keepalived"), "")
            if not packages:
                return "Reading package lists... Done\n0 upgraded, 0 newly installed."
            raise CommandError(
                f"Reading package lists... Done\nE: Unable to locate package {missing} "
                "(simlab's package archive holds keepalived only)"
            )
        head = "Reading package lists... Done\nBuilding dependency tree... Done\n"
        if self.installed:
            return head + f"keepalived is already the newest version ({KEEPALIVED_VERSION})."
        self.installed = True
        self._set_enabled(True)
        self.console.files.text.setdefault(KEEPALIVED_CONF, "")
        self.console.took_ns = 5_000_000_000
        lines = [
            head.rstrip("\n"),
            "The following NEW packages will be installed:",
            "  keepalived",
            "0 upgraded, 1 newly installed, 0 to remove and 0 not upgraded.",
            f"Setting up keepalived ({KEEPALIVED_VERSION}) ...",
            "Created symlink /etc/systemd/system/multi-user.target.wants/keepalived.service "
            "\u2192 /lib/systemd/system/keepalived.service.",
        ]
        # Debian starts the unit at once; with no keepalived.conf systemd skips it quietly
        # (ConditionFileNotEmpty), which is why the article writes the file next.
        if self.console.files.text[KEEPALIVED_CONF].strip():
            failed = self._start_keepalived()
            if failed:
                lines.append(failed)
        return "\n".join(lines)

    def dpkg(self, argv: list[str]) -> str:
        if argv[1:] != ["-l", "keepalived"]:
            raise CommandError("dpkg: simlab models only 'dpkg -l keepalived'")
        if not self.installed:
            return "dpkg-query: no packages found matching keepalived"
        return (
            "Desired=Unknown/Install/Remove/Purge/Hold\n"
            "| Status=Not/Inst/Conf-files/Unpacked/halF-conf/Half-inst/trig-aWait/Trig-pend\n"
            "|/ Err?=(none)/Reinst-required (Status,Err: uppercase=bad)\n"
            "||/ Name           Version       Architecture Description\n"
            "+++-==============-=============-============-=================================\n"
            f"ii  keepalived     {KEEPALIVED_VERSION:<13} amd64        "
            "Failover and monitoring daemon for LVS clusters"
        )

    def modprobe(self, argv: list[str]) -> str:
        args = [a for a in argv[1:] if not a.startswith("-")]
        if len(args) != 1:
            raise CommandError("modprobe: ERROR: missing parameters. See -h.")
        if args[0] != "dummy":
            raise CommandError(
                f"modprobe: FATAL: Module {args[0]} not found in directory /lib/modules/{_KERNEL}"
                " (simlab models: dummy)"
            )
        if not self.dummy_loaded:
            self.dummy_loaded = True
            dummy = self.host.ifaces.get("dummy0")
            if dummy is None:
                dummy = self.host.add_dummy("dummy0")
            dummy.admin_up = False  # the driver creates dummy0 down
        return ""

    def lsmod(self, argv: list[str]) -> str:
        rows = list(_LSMOD_BASE)
        if self.dummy_loaded:
            rows.insert(0, ("dummy", 16384, "0"))
        return "\n".join(
            ["Module                  Size  Used by"]
            + [f"{name:<24}{size:>6}  {used}" for name, size, used in rows]
        )

    # ------------------------------------------------------------------ ip
    def views(self) -> list[InterfaceView]:
        views = [_LO]
        for view in interface_views(self.host.snapshot()):
            if view.kind == "dummy" and not self.dummy_loaded:
                continue
            views.append(view)
        return views

    def ip(self, argv: list[str]) -> str:
        args = argv[1:]
        if not args:
            raise CommandError("Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }")
        obj, rest = args[0], args[1:]
        if obj in ("a", "addr", "address"):
            obj = "addr"
        elif obj in ("l", "link"):
            obj = "link"
        else:
            raise CommandError(f'Object "{obj}" is unknown, try "ip help". (simlab: addr, link)')
        if rest and rest[0] in ("set",) and obj == "link":
            return self._link_set(rest[1:])
        if rest and rest[0] in ("show", "list", "ls", "sh"):
            rest = rest[1:]
        if rest and rest[0] == "dev":
            rest = rest[1:]
        if len(rest) > 1 or (rest and rest[0] in ("add", "del", "delete")):
            raise CommandError(f"simlab: 'ip {obj} {' '.join(rest)}' is not modelled")
        views = self.views()
        if rest:
            views = [v for v in views if v.name == rest[0]]
            if not views:
                raise CommandError(f'Device "{rest[0]}" does not exist.')
        text = linux_ip_addr(views)
        if obj == "addr":
            return text
        out = []
        for line in text.splitlines():
            if line.startswith("    inet") or line.startswith("       valid_lft"):
                continue
            if not line.startswith(" "):
                line = line.replace(" group default", " mode DEFAULT group default")
            out.append(line)
        return "\n".join(out)

    def _link_set(self, rest: list[str]) -> str:
        if rest and rest[0] == "dev":
            rest = rest[1:]
        if len(rest) != 2 or rest[1] not in ("up", "down"):
            raise CommandError("Usage: ip link set DEVICE { up | down }")
        name, updown = rest
        iface = self.host.ifaces.get(name)
        if iface is None or (name == "dummy0" and not self.dummy_loaded):
            raise CommandError(f'Cannot find device "{name}"')
        if name in self.host.nics:
            self.host.ifconfig(name, updown)
        else:
            iface.admin_up = updown == "up"
        return ""

    # ------------------------------------------------------------------ sysctl
    def sysctl(self, argv: list[str]) -> str:
        args = argv[1:]
        if args and args[0] == "-p":
            return self._sysctl_file(args[1] if len(args) > 1 else "/etc/sysctl.conf")
        if args and args[0] == "--system":
            return self._sysctl_file("/etc/sysctl.conf")
        write = False
        if args and args[0] == "-w":
            write, args = True, args[1:]
        if not args:
            raise CommandError("sysctl: no variables specified")
        out = []
        for arg in args:
            name, eq, value = arg.partition("=")
            name = name.strip().replace("/", ".")
            if name not in self.host.sysctls:
                raise CommandError(
                    f"sysctl: cannot stat /proc/sys/{name.replace('.', '/')}: "
                    "No such file or directory"
                )
            if not eq:
                if write:
                    raise CommandError(f'sysctl: "{name}" must be of the form name=value')
                out.append(f"{name} = {self.host.sysctls[name]}")
                continue
            try:
                number = int(value.strip())
            except ValueError:
                raise CommandError(f'sysctl: setting key "{name}": Invalid argument') from None
            self.host.sysctl(name, number)
            out.append(f"{name} = {number}")
        return "\n".join(out)

    def _sysctl_file(self, path: str) -> str:
        text = self.console.files.read(path, "sysctl")
        out = []
        for raw in text.splitlines():
            line = raw.strip()
            if not line or line[0] in "#;":
                continue
            name, eq, value = line.partition("=")
            name = name.strip().lstrip("-").replace("/", ".")
            if not eq:
                out.append(f"sysctl: {path}: line is not name=value: {raw}")
                continue
            try:
                out.append(self.sysctl(["sysctl", f"{name}={value.strip()}"]))
            except CommandError as exc:
                out.append(str(exc))
        return "\n".join(out)

    def _boot_sysctls(self) -> None:
        """/etc/sysctl.conf is what systemd-sysctl applies at the next boot."""
        for raw in self.console.files.text["/etc/sysctl.conf"].splitlines():
            name, eq, value = raw.strip().partition("=")
            name = name.strip().lstrip("-").replace("/", ".")
            if eq and name in self.host.sysctls and not raw.lstrip().startswith(("#", ";")):
                try:
                    self.host.set_boot_sysctl(name, int(value.strip()))
                except ValueError:
                    continue

    # ------------------------------------------------------------------ keepalived
    def _log(self, text: str, ident: str = "systemd[1]") -> None:
        self.journal.append((self.console.world.now, ident, text))

    def _log_config(self, text: str) -> None:
        self._log(text, f"Keepalived[{fake_pid(self.host.name, 'Keepalived')}]")

    def _start_keepalived(self, quiet: bool = False) -> str:
        """Read keepalived.conf and run its instances; "" on success, else systemctl's text."""
        text = self.console.files.text.get(KEEPALIVED_CONF, "")
        if not text.strip():
            return (
                "Job for keepalived.service failed: condition "
                f"ConditionFileNotEmpty={KEEPALIVED_CONF} was not met."
            )
        try:
            conf = parse_keepalived_conf(text, path=KEEPALIVED_CONF, strict=False)
        except ConfigError as exc:
            self._log("Starting keepalived.service - Keepalive Daemon (LVS and VRRP)...")
            for diag in exc.diagnostics:
                self._log_config(str(diag))
            self._log("keepalived.service: Failed with result 'exit-code'.")
            return (
                "Job for keepalived.service failed because the control process exited with error "
                'code.\nSee "systemctl status keepalived.service" and "journalctl -xeu '
                'keepalived.service" for details.'
            )
        host = self.host
        problems = []
        for inst in conf.instances:
            if inst.interface not in host.nics:
                problems.append(
                    f"{KEEPALIVED_CONF}:{inst.line}: {inst.name}: interface "
                    f"{inst.interface} does not exist"
                )
        if problems:
            for p in problems:
                self._log_config(p)
            return "Job for keepalived.service failed (see journalctl -u keepalived)."
        self._log("Starting keepalived.service - Keepalive Daemon (LVS and VRRP)...")
        for diag in conf.diagnostics:
            self._log_config(str(diag))
        self._remove_instances()
        for inst in conf.instances:
            devices = {d for d in inst.vip_devices.values() if d and d != inst.interface}
            vip_iface = next(iter(devices), None)
            if vip_iface is not None and (
                vip_iface not in host.ifaces or (vip_iface == "dummy0" and not self.dummy_loaded)
            ):
                self._log_config(
                    f"({inst.name}) cannot add VIPs: device {vip_iface} does not exist"
                )
                vip_iface = None
            host.add_vrrp(inst.interface, inst.config, vip_iface=vip_iface)
        self.applied_conf = text
        self._log("Started keepalived.service - Keepalive Daemon (LVS and VRRP).")
        return ""

    def _set_enabled(self, enabled: bool) -> None:
        """systemctl enable|disable: whether keepalived starts at the next boot."""
        self.enabled = enabled
        self.host.set_enabled_at_boot("keepalived", enabled)

    def _running(self) -> bool:
        return any(d.running for d in self.host.daemons.values() if d.protocol == "vrrp")

    def systemctl(self, argv: list[str]) -> str:
        if len(argv) != 3:
            raise CommandError(
                "usage: systemctl start|stop|restart|status|enable|disable|is-enabled keepalived"
            )
        verb, unit = argv[1], argv[2].removesuffix(".service")
        if unit != "keepalived" or not self.installed:
            if verb == "status":
                return f"Unit {unit}.service could not be found."
            return f"Failed to {verb} {unit}.service: Unit {unit}.service not found."
        host = self.host
        if verb in ("start", "restart", "reload"):
            if verb == "start" and self._running():
                return ""
            return self._start_keepalived()
        if verb == "stop":
            if self._running():
                self._log("Stopping keepalived.service - Keepalive Daemon (LVS and VRRP)...")
                for daemon in list(host.daemons.values()):
                    if daemon.protocol == "vrrp" and daemon.running:
                        host.stop_daemon(daemon.instance)
                self._log("keepalived.service: Deactivated successfully.")
            return ""
        if verb in ("enable", "disable"):
            if self.enabled == (verb == "enable"):
                return ""  # the symlink is already there (or already gone)
            self._set_enabled(verb == "enable")
            link = "/etc/systemd/system/multi-user.target.wants/keepalived.service"
            if verb == "enable":
                return f"Created symlink {link} \u2192 /lib/systemd/system/keepalived.service."
            return f'Removed "{link}".'
        if verb == "is-enabled":
            return "enabled" if self.enabled else "disabled"
        if verb == "status":
            return self._status()
        raise CommandError(f"Unknown command verb {verb}.")

    def _status(self) -> str:
        running = self._running()
        if running:
            since = max(
                (t for t, _i, text in self.journal if text.startswith("Started")), default=0
            )
            moment = EPOCH + timedelta(microseconds=since // 1000)
            ago = (self.console.world.now - since) // NS_PER_S
            active = f"active (running) since {moment:%a %Y-%m-%d %H:%M:%S} UTC; {ago}s ago"
        else:
            active = "inactive (dead)"
        pid = fake_pid(self.host.name, "Keepalived")
        lines = [
            f"{'●' if running else '○'} keepalived.service - Keepalive Daemon (LVS and VRRP)",
            "     Loaded: loaded (/lib/systemd/system/keepalived.service; "
            f"{'enabled' if self.enabled else 'disabled'}; preset: enabled)",
            f"     Active: {active}",
        ]
        if running:
            lines.append(f"   Main PID: {pid} (keepalived)")
        tail_lines = self._journal_lines()[-10:]
        if tail_lines:
            lines += ["", *tail_lines]
        return "\n".join(lines)

    def _journal_lines(self) -> list[str]:
        name = self.console.hostname
        mine = [
            (t, 0, f"{syslog_timestamp(t)} {name} {ident}: {text}")
            for t, ident, text in self.journal
        ]
        kept = log_lines(self.console, {"Keepalived_vrrp", "Keepalived"}, with_time=True)
        merged = mine + [(t, 1, line) for t, line in kept]
        return [line for _t, _k, line in sorted(merged, key=lambda x: (x[0], x[1]))]

    def journalctl(self, argv: list[str]) -> str:
        args = [a for a in argv[1:] if a not in ("--no-pager", "-e", "-x", "-xe")]
        if args[:1] == ["-u"] and len(args) >= 2:
            unit = args[1].removesuffix(".service")
        elif args[:1] and args[0].startswith("--unit="):
            unit = args[0].split("=", 1)[1].removesuffix(".service")
        else:
            raise CommandError("simlab: journalctl -u keepalived is the form modelled")
        if unit != "keepalived":
            return "-- No entries --"
        lines = self._journal_lines()
        return "\n".join(lines) if lines else "-- No entries --"

    def reboot(self, argv: list[str]) -> str:
        if argv[0] == "shutdown" and argv[1:] not in (["-r", "now"], ["-r"]):
            raise CommandError("simlab models 'shutdown -r now' and 'reboot'")
        if argv[0] == "reboot" and len(argv) != 1:
            raise CommandError("usage: reboot (simlab takes no options)")
        self.host.reboot()
        return f"Connection to {self.host.name} closed by remote host."


def _help(shell: LinuxShell, argv: list[str]) -> str:
    return HELP


_COMMANDS = {
    "apt": LinuxShell.apt,
    "apt-get": LinuxShell.apt,
    "dpkg": LinuxShell.dpkg,
    "modprobe": LinuxShell.modprobe,
    "lsmod": LinuxShell.lsmod,
    "ip": LinuxShell.ip,
    "sysctl": LinuxShell.sysctl,
    "systemctl": LinuxShell.systemctl,
    "journalctl": LinuxShell.journalctl,
    "cat": lambda shell, argv: cat(shell.console, argv),
    "tail": lambda shell, argv: tail(shell.console, argv, "/var/log/syslog", None),
    "ping": lambda shell, argv: ping(shell.console, argv),
    "reboot": LinuxShell.reboot,
    "shutdown": LinuxShell.reboot,
    "hostname": lambda shell, argv: shell.hostname(),
    "help": _help,
    "sleep": lambda shell, argv: sleep(shell.console, argv),
    "history": lambda shell, argv: history(shell.console),
}
