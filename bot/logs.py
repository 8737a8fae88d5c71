"""Logging: one line per event, with its context, and never a secret.

Each line is `time level logger: message key=value ...` (or one JSON object
per line with DIEUPHOI_LOG_FORMAT=json). The fields of the update being
handled (update id, chat, member, action) are collected with `note()` while it
is handled and written once, on the line that closes the event.

The token sits in every Bot API URL; a redacting filter on the root handler
removes it (and the webhook secret) from any line and traceback, whichever
library wrote it.
"""

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

REDACTED = "<secret>"

_event: ContextVar[dict[str, Any] | None] = ContextVar("dieuphoi_log_event", default=None)


@contextmanager
def event(**fields: Any) -> Iterator[dict[str, Any]]:
    """Collect fields about the event handled inside (see `note`)."""
    collected = dict(fields)
    token = _event.set(collected)
    try:
        yield collected
    finally:
        _event.reset(token)


def note(**fields: Any) -> None:
    """Add fields to the event being handled, if any (e.g. the action a handler declared)."""
    collected = _event.get()
    if collected is not None:
        collected.update({key: value for key, value in fields.items() if value is not None})


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [secret for secret in secrets if secret]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        for secret in self.secrets:
            message = message.replace(secret, REDACTED)
            if record.exc_text:
                record.exc_text = record.exc_text.replace(secret, REDACTED)
        record.msg, record.args = message, None
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            record.fields = {key: self._clean(value) for key, value in fields.items()}
        return True

    def _clean(self, value: Any) -> Any:
        if isinstance(value, str):
            for secret in self.secrets:
                value = value.replace(secret, REDACTED)
        return value


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = getattr(record, "fields", None)
        if not fields:
            return line
        head, newline, rest = line.partition("\n")
        pairs = " ".join(f"{key}={_plain(value)}" for key, value in fields.items())
        return f"{head} {pairs}{newline}{rest}"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record), "level": record.levelname, "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", None) or {})
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


def _plain(value: Any) -> str:
    text = str(value)
    return json.dumps(text, ensure_ascii=False) if (not text or any(c in text for c in ' "=\n')) else text


def setup_logging(*, secrets: list[str], level: int = logging.INFO, fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # Its debug lines carry SQL parameters, which may be citizens' messages.
    logging.getLogger("aiosqlite").setLevel(max(level, logging.INFO))
