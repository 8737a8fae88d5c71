"""Find the knowledge-base entry a citizen's question is about.

Both the question and every phrasing go through `normalize` (folded, shorthand
spelled out, filler dropped), so diacritics, case and "ko"/"sdt"/"app" do not
matter. A phrasing's score mixes two measures, both 0–100:

* word overlap (weight 0.8): the F1 of the words question and phrasing share,
  each word weighted by its rarity across entries (inverse document
  frequency), so "ma qr" or "pc-covid", which half the entries mention, count
  for little and "ho chieu" counts for a lot. Words of the question that the
  knowledge base does not know are first corrected to the closest known word
  (rapidfuzz ratio >= 75, words of 4+ letters): "nghiemm" → "nghiem".
* fuzzy similarity (weight 0.2): the mean of rapidfuzz's token_set_ratio and
  token_sort_ratio, which forgives word order and typos the correction missed.

An entry scores as its best phrasing (its question, phrasings and keywords).
Overlap finds the candidates (a phrasing sharing no word scores at most 20,
below any threshold) and rapidfuzz re-ranks the `RERANKED` best of them.

Why this mix, measured on tests/data/faq_questions.yaml (100 questions and
18 off-topic ones, all normalized as above): right entry first, lowest
right score, highest off-topic score.

    token_set_ratio alone          85   68   79
    token_sort_ratio alone         95   68   74
    WRatio alone                   78   86   86
    mean of set and sort           95   68   74
    weighted overlap alone         99   49   41
    0.7 overlap + 0.3 mean         99   54   50
    0.8 overlap + 0.2 mean         99   52   47   <- used
    0.8 overlap + 0.2 token_sort  100   52   46

Scored alike, every word of a short phrasing such as "pc covid la app gi"
is in many questions, so it wins wherever PC-Covid is named; weighting by
rarity fixes that. The last two mixes are within one question of each other;
the mean keeps token_set_ratio, measured best for short slang questions when
used alone on raw text. Thresholds: see `Thresholds`.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import fuzz, process

from bot.helpdesk.knowledge import LOCALES, Entry, Knowledge
from bot.helpdesk.normalize import normalize

OVERLAP_WEIGHT = 0.8
FUZZY_WEIGHT = 0.2
RERANKED = 64  # phrasings re-scored with rapidfuzz, best word overlap first
TYPO_MIN_LENGTH = 4  # shorter words are too ambiguous to correct
TYPO_MIN_RATIO = 75
MAX_QUESTION_WORDS = 40  # a pasted essay is cut here; questions are short


@dataclass(frozen=True)
class Thresholds:
    """When a best score is trusted.

    Measured on tests/data/faq_questions.yaml (42 entries): right answers
    score 52–100, most above 65; off-topic questions at most 47 ("lam sao de
    giam can" shares "giam" with "giám sát"); vague one- or two-word questions
    ("khai bao", "dang ky") 60–67 with a runner-up a few points behind. A grid
    search found where no labelled question is answered confidently wrong or
    not at all, every off-topic one gets "none" and every vague one "near":
    confident 61–69, margin 0–7, near 48–52. These values sit inside it, with
    `near` between the best off-topic score and the worst right one. On the
    `unseen` questions, written after this choice, they give 30/30 right
    entries first, none confidently wrong, 2 of 30 below `near`.
    """

    confident: float = 64.0  # best entry at least this...
    margin: float = 6.0  # ...and this far ahead of the second
    near: float = 50.0  # below this nothing is offered


@dataclass(frozen=True)
class MatchResult:
    """confident → one entry; near → up to three to choose from; none → nothing good."""

    kind: Literal["confident", "near", "none"]
    entries: list[Entry] = field(default_factory=list)


@dataclass(frozen=True)
class ScoredEntry:
    entry: Entry
    score: float


@dataclass(frozen=True)
class _Phrase:
    entry_index: int
    text: str  # normalized
    words: frozenset[str]
    weight: float  # sum of the words' idf


class Matcher:
    """Matches questions against one knowledge base; build once, call `match` many times."""

    def __init__(self, knowledge: Knowledge, locale: str = "vi", thresholds: Thresholds = Thresholds()) -> None:
        if locale not in LOCALES:
            raise ValueError(f"unknown locale {locale!r}; expected one of {LOCALES}")
        self.knowledge = knowledge
        self.locale = locale
        self.thresholds = thresholds
        texts = list(dict.fromkeys(  # unique (entry, normalized text) pairs, in order
            (index, normalize(text)) for index, entry in enumerate(knowledge.entries)
            for text in _phrasings(entry, locale)
        ))
        self._idf = _inverse_document_frequency(texts, len(knowledge.entries))
        self._unknown_word_weight = math.log(1 + len(knowledge.entries))
        self._vocabulary = sorted(self._idf)
        self._phrases = [
            _Phrase(index, text, frozenset(text.split()), sum(self._idf[word] for word in set(text.split())))
            for index, text in texts if text
        ]
        self._phrases_with: dict[str, list[int]] = defaultdict(list)
        for number, phrase in enumerate(self._phrases):
            for word in phrase.words:
                self._phrases_with[word].append(number)

    def match(self, question: str) -> MatchResult:
        ranked = self.rank(question, limit=3)
        if not ranked or ranked[0].score < self.thresholds.near:
            return MatchResult("none", [])
        second = ranked[1].score if len(ranked) > 1 else 0.0
        best = ranked[0].score
        if best >= self.thresholds.confident and best - second >= self.thresholds.margin:
            return MatchResult("confident", [ranked[0].entry])
        return MatchResult("near", [scored.entry for scored in ranked])

    def rank(self, question: str, limit: int = 3) -> list[ScoredEntry]:
        """The best `limit` entries for `question`, best first, with their scores (0–100)."""
        words = self._corrected(normalize(question).split()[:MAX_QUESTION_WORDS])
        if not words:
            return []
        text = " ".join(words)
        best: dict[int, float] = {}
        for number, overlap in self._overlapping(set(words)):
            phrase = self._phrases[number]
            fuzzy = (fuzz.token_set_ratio(text, phrase.text) + fuzz.token_sort_ratio(text, phrase.text)) / 2
            score = OVERLAP_WEIGHT * overlap + FUZZY_WEIGHT * fuzzy
            if score > best.get(phrase.entry_index, -1.0):
                best[phrase.entry_index] = score
        top = heapq.nlargest(limit, best.items(), key=lambda item: item[1])
        return [ScoredEntry(self.knowledge.entries[index], round(score, 1)) for index, score in top]

    def _corrected(self, words: list[str]) -> list[str]:
        """Replace unknown words with the closest known one, when one is close enough."""
        corrected = []
        for word in words:
            if word not in self._idf and len(word) >= TYPO_MIN_LENGTH:
                closest = process.extractOne(word, self._vocabulary, scorer=fuzz.ratio, score_cutoff=TYPO_MIN_RATIO)
                word = closest[0] if closest else word
            corrected.append(word)
        return corrected

    def _overlapping(self, words: set[str]) -> list[tuple[int, float]]:
        """(phrase number, weighted word-overlap F1 0–100) of the phrasings sharing most with `words`."""
        shared: dict[int, float] = defaultdict(float)
        for word in words:
            for number in self._phrases_with.get(word, ()):
                shared[number] += self._idf[word]
        question_weight = sum(self._idf.get(word, self._unknown_word_weight) for word in words)
        overlaps = []
        for number, weight in shared.items():
            precision, recall = weight / self._phrases[number].weight, weight / question_weight
            overlaps.append((number, 100 * 2 * precision * recall / (precision + recall)))
        return heapq.nlargest(RERANKED, overlaps, key=lambda item: item[1])


def _phrasings(entry: Entry, locale: str) -> list[str]:
    """What a question is compared with: the question, its phrasings and its keywords as one phrase.

    In English the English question and phrasings are added: people who chose
    English may still type Vietnamese.
    """
    texts = [entry.question.vi, *entry.phrasings, " ".join(entry.keywords)]
    if locale == "en":
        texts += [*filter(None, [entry.question.en]), *entry.phrasings_en]
    return texts


def _inverse_document_frequency(texts: list[tuple[int, str]], entry_count: int) -> dict[str, float]:
    """log(1 + entries / entries using the word): rare words weigh more."""
    entries_with: dict[str, set[int]] = defaultdict(set)
    for index, text in texts:
        for word in text.split():
            entries_with[word].add(index)
    return {word: math.log(1 + entry_count / len(indexes)) for word, indexes in entries_with.items()}
