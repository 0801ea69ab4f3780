"""Checking a buildspec's YAML node by node, so every error names the file and line:
``BuildspecError`` and the ``Checker`` the buildspec's sections are read with."""

from __future__ import annotations

from pathlib import Path

import yaml


class BuildspecError(Exception):
    """The buildspec is not valid YAML or not a valid version 0.2 buildspec."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")


class Checker:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, node: yaml.Node | None, message: str) -> BuildspecError:
        line = node.start_mark.line + 1 if node is not None else None
        return BuildspecError(self.path, line, message)

    def mapping(self, node: yaml.Node, where: str, allowed: tuple[str, ...] | None = None) -> dict:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{where} must be a mapping (key: value lines), not {kind(node)}")
        result: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, f"{where}: keys must be plain names")
            key = str(key_node.value)
            if key in result:
                raise self.fail(key_node, f"{where}: '{key}' is given twice")
            if allowed is not None and key not in allowed:
                hint = closest(key, allowed)
                raise self.fail(
                    key_node,
                    f"{where}: unknown key '{key}'"
                    + (f" (did you mean '{hint}'?)" if hint else "")
                    + f"; allowed: {', '.join(allowed)}",
                )
            result[key] = (key_node, value_node)
        return result

    def scalar(self, node: yaml.Node, where: str) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, f"{where} must be a single value, not {kind(node)}")
        return str(node.value)

    def boolean(self, node: yaml.Node, where: str) -> bool:
        value = self.scalar(node, where).strip().lower()
        if value in ("true", "yes", "on"):
            return True
        if value in ("false", "no", "off"):
            return False
        raise self.fail(node, f"{where} must be true or false, not {value!r}")

    def string_list(self, node: yaml.Node, where: str) -> tuple[str, ...]:
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return ()
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, f"{where} must be a list ('- item' lines), not {kind(node)}")
        items = []
        for item in node.value:
            if not isinstance(item, yaml.ScalarNode):
                raise self.fail(
                    item,
                    f"{where}: each item must be a string, not {kind(item)} "
                    "(quote a command that contains ': ' or starts with a special character)",
                )
            items.append(str(item.value))
        return tuple(items)

    def variables(self, node: yaml.Node, where: str) -> dict[str, str]:
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return {}
        result = {}
        for key, (key_node, value_node) in self.mapping(node, where).items():
            if not key.replace("_", "a").isalnum() or key[0].isdigit():
                raise self.fail(key_node, f"{where}: '{key}' is not a valid environment variable name")
            if isinstance(value_node, yaml.ScalarNode) and value_node.tag == "tag:yaml.org,2002:null":
                result[key] = ""
            else:
                result[key] = self.scalar(value_node, f"{where}.{key}")
        return result


def kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node.tag == "tag:yaml.org,2002:null":
        return "empty"
    return f"the value {node.value!r}"


def closest(word: str, choices: tuple[str, ...]) -> str | None:
    import difflib

    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return found[0] if found else None


def compose(text: str, path: Path) -> yaml.Node:
    """The YAML node tree of a non-empty document; YAML errors carry their line."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        line = mark.line + 1 if mark is not None else None
        raise BuildspecError(path, line, f"not valid YAML: {problem}") from None
    if root is None:
        raise BuildspecError(
            path, None, "the file is empty; a buildspec needs at least 'version: 0.2' and 'phases'"
        )
    return root
