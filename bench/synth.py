"""Synthetic question banks with the shape and text lengths of the real content.

A bank of N questions is split over the six tiers of `content/bank.yaml` in the
same proportions, one file per tier, written the way authors write them (folded
`>-` question and hint, a literal `|-` answer of paragraphs and a bullet list,
flow lists for tags and refs).  Text is nonsense built from a security
vocabulary, but its lengths and markup follow the real bank:

- question 20-30 words, hint 30-40, 3-6 key points of 6-10 words;
- answer 200-250 words: 2-3 paragraphs, then a bullet list of 3-5 items, some
  with a bold lead-in;
- inline `code` spans, *emphasis* and **strong** throughout, and https links in
  some answers, hints and key points.

Everything is ASCII, so every character exists in the PDF fonts, and every
declared topic and reference is used, so `prepdeck validate` passes without a
warning.  The same (questions, seed) always gives the same bytes.
"""

from __future__ import annotations

import json
import random
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# Bumped whenever the output changes, so cached banks under bench/out/ are rebuilt.
GENERATOR_VERSION = 2

TIERS: tuple[tuple[str, str, int], ...] = (  # id, name, weight (the real bank's counts)
    ("beginner", "Beginner", 5),
    ("intermediate", "Intermediate", 10),
    ("advanced", "Advanced", 11),
    ("scenario-based", "Scenario-Based", 10),
    ("ai-workflow-tools", "AI Workflow & Tools", 10),
    ("behavioral", "Behavioral", 5),
)

TOPICS: tuple[str, ...] = (
    "threat-modeling",
    "prompt-injection",
    "guardrails",
    "data-poisoning",
    "model-theft",
    "model-drift",
    "supply-chain",
    "secrets",
    "iac",
    "containers",
    "kubernetes",
    "ci-cd",
    "cloud",
    "monitoring",
    "privacy",
    "cryptography",
    "zero-trust",
    "agents",
    "incident-response",
    "governance",
    "vendor-risk",
    "red-teaming",
    "explainability",
    "cost-abuse",
    "communication",
    "leadership",
    "learning",
)

REFERENCES: tuple[tuple[str, str, str], ...] = (
    ("owasp-llm-top10", "OWASP Top 10 for LLM Applications", "https://genai.owasp.org/llm-top-10/"),
    ("mitre-atlas", "MITRE ATLAS", "https://atlas.mitre.org/"),
    (
        "nist-ai-rmf",
        "NIST AI Risk Management Framework",
        "https://www.nist.gov/itl/ai-risk-management-framework",
    ),
    (
        "nist-ai-600-1",
        "NIST AI 600-1: Generative AI Profile",
        "https://doi.org/10.6028/NIST.AI.600-1",
    ),
    (
        "nist-sp-800-207",
        "NIST SP 800-207: Zero Trust Architecture",
        "https://csrc.nist.gov/pubs/sp/800/207/final",
    ),
    ("eu-ai-act", "Regulation (EU) 2024/1689", "https://eur-lex.europa.eu/eli/reg/2024/1689/oj"),
    ("trivy", "Trivy", "https://github.com/aquasecurity/trivy"),
    ("grype", "Grype", "https://github.com/anchore/grype"),
    ("checkov", "Checkov", "https://www.checkov.io/"),
    ("tfsec", "tfsec", "https://github.com/aquasecurity/tfsec"),
    ("presidio", "Microsoft Presidio", "https://microsoft.github.io/presidio/"),
    ("morpheus", "NVIDIA Morpheus", "https://github.com/nv-morpheus/Morpheus"),
    ("opa-gatekeeper", "OPA Gatekeeper", "https://open-policy-agent.github.io/gatekeeper/"),
    ("pip-audit", "pip-audit", "https://github.com/pypa/pip-audit"),
    ("hashicorp-vault", "HashiCorp Vault", "https://developer.hashicorp.com/vault"),
    ("aws-secrets-manager", "AWS Secrets Manager", "https://docs.aws.amazon.com/secretsmanager/"),
    ("azure-key-vault", "Azure Key Vault", "https://learn.microsoft.com/azure/key-vault/"),
    ("docker-scout", "Docker Scout", "https://docs.docker.com/scout/"),
    ("dependabot", "GitHub Dependabot", "https://docs.github.com/code-security/dependabot"),
    (
        "kubernetes-network-policies",
        "Kubernetes Network Policies",
        "https://kubernetes.io/docs/concepts/services-networking/network-policies/",
    ),
    (
        "kubernetes-security-context",
        "Configure a Security Context",
        "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/",
    ),
    ("git-filter-repo", "git filter-repo", "https://github.com/newren/git-filter-repo"),
    ("gitleaks", "Gitleaks", "https://github.com/gitleaks/gitleaks"),
    ("modelscan", "ModelScan", "https://github.com/protectai/modelscan"),
    ("safetensors", "safetensors", "https://github.com/huggingface/safetensors"),
    ("rfc-9116", "RFC 9116: security.txt", "https://www.rfc-editor.org/rfc/rfc9116"),
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


NOUNS = _words("""
pipeline model endpoint token secret key vault registry image container cluster pod
policy role identity credential dataset label feature gradient checkpoint weight
artifact dependency package lockfile signature attestation provenance scanner alert
incident runbook owner team reviewer auditor regulator customer tenant user request
response prompt completion guardrail classifier filter agent tool plugin browser
database bucket network gateway proxy firewall service account workload namespace
node controller admission webhook manifest chart module template variable output
log trace metric dashboard baseline threshold anomaly drift latency budget quota
cost invoice contract vendor supplier release version branch commit merge review
test fixture sandbox staging production backup snapshot encryption enclave hash
certificate rotation lease session cookie header payload schema parser sink source
embedding vector index retrieval document chunk permission boundary blast radius
""")

VERBS = _words("""
scan sign verify rotate revoke pin audit monitor alert block allow deny isolate
encrypt decrypt hash store fetch cache log trace review approve reject deploy
promote rollback patch upgrade harden test fuzz probe detect contain escalate
document measure compare enforce validate sanitize escape redact mask throttle
""")

ADJECTIVES = _words("""
short-lived least-privilege signed pinned immutable hardened isolated private public
untrusted trusted internal external automated manual noisy quiet critical minor
reproducible deterministic scoped broad narrow strict lenient stale fresh encrypted
""")

FUNCTION_WORDS = _words("""
the the the a a an and and and of of of to to to in in for for with on that is
are from by as it each every before after when so only not its their this which
""")

CODE_SPANS = (
    "pickle.load",
    "torch.load",
    "weights_only=True",
    "--require-hashes",
    "yaml.safe_load",
    "kubectl auth can-i",
    "shell=True",
    ".env",
    "requirements.txt",
    "cosign verify",
    "trivy image",
    "pip-audit -r",
    "eval()",
    "subprocess.run",
    "readOnlyRootFilesystem",
    "runAsNonRoot: true",
    "id-token: write",
    "permissions: read-all",
    "git filter-repo",
    "terraform plan",
    "from_pretrained",
    "safetensors",
    "OPENAI_API_KEY",
    "sha256sum",
)

LINK_HOSTS = (
    "https://owasp.org/www-project-top-ten/",
    "https://docs.github.com/actions/security-guides/",
    "https://kubernetes.io/docs/concepts/security/",
    "https://csrc.nist.gov/projects/ssdf/",
    "https://slsa.dev/spec/v1.0/",
    "https://www.cisa.gov/resources-tools/",
)

ID_WORDS = [w for w in NOUNS if w.isalpha()]


@dataclass(frozen=True)
class SynthBank:
    """A generated bank as plain data: bank.yaml's mapping and each tier's questions."""

    questions: int
    seed: int
    bank: dict[str, Any]
    tiers: tuple[tuple[str, tuple[dict[str, Any], ...]], ...]  # (tier id, questions)

    def all_questions(self) -> list[dict[str, Any]]:
        return [q for _, questions in self.tiers for q in questions]


def tier_counts(questions: int) -> list[int]:
    """Split `questions` over the tiers in the real bank's proportions (largest remainder)."""
    total = sum(weight for _, _, weight in TIERS)
    exact = [questions * weight / total for _, _, weight in TIERS]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(TIERS)), key=lambda i: (counts[i] - exact[i], i))
    for i in by_remainder[: questions - sum(counts)]:
        counts[i] += 1
    return counts


@dataclass(frozen=True)
class Markup:
    """The chance that a span of text carries one of each kind of inline markup."""

    code: float = 0.0
    emphasis: float = 0.0
    strong: float = 0.0
    link: float = 0.0


# Measured on content/ (51 questions): markup in 2-4% of questions, hints and key
# points, in 65% of answer paragraphs and items; 3.5 code spans and 4 strong runs
# per question, nearly all in answers; one link in the whole bank.  Links are a
# little more common here (in about 7% of questions) so their path is exercised.
QUESTION = Markup(code=0.03, emphasis=0.02)
HINT = Markup(code=0.02, emphasis=0.01, link=0.01)
KEY_POINT = Markup(code=0.03, emphasis=0.005, link=0.005)
PARAGRAPH = Markup(code=0.5, emphasis=0.25, strong=0.15)
FIRST_PARAGRAPH = Markup(code=0.5, emphasis=0.25, strong=0.15, link=0.04)
LIST_ITEM = Markup(code=0.35, emphasis=0.15)
LEAD_IN = 0.6  # list items that open with a **bold lead-in.**


class _Writer:
    """Random text of a given length with the real bank's inline markup."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def word(self) -> str:
        roll = self.rng.random()
        if roll < 0.42:
            return self.rng.choice(FUNCTION_WORDS)
        if roll < 0.75:
            return self.rng.choice(NOUNS)
        if roll < 0.9:
            return self.rng.choice(VERBS)
        return self.rng.choice(ADJECTIVES)

    def words(self, count: int, markup: Markup) -> list[str]:
        """`count` words, some of them wrapped in markup (a link counts its text)."""
        out = [self.word() for _ in range(count)]
        rng = self.rng
        if rng.random() < markup.code:
            out[rng.randrange(count)] = f"`{rng.choice(CODE_SPANS)}`"
        if rng.random() < markup.strong:
            out[rng.randrange(count)] = f"**{rng.choice(NOUNS)}**"
        if count > 3 and rng.random() < markup.emphasis:
            at = rng.randrange(count - 1)
            out[at : at + 2] = [f"*{out[at].strip('`*')} {rng.choice(NOUNS)}*"]
            out.append(self.word())
        if count > 4 and rng.random() < markup.link:
            size = rng.randint(1, 3)
            at = rng.randrange(count - size)
            url = rng.choice(LINK_HOSTS) + rng.choice(ID_WORDS)
            text = " ".join(rng.choice(NOUNS) for _ in range(size))
            out[at : at + size] = [f"[{text}]({url})"]
            out += [self.word() for _ in range(size - 1)]
        return out

    def sentences(self, count: int, markup: Markup, *, end: str = ".") -> str:
        """`count` words as sentences of 8-20 words; the last one ends with `end`."""
        words = self.words(count, markup)
        out: list[str] = []
        left = len(words)
        while left > 0:
            size = min(left, self.rng.randint(8, 20))
            if 0 < left - size < 5:  # no stub sentence at the end
                size = left
            chunk = words[len(words) - left : len(words) - left + size]
            left -= size
            if size > 10 and self.rng.random() < 0.5:
                cut = self.rng.randrange(4, size - 4)
                if chunk[cut - 1][-1].isalnum():
                    chunk[cut - 1] += ","
            first = chunk[0]
            if first[0].isalpha():
                chunk[0] = first[0].upper() + first[1:]
            out.append(" ".join(chunk) + (end if left == 0 else "."))
        return " ".join(out)

    def point(self, count: int) -> str:
        """A key point: no full stop, starts with a capital word (safe as a plain scalar)."""
        first = self.rng.choice(VERBS).capitalize()
        return " ".join([first, *self.words(count - 1, KEY_POINT)])


def _question(writer: _Writer, number: int) -> dict[str, Any]:
    rng = writer.rng
    question = writer.sentences(rng.randint(20, 30), QUESTION, end="?")
    hint = writer.sentences(rng.randint(30, 40), HINT)
    key_points = [writer.point(rng.randint(6, 10)) for _ in range(rng.randint(3, 6))]
    answer_words = rng.randint(200, 250)
    list_items = rng.randint(3, 5)
    list_words = round(answer_words * rng.uniform(0.35, 0.45))
    paragraphs = rng.randint(2, 3)
    para_words = answer_words - list_words
    parts = []
    for i in range(paragraphs):
        share = para_words // paragraphs + (para_words % paragraphs if i == 0 else 0)
        parts.append(writer.sentences(share, FIRST_PARAGRAPH if i == 0 else PARAGRAPH))
    items = []
    for i in range(list_items):
        share = list_words // list_items + (list_words % list_items if i == 0 else 0)
        if rng.random() < LEAD_IN:
            lead = f"**{rng.choice(NOUNS).capitalize()} {rng.choice(VERBS)}.**"
            items.append(f"- {lead} " + writer.sentences(share - 2, LIST_ITEM))
        else:
            items.append("- " + writer.sentences(share, LIST_ITEM))
    parts.insert(2, "\n".join(items))  # after the second paragraph
    tags = [TOPICS[number % len(TOPICS)]]
    tags += [t for t in rng.sample(TOPICS, rng.randint(0, 2)) if t not in tags]
    refs = [REFERENCES[number % len(REFERENCES)][0]]
    refs += [r[0] for r in rng.sample(REFERENCES, rng.randint(0, 3)) if r[0] not in refs]
    words = rng.sample(ID_WORDS, 2)
    return {
        "id": f"{words[0]}-{words[1]}-{number:05d}",
        "question": question,
        "hint": hint,
        "key_points": key_points,
        "answer": "\n\n".join(parts),
        "tags": tags,
        "refs": refs,
    }


def generate(questions: int, *, seed: int = 0) -> SynthBank:
    """A bank of `questions` questions; the same arguments give the same bank."""
    if questions < len(TIERS):
        raise ValueError(f"a bank needs at least {len(TIERS)} questions, one per tier")
    rng = random.Random(f"prepdeck-bench:{seed}:{questions}")
    writer = _Writer(rng)
    counts = tier_counts(questions)
    seen_questions: set[str] = set()
    tiers = []
    number = 0
    for (tier_id, _, _), count in zip(TIERS, counts, strict=True):
        tier_questions = []
        for _ in range(count):
            number += 1
            question = _question(writer, number)
            key = re.sub(r"[\W_]+", " ", question["question"].casefold()).strip()
            while key in seen_questions:  # the near-duplicate rule would warn
                question["question"] = writer.sentences(rng.randint(20, 30), QUESTION, end="?")
                key = re.sub(r"[\W_]+", " ", question["question"].casefold()).strip()
            seen_questions.add(key)
            tier_questions.append(question)
        tiers.append((tier_id, tuple(tier_questions)))
    bank = {
        "title": f"Synthetic Benchmark Bank ({questions:,} questions)",
        "slug": f"bench-{questions}",
        "version": "1.0.0",
        "description": (
            f"{questions:,} generated interview questions with the text lengths and markup "
            "of the real bank, for timing prepdeck against the libraries it builds on."
        ),
        "author": "prepdeck benchmark",
        "license": "CC-BY-4.0",
        "language": "en",
        "tiers": [
            {"id": tier_id, "name": name, "expected": count}
            for (tier_id, name, _), count in zip(TIERS, counts, strict=True)
        ],
        "topics": [{"id": t, "name": t.replace("-", " ").capitalize()} for t in TOPICS],
        "references": [{"key": k, "title": title, "url": url} for k, title, url in REFERENCES],
    }
    return SynthBank(questions, seed, bank, tuple(tiers))


# -- writing YAML the way authors do -----------------------------------------------------

_PLAIN_UNSAFE_START = tuple("-?:,[]{}#&*!|>'\"%@`")


def _scalar(text: str) -> str:
    """A plain scalar when YAML reads it back as the same text, else double-quoted."""
    plain_ok = (
        text
        and not text.startswith(_PLAIN_UNSAFE_START)
        and ": " not in text
        and " #" not in text
        and not text.endswith(":")
        and text == text.strip()
    )
    return text if plain_ok else json.dumps(text)


def _folded(text: str, indent: str) -> str:
    lines = textwrap.wrap(text, width=88, break_long_words=False, break_on_hyphens=False)
    return ">-\n" + "".join(f"{indent}{line}\n" for line in lines)


def _literal(text: str, indent: str) -> str:
    return "|-\n" + "".join(f"{indent}{line}\n" if line else "\n" for line in text.split("\n"))


def tier_yaml(tier_id: str, questions: Sequence[dict[str, Any]]) -> str:
    out = [
        "# yaml-language-server: $schema=../src/prepdeck/schemas/tier.schema.json\n",
        f"tier: {tier_id}\n",
        "questions:\n",
    ]
    for i, q in enumerate(questions):
        if i:
            out.append("\n")
        out.append(f"  - id: {q['id']}\n")
        out.append("    question: " + _folded(q["question"], "      "))
        out.append("    hint: " + _folded(q["hint"], "      "))
        out.append("    key_points:\n")
        out += [f"      - {_scalar(point)}\n" for point in q["key_points"]]
        out.append("    answer: " + _literal(q["answer"], "      "))
        out.append(f"    tags: [{', '.join(q['tags'])}]\n")
        out.append(f"    refs: [{', '.join(q['refs'])}]\n")
    return "".join(out)


def bank_yaml(bank: dict[str, Any]) -> str:
    header = "# yaml-language-server: $schema=../src/prepdeck/schemas/bank.schema.json\n"
    return header + yaml.safe_dump(bank, sort_keys=False, allow_unicode=False, width=88)


def write(synth: SynthBank, root: Path) -> Path:
    """Write bank.yaml and one file per tier into `root` (created); returns `root`."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "bank.yaml").write_text(bank_yaml(synth.bank), encoding="utf-8")
    for tier_id, questions in synth.tiers:
        (root / f"{tier_id}.yaml").write_text(tier_yaml(tier_id, questions), encoding="utf-8")
    return root


def write_bank(root: Path, questions: int, *, seed: int = 0) -> Path:
    """Generate and write a bank of `questions` questions into `root`."""
    return write(generate(questions, seed=seed), root)


def stamp(questions: int, seed: int) -> str:
    """What a cached bank was generated from; a different stamp means regenerate."""
    return f"generator={GENERATOR_VERSION} questions={questions} seed={seed}\n"


def word_count(text: str) -> int:
    """Words as a reader counts them: markup stripped, a link counts its text."""
    text = re.sub(r"\]\([^)]*\)", "]", text)
    return len(re.findall(r"[A-Za-z0-9][\w.=:/()-]*", re.sub(r"[*`\[\]]", " ", text)))
