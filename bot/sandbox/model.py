"""The sandbox's world: the bot, people, chats, messages, files, callback queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class BotIdentity:
    """Who the bot is; `getMe` answers with this."""

    id: int
    username: str
    first_name: str = "Điều phối"
    can_read_all_group_messages: bool = True  # privacy mode off, so group messages reach the bot

    def as_user(self) -> dict[str, Any]:
        return {"id": self.id, "is_bot": True, "first_name": self.first_name, "username": self.username}

    def as_me(self) -> dict[str, Any]:
        return {
            **self.as_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": self.can_read_all_group_messages,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }


@dataclass
class User:
    """A person. The bot may write to them only after they wrote first and while not blocked."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    has_started: bool = False
    blocked_bot: bool = False
    deactivated: bool = False

    def as_dict(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                user[key] = getattr(self, key)
        return user


@dataclass
class Chat:
    """A private chat (id = the user's id), a group (negative id) or a supergroup (-100…)."""

    id: int
    type: str
    title: str | None = None
    user: User | None = None
    member_ids: set[int] = field(default_factory=set)
    admin_ids: set[int] = field(default_factory=set)
    bot_status: str = "left"
    migrated_to: int | None = None
    last_message_id: int = 0

    def as_dict(self) -> dict[str, Any]:
        if self.user is not None:
            chat = {"id": self.id, "type": "private", "first_name": self.user.first_name}
            for key in ("last_name", "username"):
                if getattr(self.user, key):
                    chat[key] = getattr(self.user, key)
            return chat
        return {"id": self.id, "type": self.type, "title": self.title or ""}

    def next_message_id(self) -> int:
        self.last_message_id += 1
        return self.last_message_id


@dataclass
class StoredFile:
    """An uploaded file; `file_path` is what the download route serves."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    file_name: str | None = None
    mime_type: str | None = None

    def as_file(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


@dataclass
class Message:
    """One message in a chat, from a person or the bot, as the sandbox remembers it."""

    chat_id: int
    message_id: int
    sender_id: int
    by_bot: bool
    date: int
    seq: int = 0
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    html: str | None = None  # the text exactly as the bot sent it, before parse_mode
    parse_mode: str | None = None
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    forward_from_id: int | None = None
    forward_date: int | None = None
    document: dict[str, Any] | None = None
    photo: list[dict[str, Any]] | None = None
    service: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)  # thread id, notification, protection, preview
    edit_count: int = 0
    edit_date: int | None = None
    deleted: bool = False

    @property
    def content_key(self) -> tuple[Any, ...]:
        """What "message is not modified" compares."""
        return (self.text, self.caption, tuple(map(repr, self.entities)), repr(self.reply_markup))


@dataclass
class CallbackQuery:
    """A button press waiting for the bot's answerCallbackQuery."""

    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    answer: dict[str, Any] | None = None
