"""Read Bot API parameters the way Telegram does: query string, form, multipart or JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.sandbox.errors import bad_request


@dataclass
class Upload:
    """A file sent in a multipart part."""

    filename: str
    content_type: str | None
    data: bytes


class Params:
    """Named parameters of one call; complex values may arrive as JSON strings."""

    def __init__(self, values: dict[str, Any], uploads: dict[str, Upload] | None = None) -> None:
        self.values = values
        self.uploads = uploads or {}

    @classmethod
    async def read(cls, request: web.Request) -> Params:
        values: dict[str, Any] = dict(request.query)
        uploads: dict[str, Upload] = {}
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError as error:
                    raise bad_request("can't parse JSON object") from error
                if isinstance(body, dict):
                    values.update(body)
            else:
                form = await request.post()
                for name, value in form.items():
                    if isinstance(value, web.FileField):
                        uploads[name] = Upload(value.filename, value.content_type, value.file.read())
                    else:
                        values[name] = value
        return cls(values, uploads)

    def names(self) -> set[str]:
        return set(self.values) | set(self.uploads)

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "") or name in self.uploads

    def str(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def int(self, name: str) -> int | None:
        value = self.values.get(name)
        if value in (None, ""):
            return None
        try:
            return int(value)
        except (TypeError, ValueError) as error:
            raise bad_request(f"invalid {name} specified") from error

    def int_or_none(self, name: str) -> int | None:
        """An integer value, or None when absent or not a number (e.g. "@channel")."""
        try:
            return self.int(name)
        except Exception:  # noqa: BLE001 - any unreadable value simply has no number
            return None

    def bool(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1")
        return bool(value)

    def json(self, name: str, what: str) -> Any:
        """A JSON value; a string that does not parse answers "can't parse <what> JSON object"."""
        value = self.values.get(name)
        if value in (None, ""):
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError as error:
                raise bad_request(f"can't parse {what} JSON object") from error
        return value

    def file(self, name: str) -> Upload | str | None:
        """An upload (by field name or attach://name), or a file_id / URL string."""
        if name in self.uploads:
            return self.uploads[name]
        value = self.str(name)
        if value and value.startswith("attach://"):
            return self.uploads.get(value[len("attach://") :])
        return value or None

    def loggable(self) -> dict[str, Any]:
        """Values for the call log: uploads shown by name and size, never their bytes."""
        shown: dict[str, Any] = {}
        for name, value in self.values.items():
            if isinstance(value, str) and value.startswith("attach://") and value[9:] in self.uploads:
                upload = self.uploads[value[9:]]
                shown[name] = {"upload": upload.filename, "size": len(upload.data)}
            else:
                shown[name] = value
        for name, upload in self.uploads.items():
            if not any(isinstance(v, str) and v == f"attach://{name}" for v in self.values.values()):
                shown[name] = {"upload": upload.filename, "size": len(upload.data)}
        return shown
