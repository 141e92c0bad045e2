"""The lab bench's views: plotly figures drawn from a :class:`~simlab.lab.bench.Bench`.

Each view is a pure function of the bench (or of plain rows) returning a
``plotly.graph_objects.Figure``; the widgets redraw them into ``Output`` widgets after every
step, and tests read their data (traces, shapes, annotations) without a browser.

* :func:`state_timeline`: one row per server, coloured bands INIT / BACKUP / MASTER / FAULT /
  DOWN, with each action or fault marked as a dotted line.
* :func:`probe_chart`: the client's probes (answered: round-trip time; lost: a cross on the
  axis), each outage shaded with its length written above it.
* :func:`topology_chart`: the networkx graph, servers coloured by state, the VIP holder ringed
  in gold, cut or blocked links dashed red.
* :func:`downtime_chart`: downtime minutes per year per design, with error bars (minutes, not
  availability bars: 99.6 % and 99.99 % look the same on a bar of availability).
* :func:`event_table`: the packet list (time, from, to, protocol, summary), filterable.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import networkx as nx
import plotly.graph_objects as go

if TYPE_CHECKING:
    from simlab.lab.bench import Bench

#: band colours, one per state (colour-blind-safe Okabe-Ito hues where it matters)
STATE_COLOURS = {
    "MASTER": "#009E73",
    "BACKUP": "#0072B2",
    "INIT": "#BBBBBB",
    "FAULT": "#E69F00",
    "DOWN": "#222222",
}
STATE_ORDER = ("MASTER", "BACKUP", "FAULT", "INIT", "DOWN")
OUTAGE_FILL = "rgba(213, 94, 0, 0.18)"
VIP_RING = "#F0C000"


def _x_range(bench: Bench, window_s: float | None = None) -> list[float]:
    """The time axis: from 0 (or ``window_s`` before now) to now."""
    end = max(bench.now_s, 1.0)
    if window_s is None:
        return [0.0, end]
    if not window_s > 0:
        raise ValueError(f"window_s must be > 0 seconds, got {window_s!r}")
    return [max(0.0, end - window_s), end]


def state_timeline(bench: Bench, *, window_s: float | None = None) -> go.Figure:
    """Each server's state over time as horizontal bands, actions marked as dotted lines
    (``window_s``: show only the last seconds; the data are all there to pan back)."""
    bands = bench.state_bands()
    fig = go.Figure()
    for state in STATE_ORDER:
        mine = [b for b in bands if b["state"] == state]
        if not mine:
            continue
        fig.add_trace(
            go.Bar(
                name=state,
                orientation="h",
                y=[b["host"] for b in mine],
                base=[b["start_s"] for b in mine],
                x=[b["end_s"] - b["start_s"] for b in mine],
                marker_color=STATE_COLOURS[state],
                customdata=[[b["start_s"], b["end_s"]] for b in mine],
                hovertemplate=(
                    f"%{{y}}: {state}<br>%{{customdata[0]:.3f}} s – %{{customdata[1]:.3f}} s"
                    "<extra></extra>"
                ),
            )
        )
    shapes, annotations = _fault_marks(bench)
    fig.update_layout(
        title=f"States ({bench.scenario.name}, t = {bench.now_s:.1f} s)",
        barmode="overlay",
        xaxis={"title": "simulated time (s)", "range": _x_range(bench, window_s)},
        yaxis={
            "title": "",
            "categoryorder": "array",
            "categoryarray": list(reversed(bench.servers)),
        },
        shapes=shapes,
        annotations=annotations,
        height=120 + 50 * len(bench.servers),
        margin={"l": 80, "r": 20, "t": 50, "b": 40},
        legend={"orientation": "h", "y": -0.35},
    )
    return fig


def _fault_marks(bench: Bench) -> tuple[list[dict], list[dict]]:
    """A dotted vertical line per action, labelled ``reboot server-1``; actions at the same
    instant share one label."""
    shapes: list[dict] = []
    annotations: list[dict] = []
    by_time: dict[float, list[str]] = {}
    details: dict[float, list[str]] = {}
    for f in bench.faults():
        # a command typed on a console is shown as typed; the action it caused follows it
        label = (
            f"{f['target']}# {f['detail']}"
            if f["kind"] == "console"
            else f"{f['kind']} {f['target']}"
        )
        by_time.setdefault(f["t_s"], []).append(label)
        details.setdefault(f["t_s"], []).append(f"{f['target']}: {f['detail']}")
    for t, labels in by_time.items():
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": t,
                "x1": t,
                "y0": 0,
                "y1": 1,
                "line": {"dash": "dot", "width": 1, "color": "#555555"},
            }
        )
        text = ", ".join(dict.fromkeys(labels))
        annotations.append(
            {
                "x": t,
                "y": 1.0,
                "xref": "x",
                "yref": "paper",
                "text": text if len(text) < 40 else text[:37] + "…",
                "hovertext": "<br>".join(html.escape(d) for d in dict.fromkeys(details[t])),
                "showarrow": False,
                "yanchor": "bottom",
                "font": {"size": 10},
            }
        )
    return shapes, annotations


def outage_label(duration_s: float, *, ongoing: bool = False) -> str:
    """``"2.4 s"`` (or ``"≥ 12.0 s"`` while it lasts)."""
    return f"{'≥ ' if ongoing else ''}{duration_s:.1f} s"


def probe_chart(bench: Bench, *, window_s: float | None = None) -> go.Figure:
    """Probes per client and target: answered ones at their round-trip time (ms), lost ones
    as crosses on the axis; every outage shaded, its length written above it (the shapes
    and annotations carry ``name`` = ``"outage"`` so tests and notebooks can find them).
    ``window_s``: show only the last seconds."""
    points = bench.probe_points()
    fig = go.Figure()
    streams = list(dict.fromkeys((p["client"], p["target"], p["kind"]) for p in points))
    for client, target, kind in streams:
        mine = [
            p for p in points if (p["client"], p["target"], p["kind"]) == (client, target, kind)
        ]
        ok = [p for p in mine if p["ok"]]
        lost = [p for p in mine if not p["ok"]]
        label = f"{client} → {target}" + ("" if kind == "ping" else f" ({kind})")
        fig.add_trace(
            go.Scatter(
                name=f"{label} answered",
                x=[p["t_s"] for p in ok],
                y=[p["rtt_ms"] for p in ok],
                mode="markers",
                marker={"size": 4},
                customdata=[p["responder"] or "" for p in ok],
                hovertemplate="%{x:.3f} s: %{y:.3f} ms from %{customdata}<extra></extra>",
            )
        )
        fig.add_trace(
            go.Scatter(
                name=f"{label} lost",
                x=[p["t_s"] for p in lost],
                y=[0.0] * len(lost),
                mode="markers",
                marker={"symbol": "x", "size": 6, "color": "#D55E00"},
                customdata=[p["error"] or "lost" for p in lost],
                hovertemplate="%{x:.3f} s: %{customdata}<extra></extra>",
            )
        )
    shapes: list[dict] = []
    annotations: list[dict] = []
    for o in bench.outages():
        end = o["end_s"] if o["end_s"] is not None else bench.now_s
        shapes.append(
            {
                "type": "rect",
                "name": "outage",
                "xref": "x",
                "yref": "paper",
                "x0": o["start_s"],
                "x1": end,
                "y0": 0,
                "y1": 1,
                "fillcolor": OUTAGE_FILL,
                "line": {"width": 0},
                "layer": "below",
            }
        )
        annotations.append(
            {
                "name": "outage",
                "x": (o["start_s"] + end) / 2,
                "y": 1.0,
                "xref": "x",
                "yref": "paper",
                "yanchor": "bottom",
                "showarrow": False,
                "text": outage_label(o["duration_s"], ongoing=o["end_s"] is None),
                "hovertext": f"{o['client']}: {o['lost']} lost, {o['cause']}",
                "font": {"color": "#D55E00"},
            }
        )
    fig.update_layout(
        title="Client probes (lost: ×, outages shaded)",
        xaxis={"title": "simulated time (s)", "range": _x_range(bench, window_s)},
        yaxis={"title": "round trip (ms)", "rangemode": "tozero"},
        shapes=shapes,
        annotations=annotations,
        height=300,
        margin={"l": 60, "r": 20, "t": 60, "b": 40},
        legend={"orientation": "h", "y": -0.3},
    )
    return fig


def topology_layout(graph: nx.Graph) -> dict[str, tuple[float, float]]:
    """Node positions in rows by hop distance from the nearest server: the servers at the
    bottom, their switch above, then routers and clients (networkx's multipartite layout:
    deterministic, and the picture of the articles' diagrams)."""
    servers = [n for n, d in graph.nodes(data=True) if d.get("kind") == "host"]
    hops = nx.multi_source_dijkstra_path_length(graph, servers) if servers else {}
    far = max(hops.values(), default=0) + 1
    layered = nx.Graph()
    for n in graph.nodes:
        layered.add_node(n, layer=hops.get(n, far))
    if layered.number_of_nodes() <= 1:
        return {n: (0.0, 0.0) for n in layered.nodes}
    pos = nx.multipartite_layout(layered, subset_key="layer", align="horizontal")
    return {n: (float(x), float(y)) for n, (x, y) in pos.items()}


def topology_chart(bench: Bench) -> go.Figure:
    """The network: servers coloured by state, the VIP holder(s) ringed in gold, other
    devices grey, links dashed red when cut or carrying nothing."""
    graph = bench.topology()
    pos = topology_layout(graph)
    fig = go.Figure()
    for up in (True, False):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for u, v, data in graph.edges(data=True):
            if data["up"] != up:
                continue
            xs += [pos[u][0], pos[v][0], None]
            ys += [pos[u][1], pos[v][1], None]
        if xs:
            fig.add_trace(
                go.Scatter(
                    name="link" if up else "link cut / blocked",
                    x=xs,
                    y=ys,
                    mode="lines",
                    line={"color": "#999999" if up else "#D55E00", "dash": None if up else "dash"},
                    hoverinfo="skip",
                )
            )
    nodes = list(graph.nodes(data=True))
    colours = []
    for _, data in nodes:
        if data["kind"] == "host":
            colours.append(STATE_COLOURS.get(data["state"], "#BBBBBB"))
        else:
            colours.append("#DDDDDD" if data["state"] == "UP" else STATE_COLOURS["DOWN"])
    symbols = {"host": "square", "client": "circle", "router": "diamond", "switch": "hexagon"}
    fig.add_trace(
        go.Scatter(
            name="devices",
            x=[pos[n][0] for n, _ in nodes],
            y=[pos[n][1] for n, _ in nodes],
            mode="markers+text",
            text=[f"{n}<br>{d['state']}" if d["kind"] == "host" else n for n, d in nodes],
            textposition="bottom center",
            cliponaxis=False,  # the bottom row's labels hang below the plot area
            marker={
                "size": 28,
                "color": colours,
                "symbol": [symbols.get(d["kind"], "circle") for _, d in nodes],
                "line": {
                    "width": [5 if d["holds_vip"] else 1 for _, d in nodes],
                    "color": [VIP_RING if d["holds_vip"] else "#444444" for _, d in nodes],
                },
            },
            customdata=[[d["kind"], d["state"], d["holds_vip"]] for _, d in nodes],
            hovertemplate=(
                "%{text}<br>%{customdata[0]}, holds the VIP: %{customdata[2]}<extra></extra>"
            ),
        )
    )
    holders = [n for n, d in nodes if d["holds_vip"]]
    vips = ", ".join(bench.vips)
    title = f"{vips} is held by {' and '.join(holders)}" if holders else f"nobody holds {vips}"
    fig.update_layout(
        title=title,
        showlegend=False,
        xaxis={"visible": False, "range": _padded([x for x, _ in pos.values()])},
        yaxis={"visible": False, "range": _padded([y for _, y in pos.values()], below=0.35)},
        height=380,
        width=520,  # beside the availability figures, not the page's full width
        margin={"l": 20, "r": 20, "t": 50, "b": 20},
        plot_bgcolor="white",
    )
    return fig


def _padded(values: list[float], *, below: float = 0.15) -> list[float]:
    """An axis range around ``values`` with room for markers (and labels ``below``)."""
    low, high = min(values, default=0.0), max(values, default=0.0)
    span = (high - low) or 1.0
    return [low - below * span, high + 0.15 * span]


def _pick(row: Mapping[str, Any], *keys: str, default: Any = None) -> Any:
    for key in keys:
        if key in row and row[key] is not None:
            return row[key]
    return default


def downtime_chart(rows: Iterable[Mapping[str, Any]], *, log_y: bool = False) -> go.Figure:
    """Downtime minutes per year per design, as bars with error bars.

    Each row names a design (``design``, ``name`` or ``label``) and its downtime in minutes a
    year (``minutes``, ``downtime_minutes_per_year`` or ``downtime_minutes``); the error bar
    is ``error`` (±) or ``low``/``high`` (the interval's ends). ``log_y`` for designs that
    differ by orders of magnitude (a single server's 2,000 min against a pair's 17)."""
    names: list[str] = []
    minutes: list[float] = []
    plus: list[float] = []
    minus: list[float] = []
    for i, row in enumerate(rows):
        name = _pick(row, "design", "name", "label", default=f"design {i + 1}")
        value = _pick(row, "minutes", "downtime_minutes_per_year", "downtime_minutes")
        if value is None:
            raise ValueError(
                f"row {i} ({name}) has no downtime: give 'minutes' (or "
                "'downtime_minutes_per_year' / 'downtime_minutes')"
            )
        value = float(value)
        err = _pick(row, "error", "stderr")
        low, high = _pick(row, "low"), _pick(row, "high")
        names.append(str(name))
        minutes.append(value)
        if err is not None:
            plus.append(float(err))
            minus.append(float(err))
        else:
            plus.append(max(0.0, float(high) - value) if high is not None else 0.0)
            minus.append(max(0.0, value - float(low)) if low is not None else 0.0)
    fig = go.Figure(
        go.Bar(
            x=names,
            y=minutes,
            error_y={"type": "data", "array": plus, "arrayminus": minus, "visible": any(plus)},
            text=[f"{m:,.1f} min" for m in minutes],
            textposition="outside",
            marker_color="#0072B2",
            hovertemplate="%{x}: %{y:,.2f} min/yr<extra></extra>",
        )
    )
    fig.update_layout(
        title="Downtime per year (minutes)",
        yaxis={"title": "minutes per year", "type": "log" if log_y else "linear"},
        height=350,
        margin={"l": 60, "r": 20, "t": 50, "b": 60},
    )
    return fig


EVENT_COLUMNS = ("t_s", "src", "dst", "protocol", "summary")
EVENT_HEADERS = ("time (s)", "from", "to", "protocol", "summary")


def event_rows(
    bench: Bench,
    protocol: str | None = None,
    host: str | None = None,
    text: str | None = None,
    *,
    last: int | None = 200,
) -> list[dict[str, Any]]:
    """The filtered packet list, the ``last`` rows only (None: all)."""
    rows = bench.events(protocol=protocol, host=host, text=text)
    return rows[-last:] if last else rows


def event_table(
    bench: Bench,
    protocol: str | None = None,
    host: str | None = None,
    text: str | None = None,
    *,
    last: int | None = 200,
) -> go.Figure:
    """The packet list as a plotly Table (like Wireshark's top pane): the ``last`` rows of
    :meth:`Bench.events` with the same filters."""
    rows = event_rows(bench, protocol, host, text, last=last)
    columns = [
        [f"{r['t_s']:.6f}" for r in rows],
        [r["src"] for r in rows],
        [r["dst"] for r in rows],
        [r["protocol"] for r in rows],
        [r["summary"] for r in rows],
    ]
    fig = go.Figure(
        go.Table(
            columnwidth=[70, 70, 80, 60, 400],
            header={"values": list(EVENT_HEADERS), "align": "left"},
            cells={"values": columns, "align": "left"},
        )
    )
    fig.update_layout(
        title=f"Packets ({len(rows)} shown)", height=400, margin={"l": 10, "r": 10, "t": 40}
    )
    return fig


def event_html(rows: Iterable[Mapping[str, Any]], *, max_height_px: int = 320) -> str:
    """The packet list as an HTML table in a scrolling box (light: for the widget)."""
    head = "".join(f"<th style='text-align:left;padding:0 8px'>{h}</th>" for h in EVENT_HEADERS)
    body = []
    for r in rows:
        cells = [f"{r['t_s']:.6f}", r["src"], r["dst"], r["protocol"], r["summary"]]
        tds = "".join(
            f"<td style='padding:0 8px;white-space:pre'>{html.escape(str(c))}</td>" for c in cells
        )
        body.append(f"<tr>{tds}</tr>")
    # column-reverse keeps the box scrolled to the newest row without any JavaScript
    return (
        f"<div style='max-height:{max_height_px}px;overflow:auto;display:flex;"
        "flex-direction:column-reverse;font-family:monospace;font-size:12px'>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def log_html(lines: Iterable[str], *, max_height_px: int = 240) -> str:
    """Log lines in a scrolling monospace box."""
    text = html.escape("\n".join(lines))
    return (
        f"<div style='max-height:{max_height_px}px;overflow:auto;display:flex;"
        "flex-direction:column-reverse'>"
        f"<pre style='font-size:12px;margin:0'>{text}</pre></div>"
    )


def availability_html(bench: Bench) -> str:
    """What the clients measured: availability, downtime, outages, and the minutes a year
    that availability would cost."""
    a = bench.availability()
    if a["availability"] is None:
        return "<p>No probes yet.</p>"
    return (
        f"<p><b>{a['availability'] * 100:.3f} %</b> of probes answered over "
        f"{a['observed_s']:.1f} s: {a['outages']} outage(s), {a['downtime_s']:.1f} s down. "
        f"At that rate a year would have <b>{a['downtime_minutes_per_year']:,.0f} minutes</b> "
        "of downtime.</p>"
    )
