import subprocess
import sys
from datetime import time, timedelta

import pytest

from bot.config import ConfigError, load_settings

TOKEN = "123456789:AAHsecret-token-value-do-not-leak"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in list(__import__("os").environ):
        if name.startswith("DIEUPHOI_"):
            monkeypatch.delenv(name)


def test_defaults() -> None:
    settings = load_settings()
    assert settings.token is None
    assert settings.api_url == "https://api.telegram.org"
    assert settings.database_url == "sqlite+aiosqlite:///./dieuphoi.db"
    assert settings.timezone == "Asia/Ho_Chi_Minh"
    assert settings.default_locale == "vi"
    assert settings.reminder_offsets == (timedelta(hours=24), timedelta(hours=2))
    assert settings.quiet_hours == (time(22, 0), time(6, 30))


def test_values_from_environment_and_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    (tmp_path / ".env").write_text("DIEUPHOI_DEFAULT_LOCALE=en\nDIEUPHOI_REMINDER_OFFSETS=2m, 1h\n")
    monkeypatch.setenv("DIEUPHOI_QUIET_HOURS", "")
    monkeypatch.setenv("DIEUPHOI_API_URL", "http://127.0.0.1:8081/")
    settings = load_settings()
    assert settings.default_locale == "en"
    assert settings.reminder_offsets == (timedelta(hours=1), timedelta(minutes=2))
    assert settings.quiet_hours is None
    assert settings.api_url == "http://127.0.0.1:8081"


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("DIEUPHOI_TIMEZONE", "Mars/Olympus", "DIEUPHOI_TIMEZONE: unknown time zone"),
        ("DIEUPHOI_DEFAULT_LOCALE", "fr", "DIEUPHOI_DEFAULT_LOCALE:"),
        ("DIEUPHOI_DATABASE_URL", "mysql://x", "DIEUPHOI_DATABASE_URL: must start with"),
        ("DIEUPHOI_API_URL", "ftp://x", "DIEUPHOI_API_URL: must start with"),
        ("DIEUPHOI_REMINDER_OFFSETS", "soon", "DIEUPHOI_REMINDER_OFFSETS: not a duration"),
        ("DIEUPHOI_QUIET_HOURS", "22h", "DIEUPHOI_QUIET_HOURS: write it as HH:MM-HH:MM"),
        ("DIEUPHOI_SWEEP_SECONDS", "-1", "DIEUPHOI_SWEEP_SECONDS:"),
        ("DIEUPHOI_BOT_TOKEN", "not-a-token", "DIEUPHOI_BOT_TOKEN: does not look like a bot token"),
    ],
)
def test_wrong_value_names_the_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value).startswith(expected)
    assert "\n" not in str(caught.value)


def test_cli_exits_2_with_one_line_and_never_prints_the_token(tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "DIEUPHOI_BOT_TOKEN": TOKEN, "DIEUPHOI_TIMEZONE": "Nowhere/Land"}
    done = subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "dieuphoi: DIEUPHOI_TIMEZONE: unknown time zone (use an IANA name such as Asia/Ho_Chi_Minh)"
    ]
    assert "secret-token" not in done.stdout + done.stderr


def test_a_malformed_token_is_refused_without_echoing_it(tmp_path) -> None:
    env = {"PATH": "/usr/bin:/bin", "DIEUPHOI_BOT_TOKEN": "leakme-secret"}
    done = subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "leakme" not in done.stdout + done.stderr
    assert "DIEUPHOI_BOT_TOKEN" in done.stderr
