"""Citizen matching: time to match a question against 1,000 entries, and top-1 accuracy.

The shipped knowledge base has 42 entries. The 1,000-entry one is made from
them by variation (`vary`): each shipped entry is kept and joined by local
variants of itself, one per district or commune of Hòa Bình, whose question
and phrasings are the original's with "ở <place>" added and their order
rotated, and whose keywords gain the place. That is the hardest kind of
knowledge base to grow into: a thousand entries, nearly every word of a
question shared by twenty-four of them. A question that names no place
should still get the general entry, so accuracy is counted against the
shipped ids on both sizes.

The labelled set is bench/data/faq_questions_200.yaml (which extends the
tuning set in tests/data). Baseline, in the same run: rapidfuzz alone
(`process.extractOne` with token_set_ratio over every normalized phrasing),
the obvious thing one would write without the matcher.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process

from bench.common import ROOT, Options, Result, Stopwatch, ms, percentile
from bot.helpdesk.knowledge import Entry, Knowledge, load_knowledge
from bot.helpdesk.matcher import Matcher, _phrasings
from bot.helpdesk.normalize import normalize

LABELLED = ROOT / "bench" / "data" / "faq_questions_200.yaml"
KNOWLEDGE_SIZE = 1000

# Districts and communes of Hòa Bình: the places local variants are for.
PLACES = [
    "thành phố Hòa Bình", "Đà Bắc", "Mai Châu", "Kim Bôi", "Lạc Sơn", "Lạc Thủy", "Lương Sơn", "Cao Phong",
    "Tân Lạc", "Yên Thủy", "Mường Khến", "Phong Phú", "Trung Minh", "Dân Chủ", "Hữu Nghị", "Tân Thịnh",
    "Chăm Mát", "Thống Nhất", "Quỳnh Lâm", "Phương Lâm", "Đồng Tiến", "Tân Hòa", "Kỳ Sơn",
]


@dataclass(frozen=True)
class Labelled:
    question: str
    entry_id: str
    source: str  # tuning, unseen (both from tests/data), bench (written for this benchmark)


def load_labelled(path: Path = LABELLED) -> list[Labelled]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    base = yaml.safe_load((ROOT / data["extends"]).read_text(encoding="utf-8"))
    items = [Labelled(q["q"], q["id"], "tuning") for q in base["questions"]]
    items += [Labelled(q["q"], q["id"], "unseen") for q in base["unseen"]]
    items += [Labelled(q["q"], q["id"], "bench") for q in data["questions"]]
    return items


def vary(knowledge: Knowledge, size: int = KNOWLEDGE_SIZE) -> Knowledge:
    """`size` entries: the originals, then local variants of each in turn until there are enough."""
    entries = list(knowledge.entries)
    for number, place in enumerate(PLACES, start=1):
        for entry in knowledge.entries:
            if len(entries) >= size:
                return Knowledge(categories=knowledge.categories, entries=entries)
            entries.append(local_variant(entry, place, number))
    if len(entries) < size:
        raise ValueError(f"only {len(entries)} variants; add places")
    return Knowledge(categories=knowledge.categories, entries=entries)


def local_variant(entry: Entry, place: str, number: int) -> Entry:
    shift = number % len(entry.phrasings)
    phrasings = entry.phrasings[shift:] + entry.phrasings[:shift]
    return entry.model_copy(update={
        "id": f"{entry.id}_{number}",
        "question": entry.question.model_copy(update={"vi": f"{entry.question.vi.rstrip('?')} ở {place}?"}),
        "phrasings": [f"{p} ở {place}" for p in phrasings],
        "keywords": [*entry.keywords, place],
    })


class RapidfuzzBaseline:
    """The entry of the single most similar phrasing by token_set_ratio; no weighting, no thresholds."""

    def __init__(self, knowledge: Knowledge) -> None:
        pairs = [(entry.id, normalize(text)) for entry in knowledge.entries for text in _phrasings(entry, "vi")]
        self.ids = [entry_id for entry_id, _ in pairs]
        self.texts = [text for _, text in pairs]

    def best(self, question: str) -> str | None:
        found = process.extractOne(normalize(question), self.texts, scorer=fuzz.token_set_ratio)
        return self.ids[found[2]] if found else None


def timed(function: Any, questions: list[str], rounds: int) -> tuple[list[float], list[Any]]:
    """Seconds per call over `rounds` passes (after one warm-up pass), and the last pass's answers."""
    for question in questions:
        function(question)
    samples: list[float] = []
    answers: list[Any] = []
    for _ in range(rounds):
        answers = []
        for question in questions:
            started = time.perf_counter()
            answers.append(function(question))
            samples.append(time.perf_counter() - started)
    return samples, answers


def accuracy(labelled: list[Labelled], answers: list[str | None], source: str | None = None,
             *, variants_count: bool = False) -> float:
    """Percent of right first answers; `variants_count`: a local variant of the right entry counts as right."""
    pairs = [(item, answer) for item, answer in zip(labelled, answers) if source is None or item.source == source]
    right = sum(item.entry_id == answer or (variants_count and is_variant_of(answer, item.entry_id))
                for item, answer in pairs)
    return 100 * right / len(pairs) if pairs else float("nan")


def is_variant_of(answer: str | None, entry_id: str) -> bool:
    number = (answer or "").removeprefix(entry_id + "_")
    return number != answer and number.isdigit()


def top_entry(matcher: Matcher, question: str) -> str | None:
    ranked = matcher.rank(question, limit=1)
    return ranked[0].entry.id if ranked else None


async def run(options: Options) -> Result:
    result = Result("matching", options)
    labelled = load_labelled()
    questions = [item.question for item in labelled]
    rounds = options.pick(10, 3, 1)
    shipped = load_knowledge()
    size = options.pick(KNOWLEDGE_SIZE, KNOWLEDGE_SIZE, 200)
    big = vary(shipped, size)

    rows, wrong = [], {}
    for label, knowledge in (("shipped", shipped), (f"{len(big.entries)} entries", big)):
        with Stopwatch() as build:
            matcher = Matcher(knowledge)
        baseline = RapidfuzzBaseline(knowledge)
        match_times, _ = timed(matcher.match, questions, rounds)
        rank_times, answers = timed(lambda q: top_entry(matcher, q), questions, 1)
        base_times, base_answers = timed(baseline.best, questions, rounds)
        wrong[label] = [(item.question, item.entry_id, answer)
                        for item, answer in zip(labelled, answers) if item.entry_id != answer]
        for name, times, found, build_s in (("matcher", match_times, answers, build.seconds),
                                            ("rapidfuzz only", base_times, base_answers, None)):
            rows.append([
                label, name, ms(percentile(times, 50)), ms(percentile(times, 99)),
                accuracy(labelled, found), accuracy(labelled, found, "tuning"), accuracy(labelled, found, "unseen"),
                accuracy(labelled, found, "bench"), accuracy(labelled, found, variants_count=True),
                ms(build_s) if build_s is not None else "-",
            ])
        if knowledge is big:
            result.target(f"p99 match, {len(big.entries):,} entries", ms(percentile(match_times, 99)), 5, "ms")
        else:
            result.target("top-1 accuracy, shipped entries", accuracy(labelled, answers), 90, "%",
                          higher_is_better=True)
    result.table(
        f"matching {len(labelled)} labelled questions ({sum(i.source == 'bench' for i in labelled)} written for "
        f"this benchmark), {rounds} timed rounds",
        ["knowledge", "method", "p50 ms", "p99 ms", "top-1 %", "tuning %", "unseen %", "bench %", "topic %",
         "build ms"],
        rows,
    )
    result.data = {"questions": len(labelled), "rounds": rounds, "wrong": wrong}
    result.notes += [
        "times are Matcher.match (normalize, typo correction, overlap, rapidfuzz re-rank, thresholds)",
        "top-1 %: the labelled entry itself first; topic %: it or one of its local variants (same answer)",
        "accuracy is a target on the shipped entries, the ones the labels are about; on the varied 1,000 most "
        "misses are a local variant whose place shares a folded word with the question (Trung Minh / minh, "
        "Dân Chủ / dan, chu)",
    ]
    return result
