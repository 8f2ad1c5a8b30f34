"""Hostile text, round two (issue 23): Anki's own tags stay text, nothing the
renderer cannot hold is dropped silently, and any input under 1 MB is answered
with problems or a build in bounded time, never a traceback."""

from __future__ import annotations

from pathlib import Path

from yaml.nodes import MappingNode

from prepdeck.load import load_document


class _CountingList(list):  # type: ignore[type-arg]
    iterations = 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        _CountingList.iterations += 1
        return super().__iter__()


def test_locating_many_problems_in_a_wide_mapping_scans_its_keys_once(tmp_path: Path) -> None:
    path = tmp_path / "wide.yaml"
    path.write_text("".join(f"k{i}: v\n" for i in range(3000)), encoding="utf-8")
    doc = load_document(path)
    assert isinstance(doc.node, MappingNode)
    doc.node.value = _CountingList(doc.node.value)
    _CountingList.iterations = 0
    lines = [doc.position((f"k{i}",), key=True)[0] for i in range(3000)]
    assert lines == list(range(1, 3001))
    assert _CountingList.iterations <= 1  # was one scan of all keys per problem
