"""Parse Telegram's `parse_mode=HTML` exactly as the Bot API does.

`parse_html` returns the text a recipient sees and the MessageEntity dicts
Telegram attaches, or raises `TelegramHTMLError` with Telegram's own wording.
It mirrors TDLib's `parse_html` followed by `fix_formatted_text` (the step
that merges, splits and trims entities and strips leading/trailing blanks).
Byte offsets in errors are UTF-8 byte offsets; entity offsets and lengths
are UTF-16 code units, as in the Bot API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

ENTITY_ERROR_PREFIX = "can't parse entities: "

_SUPPORTED_TAGS = {
    b"a", b"b", b"strong", b"i", b"em", b"s", b"strike", b"del", b"u", b"ins",
    b"tg-spoiler", b"tg-emoji", b"span", b"pre", b"code", b"blockquote",
}
_SIMPLE_TAGS = {
    b"b": "bold", b"strong": "bold", b"i": "italic", b"em": "italic",
    b"s": "strikethrough", b"strike": "strikethrough", b"del": "strikethrough",
    b"u": "underline", b"ins": "underline", b"tg-spoiler": "spoiler",
}
_NAMED_ENTITIES = {b"lt": "<", b"gt": ">", b"amp": "&", b"quot": '"'}
_SPACES = b" \t\r\n\v\0"  # TDLib's is_space, which counts the end of text as space

SPLITTABLE_TYPES = ("bold", "italic", "underline", "strikethrough", "spoiler")
_BLOCKQUOTE_TYPES = ("blockquote", "expandable_blockquote")
_HIDDEN_DATA_TYPES = ("text_link", "text_mention", "custom_emoji")
# TDLib's get_entity_type_priority: ties at one offset and length sort by it.
_PRIORITY = {
    "blockquote": 0, "expandable_blockquote": 0, "pre": 11, "code": 20,
    "text_link": 49, "text_mention": 49, "bold": 90, "italic": 91, "underline": 92,
    "strikethrough": 93, "spoiler": 94, "custom_emoji": 99,
}
_USER_LINK = re.compile(r"^tg://user\?id=(\d{1,19})$", re.IGNORECASE)
_LINK_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):(//)?", re.IGNORECASE)
# Characters TDLib's clean_input_string drops: \r, U+2028..U+202E, some combining lines.
_DROPPED_CHARS = {"\r", "\u0333", "\u033f", "\u030a"} | {chr(c) for c in range(0x2028, 0x202F)}


class TelegramHTMLError(ValueError):
    """The HTML cannot be parsed; `description` is Telegram's text without "Bad Request: "."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


@dataclass
class Entity:
    """A MessageEntity while it is being fixed; `extra` holds url, language, user, custom_emoji_id."""

    type: str
    offset: int
    length: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def end(self) -> int:
        return self.offset + self.length

    def sort_key(self) -> tuple[int, int, int]:
        priority = 10 if self.type == "pre" and "language" in self.extra else _PRIORITY.get(self.type, 50)
        return (self.offset, -self.length, priority)

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, "offset": self.offset, "length": self.length, **self.extra}


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's length limits and entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Return (plain text, MessageEntity dicts) for `text` sent with parse_mode=HTML."""
    plain, entities = _HtmlParser(text.encode("utf-8")).parse()
    plain, entities = fix_formatted_text(plain, entities)
    return plain, [entity.as_dict() for entity in entities]


def _is_alpha(c: int) -> bool:
    return 65 <= c <= 90 or 97 <= c <= 122


def _is_digit(c: int) -> bool:
    return 48 <= c <= 57


def _is_hex_digit(c: int) -> bool:
    return _is_digit(c) or 65 <= c <= 70 or 97 <= c <= 102


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def _fail(message: str) -> TelegramHTMLError:
    return TelegramHTMLError(ENTITY_ERROR_PREFIX + message)


@dataclass
class _OpenTag:
    name: bytes
    argument: str
    utf16_offset: int
    result_start: int  # position in the output buffer, for <a> without href


class _HtmlParser:
    """A byte-for-byte port of TDLib's HTML scanner (td/telegram/MessageEntity.cpp)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.out = bytearray()
        self.utf16_offset = 0
        self.open_tags: list[_OpenTag] = []
        self.entities: list[Entity] = []

    def at(self, i: int) -> int:
        """The byte at i, or 0 past the end (TDLib reads a NUL-terminated string)."""
        return self.data[i] if i < len(self.data) else 0

    def parse(self) -> tuple[str, list[Entity]]:
        i = 0
        while i < len(self.data):
            c = self.data[i]
            if c == ord("&"):
                decoded = self.decode_entity(i)
                if decoded is not None:
                    char, i = decoded
                    self.append_char(char)
                    continue
            if c != ord("<"):
                self.out.append(c)
                if c & 0xC0 != 0x80:  # first byte of a UTF-8 character
                    self.utf16_offset += 2 if c >= 0xF0 else 1
                i += 1
                continue
            if self.at(i + 1) == ord("/"):
                i = self.end_tag(i)
            else:
                i = self.start_tag(i)
        if self.open_tags:
            raise _fail(f'Can\'t find end tag corresponding to start tag "{_decode(self.open_tags[-1].name)}"')
        for entity in self.entities:
            if entity.type == "code":
                entity.extra.pop("language", None)
        return self.out.decode("utf-8"), self.entities

    def append_char(self, char: str) -> None:
        code = ord(char)
        if 0xD800 <= code <= 0xDFFF:
            raise _fail(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        self.out += char.encode("utf-8")
        self.utf16_offset += 2 if code > 0xFFFF else 1

    def decode_entity(self, pos: int) -> tuple[str, int] | None:
        """Decode `&lt;`, `&#NNN;` or `&#xHH;` at pos; None leaves the '&' as text."""
        end = pos + 1
        code = 0
        if self.at(pos + 1) == ord("#"):
            end += 1
            if self.at(pos + 2) == ord("x"):
                end += 1
                while _is_hex_digit(self.at(end)):
                    code = code * 16 + int(chr(self.at(end)), 16)
                    end += 1
            else:
                while _is_digit(self.at(end)):
                    code = code * 10 + self.at(end) - 48
                    end += 1
            if code == 0 or code >= 0x10FFFF or end - pos >= 10:
                return None
            char = chr(code)
        else:
            while _is_alpha(self.at(end)):
                end += 1
            named = _NAMED_ENTITIES.get(self.data[pos + 1 : end])
            if named is None:
                return None
            char = named
        if self.at(end) == ord(";"):
            end += 1
        return char, end

    def start_tag(self, begin: int) -> int:
        i = begin + 1
        while self.at(i) not in _SPACES and self.at(i) != ord(">"):
            i += 1
        if self.at(i) == 0:
            raise _fail(f"Unclosed start tag at byte offset {begin}")
        name = self.data[begin + 1 : i].lower()
        if name not in _SUPPORTED_TAGS:
            raise _fail(f'Unsupported start tag "{_decode(name)}" at byte offset {begin}')
        argument, i = self.attributes(name, begin, i)
        if name == b"span" and argument != "spoiler":
            raise _fail(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
        self.open_tags.append(_OpenTag(name, argument, self.utf16_offset, len(self.out)))
        return i + 1

    def attributes(self, tag: bytes, begin: int, i: int) -> tuple[str, int]:
        """Read attributes up to '>'; return the one argument the tag cares about and the '>' position."""
        argument = ""
        tag_text = _decode(tag)
        while self.at(i) != ord(">"):
            while self.at(i) != 0 and self.at(i) in _SPACES:
                i += 1
            if self.at(i) == ord(">"):
                break
            name_start = i
            while self.at(i) not in _SPACES and self.at(i) not in b"=>":
                i += 1
            attribute = self.data[name_start:i]
            if not attribute:
                raise _fail(f'Empty attribute name in the tag "{tag_text}" at byte offset {begin}')
            while self.at(i) != 0 and self.at(i) in _SPACES:
                i += 1
            if self.at(i) != ord("="):
                if self.at(i) == 0:
                    raise _fail(f"Unclosed start tag at byte offset {begin}")
                if tag == b"blockquote" and attribute == b"expandable":
                    argument = "1"
                    continue
                raise _fail(
                    f'Expected equal sign in declaration of an attribute of the tag "{tag_text}" '
                    f"at byte offset {begin}"
                )
            i += 1
            while self.at(i) != 0 and self.at(i) in _SPACES:
                i += 1
            if self.at(i) == 0:
                raise _fail(f'Unclosed start tag "{tag_text}" at byte offset {begin}')
            value, i = self.attribute_value(i)
            if self.at(i) == 0:
                raise _fail(f"Unclosed start tag at byte offset {begin}")
            argument = _tag_argument(tag, attribute, value, argument)
        return argument, i

    def attribute_value(self, i: int) -> tuple[str, int]:
        quote = self.at(i)
        if quote not in b"'\"":
            start = i
            while _is_alpha(self.at(i)) or _is_digit(self.at(i)) or self.at(i) in b".-":
                i += 1
            if self.at(i) not in _SPACES and self.at(i) != ord(">"):
                raise _fail(f"Unexpected end of name token at byte offset {start}")
            return _decode(self.data[start:i].lower()), i
        i += 1
        value = bytearray()
        while self.at(i) != quote and self.at(i) != 0:
            if self.at(i) == ord("&"):
                decoded = self.decode_entity(i)
                if decoded is not None:
                    value += decoded[0].encode("utf-8", errors="surrogatepass")
                    i = decoded[1]
                    continue
            value.append(self.data[i])
            i += 1
        if self.at(i) == quote:
            i += 1
        return _decode(bytes(value)), i

    def end_tag(self, begin: int) -> int:
        if not self.open_tags:
            raise _fail(f"Unexpected end tag at byte offset {begin}")
        i = begin + 2
        while self.at(i) not in _SPACES and self.at(i) != ord(">"):
            i += 1
        end_name = self.data[begin + 2 : i].lower()
        while self.at(i) != 0 and self.at(i) in _SPACES:
            i += 1
        if self.at(i) != ord(">"):
            raise _fail(f"Unclosed end tag at byte offset {begin}")
        tag = self.open_tags.pop()
        if end_name and end_name != tag.name:
            raise _fail(
                f'Unmatched end tag at byte offset {begin}, expected "</{_decode(tag.name)}>", '
                f'found "</{_decode(end_name)}>"'
            )
        if self.utf16_offset > tag.utf16_offset:
            self.close_entity(tag)
        return i + 1

    def close_entity(self, tag: _OpenTag) -> None:
        offset, length = tag.utf16_offset, self.utf16_offset - tag.utf16_offset
        last = self.entities[-1] if self.entities else None
        same_span = last is not None and last.offset == offset and last.length == length
        if tag.name in _SIMPLE_TAGS or tag.name == b"span":
            self.entities.append(Entity(_SIMPLE_TAGS.get(tag.name, "spoiler"), offset, length))
        elif tag.name == b"tg-emoji":
            if not tag.argument.isdigit() or int(tag.argument) == 0:
                raise _fail("Invalid custom emoji identifier specified")
            self.entities.append(Entity("custom_emoji", offset, length, {"custom_emoji_id": tag.argument}))
        elif tag.name == b"a":
            url = tag.argument or self.out[tag.result_start :].decode("utf-8")
            link = _link_entity(url, offset, length)
            if link is not None:
                self.entities.append(link)
        elif tag.name == b"pre":
            if same_span and last.type == "code" and last.extra.get("language"):
                last.type = "pre"
            else:
                self.entities.append(Entity("pre", offset, length))
        elif tag.name == b"code":
            if same_span and last.type == "pre" and tag.argument:
                last.extra["language"] = tag.argument
            else:
                extra = {"language": tag.argument} if tag.argument else {}
                self.entities.append(Entity("code", offset, length, extra))
        elif tag.name == b"blockquote":
            kind = "expandable_blockquote" if tag.argument == "1" else "blockquote"
            self.entities.append(Entity(kind, offset, length))


def _tag_argument(tag: bytes, attribute: bytes, value: str, current: str) -> str:
    if tag == b"a" and attribute == b"href":
        return value
    if tag == b"code" and attribute == b"class" and value.startswith("language-"):
        return value[len("language-") :]
    if tag == b"span" and attribute == b"class" and value.startswith("tg-"):
        return value[len("tg-") :]
    if tag == b"tg-emoji" and attribute == b"emoji-id":
        return value
    if tag == b"blockquote" and attribute == b"expandable":
        return "1"
    return current


def _link_entity(url: str, offset: int, length: int) -> Entity | None:
    """A text_mention for tg://user?id=N, a text_link for a valid URL, else None (Telegram drops it)."""
    user = _USER_LINK.match(url.strip())
    if user:
        return Entity("text_mention", offset, length, {"user": {"id": int(user.group(1))}})
    checked = checked_link(url)
    return Entity("text_link", offset, length, {"url": checked}) if checked else None


def checked_link(url: str) -> str | None:
    """Normalise a link as Telegram does (scheme added, '/' after a bare host), or None if invalid."""
    url = url.strip()
    if not url or any(ch.isspace() for ch in url):
        return None
    scheme_match = _LINK_SCHEME.match(url)
    if scheme_match is None:
        url, scheme = "http://" + url, "http"
    else:
        scheme = scheme_match.group(1).lower()
        url = scheme + url[len(scheme) :]
    if scheme in ("tg", "ton", "tonsite"):
        return url
    if scheme not in ("http", "https") or not url.startswith(f"{scheme}://"):
        return None
    rest = url[len(scheme) + 3 :]
    host = re.split(r"[/?#]", rest, maxsplit=1)[0]
    domain = host.rsplit("@", 1)[-1].split(":")[0]
    if not domain or domain.startswith(".") or ("." not in domain and domain != "localhost"):
        return None
    if rest == host:
        url += "/"
    return url


# --- fix_formatted_text: what TDLib does to any text before sending it ---------------------


def fix_formatted_text(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Merge/split/drop entities, clean control characters and trim blanks, as TDLib does."""
    entities = fix_entities([e for e in entities if e.length > 0])
    text, entities = _clean_text(text, entities)
    entities = _remove_invalid_entities(text, entities)
    if not text.strip(" \n"):
        return "", []
    entities = fix_entities(entities)
    return _trim(text, entities)


def sort_entities(entities: list[Entity]) -> list[Entity]:
    return sorted(entities, key=Entity.sort_key)


def fix_entities(entities: list[Entity]) -> list[Entity]:
    """Continuous entities never intersect; bold and friends merge, and split around the others."""
    entities = sort_entities(entities)
    if _are_entities_valid(entities):
        return entities
    splittable = [e for e in entities if e.type in SPLITTABLE_TYPES]
    blockquotes = [e for e in entities if e.type in _BLOCKQUOTE_TYPES]
    continuous = _remove_intersecting(
        [e for e in entities if e.type not in SPLITTABLE_TYPES and e.type not in _BLOCKQUOTE_TYPES]
    )
    if blockquotes:
        blockquotes = _remove_intersecting(blockquotes)
        continuous = [e for e in continuous if not _crosses_blockquote(e, blockquotes)]
        continuous = sort_entities(continuous + blockquotes)
    return sort_entities(continuous + _split_entities(splittable, continuous))


def _are_entities_valid(entities: list[Entity]) -> bool:
    """TDLib's fast path: properly nested entities, none nested in its own kind or inside pre."""
    stack: list[Entity] = []
    for entity in entities:
        while stack and entity.offset >= stack[-1].end:
            stack.pop()
        if stack:
            parent = stack[-1]
            if entity.end > parent.end or any(e.type == entity.type for e in stack):
                return False
            if parent.type == "pre":
                return False
            if parent.type in SPLITTABLE_TYPES and entity.type not in SPLITTABLE_TYPES:
                return False
            if entity.type in _BLOCKQUOTE_TYPES:
                return False
            if entity.type not in SPLITTABLE_TYPES and parent.type not in _BLOCKQUOTE_TYPES:
                return False
        stack.append(entity)
    return True


def _remove_intersecting(entities: list[Entity]) -> list[Entity]:
    kept: list[Entity] = []
    last_end = 0
    for entity in entities:
        if entity.offset >= last_end:
            kept.append(entity)
            last_end = entity.end
    return kept


def _crosses_blockquote(entity: Entity, blockquotes: list[Entity]) -> bool:
    for quote in blockquotes:
        overlaps = entity.offset < quote.end and quote.offset < entity.end
        inside = quote.offset <= entity.offset and entity.end <= quote.end
        if overlaps and not inside:
            return True
    return False


def _split_entities(splittable: list[Entity], others: list[Entity]) -> list[Entity]:
    """TDLib's split_entities: merge touching same-type spans, cut them at other entities' edges."""
    begin = dict.fromkeys(SPLITTABLE_TYPES, 0)
    end = dict.fromkeys(SPLITTABLE_TYPES, 0)
    result: list[Entity] = []
    pending = list(splittable)

    def flush(offset: int) -> None:
        for kind in SPLITTABLE_TYPES:
            if end[kind] != 0 and begin[kind] < offset:
                if end[kind] <= offset:
                    result.append(Entity(kind, begin[kind], end[kind] - begin[kind]))
                    begin[kind] = end[kind] = 0
                else:
                    result.append(Entity(kind, begin[kind], offset - begin[kind]))
                    begin[kind] = offset

    def add_entities(end_offset: int) -> None:
        while pending and pending[0].offset < end_offset:
            entity = pending.pop(0)
            if end[entity.type] != 0 and entity.offset <= end[entity.type]:
                end[entity.type] = max(end[entity.type], entity.end)
            else:
                flush(entity.offset)
                begin[entity.type], end[entity.type] = entity.offset, entity.end
        flush(end_offset)

    stack: list[Entity] = []

    def add_offset(offset: int) -> None:
        while stack and offset >= stack[-1].end:
            before = len(result)
            add_entities(stack[-1].end)
            if stack[-1].type == "pre":
                del result[before:]
            stack.pop()
        add_entities(offset)

    for other in others:
        add_offset(other.offset)
        stack.append(other)
    add_offset(1 << 62)
    return sort_entities(result)


def _utf16_units(text: str) -> list[int]:
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def _clean_text(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Control characters become spaces; \\r and a few invisible marks are dropped."""
    out: list[str] = []
    new_offset = [0]  # new_offset[old utf16 position] -> new utf16 position
    position = 0
    for ch in text:
        width = 2 if ord(ch) > 0xFFFF else 1
        if ch in _DROPPED_CHARS:
            kept_width = 0
        else:
            out.append(" " if ord(ch) < 32 and ch != "\n" else ch)
            kept_width = width
        for _ in range(width):
            new_offset.append(position + kept_width)
        position += kept_width
    moved = []
    for e in entities:
        if e.end >= len(new_offset):
            raise _fail(f"Entity beginning at UTF-16 offset {e.offset} ends after the end of the text")
        start, stop = new_offset[e.offset], new_offset[e.end]
        moved.append(Entity(e.type, start, stop - start, e.extra))
    return "".join(out), [e for e in moved if e.length > 0]


def _remove_invalid_entities(text: str, entities: list[Entity]) -> list[Entity]:
    """Drop entities holding only blanks (unless they carry hidden data) and skip their leading blanks."""
    units = _utf16_units(text)
    starts = [0]
    for width in units:
        starts.append(starts[-1] + width)
    char_at = {start: ch for start, ch in zip(starts, text)}
    kept = []
    for entity in entities:
        if entity.type not in _HIDDEN_DATA_TYPES:
            while entity.length > 0 and char_at.get(entity.offset) in (" ", "\n"):
                entity = Entity(entity.type, entity.offset + 1, entity.length - 1, entity.extra)
            has_content = any(
                char_at.get(p) not in (" ", "\n", None) for p in range(entity.offset, entity.end)
            )
            if not has_content:
                continue
        kept.append(entity)
    return kept


def _trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Strip ' ' and '\\n' at both ends of the text, clipping entities to what is left."""
    kept_len = len(text.rstrip(" \n"))
    text = text[:kept_len]
    limit = utf16_len(text)
    clipped = []
    for entity in entities:
        if entity.offset >= limit:
            continue
        clipped.append(Entity(entity.type, entity.offset, min(entity.end, limit) - entity.offset, entity.extra))
    first_entity = min((e.offset for e in clipped), default=limit)
    lead = 0
    while lead < first_entity and text[lead] in " \n":
        lead += 1
    shifted = [Entity(e.type, e.offset - lead, e.length, e.extra) for e in clipped]
    return text[lead:], sort_entities(shifted)
