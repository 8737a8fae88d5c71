"""The sandbox's web chat: a page at `/` that plays every person of the demo team against the bot.

The page (`bot/sandbox/web/`) acts through the control API under `/sandbox/` (say, press, reply)
and reads the sandbox's event stream. This module adds what the control API lacks:

    GET  /                        the page; its assets under /web/
    GET  /webchat/people          who can be played: roster people, a citizen, the team group
    POST /webchat/citizens        a new citizen with a fresh id ({"language": "vi"|"en"})
    GET  /webchat/menu            the command menu a person sees in a chat (?user_id=&chat_id=)
    GET  /webchat/events          server-sent events: every sandbox event after ?after= / Last-Event-ID
    GET  /webchat/clock           the bot's time
    POST /webchat/clock           move it: {"hours": 1}, {"days": 1} or {"until": "07:30"}

Moving the clock calls `on_clock_advance(delta)`, a hook the runner sets: it moves the bot's
clock and runs the bot's periodic work at once. The sandbox itself knows nothing of the bot.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.roster.file import RosterFile
from bot.sandbox import people
from bot.sandbox.control import body, guarded
from bot.sandbox.events import Event
from bot.sandbox.people import ControlError
from bot.sandbox.state import SandboxState

WEB_ROOT = Path(__file__).resolve().parent / "web"
ASSETS = {"app.js": "application/javascript", "style.css": "text/css"}
KEEPALIVE_SECONDS = 15.0
MAX_CLOCK_STEP = timedelta(days=31)
FIRST_NEW_CITIZEN_ID = 7_000_001

ClockHook = Callable[[timedelta], Awaitable[None]]


@dataclass(frozen=True)
class Persona:
    """Someone the page can play: a roster person or a citizen."""

    id: int
    name: str
    role: str  # director, leader, deputy, member, unit_manager, citizen
    title: str = ""
    unit: str = ""
    areas: tuple[str, ...] = ()
    language: str = "vi"


DEMO_CITIZEN = Persona(id=5_000_001, name="Nguyễn Thị Hoa", role="citizen",
                       title="Chủ quán cà phê ở phường Phương Lâm")
ROLE_ORDER = ("director", "leader", "deputy", "member", "unit_manager", "citizen")


def personas_from_roster(roster: RosterFile) -> list[Persona]:
    """Roster people who have a Telegram id, in role order, then the demo citizen."""
    units = {unit.code: unit.name for unit in roster.units}
    areas = {area.code: area.name for area in roster.areas}
    cast = [
        Persona(id=m.telegram_id, name=m.full_name, role=str(m.role), title=m.title or "",
                unit=units.get(m.unit or "", ""), areas=tuple(areas.get(code, code) for code in m.areas),
                language=m.language or "vi")
        for m in roster.members
        if m.telegram_id is not None
    ]
    cast.sort(key=lambda p: ROLE_ORDER.index(p.role))
    return [*cast, DEMO_CITIZEN]


def next_local(now: datetime, at: time, zone: ZoneInfo) -> datetime:
    """The first moment after `now` when the team's wall clock reads `at` (UTC)."""
    local = now.astimezone(zone)
    candidate = datetime.combine(local.date(), at, tzinfo=zone)
    if candidate <= local:
        candidate = datetime.combine(local.date() + timedelta(days=1), at, tzinfo=zone)
    return candidate.astimezone(now.tzinfo)


def clock_step(request: dict[str, Any], now: datetime, zone: ZoneInfo) -> timedelta:
    """How far a clock request moves the bot's time: hours/days/minutes, or until a wall time."""
    if "until" in request:
        hour, minute = (int(part) for part in str(request["until"]).split(":"))
        return next_local(now, time(hour, minute), zone) - now
    step = timedelta(days=float(request.get("days", 0)), hours=float(request.get("hours", 0)),
                     minutes=float(request.get("minutes", 0)))
    if step <= timedelta() or step > MAX_CLOCK_STEP:
        raise ValueError("the clock moves forward, by at most 31 days at a time")
    return step


def menu_scopes(chat_id: int, user_id: int, is_private: bool, is_admin: bool) -> list[str]:
    """Scopes Telegram looks at, in order, for the "/" menu a person sees in a chat (Bot API docs)."""
    if is_private:
        return [f"chat:{chat_id}", "all_private_chats", "default"]
    scopes = [f"chat_member:{chat_id}:{user_id}"]
    if is_admin:
        scopes.append(f"chat_administrators:{chat_id}")
    scopes.append(f"chat:{chat_id}")
    if is_admin:
        scopes.append("all_chat_administrators")
    return [*scopes, "all_group_chats", "default"]


@dataclass
class WebChat:
    state: SandboxState
    cast: list[Persona] = field(default_factory=list)
    group_id: int | None = None
    on_clock_advance: ClockHook | None = None
    clock_now: Callable[[], datetime] | None = None
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Ho_Chi_Minh"))
    _closing: asyncio.Event = field(default_factory=asyncio.Event)
    _clock_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def show_roster(self, roster: RosterFile) -> None:
        """Offer the roster's people, the demo citizen and the team group on the page."""
        self.cast = personas_from_roster(roster)
        self.group_id = roster.team.group_chat_id
        people.register_user(self.state, DEMO_CITIZEN.id, "Hoa", "Nguyễn Thị", None, "vi")

    def connect_clock(self, now: Callable[[], datetime], zone: ZoneInfo, on_advance: ClockHook) -> None:
        self.clock_now, self.zone, self.on_clock_advance = now, zone, on_advance

    def install(self, app: web.Application) -> None:
        self._closing.clear()
        g = guarded
        app.add_routes([
            web.get("/", self.page),
            web.get("/web/{name}", self.asset),
            web.get("/webchat/people", g(self.people)),
            web.post("/webchat/citizens", g(self.new_citizen)),
            web.get("/webchat/menu", g(self.menu)),
            web.get("/webchat/events", self.events),
            web.get("/webchat/clock", g(self.clock)),
            web.post("/webchat/clock", g(self.move_clock)),
        ])
        app.on_shutdown.append(self.close_streams)

    # --- the page ----------------------------------------------------------------------

    async def page(self, request: web.Request) -> web.StreamResponse:
        return web.FileResponse(WEB_ROOT / "index.html", headers={"Cache-Control": "no-cache"})

    async def asset(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name not in ASSETS:
            raise web.HTTPNotFound()
        return web.FileResponse(WEB_ROOT / name, headers={"Content-Type": ASSETS[name], "Cache-Control": "no-cache"})

    # --- who can be played -------------------------------------------------------------

    async def people(self, request: web.Request) -> Any:
        group = self.state.chats.get(self.group_id) if self.group_id is not None else None
        return {
            "bot": self.state.bot.as_user(),
            "people": [self.describe(persona) for persona in self.cast],
            "group": None if group is None else {
                "id": group.id, "title": group.title, "member_ids": sorted(group.member_ids),
            },
            "clock": self.clock_view(),
        }

    def describe(self, persona: Persona) -> dict[str, Any]:
        user = self.state.users.get(persona.id)
        started = bool(user and user.has_started)
        return {**asdict(persona), "areas": list(persona.areas), "started": started}

    async def new_citizen(self, request: web.Request) -> Any:
        language = "en" if (await body(request)).get("language") == "en" else "vi"
        number = sum(1 for p in self.cast if p.id >= FIRST_NEW_CITIZEN_ID) + 1
        name = f"New citizen {number}" if language == "en" else f"Người dân mới {number}"
        persona = Persona(id=FIRST_NEW_CITIZEN_ID + number - 1, name=name, role="citizen", language=language)
        people.register_user(self.state, persona.id, name, None, None, language)
        self.cast.append(persona)
        return self.describe(persona)

    async def menu(self, request: web.Request) -> Any:
        user = people.user(self.state, int(request.query["user_id"]))
        chat_id = int(request.query.get("chat_id") or user.id)
        chat = self.state.chats.get(chat_id)
        is_private = chat_id == user.id
        is_admin = chat is not None and user.id in chat.admin_ids
        languages = [user.language_code, ""] if user.language_code else [""]
        for scope in menu_scopes(chat_id, user.id, is_private, is_admin):
            for language in languages:
                commands = self.state.commands.get(scope, language)
                if commands:
                    return {"scope": scope, "language_code": language, "commands": commands}
        return {"scope": None, "language_code": "", "commands": []}

    # --- the event stream --------------------------------------------------------------

    async def events(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events; the browser resumes after the last id it saw when it reconnects."""
        after = int(request.headers.get("Last-Event-ID") or request.query.get("after") or 0)
        response = web.StreamResponse(headers={
            "Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no",
        })
        await response.prepare(request)
        try:
            await response.write(b"retry: 1000\n\n")
            while not self._closing.is_set():
                found = await self.next_events(after)
                if not found:
                    await response.write(b": keep-alive\n\n")
                    continue
                for event in found:
                    payload = json.dumps(event.as_dict(), ensure_ascii=False)
                    await response.write(f"id: {event.seq}\ndata: {payload}\n\n".encode())
                    after = event.seq
        except ConnectionResetError:  # the browser went away
            pass
        return response

    async def next_events(self, after: int) -> list[Event]:
        """Events after `after`, waiting up to the keep-alive interval or until the server closes."""
        waiting = asyncio.ensure_future(self.state.events.wait(after=after, timeout=KEEPALIVE_SECONDS))
        closing = asyncio.ensure_future(self._closing.wait())
        try:
            await asyncio.wait({waiting, closing}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            closing.cancel()
            if not waiting.done():
                waiting.cancel()
        return waiting.result() if waiting.done() and not waiting.cancelled() else []

    async def close_streams(self, app: web.Application) -> None:
        """End every open event stream so the server can stop without waiting for browsers."""
        self._closing.set()

    # --- the clock ---------------------------------------------------------------------

    def clock_view(self) -> dict[str, Any] | None:
        if self.clock_now is None:
            return None
        now = self.clock_now().astimezone(self.zone)
        return {"iso": now.isoformat(timespec="seconds"), "epoch_ms": int(now.timestamp() * 1000),
                "zone": str(self.zone)}

    async def clock(self, request: web.Request) -> Any:
        return self.clock_view()

    async def move_clock(self, request: web.Request) -> Any:
        """Move the bot's time forward and let the bot do what fell due, before answering."""
        if self.on_clock_advance is None or self.clock_now is None:
            raise ControlError("no bot clock is connected to this sandbox", 409)
        data = await body(request)
        async with self._clock_lock:
            step = clock_step(data, self.clock_now(), self.zone)
            await self.on_clock_advance(step)
        return {"moved_seconds": int(step.total_seconds()), "clock": self.clock_view()}
