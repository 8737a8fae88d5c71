"""Read a member's reply about a task: done, progress, blocked, or just a note.

Rules, checked in this order:
- A reply ending with "?" is a question ("xong chưa?"): note.
- blocked: "vướng", "gặp khó khăn", "cần hỗ trợ", "bị lỗi", "không/chưa làm
  được", "không thể", a bare "không được"... unless negated just before ("không vướng gì",
  "chưa gặp khó khăn", "hết lỗi", "khỏi cần hỗ trợ"). A percent said along
  with it is kept ("được 50% thì bị lỗi": blocked, 50).
- A percent: "50%", "50 phần trăm", "tiến độ 80", "được một nửa" (= 50).
  100 is done; 0–99 is progress; above 100 is ignored; a fraction of a
  percent is dropped ("12,5%" is 12).
- done: "xong", "hoàn thành", "hoàn tất", "done", "đã xử lý"... unless
  negated or hedged just before ("chưa xong", "sắp xong", "gần xong") or
  asked after ("xong chưa"). Done always carries percent 100.
- Anything else, including "chưa xong" and "đang làm" without a number: note.
  Progress is only reported with a number; words like "gần xong" are notes.

Matching is done on folded text with common abbreviations expanded
(ko/k → không, dc/đc → được, r → rồi). The one word whose folded form
collides with a common other word, "nửa" (half) vs "nữa" (more), counts
only when typed with its accent or as "mot nua".
"""

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from bot.text.fold import fold

StatusKind = Literal["done", "progress", "blocked", "note"]


@dataclass(frozen=True)
class StatusReading:
    kind: StatusKind
    percent: int | None = None


def _phrases(*phrases: str) -> re.Pattern:
    return re.compile(r"(?<!\w)(?:" + "|".join(phrases) + r")(?!\w)")


_ABBREVIATIONS = {
    "ko": "khong", "k": "khong", "kh": "khong", "khg": "khong", "kg": "khong", "hok": "khong",
    "dc": "duoc", "r": "roi",
}
_ABBREVIATION = _phrases(*_ABBREVIATIONS)
_CLAUSE_BREAK = re.compile(r"[,.;:!?\n]+|(?<!\w)nhung(?!\w)")

_BLOCKED = _phrases(
    "vuong", "kho khan", "gap kho khan", "khong the", "chua the",
    "can ho tro", "xin ho tro", "nho ho tro", "can giup", "nho giup",
    "bi loi", "gap loi", "van loi", "bi tac", "bi ket", "bi chan", r"khong duoc(?=\s*$)",
    r"(?:khong|chua) (?:lam|xu ly|hoan thanh|xong|vao|truy cap|dang nhap|ket noi|cai dat|cai|cap nhat|sua|gui|tai)"
    r"(?: \w+){0,2}? duoc",
)
_BLOCKED_NEGATORS = {"khong", "chua", "chang", "cha", "het", "khoi"}
_DONE = _phrases("xong", "hoan thanh", "hoan tat", "done", "finished", "da xu ly")
_DONE_NEGATORS = {"khong", "chua", "chang", "cha", "sap", "gan"}

_PERCENT = re.compile(r"(?<![\d.,])(\d{1,3})(?:[.,]\d+)?\s*(?:%|phan tram)")
_PROGRESS_NUMBER = re.compile(r"(?<!\w)tien do(?:\s*(?:la|:))?\s*(\d{1,3})(?![\d.,]*\d)")
_HALF_TYPED = re.compile(r"(?<!\w)nửa(?!\w)")
_HALF_FOLDED = _phrases("mot nua")


def _clauses(text: str) -> list[str]:
    folded = _ABBREVIATION.sub(lambda m: _ABBREVIATIONS[m[0]], fold(text))
    return [clause.strip() for clause in _CLAUSE_BREAK.split(folded)]


def _says(clauses: list[str], phrases: re.Pattern, negators: set[str]) -> bool:
    """Whether a clause says one of the phrases without negating or asking it."""
    for clause in clauses:
        for found in phrases.finditer(clause):
            before = clause[: found.start()].split()[-2:]
            after = clause[found.end():].split()[:1]
            if not negators.intersection(before) and after != ["chua"]:
                return True
    return False


def _percent(text: str) -> int | None:
    folded = fold(text)
    found = _PERCENT.search(folded) or _PROGRESS_NUMBER.search(folded)
    if found:
        value = int(found[1])
        return value if value <= 100 else None
    typed = unicodedata.normalize("NFC", text).lower()
    if _HALF_TYPED.search(typed) or _HALF_FOLDED.search(folded):
        return 50
    return None


def read_status(text: str) -> StatusReading:
    """Classify a reply such as "xong rồi", "được 70%", "vướng quyền truy cập"."""
    if text.rstrip().endswith("?"):
        return StatusReading("note")
    clauses = _clauses(text)
    percent = _percent(text)
    if _says(clauses, _BLOCKED, _BLOCKED_NEGATORS):
        return StatusReading("blocked", percent)
    if percent == 100:
        return StatusReading("done", 100)
    if percent is not None:
        return StatusReading("progress", percent)
    if _says(clauses, _DONE, _DONE_NEGATORS):
        return StatusReading("done", 100)
    return StatusReading("note")
