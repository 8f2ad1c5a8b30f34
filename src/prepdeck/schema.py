"""Structure, described once as JSON Schema (shipped in the package) and turned
into problems with positions, rule ids and readable messages.

A compiled validator (fastjsonschema) answers the common question, "is this
valid?", cheaply; only an invalid document is run through `jsonschema` to list
every error with its path.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import json
from collections.abc import Callable, Iterator
from importlib import resources
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import jsonschema
    from yaml.nodes import Node

import fastjsonschema

from prepdeck.errors import Level, Problem
from prepdeck.load import Path_, YamlDocument
from prepdeck.schemas import Kind

_TYPE_NAMES = {
    "string": "text",
    "array": "a list",
    "object": "a mapping",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
}


@functools.cache
def schema(kind: Kind) -> dict[str, Any]:
    text = resources.files("prepdeck.schemas").joinpath(f"{kind}.schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    """The schema with local `#/$defs/...` references replaced by what they name;
    fastjsonschema makes a function call per reference, which dominates its cost."""
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/$defs/"):
            rest = {k: v for k, v in node.items() if k != "$ref"}
            return {**_inline_refs(defs[ref.removeprefix("#/$defs/")], defs), **rest}
        return {k: _inline_refs(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline_refs(v, defs) for v in node]
    return node


@functools.cache
def _fast(kind: Kind) -> Callable[[Any], Any]:
    full = schema(kind)
    return fastjsonschema.compile(_inline_refs(full, full.get("$defs", {})))


@functools.cache
def _full(kind: Kind) -> jsonschema.protocols.Validator:
    import jsonschema  # only invalid files need it; it is slow to import

    return jsonschema.Draft202012Validator(schema(kind))


class Located(Protocol):
    """Where a path into the checked data was written: a `YamlDocument`, or several
    merged into one (`styles.Layers`)."""

    def problem(
        self, at: Path_, rule: str, message: str, *, level: Level = ..., key: bool = ...
    ) -> Problem: ...

    def node_at(self, at: Path_, *, key: bool = ...) -> Node | None: ...


def check(doc: YamlDocument, kind: Kind) -> list[Problem]:
    return check_layers(doc.data, doc, kind)


def check_layers(data: Any, doc: Located, kind: Kind) -> list[Problem]:
    """Problems of `data` against the `kind` schema, placed by `doc`."""
    try:
        _fast(kind)(data)
        return []
    except fastjsonschema.JsonSchemaException:
        pass
    errors = sorted(_full(kind).iter_errors(data), key=lambda e: list(map(str, e.path)))
    return [p for error in errors for p in _problems(doc, error)]


_BOUNDS = {
    "minimum": "at least",
    "exclusiveMinimum": "more than",
    "maximum": "at most",
    "exclusiveMaximum": "less than",
}


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if value is None:
        return "nothing (null)"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, (dt.date, dt.datetime)):
        return f"the date {value.isoformat()}"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def _name(path: Path_) -> str:
    for step in reversed(path):
        if isinstance(step, str):
            return step
    return "value"


def _problems(doc: Located, error: jsonschema.ValidationError) -> Iterator[Problem]:
    path: Path_ = tuple(error.absolute_path)
    keyword = error.validator
    rule_schema: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    expected: Any = error.validator_value
    where = f'"{_name(path)}"' if path else "the file"
    if keyword == "required":
        present = error.instance if isinstance(error.instance, dict) else {}
        for name in expected:
            if name not in present:
                yield doc.problem(path, "missing-field", f'missing required field "{name}"')
    elif keyword == "additionalProperties":
        known = sorted(rule_schema.get("properties", {}))
        instance: Any = error.instance
        for name in instance:
            if name in known:
                continue
            close = difflib.get_close_matches(str(name), known, n=1, cutoff=0.6)
            hint = f'; did you mean "{close[0]}"?' if close else f" (known: {', '.join(known)})"
            yield doc.problem((*path, name), "unknown-key", f'unknown key "{name}"{hint}', key=True)
    elif keyword == "type":
        yield _type_problem(doc, path, error)
    elif keyword in ("minLength", "minItems") or (keyword == "pattern" and expected == r"\S"):
        yield doc.problem(path, "empty-field", f"{where} is empty")
    elif "x-rule" in rule_schema:
        message = f"{where} {rule_schema['x-message']}, not {error.instance!r}"
        yield doc.problem(path, str(rule_schema["x-rule"]), message)
    elif keyword == "uniqueItems":
        yield doc.problem(path, "duplicate-item", f"{where} lists the same item twice")
    elif keyword == "maxItems":
        yield doc.problem(path, "too-many", f"{where} has more than {expected} items")
    elif keyword in _BOUNDS:
        yield doc.problem(
            path,
            "out-of-range",
            f"{where} must be {_BOUNDS[keyword]} {expected}, not {error.instance!r}",
        )
    elif keyword == "minProperties":
        yield doc.problem(path, "empty-field", f"{where} is empty")
    else:  # pragma: no cover - every keyword the schemas use is handled above
        yield doc.problem(path, "schema", error.message)


def _type_problem(doc: Located, path: Path_, error: jsonschema.ValidationError) -> Problem:
    expected: Any = error.validator_value
    wanted = _TYPE_NAMES.get(str(expected), str(expected))
    node = doc.node_at(path)
    if not path:
        return doc.problem(
            path, "top-level-type", f"the file must be {wanted}, not {_describe(error.instance)}"
        )
    if error.instance is None:
        return doc.problem(path, "empty-field", f'"{_name(path)}" is empty')
    if expected == "string" and node is not None and isinstance(node.value, str):
        source = node.value
        reading = _describe(error.instance)
        return doc.problem(
            path,
            "not-text",
            f'"{_name(path)}" must be text, but YAML reads the unquoted {source} as '
            f'{reading}; quote it: "{source}"',
        )
    return doc.problem(
        path,
        "wrong-type",
        f'"{_name(path)}" must be {wanted}, not {_describe(error.instance)}',
    )
