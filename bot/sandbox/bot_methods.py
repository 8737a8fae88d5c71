"""The Bot API methods the sandbox implements, each checked as Telegram checks it.

`METHODS` maps a lower-case method name to its `MethodSpec`: the parameters it reads (with the
spec's `required` flag), legacy parameters Telegram still accepts, and the handler.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.sandbox.autoentities import with_auto_entities
from bot.sandbox.calllog import CallRecord
from bot.sandbox.errors import (
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    BotAPIError,
    bad_request,
    conflict,
    too_many_requests,
)
from bot.sandbox.markup import (
    MARKUP_JSON,
    check_commands,
    check_language,
    check_reply_markup,
    scope_key,
)
from bot.sandbox.model import Chat, Message
from bot.sandbox.params import Params, Upload
from bot.sandbox.state import SandboxState, WebhookConfig, chat_member, chat_member_status
from bot.telegram_html import Entity, TelegramHTMLError, fix_formatted_text, parse_html, utf16_len

MAX_TEXT = 4096
MAX_CAPTION = 1024
CHAT_ACTIONS = {
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
}
WEBHOOK_ACTIVE = "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"


@dataclass
class Call:
    """One Bot API call being answered."""

    state: SandboxState
    params: Params
    record: CallRecord
    on_webhook_change: Callable[[], None] = lambda: None


Handler = Callable[[Call], Awaitable[Any]]


@dataclass(frozen=True)
class MethodSpec:
    name: str
    params: dict[str, bool]
    handler: Handler
    legacy: frozenset[str] = field(default_factory=frozenset)


# --- shared checks ---------------------------------------------------------------------


def formatted(text: str | None, parse_mode: str | None, entities: Any) -> tuple[str, list[dict[str, Any]]]:
    """Text and entities after parse_mode / entities, Telegram's clean-up and auto entities."""
    text = text or ""
    mode = (parse_mode or "").lower()
    if mode == "html":
        try:
            plain, found = parse_html(text)
        except TelegramHTMLError as error:
            raise bad_request(error.description) from error
    elif mode:
        raise bad_request(f"unsupported parse_mode {parse_mode!r} in the sandbox (only HTML)")
    else:
        given = [Entity(e["type"], e["offset"], e["length"], _entity_extra(e)) for e in _entity_list(entities)]
        try:
            plain, fixed = fix_formatted_text(text, given)
        except TelegramHTMLError as error:
            raise bad_request(error.description) from error
        found = [e.as_dict() for e in fixed]
    return plain, with_auto_entities(plain, found)


def _entity_list(entities: Any) -> list[dict[str, Any]]:
    if entities is None:
        return []
    if not isinstance(entities, list) or not all(
        isinstance(e, dict) and isinstance(e.get("offset"), int) and isinstance(e.get("length"), int)
        and isinstance(e.get("type"), str)
        for e in entities
    ):
        raise bad_request("can't parse entities JSON object")
    return entities


def _entity_extra(entity: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entity.items() if k not in ("type", "offset", "length") and v is not None}


def with_known_users(state: SandboxState, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """text_mention entities carry the full user; unknown users' mentions are dropped."""
    result = []
    for entity in entities:
        if entity["type"] == "text_mention":
            user = state.users.get(int(entity["user"]["id"]))
            if user is None:
                continue
            entity = {**entity, "user": user.as_dict()}
        result.append(entity)
    return result


def message_text(call: Call, text_param: str = "text") -> tuple[str, list[dict[str, Any]]]:
    p = call.params
    text, entities = formatted(p.str(text_param), p.str("parse_mode"), p.json("entities", "entities"))
    if not text:
        raise bad_request("message text is empty")
    if utf16_len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    return text, with_known_users(call.state, entities)


def caption_text(call: Call) -> tuple[str | None, list[dict[str, Any]]]:
    p = call.params
    if not p.has("caption"):
        return None, []
    caption, entities = formatted(p.str("caption"), p.str("parse_mode"), p.json("caption_entities", "entities"))
    if utf16_len(caption) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return caption or None, with_known_users(call.state, entities)


def reply_markup(call: Call) -> dict[str, Any] | None:
    return check_reply_markup(call.params.json("reply_markup", MARKUP_JSON))


def reply_target(call: Call, chat: Chat) -> int | None:
    """The message id to reply to, from reply_parameters or legacy reply_to_message_id."""
    p = call.params
    parameters = p.json("reply_parameters", "reply parameters")
    if parameters is not None and not isinstance(parameters, dict):
        raise bad_request("can't parse reply parameters JSON object")
    parameters = parameters or {}
    message_id = parameters.get("message_id", p.int("reply_to_message_id"))
    if not message_id:
        return None
    allow_without = bool(parameters.get("allow_sending_without_reply")) or p.bool("allow_sending_without_reply")
    if call.state.message(chat.id, int(message_id)) is None:
        if allow_without:
            return None
        raise bad_request("message to be replied not found")
    return int(message_id)


def take_flood_token(call: Call, chat: Chat) -> None:
    refusal = call.state.flood.check(chat.id, is_private=chat.user is not None)
    if refusal is None:
        return
    if refusal.violation:
        call.record.violation = "sent before the chat's retry_after expired"
    raise too_many_requests(refusal.retry_after)


def message_options(p: Params) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for name in ("message_thread_id",):
        if p.int(name):
            options[name] = p.int(name)
    for name in ("disable_notification", "protect_content"):
        if p.bool(name):
            options[name] = True
    preview = p.json("link_preview_options", "link preview options")
    if preview is not None:
        options["link_preview_options"] = preview
    if p.bool("disable_web_page_preview"):
        options["link_preview_options"] = {"is_disabled": True}
    return options


def new_bot_message(call: Call, chat: Chat, **content: Any) -> dict[str, Any]:
    state = call.state
    message = Message(
        chat_id=chat.id,
        message_id=chat.next_message_id(),
        sender_id=state.bot.id,
        by_bot=True,
        date=state.now(),
        options=message_options(call.params),
        **content,
    )
    state.add_message(message)
    return state.render(message)


def bot_message_to_change(call: Call, not_found: str) -> Message:
    p = call.params
    if p.has("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    chat = call.state.chat_for_bot(p.values.get("chat_id"))
    message_id = p.int("message_id")
    if not message_id:
        raise bad_request("message identifier is not specified")
    message = call.state.message(chat.id, message_id)
    if message is None:
        raise bad_request(not_found)
    if not message.by_bot:
        raise bad_request("message can't be edited")
    return message


# --- methods -------------------------------------------------------------------------------


async def get_me(call: Call) -> Any:
    return call.state.bot.as_me()


async def get_updates(call: Call) -> Any:
    state, p = call.state, call.params
    if state.webhook is not None:
        raise conflict(WEBHOOK_ACTIVE)
    allowed = p.json("allowed_updates", "allowed updates")
    if isinstance(allowed, list):
        state.updates.allowed_updates = [str(kind) for kind in allowed]
    limit = min(max(p.int("limit") or 100, 1), 100)
    timeout = min(max(p.int("timeout") or 0, 0), 50)
    return await state.updates.poll(p.int("offset") or 0, limit, timeout)


async def set_webhook(call: Call) -> Any:
    state, p = call.state, call.params
    url = (p.str("url") or "").strip()
    if p.bool("drop_pending_updates"):
        state.updates.drop_all()
    allowed = p.json("allowed_updates", "allowed updates")
    if isinstance(allowed, list):
        state.updates.allowed_updates = [str(kind) for kind in allowed]
    if not url:
        state.webhook = None
    elif not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    else:
        state.webhook = WebhookConfig(url, p.str("secret_token"), p.int("max_connections") or 40)
    call.on_webhook_change()
    return True


async def delete_webhook(call: Call) -> Any:
    if call.params.bool("drop_pending_updates"):
        call.state.updates.drop_all()
    call.state.webhook = None
    call.on_webhook_change()
    return True


async def get_webhook_info(call: Call) -> Any:
    state = call.state
    info: dict[str, Any] = {
        "url": state.webhook.url if state.webhook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(state.updates.pending),
    }
    if state.webhook is not None:
        info["max_connections"] = state.webhook.max_connections
        if state.webhook.last_error_date:
            info["last_error_date"] = state.webhook.last_error_date
            info["last_error_message"] = state.webhook.last_error_message
    if state.updates.allowed_updates:
        info["allowed_updates"] = state.updates.allowed_updates
    return info


async def send_message(call: Call) -> Any:
    chat = call.state.chat_for_bot(call.params.values.get("chat_id"))
    text, entities = message_text(call)
    markup = reply_markup(call)
    reply_to = reply_target(call, chat)
    take_flood_token(call, chat)
    return new_bot_message(
        call, chat, text=text, entities=entities, html=call.params.str("text"),
        parse_mode=call.params.str("parse_mode"), reply_markup=markup, reply_to_message_id=reply_to,
    )


async def edit_message_text(call: Call) -> Any:
    message = bot_message_to_change(call, "message to edit not found")
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    text, entities = message_text(call)
    markup = reply_markup(call)
    if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    take_flood_token(call, call.state.chats[message.chat_id])
    message.text, message.entities, message.reply_markup = text, entities, markup
    message.html, message.parse_mode = call.params.str("text"), call.params.str("parse_mode")
    return edited(call, message)


async def edit_message_reply_markup(call: Call) -> Any:
    message = bot_message_to_change(call, "message to edit not found")
    markup = reply_markup(call)
    if markup == message.reply_markup:
        raise bad_request(NOT_MODIFIED)
    take_flood_token(call, call.state.chats[message.chat_id])
    message.reply_markup = markup
    return edited(call, message)


def edited(call: Call, message: Message) -> dict[str, Any]:
    message.edit_count += 1
    message.edit_date = call.state.now()
    call.state.touch(message, "edit", by_bot=True)
    return call.state.render(message)


async def delete_message(call: Call) -> Any:
    state, p = call.state, call.params
    chat = state.chat_for_bot(p.values.get("chat_id"))
    message_id = p.int("message_id")
    if not message_id:
        raise bad_request("message identifier is not specified")
    message = state.message(chat.id, message_id)
    if message is None:
        raise bad_request("message to delete not found")
    if not message.by_bot and chat.user is None and chat.bot_status != "administrator":
        raise bad_request("message can't be deleted")
    message.deleted = True
    state.touch(message, "delete", by_bot=True)
    return True


async def answer_callback_query(call: Call) -> Any:
    state, p = call.state, call.params
    query = state.callbacks.get(p.str("callback_query_id") or "")
    if query is None or query.answer is not None:
        raise bad_request(QUERY_TOO_OLD)
    text = p.str("text") or ""
    if len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answer = {"text": text, "show_alert": p.bool("show_alert"), "url": p.str("url")}
    state.events.add("callback_answer", query.chat_id, True, callback_query_id=query.id,
                     message_id=query.message_id, **query.answer)
    return True


def command_menu_key(call: Call) -> tuple[str, str]:
    p = call.params
    scope = scope_key(p.json("scope", "BotCommandScope"), call.state.find_chat)
    return scope, check_language(p.str("language_code"))


async def set_my_commands(call: Call) -> Any:
    commands = call.params.json("commands", "commands")
    if commands is None:
        raise bad_request("parameter \"commands\" is required")
    checked = check_commands(commands)
    scope, language = command_menu_key(call)
    call.state.commands.set(scope, language, checked)
    call.state.events.add("commands", None, True, scope=scope, language_code=language)
    return True


async def get_my_commands(call: Call) -> Any:
    scope, language = command_menu_key(call)
    return call.state.commands.get(scope, language)


async def delete_my_commands(call: Call) -> Any:
    scope, language = command_menu_key(call)
    call.state.commands.set(scope, language, [])
    call.state.events.add("commands", None, True, scope=scope, language_code=language)
    return True


def uploaded_file(call: Call, name: str, folder: str) -> tuple[dict[str, Any], bytes]:
    """(file metadata, bytes) for an upload or a known file_id."""
    state = call.state
    given = call.params.file(name)
    if given is None:
        raise bad_request(f"there is no {name} in the request")
    if isinstance(given, Upload):
        stored = state.store_file(given.data, given.filename, given.content_type, folder)
    elif given.startswith(("http://", "https://")):
        raise bad_request("failed to get HTTP URL content")
    elif given in state.files:
        stored = state.files[given]
    else:
        raise bad_request("wrong file identifier/HTTP URL specified")
    meta = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_size": len(stored.data)}
    if stored.file_name:
        meta["file_name"] = stored.file_name
    if stored.mime_type:
        meta["mime_type"] = stored.mime_type
    return meta, stored.data


async def send_document(call: Call) -> Any:
    chat = call.state.chat_for_bot(call.params.values.get("chat_id"))
    document, _ = uploaded_file(call, "document", "documents")
    return await send_media(call, chat, document=document)


async def send_photo(call: Call) -> Any:
    chat = call.state.chat_for_bot(call.params.values.get("chat_id"))
    meta, data = uploaded_file(call, "photo", "photos")
    if not data:
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    photo = [{"file_id": meta["file_id"], "file_unique_id": meta["file_unique_id"],
              "file_size": meta["file_size"], "width": 1280, "height": 960}]
    return await send_media(call, chat, photo=photo)


async def send_media(call: Call, chat: Chat, **media: Any) -> Any:
    caption, entities = caption_text(call)
    markup = reply_markup(call)
    reply_to = reply_target(call, chat)
    take_flood_token(call, chat)
    html = call.params.str("caption") if caption is not None else None
    return new_bot_message(
        call, chat, caption=caption, caption_entities=entities, html=html,
        parse_mode=call.params.str("parse_mode"), reply_markup=markup, reply_to_message_id=reply_to, **media,
    )


async def get_file(call: Call) -> Any:
    stored = call.state.files.get(call.params.str("file_id") or "")
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    return stored.as_file()


async def send_chat_action(call: Call) -> Any:
    chat = call.state.chat_for_bot(call.params.values.get("chat_id"))
    action = call.params.str("action")
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    call.state.events.add("chat_action", chat.id, True, action=action)
    return True


async def get_chat(call: Call) -> Any:
    state = call.state
    chat = state.find_chat(call.params.values.get("chat_id"))
    if chat is None or (chat.user is not None and not chat.user.has_started) or chat.bot_status == "left":
        raise bad_request("chat not found")
    if chat.migrated_to is not None:
        raise bad_request("group chat was upgraded to a supergroup chat", {"migrate_to_chat_id": chat.migrated_to})
    info = chat.as_dict()
    info.update({
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": dict.fromkeys(
            ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription", "gifts_from_channels"),
            False,
        ),
    })
    return info


async def get_chat_member(call: Call) -> Any:
    state, p = call.state, call.params
    chat = state.find_chat(p.values.get("chat_id"))
    if chat is None:
        raise bad_request("chat not found")
    user_id = p.int("user_id")
    if user_id is None:
        raise bad_request("user_id is empty")
    if user_id == state.bot.id:
        user = state.bot.as_user()
    elif user_id in state.users:
        user = state.users[user_id].as_dict()
    else:
        raise bad_request("PARTICIPANT_ID_INVALID")
    return chat_member(chat_member_status(state, chat, user_id), user)


async def answer_true(call: Call) -> Any:
    return True


# --- the table -----------------------------------------------------------------------------

_SEND_COMMON = {
    "chat_id": True, "message_thread_id": False, "parse_mode": False, "disable_notification": False,
    "protect_content": False, "reply_parameters": False, "reply_markup": False,
}
_LEGACY_REPLY = frozenset({"reply_to_message_id", "allow_sending_without_reply"})
_EDIT_TARGET = {"chat_id": False, "message_id": False, "inline_message_id": False, "reply_markup": False}
_MENU = {"scope": False, "language_code": False}

METHODS: dict[str, MethodSpec] = {
    spec.name.lower(): spec
    for spec in (
        MethodSpec("getMe", {}, get_me),
        MethodSpec("getUpdates", {"offset": False, "limit": False, "timeout": False, "allowed_updates": False},
                   get_updates),
        MethodSpec("setWebhook", {"url": True, "max_connections": False, "allowed_updates": False,
                                  "drop_pending_updates": False, "secret_token": False}, set_webhook),
        MethodSpec("deleteWebhook", {"drop_pending_updates": False}, delete_webhook),
        MethodSpec("getWebhookInfo", {}, get_webhook_info),
        MethodSpec("sendMessage", {**_SEND_COMMON, "text": True, "entities": False, "link_preview_options": False},
                   send_message, _LEGACY_REPLY | {"disable_web_page_preview"}),
        MethodSpec("editMessageText", {**_EDIT_TARGET, "text": False, "parse_mode": False, "entities": False,
                                       "link_preview_options": False},
                   edit_message_text, frozenset({"disable_web_page_preview"})),
        MethodSpec("editMessageReplyMarkup", _EDIT_TARGET, edit_message_reply_markup),
        MethodSpec("deleteMessage", {"chat_id": True, "message_id": True}, delete_message),
        MethodSpec("answerCallbackQuery", {"callback_query_id": True, "text": False, "show_alert": False,
                                           "url": False, "cache_time": False}, answer_callback_query),
        MethodSpec("setMyCommands", {"commands": True, **_MENU}, set_my_commands),
        MethodSpec("getMyCommands", _MENU, get_my_commands),
        MethodSpec("deleteMyCommands", _MENU, delete_my_commands),
        MethodSpec("sendDocument", {**_SEND_COMMON, "document": True, "caption": False, "caption_entities": False,
                                    "disable_content_type_detection": False}, send_document, _LEGACY_REPLY),
        MethodSpec("sendPhoto", {**_SEND_COMMON, "photo": True, "caption": False, "caption_entities": False},
                   send_photo, _LEGACY_REPLY),
        MethodSpec("getFile", {"file_id": True}, get_file),
        MethodSpec("sendChatAction", {"chat_id": True, "message_thread_id": False, "action": True},
                   send_chat_action),
        MethodSpec("getChat", {"chat_id": True}, get_chat),
        MethodSpec("getChatMember", {"chat_id": True, "user_id": True}, get_chat_member),
        MethodSpec("close", {}, answer_true),
        MethodSpec("logOut", {}, answer_true),
    )
}


def unknown_params(spec: MethodSpec, params: Params) -> list[str]:
    """Parameters the sandbox ignores (Telegram ignores unknown ones too; the log shows them)."""
    known = set(spec.params) | spec.legacy
    attached = {v[len("attach://"):] for v in params.values.values() if isinstance(v, str) and v.startswith("attach://")}
    return sorted(name for name in params.names() if name not in known and name not in attached)


__all__ = ["METHODS", "BotAPIError", "Call", "MethodSpec", "unknown_params"]
