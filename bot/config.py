"""Settings from DIEUPHOI_* environment variables or a .env file.

A wrong value is reported in one line naming the variable (never its value,
which could be the bot token) and the program exits with status 2.
"""

import re
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.durations import parse_duration
from bot.reports.cron import parse_cron

TELEGRAM_API_URL = "https://api.telegram.org"
ENV_PREFIX = "DIEUPHOI_"
REPORTS_FILE = Path(__file__).resolve().parent / "reports" / "default_reports.yaml"

Locale = Literal["vi", "en"]
Duration = Annotated[timedelta, NoDecode]


class QuietHours(tuple[time, time]):
    """A daily window, possibly over midnight ("22:00-06:30")."""

    def contains(self, moment: time) -> bool:
        start, end = self
        if start <= end:
            return start <= moment < end
        return moment >= start or moment < end


class ConfigError(Exception):
    """One line for the operator: which variable is wrong and why."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    bot_token: SecretStr | None = None
    api_url: str = TELEGRAM_API_URL
    database_url: str = "sqlite+aiosqlite:///./dieuphoi.db"
    redis_url: str | None = None
    # Webhook mode (`dieuphoi run --webhook`): the public URL given to Telegram, the secret
    # Telegram sends back in X-Telegram-Bot-Api-Secret-Token, and where this process listens.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    log_format: Literal["text", "json"] = "text"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    timezone: str = "Asia/Ho_Chi_Minh"
    default_locale: Locale = "vi"
    roster: Path | None = None
    invite_ttl: Duration = timedelta(days=7)

    ack_within: Duration = timedelta(hours=2)
    reminder_offsets: Annotated[tuple[timedelta, ...], NoDecode] = (
        timedelta(hours=24),
        timedelta(hours=2),
    )
    overdue_after: Duration = timedelta(hours=1)
    escalate_after: Duration = timedelta(hours=24)
    decision_remind_after: Duration = timedelta(hours=4)
    convene_remind_before: Duration = timedelta(minutes=30)
    # Letterhead of the secondment paperwork (Tờ trình, Quyết định): the place in the
    # date line and the department the team belongs to.
    document_place: str = "Hòa Bình"
    document_department: str = "Sở Thông tin và Truyền thông"
    quiet_hours: Annotated[QuietHours | None, NoDecode] = QuietHours((time(22, 0), time(6, 30)))
    sweep_seconds: float = Field(default=30, gt=0)
    # Reports and the Director's digest: the report-types file, when the daily and weekly
    # digests go out (standard cron in the team's zone; empty turns one off), and to whom.
    reports: Path = REPORTS_FILE
    digest_cron: str = "30 7 * * *"
    digest_weekly_cron: str = "30 7 * * 1"
    digest_to: Annotated[tuple[Literal["director", "leader", "deputy"], ...], NoDecode] = ("director", "leader")
    # Citizen help desk: the knowledge file replacing the shipped one, the team serving
    # citizens when there are several, how long citizens' messages are kept, flood limits,
    # and when an unanswered ticket is reminded to support and escalated to the leaders.
    faq: Path | None = None
    helpdesk_team: str | None = None
    citizen_retention_days: int = Field(default=30, ge=1)
    citizen_rate_limit: int = Field(default=20, ge=1)  # browsing the menu is a few presses a minute
    citizen_rate_window: Duration = timedelta(minutes=1)
    ticket_remind_after: Duration = timedelta(hours=1)
    ticket_escalate_after: Duration = timedelta(hours=4)

    @field_validator("bot_token", mode="before")
    @classmethod
    def _token_shape(cls, value: object) -> object:
        if value in (None, ""):
            return None
        text = str(value.get_secret_value() if isinstance(value, SecretStr) else value)
        bot_id, _, secret = text.partition(":")
        if not bot_id.isdigit() or len(secret) < 10:
            raise ValueError("does not look like a bot token (expected <digits>:<secret>)")
        return text

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _secret_shape(cls, value: object) -> object:
        if value in (None, ""):
            return None
        text = str(value.get_secret_value() if isinstance(value, SecretStr) else value)
        if not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", text):
            raise ValueError("must be 16 to 256 characters of A-Z, a-z, 0-9, _ and - (the characters Telegram allows; shorter is too easy to guess)")
        return text

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url_shape(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with https:// (Telegram calls it from the internet)")
        return value

    @field_validator("digest_cron", "digest_weekly_cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        if value.strip():
            parse_cron(value, ZoneInfo("UTC"))
        return value.strip()

    @field_validator("digest_to", mode="before")
    @classmethod
    def _roles(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("api_url")
    @classmethod
    def _api_url_shape(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("unknown time zone (use an IANA name such as Asia/Ho_Chi_Minh)") from None
        return value

    @field_validator(
        "invite_ttl", "ack_within", "overdue_after", "escalate_after", "decision_remind_after", "convene_remind_before", mode="before"
    )
    @classmethod
    def _duration(cls, value: object) -> object:
        return parse_duration(value) if isinstance(value, str) else value

    @field_validator("citizen_rate_window", "ticket_remind_after", "ticket_escalate_after", mode="before")
    @classmethod
    def _helpdesk_duration(cls, value: object) -> object:
        return parse_duration(value) if isinstance(value, str) else value

    @field_validator("reminder_offsets", mode="before")
    @classmethod
    def _offsets(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part for part in value.split(",") if part.strip()]
            return tuple(sorted((parse_duration(part) for part in parts), reverse=True))
        return value

    @field_validator("quiet_hours", mode="before")
    @classmethod
    def _quiet_hours(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        if not value.strip():
            return None
        start, sep, end = value.partition("-")
        if not sep:
            raise ValueError("write it as HH:MM-HH:MM, e.g. 22:00-06:30, or leave it empty")
        try:
            return QuietHours((time.fromisoformat(start.strip()), time.fromisoformat(end.strip())))
        except ValueError:
            raise ValueError("write it as HH:MM-HH:MM, e.g. 22:00-06:30, or leave it empty") from None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def token(self) -> str | None:
        return self.bot_token.get_secret_value() if self.bot_token else None

    @property
    def secrets(self) -> list[str]:
        """What logs must never show: the token, its secret half, the webhook secret."""
        values = [self.token or "", (self.token or "").partition(":")[2]]
        values.append(self.webhook_secret.get_secret_value() if self.webhook_secret else "")
        return [value for value in values if value]


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning a validation failure into one ConfigError line."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        reason = first["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{ENV_PREFIX}{field.upper()}: {reason}") from None
