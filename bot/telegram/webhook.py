"""Webhook mode: Telegram POSTs each update here; several processes can serve behind a proxy.

A request must carry the secret given to setWebhook in X-Telegram-Bot-Api-Secret-Token
(missing: 401, wrong: 403, logged without the value). The update is recorded in the
inbox and handled before the answer (never in the background): a process that dies
mid-update never answered 200, so Telegram delivers the update again, and a retry of an
update already handled is skipped by the inbox. A database outage answers 500 for the
same reason. `/metrics` serves counters in Prometheus' text format; `/healthz` says the
process is up.
"""

import asyncio
import hmac
import logging
from urllib.parse import urlparse

from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from bot.clock import SystemClock
from bot.config import Settings
from bot.telegram.app import App, build_app, start

log = logging.getLogger("dieuphoi.webhook")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_PATH = "/webhook"
MAX_UPDATE_BYTES = 1024 * 1024


def webhook_path(url: str | None) -> str:
    """Where to listen: the path of the public URL (the proxy forwards it unchanged)."""
    path = urlparse(url or "").path.rstrip("/")
    return path or DEFAULT_PATH


class WebhookServer:
    """The aiohttp application serving one App's webhook, metrics and health."""

    def __init__(self, app: App, *, secret: str, path: str = DEFAULT_PATH) -> None:
        if not secret:
            raise ValueError("webhook mode needs a secret")
        self.app, self.secret, self.path = app, secret.encode(), path
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    def make_app(self) -> web.Application:
        web_app = web.Application(client_max_size=MAX_UPDATE_BYTES)
        web_app.add_routes([
            web.post(self.path, self.receive),
            web.get("/metrics", self.metrics),
            web.get("/healthz", self.healthz),
        ])
        return web_app

    async def start(self, host: str, port: int) -> None:
        self._runner = web.AppRunner(self.make_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server  # aiohttp exposes the bound port only here
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER)
        if given is None:
            log.warning("webhook request without the secret token refused", extra={"fields": {"peer": request.remote}})
            return web.Response(status=401, text="missing secret token")
        if not hmac.compare_digest(given.encode(), self.secret):
            log.warning("webhook request with a wrong secret token refused", extra={"fields": {"peer": request.remote}})
            return web.Response(status=403, text="wrong secret token")
        try:
            update = Update.model_validate(await request.json(), context={"bot": self.app.bot})
        except (ValueError, ValidationError):
            log.warning("webhook request that is not an update refused", extra={"fields": {"peer": request.remote}})
            return web.Response(status=400, text="not an update")
        try:
            await self.app.dispatcher.feed_update(self.app.bot, update)
        except Exception as error:  # the inbox could not record it: let Telegram try again
            log.error("update %s not recorded (%s); answering 500 so Telegram retries", update.update_id,
                      type(error).__name__)
            return web.Response(status=500, text="try again")
        return web.json_response({})

    async def metrics(self, request: web.Request) -> web.Response:
        text = await self.app.metrics.exposition(self.app.storage, self.app.clock.now())
        return web.Response(text=text, content_type="text/plain", charset="utf-8",
                            headers={"X-Content-Type-Options": "nosniff"})

    async def healthz(self, request: web.Request) -> web.Response:
        return web.Response(text="ok")


async def serve_webhook(app: App) -> WebhookServer:
    """Start the workers, listen, then point Telegram at us (in that order, so no update waits)."""
    settings = app.settings
    if settings.webhook_secret is None or not settings.webhook_url:
        raise ValueError("webhook mode needs DIEUPHOI_WEBHOOK_URL and DIEUPHOI_WEBHOOK_SECRET")
    secret = settings.webhook_secret.get_secret_value()
    server = WebhookServer(app, secret=secret, path=webhook_path(settings.webhook_url))
    await start(app)
    await server.start(settings.webhook_host, settings.webhook_port)
    await app.bot.set_webhook(
        settings.webhook_url, secret_token=secret, drop_pending_updates=False,
        allowed_updates=app.dispatcher.resolve_used_update_types(),
    )
    log.info("serving the webhook on %s:%s%s", settings.webhook_host, server.port, server.path)
    return server


async def run_webhook(app: App) -> None:
    """Serve until cancelled. Other processes may still serve: the webhook is left set."""
    server: WebhookServer | None = None
    try:
        server = await serve_webhook(app)
        await asyncio.Event().wait()
    finally:
        if server is not None:
            await server.stop()
        await app.stop()


async def run_webhook_mode(settings: Settings) -> int:
    """`dieuphoi run --webhook`: migrate, import the roster, serve until stopped."""
    from bot.telegram.runner import prepare_database

    clock = SystemClock()
    await prepare_database(settings, clock, settings.roster)
    await run_webhook(build_app(settings, clock=clock, webhook=True))
    return 0
