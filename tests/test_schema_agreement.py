"""The compiled validator (fastjsonschema) answers "is this valid?" and `jsonschema`
lists the errors only when it says no.  That is sound only if the two agree on every
schema prepdeck ships; these tests check it on valid documents mutated by Hypothesis,
and that the schemas use no keyword fastjsonschema's generator does not implement
(it compiles 2020-12 schemas with its 2019-09 generator)."""

from __future__ import annotations

import copy
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prepdeck import schema
from prepdeck.load import load_document
from prepdeck.schemas import DOCUMENT_KINDS, DocumentKind
from prepdeck.style_folders import read_yaml

CONTENT = Path(__file__).resolve().parent.parent / "content"
CONSTRAINTS = CONTENT.parent / "constraints.txt"

# Keywords both validators implement the same way; anything else needs a new proof.
SUPPORTED = {
    "$schema", "$id", "$ref", "$defs", "title", "description", "type", "properties",
    "additionalProperties", "required", "items", "minItems", "maxItems", "uniqueItems",
    "minLength", "pattern", "minimum", "exclusiveMinimum", "minProperties", "enum",
    "const", "default", "examples", "x-rule", "x-message", "anyOf", "oneOf", "maximum",
    "exclusiveMaximum", "maxLength", "propertyNames",
    "deprecated",  # an annotation, like description
}  # fmt: skip
SUBSCHEMA_MAPS = {"properties", "$defs"}


def keywords(node: Any, found: set[str]) -> set[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            found.add(key)
            if key in SUBSCHEMA_MAPS:
                for sub in value.values():
                    keywords(sub, found)
            elif key not in ("enum", "const", "default", "examples", "required"):
                keywords(value, found)
    elif isinstance(node, list):
        for item in node:
            keywords(item, found)
    return found


@pytest.mark.parametrize("kind", DOCUMENT_KINDS)
def test_shipped_schemas_use_only_keywords_both_validators_implement(kind: DocumentKind) -> None:
    used = keywords(schema.schema(kind), set())
    assert used <= SUPPORTED, used - SUPPORTED


def valid_instance(kind: DocumentKind) -> Any:
    if kind == "bank":
        return load_document(CONTENT / "bank.yaml").data
    if kind == "tier":
        data = load_document(CONTENT / "beginner.yaml").data
        return {**data, "questions": data["questions"][:2]}
    if kind == "lock":
        data = json.loads((CONTENT / "prepdeck.lock").read_text(encoding="utf-8"))
        notes = dict(list(data["notes"].items())[:3])
        return {**data, "notes": notes, "renamed": {next(iter(notes)): "first-id"}}
    return read_yaml("pdf.yaml", (), "pdf")[0]


values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-3, 3),
        st.sampled_from([0.0, 4.0, 2.5, -1.5, 1e300]),
        st.text(max_size=6),
        st.sampled_from(
            ["", " ", "a-b", "A", "1.0.0", "en", "#a1b2c3", "https://x.org/", "mailto:a", "\n"]
        ),
    ),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["id", "name", "url", "x"]), children, max_size=3)
    ),
    max_leaves=6,
)


def containers(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path] if isinstance(node, (dict, list)) else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += containers(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += containers(value, (*path, index))
    return found


def at(node: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        node = node[step]
    return node


EDGES = ["\n", " ", "x", "-", "A", "é", ".", "\t", "#"]


def perturb_every_string(node: Any, edge: str, front: bool, keys: bool = False) -> Any:
    """Every string with `edge` added: a rare path is as likely to be hit as a common one.
    With `keys`, mapping keys too (the lock's keys are ids, checked by propertyNames)."""
    if isinstance(node, str):
        return edge + node if front else node + edge
    if isinstance(node, dict):
        return {
            (perturb_every_string(k, edge, front) if keys else k): perturb_every_string(
                v, edge, front, keys
            )
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [perturb_every_string(v, edge, front, keys) for v in node]
    return node


@st.composite
def mutated(draw: st.DrawFn, kind: DocumentKind) -> Any:
    doc = copy.deepcopy(valid_instance(kind))
    if draw(st.booleans()):
        in_keys = kind == "lock" and draw(st.booleans())
        doc = perturb_every_string(doc, draw(st.sampled_from(EDGES)), draw(st.booleans()), in_keys)
    for _ in range(draw(st.integers(0, 3))):
        target = at(doc, draw(st.sampled_from(containers(doc))))
        keys = list(target) if isinstance(target, dict) else list(range(len(target)))
        op = draw(st.sampled_from(["replace", "perturb", "delete", "add"]))
        if op == "add" or not keys:
            if isinstance(target, dict):
                target[draw(st.sampled_from(["x", "id", "name", "extra"]))] = draw(values)
            else:
                target.append(draw(values))
            continue
        key = draw(st.sampled_from(keys))
        if op == "delete":
            del target[key]
        elif op == "perturb" and isinstance(target[key], str):
            edge = draw(st.sampled_from(EDGES))
            target[key] = draw(st.sampled_from([target[key] + edge, edge + target[key]]))
        elif op == "perturb" and isinstance(target[key], (int, float)):
            target[key] = draw(
                st.sampled_from([-target[key], target[key] + 0.5, 0, float(target[key])])
            )
        else:
            target[key] = draw(values)
    return doc


def fast_valid(kind: DocumentKind, data: Any) -> bool:
    try:
        schema._fast(kind)(data)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


@pytest.mark.parametrize("kind", DOCUMENT_KINDS)
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_fastjsonschema_and_jsonschema_agree(kind: DocumentKind, data: st.DataObject) -> None:
    document = data.draw(mutated(kind))
    full = jsonschema.Draft202012Validator(schema.schema(kind)).is_valid(document)
    assert fast_valid(kind, document) == full


@pytest.mark.parametrize("kind", DOCUMENT_KINDS)
def test_the_unmutated_documents_are_valid(kind: DocumentKind) -> None:
    assert fast_valid(kind, valid_instance(kind))


def test_a_trailing_newline_is_no_match_for_either_validator() -> None:
    # Python's `$` matches before a final newline, fastjsonschema's (ECMA's) does not:
    # the property above found a quoted "ai-devsecops\n" slug that jsonschema accepted.
    document = valid_instance("bank")
    document["slug"] += "\n"
    assert not fast_valid("bank", document)
    assert not jsonschema.Draft202012Validator(schema.schema("bank")).is_valid(document)


@pytest.mark.parametrize("kind", DOCUMENT_KINDS)
def test_the_shipped_compiled_validators_are_current(kind: DocumentKind) -> None:
    """`schemas/compiled/<kind>.py` is what fastjsonschema generates from the shipped
    schema today; after editing a schema (or upgrading fastjsonschema), `make schemas`."""
    shipped = resources.files("prepdeck.schemas").joinpath("compiled", f"{kind}.py")
    text = shipped.read_text(encoding="utf-8")
    pinned = re.search(r"^fastjsonschema==(\S+)$", CONSTRAINTS.read_text("utf-8"), re.M)
    assert pinned is not None
    assert f" with fastjsonschema {pinned[1]}:" in text.splitlines()[0], "run `make schemas`"
    if pinned[1] != fastjsonschema.VERSION:
        pytest.skip(
            f"generated with the pinned fastjsonschema {pinned[1]}; this run has "
            f"{fastjsonschema.VERSION} (the lowest-versions job), whose output may differ"
        )
    assert text == schema.compiled_source(kind), (
        f"schemas/compiled/{kind}.py is stale: run `make schemas`"
    )
