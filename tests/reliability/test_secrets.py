"""The bot token never appears in logs or error output: not when the Bot API refuses it (401)
at start, not in `dieuphoi health`, not when a send is refused mid-run, not in debug logs."""

import asyncio
import logging
import os
import subprocess
import sys
from pathlib import Path

from bot.logs import RedactSecrets, TextFormatter
from bot.sandbox.server import SandboxServer
from tests.e2e.harness import TOKEN as HARNESS_TOKEN
from tests.e2e.harness import Harness

ROOT = Path(__file__).resolve().parents[2]
WRONG_TOKEN = "111222333:this-token-is-wrong-and-must-stay-secret"


async def run_cli(*args: str, env: dict[str, str], timeout: float = 60) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=ROOT, env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout)
    return process.returncode or 0, output.decode("utf-8", "replace")


async def test_a_refused_token_is_reported_without_showing_it(tmp_path: Path) -> None:
    sandbox = SandboxServer(bot_token="999888777:the-sandbox-knows-another-token")
    await sandbox.start()
    try:
        env = {"DIEUPHOI_BOT_TOKEN": WRONG_TOKEN, "DIEUPHOI_API_URL": sandbox.url, "DIEUPHOI_LOG_LEVEL": "DEBUG",
               "DIEUPHOI_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"}
        status, output = await run_cli("run", env=env)
        assert status == 2
        assert "refused DIEUPHOI_BOT_TOKEN (401 Unauthorized)" in output
        status, health = await run_cli("health", env=env)
        assert status == 1 and "FAIL bot api: the Bot API refused the token (401 Unauthorized)" in health
        webhook_env = {**env, "DIEUPHOI_WEBHOOK_URL": "https://bot.example.org/tg",
                       "DIEUPHOI_WEBHOOK_SECRET": "s" * 32}
        status, webhook = await run_cli("run", "--webhook", env=webhook_env)
        assert status == 2 and "401" in webhook
        for text in (output, health, webhook):
            assert WRONG_TOKEN not in text and WRONG_TOKEN.split(":")[1] not in text
        assert "s" * 32 not in webhook
    finally:
        await sandbox.stop()


async def test_webhook_mode_refuses_to_start_without_a_secret() -> None:
    status, output = await run_cli("run", "--webhook", env={"DIEUPHOI_BOT_TOKEN": WRONG_TOKEN,
                                                           "DIEUPHOI_WEBHOOK_URL": "https://bot.example.org/tg"})
    assert status == 2
    assert output.strip().splitlines() == [
        "dieuphoi: webhook mode needs DIEUPHOI_WEBHOOK_SECRET (the secret Telegram sends back with every update); "
        "refusing to start without it"
    ]
    assert WRONG_TOKEN not in output


async def test_a_401_during_delivery_is_logged_without_the_token(harness: Harness, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    redact = RedactSecrets([HARNESS_TOKEN, HARNESS_TOKEN.split(":")[1]])
    harness.app.delivery.backoff_base = 0.05
    await harness.client.set_faults(next=[{"code": 401, "description": "Unauthorized", "method": "sendMessage"}])
    sent = await harness.person(1004).says("/trogiup")
    await harness.handled(sent)
    reply = await harness.client.next_bot_message(1004, after=sent.seq, timeout=10)
    assert "Bạn có thể dùng" in reply["text"]  # delivered on the retry
    assert "refused the bot token" in caplog.text
    formatter = TextFormatter()
    for record in caplog.records:
        redact.filter(record)
        line = formatter.format(record)
        assert HARNESS_TOKEN.split(":")[1] not in line
    assert HARNESS_TOKEN.split(":")[1] not in caplog.text


def test_the_filter_redacts_messages_fields_and_tracebacks() -> None:
    secret = "123:abcdefghijklmnopq"
    redact = RedactSecrets([secret])
    try:
        raise RuntimeError(f"GET https://api.telegram.org/bot{secret}/getMe failed")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "url %s", (f"/bot{secret}/x",),
                                   sys.exc_info())
    record.fields = {"url": f"/bot{secret}"}
    redact.filter(record)
    line = TextFormatter().format(record)
    assert secret not in line and line.count("<secret>") == 3
