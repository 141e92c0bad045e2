"""The terminal surface: a plain ``input()`` loop over a :class:`~simlab.console.session.Lab`.

Host commands go to the current host's console; a few meta-commands drive the lab itself:
``hosts``, ``switch HOST``, ``advance SECONDS``, ``time``, ``exit``. Ctrl-C is ``^C`` on the
current console (it stops a running ``ping``); end of input ends the session. It works on any
terminal, pseudo-terminals included, because it only reads lines and prints text.
"""

from __future__ import annotations

from collections.abc import Callable

from simlab.console.session import NS_PER_S, Lab

#: one ``advance`` at most (a simulated day runs in well under a minute)
MAX_ADVANCE_S = 86_400

META = """\
simlab meta-commands (not sent to the host):
  hosts               list the hosts and their consoles
  switch HOST         type on HOST from now on
  advance SECONDS     let simulated time pass
  time                the simulated clock
  poweron HOST        press the power button of a host that is off
  exit                end the session (also: quit, logout, Ctrl-D)"""


def _time(lab: Lab) -> str:
    return f"simulated time {lab.world.now / NS_PER_S:.1f} s"


def repl(
    lab: Lab,
    host: str,
    *,
    read: Callable[[str], str] = input,
    write: Callable[[str], None] = print,
    banner: str = "",
) -> int:
    """Run the loop until ``exit`` or end of input; return how many lines were read."""
    current = lab[host]
    if banner:
        write(banner)
    write(f"{META}\nYou are on {host}; {_time(lab)}.")
    count = 0
    while True:
        try:
            line = read(f"{current.prompt} ")
        except EOFError:
            write("")
            return count
        except KeyboardInterrupt:
            line = "^C"
            write("^C")
        count += 1
        words = line.split()
        meta = words[0] if words else ""
        if meta in ("exit", "quit", "logout") and len(words) == 1:
            return count
        if meta == "hosts" and len(words) == 1:
            for name, con in lab.consoles.items():
                mark = "*" if con is current else " "
                state = "up" if con.host.booted else "booting" if con.host.powered else "off"
                write(f"{mark} {name:<12} {con.host.os:<8} {state}")
            continue
        if meta == "switch":
            if len(words) != 2 or words[1] not in lab.consoles:
                write(f"usage: switch HOST (hosts: {', '.join(lab.consoles)})")
            else:
                current = lab[words[1]]
            continue
        if meta == "advance":
            try:
                seconds = float(words[1]) if len(words) == 2 else -1.0
            except ValueError:
                seconds = -1.0
            if not 0 <= seconds <= MAX_ADVANCE_S:
                write(f"usage: advance SECONDS (a number from 0 to {MAX_ADVANCE_S})")
            else:
                lab.advance(seconds)
                write(_time(lab))
            continue
        if meta == "poweron":
            target = lab.consoles.get(words[1]) if len(words) == 2 else None
            if target is None:
                write(f"usage: poweron HOST (hosts: {', '.join(lab.consoles)})")
            elif target.host.powered:
                write(f"{target.host.name} is already on")
            else:
                target.host.power_on()
                write(f"{target.host.name} is booting")
            continue
        if meta == "time" and len(words) == 1:
            write(_time(lab))
            continue
        out = current.run(line)
        if out:
            write(out)
