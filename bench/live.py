"""A live run: the sandbox in this process, a bot in a process of its own polling it over HTTP.

People act by calling the sandbox's functions directly (as its control API
does, without the HTTP round trip), so the load generator costs little; the
instant the bot's answer lands in a chat is taken from the sandbox's event
stream (`StampedEvents`), in this process, on the same clock as the
person's message.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import ROOT, cpu_seconds, memory_mb
from bot.roster.file import load_roster
from bot.sandbox import people
from bot.sandbox.demo import populate
from bot.sandbox.events import Event, EventLog
from bot.sandbox.server import SandboxServer

TOKEN = "555000111:bench-sandbox-token-never-logged"
DEMO_ROSTER = ROOT / "bot" / "roster" / "demo.yaml"


@dataclass
class Expectation:
    """The bot's next `count` messages in one chat: when the first and the last arrived."""

    count: int
    future: asyncio.Future[tuple[float, float]]
    first: float | None = None
    seen: int = 0

    def arrived(self, at: float) -> None:
        self.first = self.first if self.first is not None else at
        self.seen += 1
        if self.seen >= self.count and not self.future.done():
            self.future.set_result((self.first, at))


class StampedEvents(EventLog):
    """The sandbox's event stream, also telling whoever waits on a chat when the bot posts there."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting: dict[int, Expectation] = {}
        self.bot_messages = 0

    def add(self, kind: str, chat_id: int | None, by_bot: bool, **data: Any) -> Event:
        event = super().add(kind, chat_id, by_bot, **data)
        if by_bot and kind == "message":
            self.bot_messages += 1
            expectation = self.waiting.get(chat_id) if chat_id is not None else None
            if expectation is not None:
                expectation.arrived(time.perf_counter())
        return event

    def expect(self, chat_id: int, count: int = 1) -> Expectation:
        expectation = Expectation(count, asyncio.get_running_loop().create_future())
        self.waiting[chat_id] = expectation
        return expectation


class Sandbox:
    """The sandbox server with the demo roster's people and stamped events."""

    def __init__(self, roster: Path = DEMO_ROSTER, *, limits: bool = False) -> None:
        self.server = SandboxServer(bot_token=TOKEN, limits=limits)
        self.events = StampedEvents()
        self.server.state.events = self.events
        self.roster = roster
        populate(self.server.state, load_roster(roster))

    @property
    def state(self) -> Any:
        return self.server.state

    async def __aenter__(self) -> Sandbox:
        await self.server.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.server.stop()

    def citizen(self, user_id: int) -> int:
        people.register_user(self.state, user_id, f"Dân {user_id}", language_code="vi")
        return user_id

    async def converse(self, user_id: int, text: str, *, replies: int = 1, timeout: float = 30,
                       reply_to: int | None = None) -> tuple[float, float]:
        """A person writes; seconds until the bot's first answer in their chat, and until its `replies`-th."""
        expectation = self.events.expect(user_id, replies)
        started = time.perf_counter()
        people.say(self.state, user_id, text, reply_to=reply_to)
        try:
            first, last = await asyncio.wait_for(expectation.future, timeout)
        finally:
            self.events.waiting.pop(user_id, None)
        return first - started, last - started

    async def answers_to(self, user_id: int, text: str, *, settle: float = 1.0, timeout: float = 30) -> int:
        """How many messages the bot posts in the person's chat for this text (waits `settle` s after the first)."""
        before = self.bot_count(user_id)
        await self.converse(user_id, text, timeout=timeout)
        await asyncio.sleep(settle)
        return self.bot_count(user_id) - before

    def bot_count(self, chat_id: int) -> int:
        return sum(1 for m in self.state.chat_messages(chat_id) if m.by_bot)

    def forget_updates(self) -> None:
        """Updates a stopped bot fetched but did not confirm must not reach the next bot."""
        self.state.updates.drop_all()


@dataclass
class BotProcess:
    """`python -m bench.bots <kind>` against the sandbox; its CPU time and memory read from /proc."""

    kind: str
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    log_path: Path = field(default_factory=lambda: Path(tempfile.mkstemp(prefix="dieuphoi-bench-bot-", suffix=".log")[1]))
    started_at: float = 0.0

    def start(self, command: list[str] | None = None) -> None:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("DIEUPHOI_")}
        environment.update(self.env)
        self.started_at = time.perf_counter()
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command or [sys.executable, "-m", "bench.bots", self.kind], cwd=ROOT, env=environment,
                stdout=log, stderr=subprocess.STDOUT,
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def memory(self) -> dict[str, float]:
        return memory_mb(self.pid)

    def sql_counts(self) -> dict[str, int]:
        """SQL statements and commits so far, when the bot reports them (DIEUPHOI_BENCH_COUNTS)."""
        path = self.env.get("DIEUPHOI_BENCH_COUNTS")
        try:
            return json.loads(Path(path).read_text()) if path else {}
        except (OSError, ValueError):
            return {}

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    async def stop(self, timeout: float = 15) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            while self.process.poll() is None and loop.time() < deadline:
                await asyncio.sleep(0.05)
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
        self.process = None
        with contextlib.suppress(OSError):
            self.log_path.unlink()


def bot_env(sandbox: Sandbox, database_url: str | None = None, **extra: str) -> dict[str, str]:
    env = {"DIEUPHOI_BOT_TOKEN": TOKEN, "DIEUPHOI_API_URL": sandbox.server.url,
           "DIEUPHOI_ROSTER": str(sandbox.roster), "PYTHONUNBUFFERED": "1"}
    if database_url is not None:
        env["DIEUPHOI_DATABASE_URL"] = database_url
    return {**env, **extra}


async def wait_until_answering(sandbox: Sandbox, bot: BotProcess, user_id: int, text: str = "/start",
                               timeout: float = 60) -> float:
    """Seconds from the process's start until the bot answered `text`, sent at once so it waits queued."""
    expectation = sandbox.events.expect(user_id)
    people.say(sandbox.state, user_id, text)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    try:
        while not expectation.future.done():
            if not bot.alive():
                raise RuntimeError(f"the {bot.kind} bot exited:\n{bot.log_tail()}")
            if loop.time() > deadline:
                raise TimeoutError(f"the {bot.kind} bot did not answer within {timeout}s:\n{bot.log_tail()}")
            await asyncio.wait({expectation.future}, timeout=0.05)
    finally:
        sandbox.events.waiting.pop(user_id, None)
    first, _ = expectation.future.result()
    return first - bot.started_at
