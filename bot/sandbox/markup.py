"""Validation of keyboards, command lists and command scopes, with Telegram's error texts."""

from __future__ import annotations

import re
from typing import Any

from bot.sandbox.errors import bad_request

_INLINE_ACTIONS = (
    "callback_data", "url", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)
_MARKUP_KINDS = ("inline_keyboard", "keyboard", "remove_keyboard", "force_reply")
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_LANGUAGE = re.compile(r"^[a-z]{2}$")
SCOPES = (
    "default", "all_private_chats", "all_group_chats", "all_chat_administrators",
    "chat", "chat_administrators", "chat_member",
)
MARKUP_JSON = "reply keyboard markup"


def without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def check_reply_markup(markup: Any) -> dict[str, Any] | None:
    """The markup as Telegram keeps it, or the error Telegram answers."""
    if markup is None:
        return None
    if not isinstance(markup, dict) or not any(kind in markup for kind in _MARKUP_KINDS):
        raise bad_request(f"can't parse {MARKUP_JSON} JSON object")
    markup = without_nulls(markup)
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request("can't parse inline keyboard button: Field \"inline_keyboard\" must be of type Array")
        for row in rows:
            for button in row:
                check_inline_button(button)
        if not any(rows):
            return None  # an empty inline keyboard removes the keyboard
    return markup


def check_inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
    if not isinstance(button.get("text"), str):
        raise bad_request("can't parse inline keyboard button: Field \"text\" must be of type String")
    actions = [action for action in _INLINE_ACTIONS if action in button]
    if not actions:
        raise bad_request("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not re.match(r"^(https?|tg)://\S+$", str(button["url"])):
        raise bad_request("BUTTON_URL_INVALID")


def check_commands(commands: Any) -> list[dict[str, str]]:
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > 100:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    checked = []
    for item in commands:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand JSON object")
        command, description = item.get("command"), item.get("description")
        if not isinstance(command, str) or not _COMMAND.match(command.removeprefix("/")):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        checked.append({"command": command.removeprefix("/"), "description": description.strip()})
    return checked


def check_language(language_code: str | None) -> str:
    if not language_code:
        return ""
    if not _LANGUAGE.match(language_code):
        raise bad_request("LANG_CODE_INVALID")
    return language_code


def scope_key(scope: Any, known_chat: Any) -> str:
    """A stable key for a BotCommandScope; `known_chat(chat_id)` must return the chat or None."""
    if scope is None:
        return "default"
    if not isinstance(scope, dict) or scope.get("type") not in SCOPES:
        raise bad_request("can't parse BotCommandScope JSON object")
    kind = scope["type"]
    if kind not in ("chat", "chat_administrators", "chat_member"):
        return kind
    chat = known_chat(scope.get("chat_id"))
    if chat is None:
        raise bad_request("chat not found")
    if kind == "chat_member":
        if scope.get("user_id") is None:
            raise bad_request("user not found")
        return f"chat_member:{chat.id}:{int(scope['user_id'])}"
    return f"{kind}:{chat.id}"
