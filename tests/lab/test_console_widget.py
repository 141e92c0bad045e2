"""The notebook console widget, driven from Python as the front end would drive it.

Setting the Text box's value is what the browser does when the learner presses Enter
(``continuous_update=False``); clicking is ``Button.click()``. No kernel is needed.
"""

from __future__ import annotations

import re

import ipywidgets as widgets
import pytest

from simlab.config.scenario import load_scenario
from simlab.console import Lab
from simlab.data import builtin_scenarios
from simlab.lab.console_widget import ConsoleWidget, LabConsoles


def carp_lab() -> Lab:
    return Lab.from_scenario(load_scenario(builtin_scenarios()["carp-reboot"]), seed=1)


def shown(w: ConsoleWidget) -> str:
    """The text inside the transcript box, as the browser renders the HTML."""
    m = re.search(r"<pre[^>]*>(.*)</pre>", w.output.value, re.S)
    assert m is not None
    import html

    return html.unescape(m.group(1))


def test_enter_runs_the_line_and_the_box_shows_prompt_and_carp_line() -> None:
    lab = carp_lab()
    w = ConsoleWidget(lab["server-1"])
    w.input.value = "ifconfig em0"  # what Enter sends
    assert w.input.value == ""  # the box is cleared for the next line
    text = shown(w)
    assert text.startswith("root@server-1:~ # ifconfig em0\n")
    assert "carp: MASTER vhid 1 advbase 1 advskew 0" in text
    assert "root@server-1:~ #" in w.prompt.value
    assert w.console.history == ["ifconfig em0"]


def test_run_button_runs_the_box_and_not_twice() -> None:
    lab = carp_lab()
    w = ConsoleWidget(lab["server-2"])
    # the button reads the box as the browser synced it; here the value is set without a sync
    w._clearing = True
    w.input.value = "ifconfig em0 | grep carp"
    w._clearing = False
    w.run_button.click()
    assert w.console.history == ["ifconfig em0 | grep carp"]
    assert "carp: BACKUP vhid 1" in shown(w)
    w.run_button.click()  # empty box, no ping running: nothing to run
    assert w.console.history == ["ifconfig em0 | grep carp"]


def test_submit_returns_the_output_and_calls_on_command() -> None:
    lab = carp_lab()
    seen: list[tuple[str, str]] = []
    w = ConsoleWidget(lab["server-1"], on_command=lambda line, out: seen.append((line, out)))
    out = w.submit("ifconfig em0 down")
    assert out == ""
    carp = w.submit("ifconfig em0 | grep carp")
    assert seen == [("ifconfig em0 down", ""), ("ifconfig em0 | grep carp", carp)]
    assert carp.strip().startswith("carp: INIT vhid 1")


def test_same_lines_same_box() -> None:
    lines = ["ifconfig em0 down", "advance 4", "time", "sysctl net.inet.carp.preempt"]

    def play() -> tuple[str, str]:
        w = ConsoleWidget(carp_lab()["server-1"])
        for line in lines:
            w.submit(line)
        return w.output.value, w.transcript()

    assert play() == play()


def test_advance_and_time_are_the_widgets_and_stay_out_of_the_host_transcript() -> None:
    lab = carp_lab()
    w = ConsoleWidget(lab["server-1"])
    before = lab.world.now
    w.submit("hostname")
    assert w.submit("advance 2.5") == f"simulated time {(before / 1e9) + 1 + 2.5:.1f} s"
    assert w.submit("advance lots").startswith("usage: advance SECONDS")
    w.submit("hostname")
    assert lab.world.now == before + 1_000_000_000 + 2_500_000_000 + 1_000_000_000
    assert "advance" not in lab["server-1"].transcript_text()
    lines = w.transcript().splitlines()
    assert lines[2] == "root@server-1:~ # advance 2.5"  # shown in the order typed
    assert lines[-1] == "root@server-1:~ #"


def test_ping_runs_until_interrupt_and_enter_shows_progress() -> None:
    lab = carp_lab()
    w = ConsoleWidget(lab["client"])
    w.submit("ping 192.0.2.50")
    assert w.console.job is not None
    assert "ping running" in w.status.value
    lab.advance(3)
    w.run_button.click()  # empty line: the new reply lines
    assert "icmp_seq=3" in shown(w)
    w.interrupt_button.click()
    assert w.console.job is None
    assert "--- 192.0.2.50 ping statistics ---" in shown(w)


def test_history_puts_a_line_back_without_running_it() -> None:
    lab = carp_lab()
    w = ConsoleWidget(lab["server-1"])
    w.submit("hostname")
    w.submit("kldstat")
    assert list(w.history.options)[1:] == ["kldstat", "hostname"]
    w.history.value = "hostname"
    assert w.input.value == "hostname"
    assert w.console.history == ["hostname", "kldstat"]
    w.run_button.click()
    assert w.console.history == ["hostname", "kldstat", "hostname"]


def test_a_failing_callback_is_shown_not_lost() -> None:
    lab = carp_lab()

    def broken(line: str, out: str) -> None:
        raise RuntimeError("chart exploded")

    w = ConsoleWidget(lab["server-1"], on_command=broken)
    w.input.value = "hostname"
    assert "chart exploded" in w.status.value
    with pytest.raises(RuntimeError):
        w.submit("hostname")


def test_for_lab_gives_a_tab_per_host_on_one_clock() -> None:
    lab = carp_lab()
    calls: list[str] = []
    tabs = ConsoleWidget.for_lab(lab, on_command=lambda line, out: calls.append(line))
    assert isinstance(tabs, LabConsoles)
    assert isinstance(tabs.widget, widgets.Tab)
    assert list(tabs.widget.titles) == list(lab.consoles)
    assert tabs.submit("server-1", "ifconfig em0 down") == ""
    tabs.submit("server-2", "sleep 4")
    assert "carp: MASTER" in tabs.submit("server-2", "ifconfig em0 | grep carp")
    # every tab shows the shared clock after a line typed on any of them
    assert f"simulated time {lab.world.now / 1e9:.1f} s" in tabs["client"].status.value
    assert calls == ["ifconfig em0 down", "sleep 4", "ifconfig em0 | grep carp"]
    with pytest.raises(KeyError, match="hosts:"):
        tabs["router"]


def test_displays_as_a_widget() -> None:
    lab = carp_lab()
    w = ConsoleWidget(lab["server-1"])
    bundle = w._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == w.widget.model_id
