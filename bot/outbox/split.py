"""Splitting long HTML text into Telegram-sized parts at line boundaries.

The limit counts the text after entity parsing; the raw HTML is never shorter,
so measuring the raw text is safe. Tags left open at a cut are closed and
reopened in the next part, so every part parses on its own.
"""

import re

MESSAGE_LIMIT = 4096
_TAG = re.compile(r"<(/?)([a-z-]+)([^>]*)>")


def split_html(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current, open_tags = "", []  # open_tags: (name, full opening tag)
    for line in _lines(text, limit - 200):
        reopen = "".join(tag for _, tag in open_tags)
        closing = "".join(f"</{name}>" for name, _ in reversed(open_tags))
        if current and len(current) + len(line) + len(closing) > limit:
            parts.append(current + closing)
            current = reopen
        current += line
        open_tags = _track(line, open_tags)
    if current.strip():
        parts.append(current)
    return parts


def _lines(text: str, width: int) -> list[str]:
    """Lines with their newline; a line longer than width is cut at spaces, then hard."""
    out: list[str] = []
    for line in text.splitlines(keepends=True):
        while len(line) > width:
            cut = line.rfind(" ", 0, width)
            cut = cut if cut > width // 2 else width
            cut = _outside_tag(line, cut)
            out.append(line[:cut])
            line = line[cut:]
        out.append(line)
    return out


def _outside_tag(line: str, cut: int) -> int:
    """Move a cut back so it never falls inside a tag or an entity."""
    for opener, closer in (("<", ">"), ("&", ";")):
        start = line.rfind(opener, 0, cut)
        if start != -1 and line.find(closer, start) >= cut and start > 0:
            cut = start
    return cut


def _track(line: str, open_tags: list[tuple[str, str]]) -> list[tuple[str, str]]:
    tags = list(open_tags)
    for match in _TAG.finditer(line):
        closing, name = match.group(1), match.group(2)
        if closing:
            for index in range(len(tags) - 1, -1, -1):
                if tags[index][0] == name:
                    del tags[index]
                    break
        else:
            tags.append((name, match.group(0)))
    return tags
