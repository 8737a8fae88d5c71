"""Everything the sandbox remembers, in memory, inspectable in-process.

`SandboxState` holds the world (people, chats, messages, files, callback queries, command
menus), the bot's update queue, the event stream, the call log, flood control and faults.
Rendering of messages for the bot (Bot API `Message`) and for tests (`view`) lives here too.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.calllog import CallLog
from bot.sandbox.errors import CHAT_NOT_FOUND, bad_request, forbidden
from bot.sandbox.events import EventLog
from bot.sandbox.faults import FaultInjector
from bot.sandbox.limits import FloodControl
from bot.sandbox.model import BotIdentity, CallbackQuery, Chat, Message, StoredFile, User
from bot.sandbox.updates import UpdateQueue


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class CommandMenus:
    """setMyCommands lists by (scope key, language code); "" is the default language."""

    menus: dict[tuple[str, str], list[dict[str, str]]] = field(default_factory=dict)

    def set(self, scope: str, language: str, commands: list[dict[str, str]]) -> None:
        if commands:
            self.menus[(scope, language)] = commands
        else:
            self.menus.pop((scope, language), None)

    def get(self, scope: str, language: str) -> list[dict[str, str]]:
        return self.menus.get((scope, language), [])

    def as_list(self) -> list[dict[str, Any]]:
        return [
            {"scope": scope, "language_code": language, "commands": commands}
            for (scope, language), commands in sorted(self.menus.items())
        ]


class SandboxState:
    def __init__(
        self,
        bot: BotIdentity,
        limits: bool = True,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.bot = bot
        self.clock = clock
        self.wall_clock = wall_clock
        self.flood = FloodControl(clock, enabled=limits)
        self.faults = FaultInjector()
        self.calls = CallLog()
        self.events = EventLog()
        self.updates = UpdateQueue()  # kept across resets: pollers and the webhook sender wait on it
        self.reset_world()

    def reset_world(self) -> None:
        """Forget people, chats, messages, files, updates, commands and the webhook."""
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.messages: dict[tuple[int, int], Message] = {}
        self.files: dict[str, StoredFile] = {}
        self.callbacks: dict[str, CallbackQuery] = {}
        self.commands = CommandMenus()
        self.updates.forget()
        self.webhook: WebhookConfig | None = None
        self._ids = itertools.count(1)

    def reset(self) -> None:
        """Everything back to new: world, call log, events, faults, flood counters."""
        self.reset_world()
        self.calls.clear()
        self.events.clear()
        self.faults.clear()
        self.flood.reset()

    def now(self) -> int:
        return int(self.wall_clock())

    def new_id(self) -> int:
        return next(self._ids)

    # --- lookups --------------------------------------------------------------------

    def find_chat(self, chat_id: int | str | None) -> Chat | None:
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            name = chat_id[1:].lower()
            return next((c for c in self.chats.values() if c.user and (c.user.username or "").lower() == name), None)
        try:
            number = int(chat_id)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
        user = self.users.get(number)
        if number not in self.chats and user is not None and user.has_started:
            return self.ensure_private_chat(user)
        return self.chats.get(number)

    def chat_for_bot(self, chat_id: int | str | None) -> Chat:
        """The chat the bot addresses, or the error Telegram gives for it."""
        if chat_id in (None, ""):
            raise bad_request("chat_id is empty")
        chat = self.find_chat(chat_id)
        if chat is None:
            raise bad_request(CHAT_NOT_FOUND)
        if chat.user is not None:
            if not chat.user.has_started:
                raise bad_request(CHAT_NOT_FOUND)
            if chat.user.deactivated:
                raise forbidden("user is deactivated")
            if chat.user.blocked_bot:
                raise forbidden("bot was blocked by the user")
            return chat
        if chat.migrated_to is not None:
            raise bad_request(
                "group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": chat.migrated_to}
            )
        kind = "supergroup chat" if chat.type == "supergroup" else "group chat"
        if chat.bot_status == "kicked":
            raise forbidden(f"bot was kicked from the {kind}")
        if chat.bot_status == "left":  # never added: Telegram does not know the chat for this bot
            raise bad_request(CHAT_NOT_FOUND)
        return chat

    def message(self, chat_id: int, message_id: int | None) -> Message | None:
        found = self.messages.get((chat_id, message_id or 0))
        return None if found is None or found.deleted else found

    def chat_messages(self, chat_id: int) -> list[Message]:
        return [m for (cid, _), m in self.messages.items() if cid == chat_id]

    def ensure_private_chat(self, user: User) -> Chat:
        if user.id not in self.chats:
            self.chats[user.id] = Chat(id=user.id, type="private", user=user, bot_status="member")
        return self.chats[user.id]

    # --- changes, each announced on the event stream -------------------------------

    def add_message(self, message: Message) -> Message:
        self.messages[(message.chat_id, message.message_id)] = message
        event = self.events.add("message", message.chat_id, message.by_bot, message_id=message.message_id)
        message.seq = event.seq
        event.data["message"] = self.view(message)
        return message

    def touch(self, message: Message, kind: str, by_bot: bool) -> None:
        """Announce an edit or delete of `message`."""
        event = self.events.add(kind, message.chat_id, by_bot, message_id=message.message_id)
        message.seq = event.seq
        event.data["message"] = self.view(message)

    def store_file(self, data: bytes, file_name: str | None, mime_type: str | None, folder: str) -> StoredFile:
        number = self.new_id()
        file_id = f"BQACAgIAAx{number:08d}sandbox"
        extension = (file_name or "").rsplit(".", 1)[-1] if file_name and "." in file_name else "bin"
        stored = StoredFile(
            file_id=file_id,
            file_unique_id=f"AgAD{number:06d}",
            file_path=f"{folder}/file_{number}.{extension}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
        )
        self.files[file_id] = stored
        return stored

    def file_by_path(self, file_path: str) -> StoredFile | None:
        return next((f for f in self.files.values() if f.file_path == file_path), None)

    # --- rendering -----------------------------------------------------------------

    def sender(self, message: Message) -> dict[str, Any]:
        if message.by_bot:
            return self.bot.as_user()
        return self.users[message.sender_id].as_dict()

    def render(self, message: Message, with_reply: bool = True) -> dict[str, Any]:
        """The Bot API `Message` object."""
        chat = self.chats[message.chat_id]
        out: dict[str, Any] = {
            "message_id": message.message_id,
            "from": self.sender(message),
            "chat": chat.as_dict(),
            "date": message.date,
        }
        if message.options.get("message_thread_id"):
            out["message_thread_id"] = message.options["message_thread_id"]
        if message.forward_from_id is not None:
            out["forward_origin"] = {
                "type": "user",
                "date": message.forward_date or message.date,
                "sender_user": self.users[message.forward_from_id].as_dict()
                if message.forward_from_id in self.users
                else self.bot.as_user(),
            }
        if with_reply and message.reply_to_message_id:
            replied = self.messages.get((message.chat_id, message.reply_to_message_id))
            if replied is not None and not replied.deleted:
                out["reply_to_message"] = self.render(replied, with_reply=False)
        if message.edit_date:
            out["edit_date"] = message.edit_date
        if message.options.get("protect_content"):
            out["has_protected_content"] = True
        for key in ("text", "caption"):
            if getattr(message, key) is not None:
                out[key] = getattr(message, key)
        if message.entities:
            out["entities"] = message.entities
        if message.caption_entities:
            out["caption_entities"] = message.caption_entities
        if message.document:
            out["document"] = {k: v for k, v in message.document.items() if k != "file_path"}
        if message.photo:
            out["photo"] = message.photo
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            out["reply_markup"] = message.reply_markup
        out.update(message.service)
        return out

    def view(self, message: Message) -> dict[str, Any]:
        """What tests and the web chat read: the message plus what Telegram does not show."""
        out = {
            "chat_id": message.chat_id,
            "message_id": message.message_id,
            "seq": message.seq,
            "by_bot": message.by_bot,
            "from": self.sender(message),
            "date": message.date,
            "text": message.text,
            "html": message.html,
            "parse_mode": message.parse_mode,
            "entities": message.entities,
            "caption": message.caption,
            "caption_entities": message.caption_entities,
            "reply_markup": message.reply_markup,
            "reply_to_message_id": message.reply_to_message_id,
            "forward_from_id": message.forward_from_id,
            "edit_count": message.edit_count,
            "deleted": message.deleted,
            "document": with_download_url(message.document),
            "photo": [with_download_url(size) for size in message.photo] if message.photo else None,
            "service": message.service,
            "options": message.options,
        }
        return out


def with_download_url(file: dict[str, Any] | None) -> dict[str, Any] | None:
    """File metadata plus the control API path that serves its bytes."""
    if file is None:
        return None
    return {**file, "download_url": f"/sandbox/files/{file['file_id']}"}


def chat_member_status(state: SandboxState, chat: Chat, user_id: int) -> str:
    """creator/administrator/member/left/kicked for a user or the bot in a chat."""
    if user_id == state.bot.id:
        return chat.bot_status
    if chat.user is not None:
        return "member" if chat.user.id == user_id else "left"
    if user_id in chat.admin_ids:
        return "administrator"
    return "member" if user_id in chat.member_ids else "left"


def chat_member(status: str, user: dict[str, Any]) -> dict[str, Any]:
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "kicked":
        member["until_date"] = 0
    if status == "creator":
        member["is_anonymous"] = False
    if status == "administrator":
        member.update({
            "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True, "can_delete_messages": True,
            "can_manage_video_chats": False, "can_restrict_members": True, "can_promote_members": False,
            "can_change_info": False, "can_invite_users": True, "can_post_stories": False,
            "can_edit_stories": False, "can_delete_stories": False, "can_send_welcome_messages": False,
        })
    return member
