"""What people do in the sandbox: register, join groups, write, edit, press buttons, block the bot.

Each action changes the state and queues the update Telegram would send the bot.
"""

from __future__ import annotations

from typing import Any

from bot.sandbox.autoentities import with_auto_entities
from bot.sandbox.model import CallbackQuery, Chat, Message, User
from bot.sandbox.state import SandboxState, chat_member


class ControlError(Exception):
    """A control API request that cannot be carried out (HTTP `status`)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def register_user(state: SandboxState, user_id: int, first_name: str, last_name: str | None = None,
                  username: str | None = None, language_code: str | None = None) -> User:
    user = state.users.get(user_id)
    if user is None:
        user = state.users[user_id] = User(user_id, first_name)
    user.first_name, user.last_name = first_name, last_name
    user.username, user.language_code = username, language_code
    return user


def register_group(state: SandboxState, chat_id: int, title: str, kind: str = "group") -> Chat:
    if kind not in ("group", "supergroup"):
        raise ControlError("type must be group or supergroup")
    if chat_id >= 0:
        raise ControlError("group ids are negative (supergroups -100…)")
    chat = state.chats.get(chat_id)
    if chat is None:
        chat = state.chats[chat_id] = Chat(id=chat_id, type=kind, title=title)
    chat.title, chat.type = title, kind
    return chat


def user(state: SandboxState, user_id: int) -> User:
    if user_id not in state.users:
        raise ControlError(f"unknown user {user_id}", 404)
    return state.users[user_id]


def group(state: SandboxState, chat_id: int) -> Chat:
    chat = state.chats.get(chat_id)
    if chat is None or chat.user is not None:
        raise ControlError(f"unknown group {chat_id}", 404)
    if chat.migrated_to is not None:
        raise ControlError(f"group {chat_id} was upgraded to {chat.migrated_to}")
    return chat


def bot_sees(state: SandboxState, chat: Chat, message: Message) -> bool:
    """Whether Telegram would deliver this group message to the bot (membership, privacy mode)."""
    if chat.user is not None:
        return True
    if chat.bot_status not in ("member", "administrator"):
        return False
    if state.bot.can_read_all_group_messages or message.service or chat.bot_status == "administrator":
        return True
    text = message.text or message.caption or ""
    replied = state.messages.get((chat.id, message.reply_to_message_id or 0))
    return text.startswith("/") or f"@{state.bot.username}" in text or bool(replied and replied.by_bot)


def post(state: SandboxState, message: Message, update_kind: str = "message") -> int | None:
    """Store a person's message and queue its update if the bot sees it."""
    state.add_message(message)
    chat = state.chats[message.chat_id]
    if not bot_sees(state, chat, message):
        return None
    return state.updates.push({update_kind: state.render(message)})


def add_member(state: SandboxState, chat_id: int, user_id: int, by_id: int | None = None) -> dict[str, Any]:
    chat, member = group(state, chat_id), user(state, user_id)
    chat.member_ids.add(user_id)
    message = Message(chat.id, chat.next_message_id(), by_id or user_id, False, state.now(),
                      service={"new_chat_members": [member.as_dict()]})
    return {"message_id": message.message_id, "update_id": post(state, message)}


def set_admin(state: SandboxState, chat_id: int, user_id: int, admin: bool = True) -> None:
    chat = group(state, chat_id)
    if admin:
        chat.member_ids.add(user_id)
        chat.admin_ids.add(user_id)
    else:
        chat.admin_ids.discard(user_id)


def add_bot(state: SandboxState, chat_id: int, by_id: int, admin: bool = False) -> dict[str, Any]:
    """The bot joins a group: my_chat_member, then the new_chat_members service message."""
    chat, adder = group(state, chat_id), user(state, by_id)
    chat.member_ids.add(by_id)
    old_status = chat.bot_status
    chat.bot_status = "administrator" if admin else "member"
    update_id = my_chat_member(state, chat, adder, old_status, chat.bot_status)
    message = Message(chat.id, chat.next_message_id(), by_id, False, state.now(),
                      service={"new_chat_members": [state.bot.as_user()]})
    return {"update_id": update_id, "message_id": message.message_id, "message_update_id": post(state, message)}


def remove_bot(state: SandboxState, chat_id: int, by_id: int) -> dict[str, Any]:
    chat, remover = group(state, chat_id), user(state, by_id)
    old_status, chat.bot_status = chat.bot_status, "kicked"
    return {"update_id": my_chat_member(state, chat, remover, old_status, "kicked")}


def my_chat_member(state: SandboxState, chat: Chat, by: User, old: str, new: str) -> int | None:
    bot = state.bot.as_user()
    old_member: dict[str, Any] = {"status": old, "user": bot}
    new_member: dict[str, Any] = {"status": new, "user": bot}
    for member in (old_member, new_member):
        if member["status"] == "kicked":
            member["until_date"] = 0
        if member["status"] == "administrator":
            member.update(chat_member("administrator", bot))
    update = {"chat": chat.as_dict(), "from": by.as_dict(), "date": state.now(),
              "old_chat_member": old_member, "new_chat_member": new_member}
    state.events.add("chat", chat.id, False, change="my_chat_member", old=old, new=new)
    return state.updates.push({"my_chat_member": update})


def block_bot(state: SandboxState, user_id: int, blocked: bool = True) -> dict[str, Any]:
    person = user(state, user_id)
    if person.blocked_bot == blocked:
        return {"update_id": None}
    person.blocked_bot = blocked
    chat = state.ensure_private_chat(person)
    old, new = ("member", "kicked") if blocked else ("kicked", "member")
    chat.bot_status = new
    return {"update_id": my_chat_member(state, chat, person, old, new)}


def deactivate(state: SandboxState, user_id: int) -> None:
    user(state, user_id).deactivated = True
    state.events.add("chat", user_id, False, change="deactivated")


def upgrade_group(state: SandboxState, chat_id: int, new_id: int | None = None,
                  by_id: int | None = None) -> dict[str, Any]:
    """Group → supergroup with a new id; both chats get their migrate service message."""
    old = group(state, chat_id)
    if old.type != "group":
        raise ControlError("only a basic group can be upgraded")
    new_id = new_id or int(f"-100{abs(chat_id)}")
    if new_id in state.chats:
        raise ControlError(f"chat {new_id} already exists")
    new = Chat(id=new_id, type="supergroup", title=old.title, member_ids=set(old.member_ids),
               admin_ids=set(old.admin_ids), bot_status=old.bot_status)
    state.chats[new_id] = new
    sender = by_id or next(iter(sorted(old.admin_ids or old.member_ids)), state.bot.id)
    to_message = Message(old.id, old.next_message_id(), sender, False, state.now(),
                         service={"migrate_to_chat_id": new_id})
    old_update = post(state, to_message)
    old.migrated_to = new_id
    from_message = Message(new.id, new.next_message_id(), sender, False, state.now(),
                           service={"migrate_from_chat_id": chat_id})
    new_update = post(state, from_message)
    return {"chat_id": new_id, "update_ids": [old_update, new_update]}


def writable_chat(state: SandboxState, person: User, chat_id: int | None) -> Chat:
    if person.deactivated:
        raise ControlError(f"user {person.id} is deactivated")
    if chat_id is None or chat_id == person.id:
        if person.blocked_bot:
            raise ControlError(f"user {person.id} blocked the bot; unblock first")
        person.has_started = True
        return state.ensure_private_chat(person)
    chat = group(state, chat_id)
    if person.id not in chat.member_ids:
        raise ControlError(f"user {person.id} is not a member of {chat_id}")
    return chat


def say(state: SandboxState, user_id: int, text: str, chat_id: int | None = None,
        reply_to: int | None = None, forward_from: int | None = None) -> dict[str, Any]:
    """A person sends text; commands, mentions and links get Telegram's automatic entities."""
    person = user(state, user_id)
    chat = writable_chat(state, person, chat_id)
    if not text.strip():
        raise ControlError("text is empty")
    if reply_to is not None and state.message(chat.id, reply_to) is None:
        raise ControlError(f"no message {reply_to} in chat {chat.id}")
    message = Message(chat.id, chat.next_message_id(), person.id, False, state.now(), text=text,
                      entities=with_auto_entities(text, []), reply_to_message_id=reply_to)
    if forward_from is not None:
        message.forward_from_id, message.forward_date = forward_from, state.now()
    update_id = post(state, message)
    return {"chat_id": chat.id, "message_id": message.message_id, "seq": message.seq, "update_id": update_id}


def send_file(state: SandboxState, user_id: int, data: bytes, file_name: str, mime_type: str | None = None,
              caption: str | None = None, chat_id: int | None = None) -> dict[str, Any]:
    person = user(state, user_id)
    chat = writable_chat(state, person, chat_id)
    stored = state.store_file(data, file_name, mime_type, "documents")
    document = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                "file_name": file_name, "file_size": len(data)}
    if mime_type:
        document["mime_type"] = mime_type
    message = Message(chat.id, chat.next_message_id(), person.id, False, state.now(), document=document,
                      caption=caption, caption_entities=with_auto_entities(caption, []) if caption else [])
    update_id = post(state, message)
    return {"chat_id": chat.id, "message_id": message.message_id, "seq": message.seq, "file_id": stored.file_id,
            "update_id": update_id}


def edit(state: SandboxState, user_id: int, chat_id: int, message_id: int, text: str) -> dict[str, Any]:
    person = user(state, user_id)
    message = state.message(chat_id, message_id)
    if message is None or message.by_bot or message.sender_id != person.id:
        raise ControlError(f"user {user_id} has no message {message_id} in chat {chat_id}")
    message.text, message.entities = text, with_auto_entities(text, [])
    message.edit_count += 1
    message.edit_date = state.now()
    state.touch(message, "edit", by_bot=False)
    chat = state.chats[chat_id]
    update_id = state.updates.push({"edited_message": state.render(message)}) if bot_sees(state, chat, message) else None
    return {"chat_id": chat_id, "message_id": message_id, "seq": message.seq, "update_id": update_id}


def press(state: SandboxState, user_id: int, chat_id: int, message_id: int, button: str | None = None,
          data: str | None = None, crafted: bool = False) -> dict[str, Any]:
    """Press an inline button (by its text or callback data); crafted=True allows data not on it."""
    person = user(state, user_id)
    message = state.message(chat_id, message_id)
    if message is None or not message.by_bot:
        raise ControlError(f"no bot message {message_id} in chat {chat_id}")
    callback_data = data if crafted else find_button_data(message, button, data)
    if callback_data is None:
        raise ControlError("crafted presses need data")
    query = CallbackQuery(id=str(8_000_000_000_000_000 + state.new_id()), user_id=person.id,
                          chat_id=chat_id, message_id=message_id, data=callback_data)
    state.callbacks[query.id] = query
    body = {"id": query.id, "from": person.as_dict(), "message": state.render(message),
            "chat_instance": str(abs(chat_id) * 7 + 13), "data": callback_data}
    event = state.events.add("callback_query", chat_id, False, callback_query_id=query.id,
                             message_id=message_id, data=callback_data, user_id=person.id)
    return {"callback_query_id": query.id, "chat_id": chat_id, "message_id": message_id, "seq": event.seq,
            "update_id": state.updates.push({"callback_query": body})}


def find_button_data(message: Message, button: str | None, data: str | None) -> str:
    rows = (message.reply_markup or {}).get("inline_keyboard", [])
    for row in rows:
        for candidate in row:
            if "callback_data" not in candidate:
                continue
            if (button is not None and candidate["text"] == button) or (
                data is not None and candidate["callback_data"] == data
            ):
                return str(candidate["callback_data"])
    shown = [b.get("text") for row in rows for b in row]
    raise ControlError(f"no button {button or data!r} on message {message.message_id}; buttons: {shown}")
