"""The layer rules of DESIGN.md, checked two independent ways.

``lint-imports`` (import-linter) checks the contracts in pyproject.toml over the whole import graph,
indirect imports included. The AST walk below is a second, dependency-free check of the rule that
matters most, "core and wire do no I/O": it reads the same forbidden list from pyproject.toml, so
the two cannot drift apart, and it would still catch a violation if import-linter were
misconfigured or changed its view of the standard library.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = ROOT / "pyproject.toml"

# What each sans-I/O package may import from simlab itself (core may use the codecs; wire is the
# bottom layer).
SANS_IO_ALLOWED = {"core": {"core", "wire"}, "wire": {"wire"}}


def forbidden_in_sans_io() -> frozenset[str]:
    """The third-party and standard-library packages core and wire must not import."""
    with PYPROJECT.open("rb") as f:
        contracts = tomllib.load(f)["tool"]["importlinter"]["contracts"]
    for contract in contracts:
        if contract["type"] == "forbidden" and "simlab.core" in contract["source_modules"]:
            return frozenset(contract["forbidden_modules"])
    raise AssertionError("pyproject.toml has no forbidden contract for simlab.core")


def lint_imports_executable() -> str:
    # Prefer the one beside the running interpreter: it sees the same installed simlab.
    beside = Path(sys.executable).with_name("lint-imports")
    if beside.exists():
        return str(beside)
    found = shutil.which("lint-imports")
    if found is None:
        pytest.fail("lint-imports not found: install the dev extra (make install)")
    return found


def imported_names(source: str, module: str, is_package: bool) -> Iterator[tuple[str, int]]:
    """Yield (absolute dotted name, line) for every import in ``source``.

    ``from a import b`` yields ``a.b`` as well as ``a``, because ``b`` may be a submodule
    (``from simlab import sim``). Relative imports are resolved against ``module``.
    """
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - (node.level - 1)])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            yield target, node.lineno
            for alias in node.names:
                if alias.name != "*":
                    yield f"{target}.{alias.name}", node.lineno


def sans_io_violations(source: str, module: str, is_package: bool = False) -> list[str]:
    """Every import in ``source`` (the module ``module`` of simlab.core or simlab.wire) that
    breaks the sans-I/O rule, as ``"line N: name"``."""
    layer = module.split(".")[1]
    allowed = SANS_IO_ALLOWED[layer]
    forbidden = forbidden_in_sans_io()
    problems = []
    for name, line in imported_names(source, module, is_package):
        parts = name.split(".")
        upper_layer = (
            parts[0] == "simlab"
            and len(parts) > 1
            and not parts[1].startswith("__")
            and parts[1] not in allowed
        )
        if parts[0] in forbidden or upper_layer:
            problems.append(f"line {line}: {name}")
    return sorted(set(problems))


def sans_io_modules() -> Iterator[tuple[str, Path]]:
    for layer in SANS_IO_ALLOWED:
        for path in sorted((ROOT / "simlab" / layer).rglob("*.py")):
            dotted = path.relative_to(ROOT).with_suffix("").as_posix().replace("/", ".")
            yield dotted.removesuffix(".__init__"), path


def test_import_linter_contracts_are_kept() -> None:
    result = subprocess.run(
        [lint_imports_executable(), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout  # the "N kept, 0 broken" summary: contracts really ran


def test_core_and_wire_import_no_io_and_no_upper_layer() -> None:
    modules = list(sans_io_modules())
    assert modules, "found no modules under simlab/core or simlab/wire"
    problems = []
    for module, path in modules:
        is_package = path.name == "__init__.py"
        for problem in sans_io_violations(path.read_text(), module, is_package):
            problems.append(f"{path.relative_to(ROOT)} {problem}")
    assert not problems, "core/wire must stay sans-I/O (DESIGN.md):\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("source", "module", "expected"),
    [
        ("import socket\n", "simlab.core.vrrp", ["line 1: socket"]),
        ("from asyncio import sleep\n", "simlab.wire.arp", ["line 1: asyncio"]),
        ("import simpy.events as e\n", "simlab.core.carp", ["line 1: simpy.events"]),
        ("from time import monotonic\n", "simlab.core.carp", ["line 1: time"]),
        ("from simlab import sim\n", "simlab.core.vrrp", ["line 1: simlab.sim"]),
        ("from ..host import driver\n", "simlab.core.vrrp", ["line 1: simlab.host"]),
        ("from ..core import events\n", "simlab.wire.vrrp", ["line 1: simlab.core"]),
        ("if True:\n    import threading\n", "simlab.wire.x", ["line 2: threading"]),
    ],
)
def test_walker_flags_violations(source: str, module: str, expected: list[str]) -> None:
    assert [p for p in sans_io_violations(source, module) if p in expected] == expected


@pytest.mark.parametrize(
    ("source", "module"),
    [
        ("from ..wire import vrrp\nfrom .events import Startup\n", "simlab.core.vrrp"),
        ("import struct\nimport hmac\nfrom ipaddress import ip_address\n", "simlab.wire.carp"),
        ("from simlab import __version__\n", "simlab.core.vrrp"),
        ("from . import actions\n", "simlab.core"),
    ],
)
def test_walker_accepts_allowed_imports(source: str, module: str) -> None:
    is_package = module.count(".") == 1
    assert sans_io_violations(source, module, is_package) == []


def test_import_linter_catches_a_violation(tmp_path: Path) -> None:
    """The contracts can fail: a copy of the package with one bad core module breaks two."""
    shutil.copytree(
        ROOT / "simlab", tmp_path / "simlab", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(PYPROJECT, tmp_path / "pyproject.toml")
    (tmp_path / "simlab" / "core" / "_violation.py").write_text(
        "import socket\nfrom simlab import sim\n"
    )
    # PYTHONPATH puts the copy ahead of the installed (editable) simlab.
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run(
        [lint_imports_executable(), "--no-cache"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0, result.stdout
    assert "simlab.core._violation -> socket" in result.stdout
    assert "simlab.core._violation -> simlab.sim" in result.stdout
