"""The notebook surface of the consoles: a terminal-like box per simulated host.

``simlab console`` is the terminal surface and scripted ``run:`` steps the scenario surface; this
is the third, for the lab bench in a notebook. All three drive the same
:class:`~simlab.console.session.Console`, so a command typed here prints exactly what it prints
in a terminal, and advances the same simulated clock.

ipywidgets has no terminal: the transcript (prompt, command, output) is shown as monospace text
in an :class:`~ipywidgets.HTML` box (an ``Output`` widget would capture nothing outside a kernel,
and the tests drive the widget without one), and a :class:`~ipywidgets.Text` box reads the line.
The Text box has ``continuous_update=False``, so its value reaches Python when the learner presses
Enter (or leaves the box): that runs the line, as ``on_submit`` did before ipywidgets 8
deprecated it. A *Run* button runs what is in the box (an empty line while a ``ping`` runs shows
its new lines, as Enter does in a terminal), *^C* stops a ``ping``, and a history list gives back
earlier lines (arrow keys cannot be read from a Text widget).

Two lines are read by the widget, not the host, as in ``simlab console``: ``advance SECONDS``
lets simulated time pass and ``time`` prints the clock.

:meth:`ConsoleWidget.submit` is the plain function behind all of it (tests call it, and so can a
notebook cell). ``on_command(line, output)`` is called after every line, so the lab bench can
redraw its charts from the world the command changed.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from simlab.console.interactive import MAX_ADVANCE_S
from simlab.console.session import NS_PER_S

if TYPE_CHECKING:
    from simlab.console.session import Console, Lab

#: ``on_command(line, output)``: called after each line the widget ran
OnCommand = Callable[[str, str], None]

#: the transcript box's height; it scrolls, newest line at the bottom
_HEIGHT = "22em"
_PICK = "history…"


class ConsoleWidget:
    """A terminal-like widget on one :class:`~simlab.console.session.Console`.

    ``widget`` is the ipywidgets box to display (the object displays itself too, through
    ``_repr_mimebundle_``). ``on_command(line, output)`` is called after each line it runs.
    """

    def __init__(
        self, console: Console, *, on_command: OnCommand | None = None, title: str | None = None
    ) -> None:
        self.console = console
        self.on_command = on_command
        #: lines the widget answered itself (``advance``, ``time``), each with the length of
        #: the console's transcript when typed: the console's transcript stays the host's own
        self._extra: list[tuple[int, list[str]]] = []
        self._clearing = False
        self.output = widgets.HTML(layout=widgets.Layout(width="100%"))
        self.prompt = widgets.HTML(layout=widgets.Layout(width="auto", flex="0 0 auto"))
        self.input = widgets.Text(
            value="",
            placeholder="type a command, press Enter (help lists them)",
            continuous_update=False,
            layout=widgets.Layout(flex="1 1 auto", width="auto"),
        )
        self.run_button = widgets.Button(
            description="Run", tooltip="run the line (Enter does too)", layout={"width": "5em"}
        )
        self.interrupt_button = widgets.Button(
            description="^C", tooltip="interrupt a running ping", layout={"width": "4em"}
        )
        self.history = widgets.Dropdown(
            options=[_PICK], value=_PICK, layout=widgets.Layout(width="14em")
        )
        self.status = widgets.HTML()
        self.input.observe(self._on_value, names="value")
        self.run_button.on_click(self._on_run)
        self.interrupt_button.on_click(self._on_interrupt)
        self.history.observe(self._on_history, names="value")
        head = title if title is not None else f"{console.host.name} ({console.host.os})"
        self.widget = widgets.VBox(
            [
                widgets.HTML(f"<b>{html.escape(head)}</b>"),
                self.output,
                widgets.HBox(
                    [self.prompt, self.input, self.run_button, self.interrupt_button, self.history],
                    layout=widgets.Layout(width="100%", align_items="center"),
                ),
                self.status,
            ],
            layout=widgets.Layout(width="100%"),
        )
        self.refresh()

    # ------------------------------------------------------------------ the plain function
    def submit(self, line: str) -> str:
        """Run ``line`` as if typed and Enter pressed; return what it printed."""
        words = line.split()
        if words[:1] == ["advance"]:
            out = self._advance(words)
            self._echo(line, out)
        elif words == ["time"]:
            out = self._time()
            self._echo(line, out)
        else:
            out = self.console.run(line)
        self.refresh()
        if self.on_command is not None:
            self.on_command(line, out)
        return out

    def transcript(self) -> str:
        """The text the box shows: the console's transcript then the current prompt."""
        return "\n".join([*self._shown(), self.console.prompt])

    # ------------------------------------------------------------------ display
    def refresh(self) -> None:
        """Redraw from the console (after a command typed elsewhere on the same world)."""
        # column-reverse keeps the box scrolled to its newest line without any JavaScript
        self.output.value = (
            f'<div style="height:{_HEIGHT};overflow-y:auto;display:flex;'
            'flex-direction:column-reverse;background:#111;color:#ddd;padding:4px">'
            '<pre style="margin:0;font-family:monospace;font-size:12px;line-height:1.3;'
            f'white-space:pre-wrap">{html.escape(chr(10).join(self._shown()))}</pre></div>'
        )
        self.prompt.value = (
            f'<span style="font-family:monospace">{html.escape(self.console.prompt)}</span>'
        )
        options = [_PICK, *reversed(dict.fromkeys(self.console.history))]
        if list(self.history.options) != options:
            self.history.unobserve(self._on_history, names="value")
            self.history.options = options
            self.history.value = _PICK
            self.history.observe(self._on_history, names="value")
        host = self.console.host
        state = "up" if host.booted else "booting" if host.powered else "powered off"
        job = "; ping running (Enter or Run shows it, ^C stops it)" if self.console.job else ""
        self.status.value = (
            f'<span style="font-size:11px;color:#666">{html.escape(self._time())}; '
            f"{html.escape(host.name)} is {state}{html.escape(job)}</span>"
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    # ------------------------------------------------------------------ lab
    @classmethod
    def for_lab(cls, lab: Lab, *, on_command: OnCommand | None = None) -> LabConsoles:
        """One terminal per host of ``lab``, in a :class:`~ipywidgets.Tab`."""
        return LabConsoles(lab, on_command=on_command)

    # ------------------------------------------------------------------ internals
    def _shown(self) -> list[str]:
        host_lines = self.console.transcript
        if not self._extra:
            return list(host_lines)
        shown: list[str] = []
        at = 0
        for until, lines in self._extra:
            shown += host_lines[at:until]
            shown += lines
            at = until
        return shown + host_lines[at:]

    def _echo(self, line: str, out: str) -> None:
        typed = f"{self.console.prompt} {line}".rstrip()
        self._extra.append((len(self.console.transcript), [typed, out]))

    def _time(self) -> str:
        return f"simulated time {self.console.world.now / NS_PER_S:.1f} s"

    def _advance(self, words: list[str]) -> str:
        try:
            seconds = float(words[1]) if len(words) == 2 else -1.0
        except ValueError:
            seconds = -1.0
        if not 0 <= seconds <= MAX_ADVANCE_S:
            return f"usage: advance SECONDS (a number from 0 to {MAX_ADVANCE_S})"
        self.console.advance(seconds)
        return self._time()

    def _safe_submit(self, line: str) -> None:
        # a widget callback's exception would vanish into the kernel log: show it instead
        try:
            self.submit(line)
        except Exception as exc:  # shown to the learner, not swallowed
            self.status.value = (
                f'<span style="color:#b00">simlab error: {html.escape(repr(exc))}</span>'
            )

    def _on_value(self, change: dict[str, Any]) -> None:
        if self._clearing:
            return
        line = change["new"]
        if not line:
            return
        self._clear_input()
        self._safe_submit(line)

    def _on_run(self, _button: Any) -> None:
        line = self.input.value
        if not line and self.console.job is None:
            return  # the line already ran when the box lost focus to this button
        self._clear_input()
        self._safe_submit(line)

    def _on_interrupt(self, _button: Any) -> None:
        self._safe_submit("^C")

    def _on_history(self, change: dict[str, Any]) -> None:
        if change["new"] in (_PICK, None):
            return
        self._clearing = True  # put it in the box to edit or Run, without running it
        try:
            self.input.value = change["new"]
        finally:
            self._clearing = False

    def _clear_input(self) -> None:
        self._clearing = True
        try:
            self.input.value = ""
        finally:
            self._clearing = False


class LabConsoles:
    """One :class:`ConsoleWidget` per host of a :class:`~simlab.console.session.Lab`, in tabs.

    The hosts share one world and one clock: after a line on any tab, every tab's status
    (simulated time, host up or down) is redrawn.
    """

    def __init__(self, lab: Lab, *, on_command: OnCommand | None = None) -> None:
        self.lab = lab
        self.on_command = on_command
        self.consoles = {
            name: ConsoleWidget(con, on_command=self._after) for name, con in lab.consoles.items()
        }
        self.widget = widgets.Tab(children=[w.widget for w in self.consoles.values()])
        self.widget.titles = tuple(self.consoles)

    def __getitem__(self, host: str) -> ConsoleWidget:
        try:
            return self.consoles[host]
        except KeyError:
            raise KeyError(f"no console on {host!r}; hosts: {', '.join(self.consoles)}") from None

    def submit(self, host: str, line: str) -> str:
        """Run ``line`` on ``host``'s console; return what it printed."""
        return self[host].submit(line)

    def refresh(self) -> None:
        for w in self.consoles.values():
            w.refresh()

    def _after(self, line: str, output: str) -> None:
        self.refresh()
        if self.on_command is not None:
            self.on_command(line, output)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)
