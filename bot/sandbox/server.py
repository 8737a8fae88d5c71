"""`SandboxServer`: the local Telegram Bot API (plus control API) on an aiohttp server.

    sandbox = SandboxServer(bot_token="123:abc")
    await sandbox.start()
    bot = Bot("123:abc", session=AiohttpSession(api=TelegramAPIServer.from_base(sandbox.url)))
    ...
    await sandbox.stop()

One server hosts one bot (extra tokens may be given as aliases for it); run one server
per bot if you need several. The access log is off so tokens in paths are never logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from aiohttp import web

from bot.sandbox.bot_api import BotAPI
from bot.sandbox.control import ControlAPI
from bot.sandbox.model import BotIdentity
from bot.sandbox.state import SandboxState
from bot.sandbox.webchat import WebChat
from bot.sandbox.webhook import WebhookSender

DEFAULT_TOKEN = "123456789:SANDBOX-token-for-tests-only"


def bot_id_from_token(token: str) -> int:
    """Telegram tokens start with the bot's id: "<id>:<secret>"."""
    head = token.split(":", 1)[0]
    return int(head) if head.isdigit() else 123456789


class SandboxServer:
    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_token: str = DEFAULT_TOKEN,
        bot_username: str = "dieuphoi_bot",
        limits: bool = True,
        tokens: dict[str, BotIdentity] | None = None,
        bot_first_name: str = "Điều phối",
        clock: Callable[[], float] = time.monotonic,
        timeout_fault_seconds: float = 60.0,
    ) -> None:
        if tokens:
            identities = set(tokens.values())
            if len(identities) != 1:
                raise ValueError("one SandboxServer hosts one bot; start one server per bot")
            identity = identities.pop()
        else:
            identity = BotIdentity(bot_id_from_token(bot_token), bot_username, bot_first_name)
            tokens = {bot_token: identity}
        self.host, self.port = host, port
        self.state = SandboxState(identity, limits=limits, clock=clock)
        self.webhook_sender = WebhookSender(self.state)
        self.bot_api = BotAPI(self.state, set(tokens), self.state.updates.wake, timeout_fault_seconds)
        self.control = ControlAPI(self.state)
        self.webchat = WebChat(self.state)
        self._runner: web.AppRunner | None = None
        self._webhook_task: asyncio.Task[None] | None = None

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.add_routes(self.control.routes())
        app.add_routes(self.bot_api.routes())
        self.webchat.install(app)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.make_app(), access_log=None, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server  # aiohttp exposes the bound port only here
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._webhook_task = asyncio.create_task(self.webhook_sender.run())

    async def stop(self) -> None:
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SandboxServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """Base URL for DIEUPHOI_API_URL / TelegramAPIServer.from_base."""
        return f"http://{self.host}:{self.port}"

    @property
    def control_url(self) -> str:
        return f"{self.url}/sandbox"

    @property
    def webchat_url(self) -> str:
        """The web chat page: every person of the roster, played in a browser."""
        return f"{self.url}/"
