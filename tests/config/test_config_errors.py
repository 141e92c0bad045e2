"""Diagnostics render as file:line: message (expected ...), one per line, with carets on demand."""

from __future__ import annotations

import pytest

from simlab.config.errors import ConfigError, Diagnostic, DiagnosticSink


def test_a_diagnostic_renders_like_a_compiler_message():
    d = Diagnostic("rc.conf", 3, 45, "ifconfig_em0_alias0: advskew 300 is out of range", "0..254")
    assert str(d) == "rc.conf:3: ifconfig_em0_alias0: advskew 300 is out of range (expected 0..254)"


def test_warnings_are_marked_and_line_zero_means_no_line():
    d = Diagnostic("ifconfig", 0, None, "pass is too long", severity="warning")
    assert str(d) == "ifconfig: warning: pass is too long"


def test_render_draws_a_caret_under_the_offending_token():
    line = 'ifconfig_em0_alias0="inet vhid 1 advskew 300 pass testpass alias 192.168.1.50/32"'
    d = Diagnostic(
        "rc.conf",
        3,
        line.index("300") + 1,
        "advskew 300 is out of range",
        "0..254",
        source=line,
        width=3,
    )
    rendered = d.render().splitlines()
    assert rendered[0] == "rc.conf:3: advskew 300 is out of range (expected 0..254)"
    assert rendered[1] == "    " + line
    assert rendered[2] == "    " + " " * line.index("300") + "^~~"
    # Without a column there is nothing to point at.
    assert Diagnostic("rc.conf", 3, None, "m", source=line).render() == "rc.conf:3: m"


def test_the_sink_orders_by_file_then_line_and_raises_once_with_everything():
    sink = DiagnosticSink()
    sink.add_file("rc.conf", "a=1\nb=2\nc=3\n")
    sink.add_file("sysctl.conf", "x=1\n")
    sink.error("sysctl.conf", 1, "third")
    sink.warning("rc.conf", 3, "second")
    sink.error("rc.conf", 1, "first", column=1)
    assert sink.error_count == 2
    with pytest.raises(ConfigError) as info:
        sink.raise_if_errors()
    err = info.value
    assert str(err).splitlines() == [
        "rc.conf:1: first",
        "rc.conf:3: warning: second",
        "sysctl.conf:1: third",
    ]
    assert [d.message for d in err.errors] == ["first", "third"]
    assert [d.message for d in err.warnings] == ["second"]
    # The quoted line comes from the registered file text.
    assert err.diagnostics[0].source == "a=1"
    assert "    a=1\n    ^" in err.render()


def test_a_sink_with_only_warnings_does_not_raise():
    sink = DiagnosticSink()
    sink.warning("x", 1, "just saying")
    sink.raise_if_errors()
    assert not sink.has_errors and len(sink.diagnostics) == 1
