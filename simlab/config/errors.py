"""Diagnostics for configuration files: what is wrong, where, and what was expected.

A learner who mistypes a keepalived.conf or an rc.conf should get every problem of the file in one
go, each pointing at a file and line, the way a compiler reports: ``rc.conf:3: ifconfig_em0_alias0:
advskew 300 is out of range (expected 0..254)``. The readers therefore never stop at the first
mistake: they collect :class:`Diagnostic` objects in a :class:`DiagnosticSink` and raise one
:class:`ConfigError` carrying all of them at the end. Warnings (things real daemons accept but that
simlab does not model, or that the real system silently changes) travel in the same list; they are
returned with the parsed result when there is no error.

Nothing here knows about a particular format; the format readers live beside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

__all__ = ["ConfigError", "Diagnostic", "DiagnosticSink", "Severity"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Diagnostic:
    """One problem in one file.

    ``line`` is 1-based; 0 means "no line" (a command typed at a prompt). ``column`` is 1-based
    and ``None`` when the problem belongs to the whole line. ``expected`` is what would have been
    accepted (``"0..254"``); it is rendered in parentheses after the message. ``source`` is the
    text of the offending line and ``width`` the length of the offending token, used by
    :meth:`render` to draw a caret under it.
    """

    path: str
    line: int
    column: int | None
    message: str
    expected: str | None = None
    severity: Severity = "error"
    source: str | None = None
    width: int = 1

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line > 0 else self.path
        # Compilers mark only warnings; an unmarked line is an error, as in the examples learners
        # see from gcc and from keepalived's own config checker.
        kind = "warning: " if self.severity == "warning" else ""
        expected = f" (expected {self.expected})" if self.expected else ""
        return f"{where}: {kind}{self.message}{expected}"

    def render(self) -> str:
        """The one-line form, then the offending line with a caret under the column if known."""
        text = str(self)
        if self.source is None or self.column is None:
            return text
        # Tabs would shift the caret; show the line as the terminal would with tabs as spaces of
        # the same count, so columns still line up one to one.
        shown = self.source.replace("\t", " ")
        caret = " " * (self.column - 1) + "^" + "~" * max(0, self.width - 1)
        return f"{text}\n    {shown}\n    {caret}"


class ConfigError(Exception):
    """A configuration file (or command) has at least one error; carries every diagnostic found.

    ``str()`` gives one line per diagnostic (errors and warnings, in file order);
    :meth:`render` adds the offending lines with carets.
    """

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics: list[Diagnostic] = list(diagnostics)
        super().__init__(str(self))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if not d.is_error]

    def __str__(self) -> str:
        return "\n".join(str(d) for d in self.diagnostics)

    def render(self) -> str:
        return "\n".join(d.render() for d in self.diagnostics)


class DiagnosticSink:
    """Collects the diagnostics of one or more files while a reader works through them.

    ``add_file`` registers a file's text so diagnostics can quote the offending line. Readers
    call :meth:`error` / :meth:`warning` and at the end :meth:`raise_if_errors`; diagnostics are
    ordered by file (in registration order) and then by line, whatever order they were found in.
    """

    def __init__(self) -> None:
        self._items: list[tuple[int, int, int, Diagnostic]] = []
        self._files: dict[str, list[str]] = {}
        self._order: dict[str, int] = {}

    def add_file(self, path: str, text: str) -> None:
        self._files[path] = text.splitlines()
        self._order.setdefault(path, len(self._order))

    def source_line(self, path: str, line: int) -> str | None:
        lines = self._files.get(path)
        if lines is None or not 1 <= line <= len(lines):
            return None
        return lines[line - 1]

    def add(self, diagnostic: Diagnostic) -> None:
        order = self._order.setdefault(diagnostic.path, len(self._order))
        self._items.append((order, diagnostic.line, len(self._items), diagnostic))

    def report(
        self,
        severity: Severity,
        path: str,
        line: int,
        message: str,
        *,
        column: int | None = None,
        expected: str | None = None,
        width: int = 1,
        source: str | None = None,
    ) -> None:
        if source is None:
            source = self.source_line(path, line)
        self.add(
            Diagnostic(
                path=path,
                line=line,
                column=column,
                message=message,
                expected=expected,
                severity=severity,
                source=source,
                width=max(1, width),
            )
        )

    def error(self, path: str, line: int, message: str, **kw) -> None:
        self.report("error", path, line, message, **kw)

    def warning(self, path: str, line: int, message: str, **kw) -> None:
        self.report("warning", path, line, message, **kw)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [item[3] for item in sorted(self._items, key=lambda i: (i[0], i[1], i[2]))]

    @property
    def has_errors(self) -> bool:
        return self.error_count > 0

    @property
    def error_count(self) -> int:
        return sum(1 for item in self._items if item[3].is_error)

    def raise_if_errors(self) -> None:
        if self.has_errors:
            raise ConfigError(self.diagnostics)
