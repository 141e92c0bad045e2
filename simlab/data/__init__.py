"""Data files shipped with simlab (the real captures used by ``simlab demo`` and the tests)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def capture_path(name: str) -> Path:
    """Path of a bundled capture, e.g. ``capture_path("keepalived-vrrp2.pcap")``."""
    path = Path(str(files(__package__) / "captures" / name))
    if not path.is_file():
        known = ", ".join(sorted(p.name for p in path.parent.glob("*.pcap")))
        raise FileNotFoundError(f"no bundled capture {name!r}; bundled: {known}")
    return path


def bundled_captures() -> list[Path]:
    """Every bundled capture, sorted by name."""
    return sorted(Path(str(files(__package__) / "captures")).glob("*.pcap"))


def builtin_scenarios() -> dict[str, Path]:
    """Built-in scenario name -> its YAML file, sorted by name."""
    folder = Path(str(files(__package__) / "scenarios"))
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def scenario_path(name: str, *, hint: str = "") -> Path:
    """A built-in scenario's name or a YAML file's path -> the file (built-in names first).
    ``ValueError`` lists the built-in names when neither exists; ``hint`` is added after them."""
    builtins = builtin_scenarios()
    path = builtins.get(name) or Path(name)
    if not path.is_file():
        raise ValueError(
            f"{name}: no such scenario file or built-in scenario "
            f"(built-in: {', '.join(builtins)}{hint})"
        )
    return path
