"""What the bot shows, independent of Telegram's types: text plus buttons.

Services and renderers build Messages; the delivery worker turns them into
Bot API calls. Callback data is at most 64 bytes: it carries ids, never text.
"""

import html
from dataclasses import dataclass, field
from typing import Any

CALLBACK_DATA_LIMIT = 64


@dataclass(frozen=True)
class Button:
    text: str
    data: str | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if (self.data is None) == (self.url is None):
            raise ValueError("a button has either callback data or a url")
        if self.data is not None and not 1 <= len(self.data.encode()) <= CALLBACK_DATA_LIMIT:
            raise ValueError(f"callback data must be 1-64 bytes: {self.data!r}")

    def to_api(self) -> dict[str, str]:
        if self.url is not None:
            return {"text": self.text, "url": self.url}
        return {"text": self.text, "callback_data": self.data or ""}


@dataclass(frozen=True)
class Message:
    text: str  # Telegram HTML; user data inside it must already be escaped
    buttons: tuple[tuple[Button, ...], ...] = field(default_factory=tuple)

    def markup(self) -> dict[str, Any] | None:
        if not self.buttons:
            return None
        return {"inline_keyboard": [[button.to_api() for button in row] for row in self.buttons]}


def rows(*rows_: list[Button] | tuple[Button, ...]) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(row) for row in rows_ if row)


def esc(value: object) -> str:
    """Escape user data for Telegram HTML (&, <, > and quotes)."""
    return html.escape(str(value), quote=True)
