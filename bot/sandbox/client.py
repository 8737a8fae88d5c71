"""Async client for the sandbox's control API, and `Person` for tests that read like a scene.

    client = SandboxClient(sandbox.url)
    alice = await client.register_user(1001, "Alice")
    sent = await alice.says("/start")
    reply = await client.next_bot_message(alice.id, after=sent.seq, timeout=5)
    await alice.presses(reply, "Đã nhận")

Works in the event loop the bot runs in: every call is a plain awaitable HTTP request.
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass
from collections.abc import Callable
from typing import Any

import aiohttp

Message = dict[str, Any]  # a message as the control API shows it (see SandboxState.view)


class SandboxControlError(RuntimeError):
    """The control API refused a request."""


@dataclass(frozen=True)
class Sent:
    """What a person's action created: where, and the event sequence number to wait after."""

    chat_id: int
    message_id: int
    seq: int
    update_id: int | None = None
    callback_query_id: str | None = None


def message_ref(message: Message | Sent) -> tuple[int, int]:
    if isinstance(message, Sent):
        return message.chat_id, message.message_id
    return int(message["chat_id"]), int(message["message_id"])


def sent_from(result: dict[str, Any]) -> Sent:
    return Sent(result["chat_id"], result["message_id"], result["seq"], result.get("update_id"),
                result.get("callback_query_id"))


class SandboxClient:
    def __init__(self, base_url: str, session: aiohttp.ClientSession | None = None) -> None:
        base = base_url.rstrip("/")
        self.control_url = base if base.endswith("/sandbox") else f"{base}/sandbox"
        self._session = session
        self._owns_session = session is None

    async def __aenter__(self) -> SandboxClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def call(self, verb: str, path: str, json: dict[str, Any] | None = None,
                   params: dict[str, Any] | None = None) -> Any:
        query = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in (params or {}).items()
                 if v is not None}
        async with self._http().request(verb, self.control_url + path, json=json, params=query) as response:
            answer = await response.json()
        if not answer.get("ok"):
            raise SandboxControlError(f"{verb} {path}: {answer.get('error')}")
        return answer["result"]

    # --- the world ---------------------------------------------------------------------------

    async def reset(self) -> None:
        await self.call("POST", "/reset")

    async def register_user(self, user_id: int, first_name: str | None = None, last_name: str | None = None,
                            username: str | None = None, language_code: str | None = "vi") -> Person:
        await self.call("POST", "/users", {"id": user_id, "first_name": first_name, "last_name": last_name,
                                           "username": username, "language_code": language_code})
        return self.person(user_id)

    def person(self, user_id: int) -> Person:
        return Person(self, user_id)

    async def register_group(self, chat_id: int, title: str, kind: str = "group") -> dict[str, Any]:
        return await self.call("POST", "/groups", {"id": chat_id, "title": title, "type": kind})

    async def add_member(self, chat_id: int, user_id: int, by: int | None = None) -> dict[str, Any]:
        return await self.call("POST", f"/groups/{chat_id}/members", {"user_id": user_id, "by": by})

    async def set_admin(self, chat_id: int, user_id: int, admin: bool = True) -> None:
        await self.call("POST", f"/groups/{chat_id}/admins", {"user_id": user_id, "admin": admin})

    async def add_bot_to_group(self, chat_id: int, by: int, admin: bool = False) -> dict[str, Any]:
        return await self.call("POST", f"/groups/{chat_id}/bot", {"by": by, "admin": admin})

    async def remove_bot_from_group(self, chat_id: int, by: int) -> dict[str, Any]:
        return await self.call("DELETE", f"/groups/{chat_id}/bot", {"by": by})

    async def upgrade_group(self, chat_id: int, new_id: int | None = None, by: int | None = None) -> int:
        result = await self.call("POST", f"/groups/{chat_id}/upgrade", {"new_id": new_id, "by": by})
        return int(result["chat_id"])

    async def block_bot(self, user_id: int) -> None:
        await self.call("POST", f"/users/{user_id}/block")

    async def unblock_bot(self, user_id: int) -> None:
        await self.call("POST", f"/users/{user_id}/unblock")

    async def deactivate(self, user_id: int) -> None:
        await self.call("POST", f"/users/{user_id}/deactivate")

    # --- people acting -----------------------------------------------------------------------

    async def say(self, user_id: int, text: str, chat_id: int | None = None, reply_to: int | None = None,
                  forward_from: int | None = None) -> Sent:
        return sent_from(await self.call("POST", "/messages", {
            "user_id": user_id, "text": text, "chat_id": chat_id, "reply_to": reply_to, "forward_from": forward_from,
        }))

    async def send_document(self, user_id: int, data: bytes, file_name: str, mime_type: str | None = None,
                            caption: str | None = None, chat_id: int | None = None) -> Sent:
        return sent_from(await self.call("POST", "/documents", {
            "user_id": user_id, "data_base64": base64.b64encode(data).decode(), "file_name": file_name,
            "mime_type": mime_type, "caption": caption, "chat_id": chat_id,
        }))

    async def edit(self, user_id: int, chat_id: int, message_id: int, text: str) -> Sent:
        return sent_from(await self.call("POST", "/edits", {
            "user_id": user_id, "chat_id": chat_id, "message_id": message_id, "text": text,
        }))

    async def press(self, user_id: int, chat_id: int, message_id: int, button: str | None = None,
                    data: str | None = None, crafted: bool = False) -> Sent:
        return sent_from(await self.call("POST", "/presses", {
            "user_id": user_id, "chat_id": chat_id, "message_id": message_id, "button": button, "data": data,
            "crafted": crafted,
        }))

    async def callback_answer(self, callback_query_id: str) -> dict[str, Any]:
        """{"answered", "text", "show_alert", ...} for a pressed button."""
        return await self.call("GET", f"/callbacks/{callback_query_id}")

    async def wait_callback_answer(self, callback_query_id: str, after: int = 0, timeout: float = 5) -> dict[str, Any]:
        events = await self.wait(after=after, kinds=["callback_answer"], timeout=timeout,
                                 match=lambda e: e.get("callback_query_id") == callback_query_id)
        if not events:
            raise TimeoutError(f"callback query {callback_query_id} not answered within {timeout}s")
        return await self.callback_answer(callback_query_id)

    # --- reading -----------------------------------------------------------------------------

    async def chat(self, chat_id: int) -> dict[str, Any]:
        return await self.call("GET", f"/chats/{chat_id}")

    async def messages(self, chat_id: int, include_deleted: bool = False) -> list[Message]:
        messages = (await self.chat(chat_id))["messages"]
        return [m for m in messages if include_deleted or not m["deleted"]]

    async def bot_messages(self, chat_id: int) -> list[Message]:
        return [m for m in await self.messages(chat_id) if m["by_bot"]]

    async def message(self, chat_id: int, message_id: int) -> Message:
        return await self.call("GET", f"/chats/{chat_id}/messages/{message_id}")

    async def download(self, file_id: str) -> bytes:
        async with self._http().get(f"{self.control_url}/files/{file_id}") as response:
            if response.status != 200:
                raise SandboxControlError(f"no file {file_id}")
            return await response.read()

    async def last_seq(self) -> int:
        return int((await self.stats())["last_seq"])

    async def wait(self, after: int = 0, chat_id: int | None = None, kinds: list[str] | None = None,
                   by_bot: bool | None = None, timeout: float = 5,
                   match: Callable[[dict[str, Any]], bool] | None = None) -> list[dict[str, Any]]:
        """Events after `after` matching the filters (and `match(event)`), waiting up to `timeout`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = max(deadline - loop.time(), 0)
            result = await self.call("GET", "/wait", params={
                "after": after, "chat_id": chat_id, "kinds": ",".join(kinds) if kinds else None,
                "by_bot": by_bot, "timeout": round(remaining, 3),
            })
            events = [e for e in result["events"] if match is None or match(e)]
            if events or remaining <= 0:
                return events
            after = max([after] + [e["seq"] for e in result["events"]])

    async def next_bot_message(self, chat_id: int | None = None, after: int = 0, timeout: float = 5,
                               kinds: tuple[str, ...] = ("message",)) -> Message:
        """The first message the bot posts (or edits, with kinds=("message", "edit")) after seq `after`."""
        events = await self.wait(after=after, chat_id=chat_id, kinds=list(kinds), by_bot=True, timeout=timeout)
        if not events:
            where = f"chat {chat_id}" if chat_id is not None else "any chat"
            raise TimeoutError(f"the bot posted nothing in {where} after seq {after} within {timeout}s")
        return events[0]["message"]

    async def commands(self, scope: str | None = None, language_code: str = "") -> Any:
        return await self.call("GET", "/commands", params={"scope": scope, "language_code": language_code})

    async def calls(self, since: int = 0, errors_only: bool = False) -> list[dict[str, Any]]:
        return await self.call("GET", "/calls", params={"since": since, "errors": errors_only})

    async def api_errors(self) -> list[dict[str, Any]]:
        """Bot API calls Telegram would have refused (injected faults excluded)."""
        return await self.calls(errors_only=True)

    async def clear_calls(self) -> None:
        await self.call("DELETE", "/calls")

    async def set_faults(self, **spec: Any) -> dict[str, Any]:
        """e.g. set_faults(fail_rate=0.3, kinds=["502", "drop"], seed=1) or set_faults(next=[{"code": 502}])."""
        return await self.call("POST", "/faults", spec)

    async def clear_faults(self) -> None:
        await self.call("DELETE", "/faults")

    async def set_limits(self, enabled: bool, reset: bool = False) -> None:
        await self.call("POST", "/limits", {"enabled": enabled, "reset": reset})

    async def stats(self) -> dict[str, Any]:
        return await self.call("GET", "/stats")


class Person:
    """One user, acting through the client: `await alice.says("/start")`."""

    def __init__(self, client: SandboxClient, user_id: int) -> None:
        self.client = client
        self.id = user_id

    async def says(self, text: str, chat_id: int | None = None) -> Sent:
        return await self.client.say(self.id, text, chat_id=chat_id)

    async def replies_to(self, message: Message | Sent, text: str) -> Sent:
        chat_id, message_id = message_ref(message)
        return await self.client.say(self.id, text, chat_id=chat_id, reply_to=message_id)

    async def forwards(self, text: str, original_sender: int, chat_id: int | None = None) -> Sent:
        return await self.client.say(self.id, text, chat_id=chat_id, forward_from=original_sender)

    async def edits(self, sent: Sent, text: str) -> Sent:
        return await self.client.edit(self.id, sent.chat_id, sent.message_id, text)

    async def presses(self, message: Message | Sent, button: str, crafted: bool = False) -> Sent:
        """Press a button by its text or its callback data; crafted=True sends `button` as raw data."""
        chat_id, message_id = message_ref(message)
        if crafted:
            return await self.client.press(self.id, chat_id, message_id, data=button, crafted=True)
        return await self.client.press(self.id, chat_id, message_id, button=button, data=button)

    async def sends_document(self, data: bytes, file_name: str, mime_type: str | None = None,
                             caption: str | None = None, chat_id: int | None = None) -> Sent:
        return await self.client.send_document(self.id, data, file_name, mime_type, caption, chat_id)

    async def blocks_bot(self) -> None:
        await self.client.block_bot(self.id)

    async def unblocks_bot(self) -> None:
        await self.client.unblock_bot(self.id)

    async def next_message(self, after: Sent | int = 0, timeout: float = 5) -> Message:
        """The bot's next message in this person's private chat."""
        seq = after.seq if isinstance(after, Sent) else after
        return await self.client.next_bot_message(self.id, after=seq, timeout=timeout)

    async def last_message(self, chat_id: int | None = None) -> Message:
        messages = await self.client.bot_messages(chat_id if chat_id is not None else self.id)
        if not messages:
            raise LookupError(f"the bot has not written to {chat_id or self.id}")
        return messages[-1]
