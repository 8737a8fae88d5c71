"""Entities Telegram finds by itself in any text: bot commands, mentions, hashtags, URLs, emails."""

from __future__ import annotations

import re
from typing import Any

from bot.telegram_html import Entity, SPLITTABLE_TYPES, fix_entities, utf16_len

_PATTERNS = [
    ("bot_command", re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")),
    ("email", re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")),
    ("url", re.compile(r"\b(?:https?://|www\.)[^\s<>\"]+[^\s<>\".,;:!?)\]'’”]")),
    ("mention", re.compile(r"(?<![\w@/])@[A-Za-z][A-Za-z0-9_]{3,31}\b")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d]\w*")),
]
_BLOCKQUOTES = ("blockquote", "expandable_blockquote")


def find_entities(text: str) -> list[Entity]:
    """Non-overlapping automatic entities, earliest pattern in _PATTERNS winning ties."""
    found: list[Entity] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            offset = utf16_len(text[:start])
            found.append(Entity(kind, offset, utf16_len(match.group())))
    return found


def with_auto_entities(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add automatic entities that do not cross the existing non-formatting ones, then re-fix."""
    existing = [Entity(e["type"], e["offset"], e["length"], _extra(e)) for e in entities]
    solid = [e for e in existing if e.type not in SPLITTABLE_TYPES and e.type not in _BLOCKQUOTES]
    new = [n for n in find_entities(text) if not any(n.offset < s.end and s.offset < n.end for s in solid)]
    return [e.as_dict() for e in fix_entities(existing + new)]


def _extra(entity: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entity.items() if k not in ("type", "offset", "length")}
