"""``python -m simlab ...`` is the ``simlab`` command (handy where only the interpreter's path
is known, e.g. inside a network namespace)."""

from simlab.cli import main

main()
