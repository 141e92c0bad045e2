"""The lab bench as ipywidgets: controls on the left of the world, views of its trace.

:class:`LabBench` wraps a :class:`~simlab.lab.bench.Bench`: a button per fault (reboot, power
off/on, NIC down/up, drop the next gratuitous ARP, cut/repair the sync link), a slider per
protocol parameter (advskew/advbase for CARP, priority/advert_int for keepalived), a preempt
checkbox, and a step button, a run button and a ``Play`` widget over simulated time. After each
action or step every view is redrawn from the bench: the state timeline, the probe chart and the
topology (plotly figures drawn into ``Output`` widgets), the log lines, the packet list with
its filters, the pcap download link and the availability figures.

All logic is in plain methods (:meth:`LabBench.step`, :meth:`LabBench.refresh`, the handlers)
and in :mod:`simlab.lab.views`; the widgets only call them. Tests drive the widgets from Python
(``button.click()``, ``slider.value = 50``) with no kernel and no browser.

:func:`availability_calculator` (availability ⇄ nines ⇄ downtime) and :func:`election_explorer`
(two nodes' parameters ⇒ who wins, with the timers) are the small widgets of notebooks 1 and 5;
their arithmetic is :func:`availability_table` and :func:`election`.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import ip_address
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import plotly.graph_objects as go
import plotly.io as pio

from simlab.analysis.availability import (
    MINUTES_PER_YEAR,
    availability_from_downtime,
    availability_from_nines,
    nines,
)
from simlab.config.scenario import Scenario
from simlab.core.timing import (
    NS_PER_S,
    carp_advert_interval,
    carp_master_down,
    vrrp_master_down_interval,
    vrrp_skew_time,
)
from simlab.lab import views
from simlab.lab.bench import Bench

_BUTTON = widgets.Layout(width="auto")


def pcap_link_html(data: bytes, filename: str) -> str:
    """An ``<a download>`` link carrying the capture as a ``data:`` URI (works in JupyterLab,
    Notebook 7 and Voila with no server route)."""
    b64 = base64.b64encode(data).decode("ascii")
    return (
        f'<a download="{html.escape(filename)}" '
        f'href="data:application/vnd.tcpdump.pcap;base64,{b64}">'
        f"⬇ {html.escape(filename)}</a> ({len(data):,} bytes; open it in Wireshark)"
    )


class LabBench:
    """The lab bench widget on a scenario (name, path or :class:`Scenario`) or a :class:`Bench`.

    ``step_s``: simulated seconds per step (the step button and each tick of ``play``);
    ``run_s``: seconds the run button lets pass; ``window_s``: the charts show the last
    seconds only (None: from 0); ``consoles``: a terminal per server in a tab.
    """

    def __init__(
        self,
        scenario_or_bench: Bench | Scenario | str | Path,
        seed: int = 1,
        step_s: float = 0.5,
        *,
        run_s: float = 10.0,
        window_s: float | None = None,
        consoles: bool = True,
        **bench_kwargs: Any,
    ) -> None:
        if isinstance(scenario_or_bench, Bench):
            self.bench = scenario_or_bench
        else:
            self.bench = Bench(scenario_or_bench, seed=seed, **bench_kwargs)
        if not step_s > 0 or not math.isfinite(step_s):
            raise ValueError(f"step_s must be > 0 seconds, got {step_s!r}")
        self.step_s = float(step_s)
        self.run_s = float(run_s)
        self.window_s = window_s  # the charts show the last window_s seconds (None: all)
        bench = self.bench
        self.buttons: dict[str, widgets.Button] = {}
        self._syncing = False  # True while refresh() moves the controls itself
        self.sliders: dict[str, widgets.ValueWidget] = {}
        self.status = widgets.HTML()
        self.clock = widgets.HTML()

        # ---- time
        self._button("step", f"step {self.step_s:g} s", lambda: self.step(), icon="step-forward")
        self._button("run", f"run {self.run_s:g} s", lambda: self.step(self.run_s), icon="forward")
        self.play = widgets.Play(
            value=0, min=0, max=1_000_000, step=1, interval=500, description="play"
        )
        self.play.observe(self._on_play, names="value")
        # while playing, ticks skip the pcap link (megabytes after a few minutes, sent to the
        # browser every half second); pausing brings it up to date
        self.play.observe(self._on_playing, names="playing")

        # ---- per server
        rows = []
        for host in bench.servers:
            for key, label, action in (
                ("reboot", "reboot", bench.reboot),
                ("power-off", "power off", bench.power_off),
                ("power-on", "power on", bench.power_on),
                ("nic-down", "NIC down", bench.nic_down),
                ("nic-up", "NIC up", bench.nic_up),
                ("drop-garp", "drop next GARP", bench.drop_garp),
            ):
                self._button(f"{key} {host}", label, _bind(action, host))
            rows.append(self._server_row(host))

        # ---- the whole pair
        self.preempt = widgets.Checkbox(
            value=bench.parameters()[bench.servers[0]]["preempt"], description="preempt"
        )
        self.preempt.observe(self._on_preempt, names="value")
        sync = []
        if bench.sync_link() is not None:
            self._button("cut sync", "cut sync link", bench.cut_sync, icon="cut")
            self._button("repair sync", "repair sync link", bench.repair_sync)
            sync = [self.buttons["cut sync"], self.buttons["repair sync"]]

        # ---- views
        # The figures are plain plotly Figures, redrawn whole into an Output widget each time
        # (plotly's own notebook renderer draws them). FigureWidget was given up: in Voila a
        # FigureWidget sometimes kept its first drawing while the kernel sent it every
        # update (the topology in 4 runs of 5 of notebook 4), and each one carries plotly's
        # 5 MB widget bundle to the browser.
        self.figures: dict[str, go.Figure] = {}
        self.charts: dict[str, widgets.Output] = {
            name: widgets.Output() for name in ("states", "probes", "topology")
        }
        # the topology is 520 px wide (views.topology_chart); the figures take the rest
        self.charts["topology"].layout = widgets.Layout(flex="0 0 540px")
        self.availability_view = widgets.HTML(layout=widgets.Layout(flex="1 1 auto"))
        self.log_host = widgets.Dropdown(
            options=["all", *bench.servers], value="all", description="host"
        )
        self.log_host.observe(lambda _c: self._refresh_logs(), names="value")
        self.log_lines = widgets.HTML()
        self.log_view = widgets.VBox([self.log_host, self.log_lines])
        self.event_filter = widgets.Text(
            value="",
            placeholder="text in the summary",
            description="filter",
            continuous_update=False,
        )
        self.event_protocol = widgets.Dropdown(
            options=["all", "CARP", "VRRP", "ARP", "ICMP", "TCP"],
            value="all",
            description="protocol",
        )
        self.event_host = widgets.Dropdown(
            options=["all", *bench.world.devices], value="all", description="host"
        )
        for w in (self.event_filter, self.event_protocol, self.event_host):
            w.observe(lambda _c: self._refresh_events(), names="value")
        self.event_list = widgets.HTML()
        self.pcap_link = widgets.HTML()
        self.event_view = widgets.VBox(
            [
                widgets.HBox([self.event_protocol, self.event_host, self.event_filter]),
                self.event_list,
                self.pcap_link,
            ]
        )
        self.consoles: dict[str, Any] = {}
        # The figures stay out of the tabs: plotly cannot draw into a hidden tab (zero size;
        # JupyterLab and Voila showed an empty plot and "indices must be valid indices for
        # gd.data" once it was shown), and they are what every step changes.
        tabs = {"Logs": self.log_view, "Packets": self.event_view}
        if consoles:
            console_tab = self._console_tab()
            if console_tab is not None:
                tabs["Consoles"] = console_tab
        self.tabs = widgets.Tab(children=list(tabs.values()), titles=list(tabs))
        controls = widgets.VBox(
            [
                widgets.HBox(
                    [
                        self.play,
                        self.buttons["step"],
                        self.buttons["run"],
                        self.clock,
                        self.preempt,
                        *sync,
                    ]
                ),
                *rows,
                self.status,
            ]
        )
        self.widget = widgets.VBox(
            [
                widgets.HTML(
                    f"<b>{html.escape(bench.scenario.name)}</b>: "
                    f"{html.escape(bench.scenario.description)}"
                ),
                controls,
                self.charts["states"],
                self.charts["probes"],
                widgets.HBox([self.charts["topology"], self.availability_view]),
                self.tabs,
            ]
        )
        self.refresh()

    # ------------------------------------------------------------------ building
    def _button(
        self, key: str, label: str, action: Callable[[], Any], *, icon: str = ""
    ) -> widgets.Button:
        button = widgets.Button(description=label, icon=icon, layout=_BUTTON, tooltip=key)
        button.on_click(lambda _b: self._do(key, action))
        self.buttons[key] = button
        return button

    def _server_row(self, host: str) -> widgets.HBox:
        dev = self.bench.world.devices[host]
        daemon = next(iter(dev.daemons.values()))
        cfg = daemon.config
        row: list[widgets.Widget] = [widgets.HTML(f"<b>{html.escape(host)}</b>")]
        for key in ("reboot", "power-off", "power-on", "nic-down", "nic-up", "drop-garp"):
            row.append(self.buttons[f"{key} {host}"])
        if daemon.protocol == "carp":
            specs = [
                (
                    "advskew",
                    widgets.IntSlider(value=cfg.advskew, min=0, max=254),
                    self.bench.set_advskew,
                ),
                (
                    "advbase",
                    widgets.IntSlider(value=cfg.advbase, min=1, max=10),
                    self.bench.set_advbase,
                ),
            ]
        else:
            interval = cfg.advert_int_cs / 100
            advert = (
                widgets.FloatSlider(value=interval, min=0.1, max=10, step=0.1)
                if cfg.version == 3
                else widgets.IntSlider(value=max(1, round(interval)), min=1, max=10)
            )
            specs = [
                (
                    "priority",
                    widgets.IntSlider(value=cfg.priority, min=1, max=254),
                    self.bench.set_priority,
                ),
                ("advert_int", advert, self.bench.set_advert_int),
            ]
        for name, slider, setter in specs:
            slider.description = name
            slider.layout = widgets.Layout(width="260px")  # both fit beside the buttons
            slider.continuous_update = False  # one change per release, not per pixel
            key = f"{name} {host}"
            slider.observe(_on_slider(self, key, setter, host), names="value")
            self.sliders[key] = slider
            row.append(slider)
        return widgets.HBox(row, layout=widgets.Layout(flex_flow="row wrap"))

    def _console_tab(self) -> widgets.Widget | None:
        try:
            from simlab.lab.console_widget import ConsoleWidget
        except ImportError:  # pragma: no cover - the console widget ships with the lab
            return None
        for host in self.bench.servers:
            self.consoles[host] = ConsoleWidget(
                self.bench.console(host), on_command=lambda _line, _out: self.refresh()
            )
        return widgets.Tab(
            children=[c.widget for c in self.consoles.values()], titles=list(self.consoles)
        )

    # ------------------------------------------------------------------ handlers (plain)
    def _sync_controls(self) -> None:
        """Move the sliders and the preempt box to the parameters in force (a console command
        or a reboot may have changed them), without firing their handlers."""
        self._syncing = True
        try:
            params = self.bench.parameters()
            for key, slider in self.sliders.items():
                name, host = key.split(" ", 1)
                value = params[host][name]
                if slider.value != value:
                    slider.value = value
            first = params[self.bench.servers[0]]["preempt"]
            if self.preempt.value != first:
                self.preempt.value = first
        finally:
            self._syncing = False

    def _do(self, key: str, action: Callable[[], Any]) -> None:
        """Carry out one control's action at the current simulated time, then redraw; a
        refused action (bad value, no such link) is shown, not raised into the browser."""
        try:
            action()
        except (ValueError, KeyError) as exc:
            self.status.value = (
                f"<span style='color:#b00'>{html.escape(key)}: {html.escape(str(exc))}</span>"
            )
            return
        self.status.value = (
            f"<span style='color:#555'>t = {self.bench.now_s:.3f} s: {html.escape(key)}</span>"
        )
        self.refresh()

    def _on_play(self, change: dict[str, Any]) -> None:
        if change["new"] != change["old"]:
            self.bench.advance(self.step_s)
            self.refresh(pcap=not self.play.playing)

    def _on_playing(self, change: dict[str, Any]) -> None:
        if not change["new"]:
            self.refresh()

    def _on_preempt(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        self._do(
            f"preempt {'on' if change['new'] else 'off'}",
            lambda: self.bench.set_preempt(change["new"]),
        )

    def step(self, seconds: float | None = None) -> None:
        """Let ``seconds`` (default ``step_s``) of simulated time pass, then redraw."""
        self.bench.advance(self.step_s if seconds is None else seconds)
        self.refresh()

    # ------------------------------------------------------------------ views
    def refresh(self, *, pcap: bool = True) -> None:
        """Redraw every view from the bench (``pcap=False`` leaves the pcap link as it is)."""
        bench = self.bench
        self.figures = {
            "states": views.state_timeline(bench, window_s=self.window_s),
            "probes": views.probe_chart(bench, window_s=self.window_s),
            "topology": views.topology_chart(bench),
        }
        for name, fig in self.figures.items():
            self.charts[name].outputs = (plotly_output(fig),)
        states = ", ".join(f"{h} {s}" for h, s in bench.states().items())
        self.clock.value = f"<code>t = {bench.now_s:.1f} s</code> {html.escape(states)}"
        self.availability_view.value = views.availability_html(bench)
        self._sync_controls()
        self._refresh_logs()
        self._refresh_events()
        if pcap:
            self.pcap_link.value = pcap_link_html(
                bench.pcap(), f"{bench.scenario.name}-seed{bench.seed}.pcap"
            )
        for console in self.consoles.values():
            console.refresh()

    def _refresh_logs(self) -> None:
        host = None if self.log_host.value == "all" else self.log_host.value
        self.log_lines.value = views.log_html(self.bench.log_lines(host))

    def event_rows(self) -> list[dict[str, Any]]:
        """The rows the packet list shows now (its filters applied, the last 200)."""
        return views.event_rows(
            self.bench,
            protocol=None if self.event_protocol.value == "all" else self.event_protocol.value,
            host=None if self.event_host.value == "all" else self.event_host.value,
            text=self.event_filter.value or None,
        )

    def _refresh_events(self) -> None:
        self.event_list.value = views.event_html(self.event_rows())

    # ------------------------------------------------------------------ display
    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def __repr__(self) -> str:
        return f"<LabBench {self.bench!r}>"


def _bind(action: Callable[[str], Any], host: str) -> Callable[[], Any]:
    return lambda: action(host)


def _on_slider(
    lab: LabBench, key: str, setter: Callable[[str, Any], Any], host: str
) -> Callable[[dict[str, Any]], None]:
    def handler(change: dict[str, Any]) -> None:
        if change["new"] != change["old"] and not lab._syncing:
            lab._do(f"{key} {change['new']}", lambda: setter(host, change["new"]))

    return handler


def plotly_output(fig: go.Figure) -> dict[str, Any]:
    """``fig`` as an Output widget's display_data message: plotly's own mime bundle, which
    JupyterLab, Notebook 7 and Voila draw with plotly's renderer, and a line of text for
    front ends without it."""
    data = pio.renderers["plotly_mimetype"].to_mimebundle(fig.to_dict())
    title = fig.layout.title.text or "plotly figure"
    data["text/plain"] = f"<{title}>"
    return {"output_type": "display_data", "data": data, "metadata": {}}


# ---------------------------------------------------------------------- availability calculator
def availability_table(
    *,
    availability: float | None = None,
    percent: float | None = None,
    nines_: float | None = None,
    minutes_per_year: float | None = None,
) -> dict[str, float]:
    """Give exactly one of availability (fraction), percent, nines or downtime minutes a year;
    get all of them, plus downtime per year (hours, days), per month (a twelfth of the year)
    and per week. The year is 525,600 minutes, so 99 % leaves 3.65 days."""
    given = [x for x in (availability, percent, nines_, minutes_per_year) if x is not None]
    if len(given) != 1:
        raise ValueError("give exactly one of availability, percent, nines_, minutes_per_year")
    if availability is not None:
        a = float(availability)
    elif percent is not None:
        a = float(percent) / 100
    elif nines_ is not None:
        a = availability_from_nines(float(nines_))
    else:
        a = availability_from_downtime(float(minutes_per_year))  # type: ignore[arg-type]
    n = nines(a)  # also checks 0 <= a <= 1
    minutes = (1 - a) * MINUTES_PER_YEAR
    return {
        "availability": a,
        "percent": a * 100,
        "nines": n,
        "minutes_per_year": minutes,
        "hours_per_year": minutes / 60,
        "days_per_year": minutes / 1440,
        "minutes_per_month": minutes / 12,
        "minutes_per_week": (1 - a) * 7 * 24 * 60,
    }


def _duration_text(minutes: float) -> str:
    if minutes >= 2 * 1440:
        return f"{minutes / 1440:,.2f} days"
    if minutes >= 120:
        return f"{minutes / 60:,.2f} hours"
    if minutes >= 1:
        return f"{minutes:,.2f} minutes"
    return f"{minutes * 60:,.2f} seconds"


def availability_html(row: dict[str, float]) -> str:
    """The calculator's answer as a small table."""
    n = row["nines"]
    nines_text = "∞" if math.isinf(n) else f"{n:.2f}"
    cells = [
        ("availability", f"{row['percent']:.6g} %"),
        ("nines", nines_text),
        (
            "downtime per year",
            _duration_text(row["minutes_per_year"])
            + f" ({row['minutes_per_year']:,.2f} min of 525,600)",
        ),
        ("per month", _duration_text(row["minutes_per_month"])),
        ("per week", _duration_text(row["minutes_per_week"])),
    ]
    body = "".join(
        f"<tr><td style='padding-right:1em'>{k}</td><td><b>{html.escape(v)}</b></td></tr>"
        for k, v in cells
    )
    return f"<table>{body}</table>"


class AvailabilityCalculator:
    """Availability % ⇄ nines ⇄ downtime minutes a year: edit any box, the others follow."""

    def __init__(self, percent: float = 99.0) -> None:
        self.percent = widgets.BoundedFloatText(
            value=percent, min=0, max=100, step=0.01, description="availability %"
        )
        self.nines = widgets.BoundedFloatText(value=2, min=0, max=12, step=0.5, description="nines")
        self.minutes = widgets.BoundedFloatText(
            value=0, min=0, max=MINUTES_PER_YEAR, step=1, description="min/year"
        )
        self.result = widgets.HTML()
        self.row: dict[str, float] = {}
        self._busy = False
        self.percent.observe(lambda c: self._set(percent=c["new"]), names="value")
        self.nines.observe(lambda c: self._set(nines_=c["new"]), names="value")
        self.minutes.observe(lambda c: self._set(minutes_per_year=c["new"]), names="value")
        self.widget = widgets.VBox(
            [widgets.HBox([self.percent, self.nines, self.minutes]), self.result]
        )
        self._set(percent=percent)

    def _set(self, **one: float) -> None:
        if self._busy:
            return
        try:
            row = availability_table(**one)
        except ValueError as exc:
            self.result.value = f"<span style='color:#b00'>{html.escape(str(exc))}</span>"
            return
        self._busy = True  # the boxes below would call back into _set
        try:
            self.row = row
            # rounded for the boxes: 99 % is 2 nines, not 1.9999999999999996
            self.percent.value = round(row["percent"], 10)
            self.nines.value = round(min(row["nines"], self.nines.max), 6)
            self.minutes.value = round(row["minutes_per_year"], 6)
            self.result.value = availability_html(row)
        finally:
            self._busy = False

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def availability_calculator(percent: float = 99.0) -> AvailabilityCalculator:
    """The availability calculator of notebook 1 (starts at the seed's 99 % = 3.65 days)."""
    return AvailabilityCalculator(percent)


# ---------------------------------------------------------------------- election explorer
@dataclass(frozen=True)
class Node:
    """One node's election parameters: CARP ``advbase``/``advskew`` or VRRP
    ``priority``/``advert_int`` (seconds), and its primary address (VRRP's tie-break)."""

    name: str
    advbase: int = 1
    advskew: int = 0
    priority: int = 100
    advert_int: float = 1.0
    address: str = "192.0.2.11"


def election(protocol: str, a: Node, b: Node) -> dict[str, Any]:
    """Who wins the election between ``a`` and ``b`` (both up, starting together) and the
    timers that follow.

    CARP: the node advertising more often (lower ``advbase + advskew/256``) is master; on a
    tie neither preempts and the first to time out stays (``winner`` is None). VRRP: the
    higher priority wins; equal priorities go to the higher primary address (RFC 3768 §6.4.3).
    ``master_down_s`` is how long the loser waits after the last advert it heard before taking
    over (keepalived: 3 x advert_int + skew; CARP: 3 x advbase + advskew/256)."""
    protocol = protocol.lower()
    if protocol == "carp":
        ia = carp_advert_interval(a.advbase, a.advskew)
        ib = carp_advert_interval(b.advbase, b.advskew)
        winner = a if ia < ib else b if ib < ia else None
        why = (
            f"{winner.name} advertises every {min(ia, ib) / NS_PER_S:.6g} s, more often"
            if winner
            else "equal intervals: neither preempts the other, the first master stays"
        )
        loser = None if winner is None else (b if winner is a else a)
        out = {
            "advert_interval_s": {
                n.name: carp_advert_interval(n.advbase, n.advskew) / NS_PER_S for n in (a, b)
            },
            "master_down_s": {
                n.name: carp_master_down(n.advbase, n.advskew) / NS_PER_S for n in (a, b)
            },
        }
    elif protocol == "vrrp":
        if a.priority != b.priority:
            winner = a if a.priority > b.priority else b
            why = f"{winner.name} has the higher priority ({winner.priority})"
        else:
            winner = a if ip_address(a.address) > ip_address(b.address) else b
            why = f"equal priorities: {winner.name} has the higher address ({winner.address})"
        loser = b if winner is a else a
        out = {
            "advert_interval_s": {n.name: n.advert_int for n in (a, b)},
            "master_down_s": {
                n.name: vrrp_master_down_interval(n.priority, round(n.advert_int * 100)) / NS_PER_S
                for n in (a, b)
            },
            "skew_s": {
                n.name: vrrp_skew_time(n.priority, round(n.advert_int * 100)) / NS_PER_S
                for n in (a, b)
            },
        }
    else:
        raise ValueError(f"protocol must be 'carp' or 'vrrp', got {protocol!r}")
    out.update(
        protocol=protocol,
        winner=None if winner is None else winner.name,
        reason=why,
        failover_s=None if loser is None else out["master_down_s"][loser.name],
    )
    return out


def election_html(result: dict[str, Any]) -> str:
    lines = [
        f"<b>master: {html.escape(result['winner'] or 'whoever was first')}</b> "
        f"({html.escape(result['reason'])})"
    ]
    for name, interval in result["advert_interval_s"].items():
        lines.append(
            f"{html.escape(name)}: advert every {interval:.6g} s, takes over "
            f"{result['master_down_s'][name]:.6g} s after the last advert it heard"
        )
    if result["failover_s"] is not None:
        lines.append(f"if the master dies, clients wait up to <b>{result['failover_s']:.6g} s</b>")
    return "<br>".join(lines)


class ElectionExplorer:
    """Sliders for two nodes' election parameters; the text says who wins and the timers."""

    def __init__(self, protocol: str = "carp") -> None:
        self.protocol = widgets.ToggleButtons(options=["carp", "vrrp"], value=protocol)
        self.sliders: dict[str, widgets.ValueWidget] = {}
        for node, skew, prio in (("A", 0, 150), ("B", 100, 100)):
            self.sliders[f"advskew {node}"] = widgets.IntSlider(value=skew, min=0, max=254)
            self.sliders[f"advbase {node}"] = widgets.IntSlider(value=1, min=1, max=10)
            self.sliders[f"priority {node}"] = widgets.IntSlider(value=prio, min=1, max=254)
            self.sliders[f"advert_int {node}"] = widgets.FloatSlider(
                value=1.0, min=0.1, max=10, step=0.1
            )
        for key, slider in self.sliders.items():
            slider.description = key
            slider.observe(lambda _c: self.refresh(), names="value")
        self.protocol.observe(lambda _c: self.refresh(), names="value")
        self.result = widgets.HTML()
        self.answer: dict[str, Any] = {}
        self.columns = widgets.HBox()
        self.widget = widgets.VBox([self.protocol, self.columns, self.result])
        self.refresh()

    def nodes(self) -> tuple[Node, Node]:
        v = {k: s.value for k, s in self.sliders.items()}
        return tuple(  # type: ignore[return-value]
            Node(
                name=f"node {n}",
                advbase=v[f"advbase {n}"],
                advskew=v[f"advskew {n}"],
                priority=v[f"priority {n}"],
                advert_int=v[f"advert_int {n}"],
                address=addr,
            )
            for n, addr in (("A", "192.0.2.11"), ("B", "192.0.2.12"))
        )

    def refresh(self) -> None:
        names = (
            ("advskew", "advbase") if self.protocol.value == "carp" else ("priority", "advert_int")
        )
        self.columns.children = [
            widgets.VBox([self.sliders[f"{name} {n}"] for name in names]) for n in ("A", "B")
        ]
        self.answer = election(self.protocol.value, *self.nodes())
        self.result.value = election_html(self.answer)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def election_explorer(protocol: str = "carp") -> ElectionExplorer:
    """The election explorer of notebook 5."""
    return ElectionExplorer(protocol)
