"""Deliver queued updates to the bot's webhook, in order, retrying failures with backoff."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import aiohttp

from bot.sandbox.state import SandboxState, WebhookConfig

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookSender:
    """Runs while the server runs; idle while no webhook is set."""

    def __init__(self, state: SandboxState, retry_delays: Sequence[float] = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0)) -> None:
        self.state = state
        self.retry_delays = retry_delays

    def next_delivery(self) -> tuple[WebhookConfig, dict[str, Any]] | None:
        state = self.state
        if state.webhook is None or not state.updates.pending:
            return None
        return state.webhook, state.updates.pending[0]

    async def run(self) -> None:
        failures = 0
        async with aiohttp.ClientSession() as session:
            while True:
                delivery = await self.state.updates.wait_until(self.next_delivery, 60)
                if not delivery:
                    continue
                webhook, update = delivery
                error = await self.post(session, webhook, update)
                if error is None:
                    self.state.updates.remove(update["update_id"])
                    failures = 0
                    continue
                webhook.last_error_date, webhook.last_error_message = self.state.now(), error
                await asyncio.sleep(self.retry_delays[min(failures, len(self.retry_delays) - 1)])
                failures += 1

    async def post(self, session: aiohttp.ClientSession, webhook: WebhookConfig, update: dict[str, Any]) -> str | None:
        """None when the webhook took the update, else Telegram-style last_error_message."""
        headers = {SECRET_HEADER: webhook.secret_token} if webhook.secret_token else {}
        try:
            async with session.post(webhook.url, json=update, headers=headers,
                                    timeout=aiohttp.ClientTimeout(total=10)) as response:
                if 200 <= response.status < 300:
                    return None
                return f"Wrong response from the webhook: {response.status} {response.reason}"
        except asyncio.TimeoutError:
            return "Timeout expired"
        except aiohttp.ClientError as error:
            return f"Connection failed: {type(error).__name__}"
