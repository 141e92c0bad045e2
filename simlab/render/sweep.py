"""A sweep's rows as a tidy CSV and as interactive plotly charts (one self-contained HTML file).

The charts plot **downtime minutes per year**, not availability: 0.996 and 0.9999 look the same
on an availability axis, while 2,100 and 53 minutes do not.

- ``downtime``: one panel per parameter; its values along the x axis, downtime with the 95 %
  interval as error bars for the points where every other parameter is at its baseline (its
  first value), and the grid's other points as small grey dots (hover says their setting).
- ``tornado``: per parameter, the range of downtime across its values with the others at
  baseline, sorted by that swing, largest at the top; a line marks the baseline's downtime.

The HTML embeds plotly.js, so it opens offline. :func:`progress_bars` is the notebook's
progress callback (``tqdm.auto``); the command line draws its own with rich.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from contextlib import contextmanager

from simlab.analysis.sweep import tornado

Rows = Sequence[Mapping[str, object]]


def sweep_csv(rows: Rows) -> str:
    """The rows as CSV, one line per grid point, columns in row order. Floats are written in
    full (``repr``), so the same rows give the same bytes."""
    if not rows:
        return ""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = list(rows[0])
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[c]) for c in columns])
    return out.getvalue()


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return "inf" if math.isinf(v) else f"{v:g}"
    return str(v).lower() if isinstance(v, bool) else str(v)


def _names(params: Mapping[str, object] | Sequence[str]) -> list[str]:
    return list(params)


def sweep_figures(rows: Rows, params: Mapping[str, object] | Sequence[str], *, title: str = ""):
    """The charts as plotly Figures: ``{"downtime": ..., "tornado": ...}``. ``params``: the
    parameter names in grid order (a mapping name -> values works too); ``rows`` in grid
    order, so the first row is the baseline."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    names = _names(params)
    base = rows[0] if rows else {}
    fig = make_subplots(rows=1, cols=max(len(names), 1), shared_yaxes=True, subplot_titles=names)
    for col, name in enumerate(names, start=1):
        line = [r for r in rows if all(r[m] == base[m] for m in names if m != name)]
        others = [r for r in rows if r not in line]
        if others:
            fig.add_trace(
                go.Scatter(
                    x=[_fmt(r[name]) for r in others],
                    y=[r["downtime_minutes_per_year"] for r in others],
                    mode="markers",
                    marker={"color": "lightgrey", "size": 6},
                    name="other grid points",
                    legendgroup="others",
                    showlegend=col == 1,
                    hovertext=[_setting(r, names) for r in others],
                    hoverinfo="text+y",
                ),
                row=1,
                col=col,
            )
        y = [float(r["downtime_minutes_per_year"]) for r in line]  # type: ignore[arg-type]
        up = [float(r["downtime_ci95_high"]) - v for r, v in zip(line, y, strict=True)]  # type: ignore[arg-type]
        down = [v - float(r["downtime_ci95_low"]) for r, v in zip(line, y, strict=True)]  # type: ignore[arg-type]
        fig.add_trace(
            go.Scatter(
                x=[_fmt(r[name]) for r in line],
                y=y,
                mode="markers+lines",
                name=name,
                error_y={
                    "type": "data",
                    "symmetric": False,
                    "array": up,
                    "arrayminus": down,
                },
                hovertext=[_setting(r, names) for r in line],
                hoverinfo="text+y",
            ),
            row=1,
            col=col,
        )
        fig.update_xaxes(type="category", title_text=name, row=1, col=col)
    fig.update_yaxes(title_text="downtime, minutes per year (95 % interval)", row=1, col=1)
    fig.update_layout(
        title=f"{title}: downtime per setting" if title else "Downtime per setting",
        template="plotly_white",
    )

    bars = tornado(rows, names)
    shown = list(reversed(bars))  # plotly draws the first category at the bottom
    tor = go.Figure(
        go.Bar(
            y=[b["param"] for b in shown],
            x=[b["swing"] for b in shown],
            base=[b["low"] for b in shown],
            orientation="h",
            name="range over its values",
            text=[
                f"{_fmt(b['low_value'])}: {b['low']:.1f} .. {_fmt(b['high_value'])}: "
                f"{b['high']:.1f}"
                for b in shown
            ],
            customdata=[[b["low"], b["high"]] for b in shown],
            hovertemplate="%{y}: %{customdata[0]:.2f} .. %{customdata[1]:.2f} min/yr "
            "(%{text})<extra></extra>",
        )
    )
    if rows:
        tor.add_vline(
            x=float(base["downtime_minutes_per_year"]),  # type: ignore[arg-type]
            line_dash="dash",
            annotation_text="baseline",
        )
    tor.update_layout(
        title=(f"{title}: " if title else "")
        + "which parameter matters most (others at their first value)",
        xaxis_title="downtime, minutes per year",
        template="plotly_white",
    )
    return {"downtime": fig, "tornado": tor}


@contextmanager
def progress_bars(**tqdm_kwargs):
    """A progress callback for :func:`simlab.analysis.sweep.sweep` drawn with ``tqdm.auto``
    (a widget in a notebook, text elsewhere): one bar per kind of work, closed on exit.

    ``with progress_bars() as progress: rows = sweep(spec, params, progress=progress)``"""
    from tqdm.auto import tqdm

    bars: dict[str, object] = {}

    def progress(done: int, total: int, what: str) -> None:
        bar = bars.get(what)
        if bar is None:
            bar = bars[what] = tqdm(total=total, desc=what, **tqdm_kwargs)
        bar.update(done - bar.n)  # type: ignore[attr-defined]

    try:
        yield progress
    finally:
        for bar in bars.values():
            bar.close()  # type: ignore[attr-defined]


def _setting(row: Mapping[str, object], names: Sequence[str]) -> str:
    return ", ".join(f"{n}={_fmt(row[n])}" for n in names)


def sweep_html(rows: Rows, params: Mapping[str, object] | Sequence[str], *, title: str = "") -> str:
    """Both charts in one self-contained HTML page (plotly.js embedded: works offline)."""
    figs = sweep_figures(rows, params, title=title)
    body = [
        figs["downtime"].to_html(include_plotlyjs=True, full_html=False, div_id="downtime"),
        figs["tornado"].to_html(include_plotlyjs=False, full_html=False, div_id="tornado"),
    ]
    head = f"<title>{_escape(title or 'simlab sweep')}</title>"
    return (
        f'<!DOCTYPE html>\n<html>\n<head><meta charset="utf-8">{head}</head>\n<body>\n'
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _escape(text: str) -> str:
    import html

    return html.escape(text)
