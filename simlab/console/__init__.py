"""A console on every simulated host: type the articles' commands, see what the host prints.

No real shell is ever run. A :class:`~simlab.console.session.Console` reads one command line
(``shlex``), carries it out on the simulated world (``simlab.sim``) through the same readers as
the scenario files (``simlab.config``) and prints what FreeBSD or Debian would print
(``simlab.render``). Simulated time advances between commands. A
:class:`~simlab.console.session.Lab` holds one console per host of one world. See
docs/console.md for the command reference.

Three surfaces drive the same consoles: ``simlab console`` (:mod:`simlab.console.interactive`),
the notebook widget (:mod:`simlab.lab.console_widget`) and ``run:`` steps in scenario files,
played by :func:`simlab.console.script.run_scenario`. At every boot a host with a console is what
its files say (``systemctl enable|disable``, ``carp_load``, rc.conf, sysctl.conf).
"""

from __future__ import annotations

from simlab.console.session import Console, Lab

__all__ = ["Console", "Lab"]
