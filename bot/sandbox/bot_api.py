"""HTTP side of the Bot API: `/bot<token>/<method>` and `/file/bot<token>/<file_path>`.

Checks the token, applies injected faults, runs the method, logs the call (never the token)
and answers exactly as Telegram: `{"ok": true, "result": ...}` or an error with its status.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiohttp import web

from bot.sandbox.bot_methods import METHODS, Call, unknown_params
from bot.sandbox.errors import NOT_FOUND, UNAUTHORIZED, BotAPIError
from bot.sandbox.faults import Fault
from bot.sandbox.params import Params
from bot.sandbox.state import SandboxState


class BotAPI:
    def __init__(
        self,
        state: SandboxState,
        tokens: set[str],
        on_webhook_change: Callable[[], None],
        timeout_fault_seconds: float = 60.0,
    ) -> None:
        self.state = state
        self.tokens = tokens
        self.on_webhook_change = on_webhook_change
        self.timeout_fault_seconds = timeout_fault_seconds

    def routes(self) -> list[web.RouteDef]:
        return [
            web.route("*", "/bot{token}/{method}", self.handle_method),
            web.get("/file/bot{token}/{file_path:.+}", self.handle_file),
        ]

    async def handle_method(self, request: web.Request) -> web.StreamResponse:
        state = self.state
        method = request.match_info["method"]
        spec = METHODS.get(method.lower())
        name = spec.name if spec else method
        try:
            params = await Params.read(request)
        except BotAPIError as error:
            return self.logged_error(state.calls.start(state.wall_clock(), name, {}), error)
        record = state.calls.start(state.wall_clock(), name, params.loggable())
        if request.match_info["token"] not in self.tokens:
            return self.logged_error(record, UNAUTHORIZED)
        if spec is None:
            return self.logged_error(record, NOT_FOUND)
        record.unknown_params = unknown_params(spec, params)
        fault = state.faults.next_fault(spec.name, params.int_or_none("chat_id"))
        if fault is not None:
            record.fault, record.ok = fault.name, False
            return await self.answer_fault(request, fault, record)
        call = Call(state, params, record, self.on_webhook_change)
        try:
            result = await spec.handler(call)
        except BotAPIError as error:
            return self.logged_error(record, error)
        except asyncio.CancelledError:
            record.description = "cancelled: the client went away"
            raise
        record.ok = True
        return web.json_response({"ok": True, "result": result})

    def logged_error(self, record: Any, error: BotAPIError) -> web.Response:
        record.ok, record.error_code, record.description = False, error.error_code, error.description
        return answer_error(error)

    async def answer_fault(self, request: web.Request, fault: Fault, record: Any) -> web.StreamResponse:
        if fault.timeout:
            await asyncio.sleep(fault.hold_seconds or self.timeout_fault_seconds)
        if fault.drop or fault.timeout:
            record.description = f"injected fault: {fault.name}"
            return drop_connection(request)
        status, body = fault.answer()
        record.error_code, record.description = status, body["description"]
        return web.json_response(body, status=status)

    async def handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] not in self.tokens:
            return answer_error(UNAUTHORIZED)
        stored = self.state.file_by_path(request.match_info["file_path"])
        if stored is None:
            return answer_error(NOT_FOUND)
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")


def answer_error(error: BotAPIError) -> web.Response:
    return web.json_response(error.as_body(), status=error.error_code)


def drop_connection(request: web.Request) -> web.StreamResponse:
    """Close the socket without an answer; the client sees a disconnect."""
    transport = request.transport
    if transport is not None:
        transport.abort()
    raise asyncio.CancelledError
