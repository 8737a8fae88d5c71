"""Bot API errors, worded exactly as Telegram words them."""

from __future__ import annotations

from typing import Any


class BotAPIError(Exception):
    """An answer `{"ok": false, ...}` with the HTTP status equal to `error_code`."""

    def __init__(self, error_code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters or {}

    def as_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(reason: str, parameters: dict[str, Any] | None = None) -> BotAPIError:
    return BotAPIError(400, f"Bad Request: {reason}", parameters)


def forbidden(reason: str) -> BotAPIError:
    return BotAPIError(403, f"Forbidden: {reason}")


def too_many_requests(retry_after: int) -> BotAPIError:
    return BotAPIError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})


def conflict(reason: str) -> BotAPIError:
    return BotAPIError(409, f"Conflict: {reason}")


UNAUTHORIZED = BotAPIError(401, "Unauthorized")
NOT_FOUND = BotAPIError(404, "Not Found")
CHAT_NOT_FOUND = "chat not found"
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the same "
    "as a current content and reply markup of the message"
)
