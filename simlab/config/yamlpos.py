"""YAML with positions: load a document and remember the line of every mapping key and item.

Validation errors (pydantic's) name a location as a path of keys and indices; a learner needs a
file and a line. :func:`load_with_positions` returns the plain data plus a map from each path to
the 1-based line and column where it starts, and :func:`locate` finds the best line for any
path, falling back to the nearest enclosing one (a *missing* key is reported at the line of the
mapping that should hold it). Duplicate keys, which PyYAML silently collapses, are errors here.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Position:
    line: int
    column: int


class YamlError(ValueError):
    """The text is not valid YAML, or repeats a key; ``line``/``column`` are 1-based."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def _position(node: yaml.Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


_STANDARD_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


def _scalar(node: yaml.Node) -> object:
    """A scalar with its YAML 1.1 safe type; any tag the safe loader refuses is an error."""
    try:
        return yaml.SafeLoader("").construct_object(node, deep=True)
    except yaml.MarkedYAMLError as exc:
        pos = _position(node)
        raise YamlError(str(exc.problem or exc), pos.line, pos.column) from None
    except (ValueError, TypeError) as exc:  # e.g. `!!int x`
        pos = _position(node)
        message = f"bad value {node.value!r} for tag {node.tag}: {exc}"
        raise YamlError(message, pos.line, pos.column) from None


def _walk(node: yaml.Node, path: Path, out: dict[Path, Position]) -> object:
    out.setdefault(path, _position(node))
    if not isinstance(node, yaml.ScalarNode) and node.tag not in _STANDARD_TAGS:
        pos = _position(node)
        raise YamlError(f"tag {node.tag} is not allowed in a scenario", pos.line, pos.column)
    if isinstance(node, yaml.MappingNode):
        result: dict[object, object] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                pos = _position(key_node)
                raise YamlError(
                    "a key must be a plain word, not a list or mapping", pos.line, pos.column
                )
            key = _scalar(key_node)
            if key in result:
                pos = _position(key_node)
                raise YamlError(f"duplicate key {key!r}", pos.line, pos.column)
            out[(*path, key)] = _position(key_node)
            result[key] = _walk(value_node, (*path, key), out)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_walk(item, (*path, i), out) for i, item in enumerate(node.value)]
    return _scalar(node)


def load_with_positions(text: str) -> tuple[object, dict[Path, Position]]:
    """Parse one YAML document safely; return (data, positions by path)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:  # scanner, parser and composer errors
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlError(str(exc.problem or exc), line, column) from None
    except yaml.YAMLError as exc:  # pragma: no cover - every PyYAML parse error is marked
        raise YamlError(str(exc), 1, 1) from None
    if node is None:
        return None, {}
    positions: dict[Path, Position] = {}
    return _walk(node, (), positions), positions


def locate(positions: dict[Path, Position], path: Path) -> Position | None:
    """Position of ``path`` or of its nearest ancestor that the document has."""
    for end in range(len(path), -1, -1):
        found = positions.get(tuple(path[:end]))
        if found is not None:
            return found
    return None
