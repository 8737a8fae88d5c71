"""The help desk's knowledge base: the YAML file operators edit, loaded and checked.

`check_knowledge_file` lists every problem an operator must fix, each naming
the file line, the entry and the field; `load_knowledge` refuses a file with
problems. The format is documented at the top of `faq.yaml`.

Run `python -m bot.helpdesk.knowledge path/to/faq.yaml` to check a file.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator, model_validator

from bot.helpdesk.normalize import normalize
from bot.telegram_html import TelegramHTMLError, parse_html, utf16_len

SHIPPED_FILE = Path(__file__).with_name("faq.yaml")
TELEGRAM_TEXT_LIMIT = 4096  # characters (UTF-16 units) of a message after entity parsing
PHONE_ANSWER_LIMIT = 1500  # longer answers are hard to read on a phone
ALLOWED_TAGS = frozenset({"b", "i", "u", "s", "a", "code", "pre", "blockquote"})
LOCALES = ("vi", "en")

_TAG_NAME = re.compile(r"<\s*/?\s*([A-Za-z][A-Za-z0-9-]*)")
_HREF = re.compile(r"""<a\s[^>]*?href\s*=\s*["']([^"']*)["']""", re.IGNORECASE)

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]


class Text(BaseModel):
    """A text in Vietnamese (required) and English (optional); a bare string means Vietnamese."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    vi: NonEmpty
    en: NonEmpty | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare_string_is_vietnamese(cls, value: Any) -> Any:
        return {"vi": value} if isinstance(value, str) else value

    def in_locale(self, locale: str) -> str:
        """The text in `locale`, falling back to Vietnamese."""
        return self.en if locale == "en" and self.en else self.vi


class Category(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    title: Text
    order: int


class Link(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Text
    url: str

    @field_validator("url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not is_http_url(url):
            raise ValueError(f"not an http(s) URL: {url!r}")
        return url


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    category: Slug
    question: Text
    phrasings: list[NonEmpty] = Field(min_length=2)
    phrasings_en: list[NonEmpty] = []
    keywords: list[NonEmpty] = []
    answer: Text
    links: list[Link] = []


class Knowledge(BaseModel):
    """Categories in display order and entries in file order."""

    model_config = ConfigDict(frozen=True)

    categories: list[Category]
    entries: list[Entry]

    def entry(self, entry_id: str) -> Entry:
        """The entry with this id; KeyError when there is none."""
        for entry in self.entries:
            if entry.id == entry_id:
                return entry
        raise KeyError(entry_id)

    def in_category(self, category_id: str) -> list[Entry]:
        return [entry for entry in self.entries if entry.category == category_id]


class KnowledgeError(ValueError):
    """The knowledge file has problems; `problems` lists them for the operator."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def load_knowledge(path: str | Path = SHIPPED_FILE) -> Knowledge:
    """Load a knowledge file; raise KnowledgeError listing every problem if it is not valid."""
    knowledge, problems = _read(Path(path))
    if problems or knowledge is None:
        raise KnowledgeError(problems)
    return knowledge


def check_knowledge_file(path: str | Path) -> list[str]:
    """Human-readable problems (file:line, entry id, field); empty when the file is valid."""
    return _read(Path(path))[1]


def is_http_url(url: str) -> bool:
    parts = urlsplit(url.strip())
    return parts.scheme in ("http", "https") and "." in parts.netloc and " " not in url


def answer_problems(html: str) -> list[str]:
    """Why Telegram would refuse or mangle this answer, or why it is too long for a phone."""
    problems = [
        f"tag <{name}> is not allowed (use {', '.join(sorted(ALLOWED_TAGS))})"
        for name in dict.fromkeys(m.group(1).lower() for m in _TAG_NAME.finditer(html))
        if name not in ALLOWED_TAGS
    ]
    problems += [f"link {href!r} is not an http(s) URL" for href in _HREF.findall(html) if not is_http_url(href)]
    try:
        visible, _ = parse_html(html)
    except TelegramHTMLError as error:
        return problems + [f"invalid Telegram HTML: {error.description}"]
    length = utf16_len(visible)
    if length > TELEGRAM_TEXT_LIMIT:
        problems.append(f"{length} characters, over Telegram's limit of {TELEGRAM_TEXT_LIMIT}")
    elif length > PHONE_ANSWER_LIMIT:
        problems.append(f"{length} characters; keep answers under {PHONE_ANSWER_LIMIT} for phones")
    return problems


# --- reading a file ------------------------------------------------------------------------


class _Report:
    """Collects problems, each prefixed with the file and the YAML line of what it is about."""

    def __init__(self, path: Path, root: yaml.Node | None) -> None:
        self.path = path
        self.root = root
        self._found: list[tuple[int, str]] = []

    def add(self, where: tuple[str | int, ...], subject: str, message: str) -> None:
        self.add_at(_line_of(self.root, where), f"{subject}: {message}")

    def add_at(self, line: int | None, message: str) -> None:
        prefix = f"{self.path}:{line}" if line else str(self.path)
        self._found.append((line or 0, f"{prefix}: {message}"))

    @property
    def problems(self) -> list[str]:
        """In file order, so an operator can fix them top to bottom."""
        return [message for _, message in sorted(self._found, key=lambda found: found[0])]


def _read(path: Path) -> tuple[Knowledge | None, list[str]]:
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, [f"{path}: cannot read the file: {error}"]
    try:
        root, data = _parse_yaml(source)
    except yaml.YAMLError as error:
        return None, [_yaml_problem(path, error)]
    report = _Report(path, root)
    _check_duplicate_keys(root, report)
    if not isinstance(data, dict):
        report.add((), "file", "expected a mapping with `categories` and `entries`")
        return None, report.problems
    for key in data.keys() - {"categories", "entries"}:
        report.add((key,), "file", f"unknown top-level key {key!r}")
    categories = _validated_list(data, "categories", Category, report)
    entries = _validated_list(data, "entries", Entry, report)
    category_ids = _check_unique_ids(data, "categories", report)
    _check_unique_ids(data, "entries", report)
    _check_entries(_items(data, "entries"), set(category_ids), report)
    if report.problems:
        return None, report.problems
    ordered = sorted((category for _, category in categories), key=lambda category: category.order)
    return Knowledge(categories=ordered, entries=[entry for _, entry in entries]), []


def _parse_yaml(source: str) -> tuple[yaml.Node | None, Any]:
    """The node tree (for line numbers) and the plain data, from one parse."""
    loader = yaml.SafeLoader(source)
    try:
        root = loader.get_single_node()
        return root, loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()


def _yaml_problem(path: Path, error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
    detail = " ".join(part for part in (getattr(error, "context", None), getattr(error, "problem", None)) if part)
    return f"{where}: YAML syntax error: {detail or error}"


def _validated_list(data: dict, key: str, model: type[BaseModel], report: _Report) -> list[tuple[int, Any]]:
    """Validate each item of data[key] on its own, so one bad item does not hide the others."""
    items = data.get(key)
    if not isinstance(items, list) or not items:
        report.add((key,), "file", f"`{key}` must be a non-empty list")
        return []
    valid = []
    for index, item in enumerate(items):
        subject = _subject(key, index, item)
        try:
            valid.append((index, model.model_validate(item)))
        except ValidationError as error:
            for detail in error.errors():
                field = ".".join(str(part) for part in detail["loc"]) or "item"
                message = detail["msg"].removeprefix("Value error, ")
                report.add((key, index, *detail["loc"]), subject, f"{field}: {message}")
    return valid


def _subject(key: str, index: int, item: Any) -> str:
    kind = "entry" if key == "entries" else "category"
    item_id = item.get("id") if isinstance(item, dict) else None
    return f"{kind} {item_id!r}" if isinstance(item_id, str) else f"{kind} #{index + 1}"


def _items(data: dict, key: str) -> list[tuple[int, dict]]:
    """(index, item) for the mapping items of data[key], valid or not."""
    items = data.get(key)
    if not isinstance(items, list):
        return []
    return [(index, item) for index, item in enumerate(items) if isinstance(item, dict)]


def _check_unique_ids(data: dict, key: str, report: _Report) -> list[str]:
    """Report repeated ids in data[key]; return the ids seen."""
    first_line: dict[str, int | None] = {}
    for index, item in _items(data, key):
        item_id = item.get("id")
        if not isinstance(item_id, str):
            continue
        if item_id in first_line:
            report.add((key, index, "id"), _subject(key, index, item),
                       f"id: duplicate id (first at line {first_line[item_id]})")
        else:
            first_line[item_id] = _line_of(report.root, (key, index, "id"))
    return list(first_line)


def _check_entries(entries: list[tuple[int, dict]], known_categories: set[str], report: _Report) -> None:
    """Checks across fields and entries, run on the raw items so an entry with a typo elsewhere is checked too."""
    phrasing_owner: dict[str, str] = {}
    for index, item in entries:
        subject, at = _subject("entries", index, item), ("entries", index)
        category = item.get("category")
        if isinstance(category, str) and category not in known_categories:
            known = ", ".join(sorted(known_categories))
            report.add((*at, "category"), subject, f"category: unknown category {category!r} (known: {known})")
        answer, question = _texts(item.get("answer")), _texts(item.get("question"))
        for locale, html in answer.items():
            for problem in answer_problems(html):
                report.add((*at, "answer", locale), subject, f"answer.{locale}: {problem}")
        if answer.get("en") and not question.get("en"):
            report.add((*at, "question"), subject, "question.en: needed when answer.en is given")
        for field in ("phrasings", "phrasings_en"):
            phrasings = item.get(field)
            for number, phrasing in enumerate(phrasings if isinstance(phrasings, list) else []):
                if not isinstance(phrasing, str) or not isinstance(item.get("id"), str):
                    continue
                owner = phrasing_owner.setdefault(normalize(phrasing), item["id"])
                if owner != item["id"]:
                    report.add((*at, field, number), subject,
                               f"{field}: {phrasing!r} is also a phrasing of entry {owner!r}")


def _texts(value: Any) -> dict[str, str]:
    """The non-empty strings of a raw vi/en text (a bare string is Vietnamese)."""
    if isinstance(value, str):
        value = {"vi": value}
    if not isinstance(value, dict):
        return {}
    return {locale: value[locale] for locale in LOCALES if isinstance(value.get(locale), str) and value[locale].strip()}


def _check_duplicate_keys(node: yaml.Node | None, report: _Report) -> None:
    """PyYAML keeps the last of two equal keys silently; an operator wants to know."""
    for mapping in _mappings(node):
        seen: set[str] = set()
        for key_node, _ in mapping.value:
            if key_node.value in seen:
                report.add_at(key_node.start_mark.line + 1, f"key {key_node.value!r} appears twice in one item")
            seen.add(key_node.value)


def _mappings(node: yaml.Node | None) -> Iterator[yaml.MappingNode]:
    if isinstance(node, yaml.MappingNode):
        yield node
        for _, value in node.value:
            yield from _mappings(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _mappings(item)


def _line_of(node: yaml.Node | None, where: tuple[str | int, ...]) -> int | None:
    """1-based line of the deepest node found along `where` (keys and list indexes)."""
    line = node.start_mark.line + 1 if node is not None else None
    for step in where:
        if isinstance(node, yaml.MappingNode) and isinstance(step, str):
            node = next((value for key, value in node.value if key.value == step), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
        else:
            node = None
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def main(argv: list[str] | None = None) -> int:
    """Check knowledge files given on the command line (default: the shipped one)."""
    paths = (argv if argv is not None else sys.argv[1:]) or [str(SHIPPED_FILE)]
    problems = [problem for path in paths for problem in check_knowledge_file(path)]
    for problem in problems:
        print(problem)
    if not problems:
        print(f"OK: {', '.join(paths)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
