"""Control API under `/sandbox/`: act as people, read what the bot did, steer faults and limits.

JSON in, JSON out. Errors answer `{"ok": false, "error": "..."}` with status 400 or 404.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.sandbox import people
from bot.sandbox.faults import Fault, FaultRate
from bot.sandbox.people import ControlError
from bot.sandbox.state import SandboxState

Handler = Callable[[web.Request], Awaitable[Any]]


def ok(result: Any = None) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def guarded(handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Run a handler returning a result; turn ControlError and bad input into JSON errors."""

    async def run(request: web.Request) -> web.Response:
        try:
            return ok(await handler(request))
        except ControlError as error:
            return web.json_response({"ok": False, "error": error.message}, status=error.status)
        except (KeyError, TypeError, ValueError) as error:
            return web.json_response({"ok": False, "error": f"bad request: {error!r}"}, status=400)

    return run


async def body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    data = await request.json()
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data


def optional_int(value: Any) -> int | None:
    return None if value in (None, "") else int(value)


class ControlAPI:
    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def routes(self) -> list[web.RouteDef]:
        g = guarded
        return [
            web.post("/sandbox/reset", g(self.reset)),
            web.get("/sandbox/bot", g(self.bot_info)),
            web.get("/sandbox/users", g(self.list_users)),
            web.post("/sandbox/users", g(self.register_user)),
            web.post("/sandbox/users/{user_id}/block", g(self.block)),
            web.post("/sandbox/users/{user_id}/unblock", g(self.unblock)),
            web.post("/sandbox/users/{user_id}/deactivate", g(self.deactivate)),
            web.post("/sandbox/groups", g(self.register_group)),
            web.post("/sandbox/groups/{chat_id}/members", g(self.add_member)),
            web.post("/sandbox/groups/{chat_id}/admins", g(self.set_admin)),
            web.post("/sandbox/groups/{chat_id}/bot", g(self.add_bot)),
            web.delete("/sandbox/groups/{chat_id}/bot", g(self.remove_bot)),
            web.post("/sandbox/groups/{chat_id}/upgrade", g(self.upgrade)),
            web.post("/sandbox/messages", g(self.say)),
            web.post("/sandbox/documents", g(self.send_file)),
            web.post("/sandbox/edits", g(self.edit)),
            web.post("/sandbox/presses", g(self.press)),
            web.get("/sandbox/callbacks/{callback_query_id}", g(self.callback)),
            web.get("/sandbox/chats", g(self.list_chats)),
            web.get("/sandbox/chats/{chat_id}", g(self.chat)),
            web.get("/sandbox/chats/{chat_id}/messages/{message_id}", g(self.one_message)),
            web.get("/sandbox/files/{file_id}", self.download),
            web.get("/sandbox/wait", g(self.wait)),
            web.get("/sandbox/events", g(self.events)),
            web.get("/sandbox/commands", g(self.commands)),
            web.get("/sandbox/calls", g(self.calls)),
            web.delete("/sandbox/calls", g(self.clear_calls)),
            web.get("/sandbox/faults", g(self.get_faults)),
            web.post("/sandbox/faults", g(self.set_faults)),
            web.delete("/sandbox/faults", g(self.clear_faults)),
            web.get("/sandbox/limits", g(self.get_limits)),
            web.post("/sandbox/limits", g(self.set_limits)),
            web.get("/sandbox/stats", g(self.stats)),
            web.get("/sandbox/updates", g(self.pending_updates)),
        ]

    # --- world -------------------------------------------------------------------------

    async def reset(self, request: web.Request) -> Any:
        self.state.reset()
        return True

    async def bot_info(self, request: web.Request) -> Any:
        return self.state.bot.as_me()

    async def list_users(self, request: web.Request) -> Any:
        return [vars(u) for u in self.state.users.values()]

    async def register_user(self, request: web.Request) -> Any:
        data = await body(request)
        user = people.register_user(
            self.state, int(data["id"]), data.get("first_name") or f"User {data['id']}", data.get("last_name"),
            data.get("username"), data.get("language_code"),
        )
        return user.as_dict()

    async def block(self, request: web.Request) -> Any:
        return people.block_bot(self.state, int(request.match_info["user_id"]), True)

    async def unblock(self, request: web.Request) -> Any:
        return people.block_bot(self.state, int(request.match_info["user_id"]), False)

    async def deactivate(self, request: web.Request) -> Any:
        people.deactivate(self.state, int(request.match_info["user_id"]))
        return True

    async def register_group(self, request: web.Request) -> Any:
        data = await body(request)
        chat = people.register_group(self.state, int(data["id"]), data.get("title", ""), data.get("type", "group"))
        return chat.as_dict()

    async def add_member(self, request: web.Request) -> Any:
        data = await body(request)
        return people.add_member(
            self.state, int(request.match_info["chat_id"]), int(data["user_id"]), optional_int(data.get("by"))
        )

    async def set_admin(self, request: web.Request) -> Any:
        data = await body(request)
        people.set_admin(self.state, int(request.match_info["chat_id"]), int(data["user_id"]),
                         bool(data.get("admin", True)))
        return True

    async def add_bot(self, request: web.Request) -> Any:
        data = await body(request)
        return people.add_bot(self.state, int(request.match_info["chat_id"]), int(data["by"]),
                              bool(data.get("admin", False)))

    async def remove_bot(self, request: web.Request) -> Any:
        data = await body(request)
        return people.remove_bot(self.state, int(request.match_info["chat_id"]), int(data["by"]))

    async def upgrade(self, request: web.Request) -> Any:
        data = await body(request)
        return people.upgrade_group(self.state, int(request.match_info["chat_id"]),
                                    optional_int(data.get("new_id")), optional_int(data.get("by")))

    # --- people acting -------------------------------------------------------------------

    async def say(self, request: web.Request) -> Any:
        data = await body(request)
        return people.say(
            self.state, int(data["user_id"]), str(data["text"]), optional_int(data.get("chat_id")),
            optional_int(data.get("reply_to")), optional_int(data.get("forward_from")),
        )

    async def send_file(self, request: web.Request) -> Any:
        data = await body(request)
        return people.send_file(
            self.state, int(data["user_id"]), base64.b64decode(data["data_base64"]), data["file_name"],
            data.get("mime_type"), data.get("caption"), optional_int(data.get("chat_id")),
        )

    async def edit(self, request: web.Request) -> Any:
        data = await body(request)
        return people.edit(self.state, int(data["user_id"]), int(data["chat_id"]), int(data["message_id"]),
                           str(data["text"]))

    async def press(self, request: web.Request) -> Any:
        data = await body(request)
        return people.press(
            self.state, int(data["user_id"]), int(data["chat_id"]), int(data["message_id"]),
            data.get("button"), data.get("data"), bool(data.get("crafted", False)),
        )

    async def callback(self, request: web.Request) -> Any:
        query = self.state.callbacks.get(request.match_info["callback_query_id"])
        if query is None:
            raise ControlError("unknown callback query", 404)
        return {"id": query.id, "data": query.data, "answered": query.answer is not None, **(query.answer or {})}

    # --- reading what happened ---------------------------------------------------------

    async def list_chats(self, request: web.Request) -> Any:
        return [self.chat_summary(chat_id) for chat_id in self.state.chats]

    def chat_summary(self, chat_id: int) -> dict[str, Any]:
        chat = self.state.chats[chat_id]
        return {**chat.as_dict(), "bot_status": chat.bot_status, "migrated_to": chat.migrated_to,
                "member_ids": sorted(chat.member_ids), "admin_ids": sorted(chat.admin_ids)}

    async def chat(self, request: web.Request) -> Any:
        chat_id = int(request.match_info["chat_id"])
        if chat_id not in self.state.chats:
            raise ControlError(f"unknown chat {chat_id}", 404)
        messages = [self.state.view(m) for m in self.state.chat_messages(chat_id)]
        return {**self.chat_summary(chat_id), "messages": messages}

    async def one_message(self, request: web.Request) -> Any:
        key = (int(request.match_info["chat_id"]), int(request.match_info["message_id"]))
        if key not in self.state.messages:
            raise ControlError("unknown message", 404)
        return self.state.view(self.state.messages[key])

    async def download(self, request: web.Request) -> web.StreamResponse:
        stored = self.state.files.get(request.match_info["file_id"])
        if stored is None:
            return web.json_response({"ok": False, "error": "unknown file"}, status=404)
        headers = {"Content-Disposition": f'attachment; filename="{stored.file_name or "file"}"'}
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream",
                            headers=headers)

    async def wait(self, request: web.Request) -> Any:
        """Long-poll: events after `after` (filters: chat_id, kinds=a,b, by_bot), up to `timeout` s."""
        q = request.query
        kinds = set(q["kinds"].split(",")) if q.get("kinds") else None
        by_bot = None if "by_bot" not in q else q["by_bot"].lower() in ("1", "true")
        events = await self.state.events.wait(
            after=int(q.get("after", 0)), chat_id=optional_int(q.get("chat_id")), kinds=kinds, by_bot=by_bot,
            timeout=float(q.get("timeout", 10)),
        )
        return {"last_seq": self.state.events.last_seq, "events": [e.as_dict() for e in events]}

    async def events(self, request: web.Request) -> Any:
        return await self.wait(request)

    async def commands(self, request: web.Request) -> Any:
        q = request.query
        if "scope" in q:
            return self.state.commands.get(q["scope"], q.get("language_code", ""))
        return self.state.commands.as_list()

    async def calls(self, request: web.Request) -> Any:
        since = int(request.query.get("since", 0))
        records = [r for r in self.state.calls.records if r.seq > since]
        if request.query.get("errors") in ("1", "true"):
            records = [r for r in records if r.ok is False and r.fault is None]
        return [r.as_dict() for r in records]

    async def clear_calls(self, request: web.Request) -> Any:
        self.state.calls.clear()
        return True

    # --- steering ----------------------------------------------------------------------

    async def get_faults(self, request: web.Request) -> Any:
        return self.state.faults.describe()

    async def set_faults(self, request: web.Request) -> Any:
        """`{"fail_rate", "kinds", "seed", "methods"}` and/or `{"next": [fault, ...]}`."""
        data = await body(request)
        faults = self.state.faults
        if "fail_rate" in data:
            faults.set_rate(FaultRate(float(data["fail_rate"]), [str(k) for k in data.get("kinds", ["502"])],
                                      data.get("methods"), data.get("seed")))
        faults.push([Fault.from_dict(spec) for spec in data.get("next", [])])
        return faults.describe()

    async def clear_faults(self, request: web.Request) -> Any:
        self.state.faults.clear()
        return True

    async def get_limits(self, request: web.Request) -> Any:
        return {"enabled": self.state.flood.enabled}

    async def set_limits(self, request: web.Request) -> Any:
        data = await body(request)
        self.state.flood.enabled = bool(data.get("enabled", True))
        if data.get("reset"):
            self.state.flood.reset()
        return {"enabled": self.state.flood.enabled}

    async def stats(self, request: web.Request) -> Any:
        state = self.state
        now = state.clock()
        return {
            "calls": len(state.calls.records),
            "errors": len(state.calls.errors()),
            "violations": [r.as_dict() for r in state.calls.violations()],
            "violation_count": state.flood.violations,
            "retry_after_remaining": {
                str(chat_id): round(until - now, 3) for chat_id, until in state.flood.quiet_until.items() if until > now
            },
            "pending_updates": len(state.updates.pending),
            "webhook": state.webhook.url if state.webhook else None,
            "last_seq": state.events.last_seq,
        }

    async def pending_updates(self, request: web.Request) -> Any:
        return self.state.updates.pending
