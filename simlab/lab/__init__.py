"""The teaching layer on top of everything else: the lab bench the notebooks use.

:class:`~simlab.lab.bench.Bench` drives one scenario's world live (buttons instead of a
timeline) and reads it back as plain data; :mod:`simlab.lab.views` draws that data with plotly;
:mod:`simlab.lab.widgets` puts controls and views together as ipywidgets
(:class:`~simlab.lab.widgets.LabBench`), with a terminal per host from
:mod:`simlab.lab.console_widget`. The grader behind ``simlab grade`` is
:mod:`simlab.lab.grading`. The widgets and views are imported on first use, so
``from simlab.lab import Bench`` needs neither plotly nor ipywidgets.
"""

from __future__ import annotations

from typing import Any

from simlab.lab.bench import Bench, load

__all__ = ["Bench", "LabBench", "availability_calculator", "election_explorer", "load"]

_WIDGETS = {"LabBench", "availability_calculator", "election_explorer"}


def __getattr__(name: str) -> Any:
    if name in _WIDGETS:
        from simlab.lab import widgets

        return getattr(widgets, name)
    raise AttributeError(f"module 'simlab.lab' has no attribute {name!r}")
