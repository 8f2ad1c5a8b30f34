"""Counts per tier and topic, and the most cited references."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from prepdeck.model import Bank


@dataclass(frozen=True)
class Stats:
    questions: int
    tiers: list[tuple[str, str, int, int | None]]  # id, name, count, expected
    topics: list[tuple[str, str, int]]  # id, name, count
    references: list[tuple[str, str, int]]  # key, title, citations

    def as_dict(self) -> dict[str, object]:
        return {
            "questions": self.questions,
            "tiers": [{"id": i, "name": n, "count": c, "expected": e} for i, n, c, e in self.tiers],
            "topics": [{"id": i, "name": n, "count": c} for i, n, c in self.topics],
            "references": [{"key": k, "title": t, "citations": c} for k, t, c in self.references],
        }


def compute(bank: Bank) -> Stats:
    tiers = Counter(q.tier.id for q in bank.questions)
    topics = Counter(tag for q in bank.questions for tag in q.tags)
    refs = Counter(ref for q in bank.questions for ref in q.refs)
    return Stats(
        questions=len(bank.questions),
        tiers=[(t.id, t.name, tiers[t.id], t.expected) for t in bank.tiers],
        topics=sorted(
            ((t.id, t.name, topics[t.id]) for t in bank.topics), key=lambda row: (-row[2], row[0])
        ),
        references=sorted(
            ((r.key, r.title, refs[r.key]) for r in bank.references),
            key=lambda row: (-row[2], row[0]),
        ),
    )


def render_json(stats: Stats) -> str:
    import json

    return json.dumps(stats.as_dict(), indent=2, ensure_ascii=False)


def render_text(stats: Stats) -> str:
    lines = [f"{stats.questions} questions", "", "Tiers:"]
    width = max((len(name) for _, name, _, _ in stats.tiers), default=0)
    for _, name, count, expected in stats.tiers:
        note = f" (expected {expected})" if expected is not None and expected != count else ""
        lines.append(f"  {name:<{width}}  {count:>5}{note}")
    lines += ["", "Topics:"]
    width = max((len(i) for i, _, _ in stats.topics), default=0)
    lines += [f"  {i:<{width}}  {c:>5}" for i, _, c in stats.topics]
    lines += ["", "Most cited references:"]
    width = max((len(k) for k, _, _ in stats.references), default=0)
    lines += [f"  {k:<{width}}  {c:>5}  {t}" for k, t, c in stats.references if c]
    unused = [k for k, _, c in stats.references if not c]
    if unused:
        lines.append(f"  never cited: {', '.join(unused)}")
    return "\n".join(lines)
