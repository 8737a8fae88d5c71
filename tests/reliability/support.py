"""What the reliability tests share: a test reminder kind, settling, transcripts and state snapshots."""

import asyncio
import io
import re
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import docx
from sqlalchemy import DateTime, func, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import Base, UTCDateTime
from bot.models import OutboxMessage, Team  # noqa: F401  (every table registered)
from bot.outbox.models import Status
from bot.outbox.service import enqueue
from bot.reminders.models import Reminder, ReminderStatus
from bot.reminders.service import schedule
from bot.roster.file import parse_roster
from bot.roster.service import import_roster
from bot.sandbox.client import SandboxClient
from bot.sandbox.demo import populate
from bot.sandbox.state import SandboxState
from bot.storage import Storage
from bot.ui import Message
from tests.e2e.harness import DEMO_ROSTER, start_of_test_day

PING = "test.ping"  # a reminder kind only the tests register: "Nhắc việc <subject>" to a chat


async def ping(session: AsyncSession, reminder: Reminder, now: datetime) -> None:
    """The test reminder: its step names the chat ("chat:<id>", or "team" for the team's group)."""
    if reminder.step == "team":
        chat_id = await session.scalar(select(Team.group_chat_id).where(Team.id == reminder.team_id))
        assert chat_id is not None
    else:
        chat_id = int(reminder.step.removeprefix("chat:"))
    await enqueue(session, chat_id, Message(f"Nhắc việc số {reminder.subject_id}"), now=now,
                  team_id=reminder.team_id, ref=f"{PING}:{reminder.subject_id}")


def register_ping(handlers: Any) -> None:
    handlers[PING] = ping


async def schedule_pings(storage: Storage, *, team_id: int, due_at: datetime, chats: dict[int, str]) -> None:
    """One test reminder per subject: {subject_id: step}."""
    async with storage.transaction() as session:
        for subject_id, step in chats.items():
            await schedule(session, team_id=team_id, kind=PING, subject_id=subject_id, step=step, due_at=due_at,
                           respects_quiet_hours=False)


async def team_id(storage: Storage, code: str = "hoabinh") -> int:
    async with storage.read() as session:
        found = await session.scalar(select(Team.id).where(Team.code == code))
    assert found is not None
    return found


async def demo_team_since_yesterday(storage: Storage, sandbox: SandboxState) -> None:
    """The demo team in the database and the sandbox; it exists since yesterday, so today's 07:30
    digest is due (and missed) at 09:00."""
    roster = parse_roster(DEMO_ROSTER.read_text(encoding="utf-8"))
    async with storage.transaction() as session:
        await import_roster(session, roster, now=start_of_test_day() - timedelta(days=1))
    populate(sandbox, roster)


async def settle(storage: Storage, client: SandboxClient, *, timeout: float = 90) -> None:
    """Wait until every update is handled, every test reminder sent and the outbox is empty."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        async with storage.read() as session:
            pending = await session.scalar(select(func.count()).where(OutboxMessage.status == Status.PENDING))
            owed = await session.scalar(
                select(func.count()).where(Reminder.kind == PING, Reminder.status == ReminderStatus.PENDING)
            )
        queued = (await client.stats())["pending_updates"]  # an update being handled is still unconfirmed
        if not pending and not queued and not owed:
            await asyncio.sleep(0.3)  # a last update may be on its way from getUpdates
            if not (await client.stats())["pending_updates"]:
                return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"did not settle: {pending} outbox rows pending, {queued} updates queued or being handled")


async def transcripts(client: SandboxClient) -> dict[int, list[str]]:
    """Every chat's bot messages, in order, as text (with the buttons they carry)."""
    result: dict[int, list[str]] = {}
    for chat in await client.call("GET", "/chats"):
        messages = await client.bot_messages(chat["id"])
        if messages:
            result[chat["id"]] = [_shown(m) for m in messages]
    return result


def _shown(message: dict[str, Any]) -> str:
    buttons = [b.get("text") for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
    text = message.get("text") or message.get("caption") or ""
    if document := message.get("document"):
        text = f"📎 {document.get('file_name')}\n{text}"
    return text + (f" {buttons}" if buttons else "")


async def papers(client: SandboxClient) -> dict[str, str]:
    """The text of every .docx the bot sent, by file name (a copy sent twice reads the same)."""
    result: dict[str, str] = {}
    for chat in await client.call("GET", "/chats"):
        for message in await client.bot_messages(chat["id"]):
            document = message.get("document") or {}
            if str(document.get("file_name", "")).endswith(".docx"):
                paper = docx.Document(io.BytesIO(await client.download(document["file_id"])))
                cells = [cell.text for table in paper.tables for row in table.rows for cell in row.cells]
                result[document["file_name"]] = "\n".join([p.text for p in paper.paragraphs] + cells)
    return result


async def sent_versions(client: SandboxClient) -> dict[int, list[tuple[str, str]]]:
    """Every chat's bot messages in order, each as (text when sent, text now)."""
    events = await client.wait(after=0, kinds=["message"], by_bot=True, timeout=0)
    result: dict[int, list[tuple[str, str]]] = {}
    finals: dict[int, dict[int, str]] = {}
    for event in events:
        chat = event["chat_id"]
        if chat not in finals:
            finals[chat] = {m["message_id"]: _shown(m) for m in await client.bot_messages(chat)}
        if event["message_id"] in finals[chat]:
            result.setdefault(chat, []).append((_shown(event["message"]), finals[chat][event["message_id"]]))
    return result


CLOCK_TIME = re.compile(r"\b\d{1,2}:\d{2}\b")


def without_times(transcript: dict[int, list[str]]) -> dict[int, list[str]]:
    """Transcripts with clock times (09:03) blanked: two runs' clocks never read exactly alike."""
    return {chat: [CLOCK_TIME.sub("HH:MM", text) for text in texts] for chat, texts in transcript.items()}


def without_repeats(versions: list[tuple[str, str]], allowed: int) -> tuple[list[str], int]:
    """The messages as they read now, without a copy sent again right after itself.

    Of two consecutive sends of the same text, the first is the copy: the bot recorded
    the second (and any later edit went to it). Returns the rest and how many were dropped.
    """
    kept: list[str] = []
    dropped = 0
    for index, (sent, now) in enumerate(versions):
        following = versions[index + 1][0] if index + 1 < len(versions) else None
        if following == sent and dropped < allowed:
            dropped += 1
            continue
        kept.append(now)
    return kept, dropped


# Columns that differ between two runs of the same story without meaning anything: row ids,
# delivery bookkeeping, Telegram message ids (a copy sent again after a kill shifts every later
# id in its chat, and so the id an edit or a reply points at). Instants are compared by presence
# only (both runs move their own clocks with real time), so "acknowledged or not" still counts;
# so are clock times written inside text.
VOLATILE = {"id", "attempts", "error", "message_id", "target_id", "target_message_id", "reply_to_message_id",
            "body", "file_data"}  # (generated files carry their creation time inside)
# References to outbox rows: compared by presence only (PostgreSQL sequences skip the ids a killed
# transaction took, so the same card can have another id), so "the task has its card" still counts.
OUTBOX_REFERENCES = {"summary_outbox_id", "card_outbox_id"}


# Tables of counters bucketed by the clock: a run whose clock moved (past a lease, after a
# kill) buckets the same events differently.
CLOCK_BUCKETS = {"helpdesk_rate_windows"}


async def snapshot(storage: Storage) -> dict[str, Counter[str]]:
    """Every table's rows (without volatile columns), as a multiset per table."""
    result: dict[str, Counter[str]] = {}
    async with storage.engine.connect() as connection:
        existing = set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    async with storage.read() as session:
        for table in Base.metadata.sorted_tables:
            if table.name not in existing or table.name in CLOCK_BUCKETS:  # (not migrated yet)
                continue
            columns = [c for c in table.columns if c.name not in VOLATILE]
            by_presence = [isinstance(c.type, (DateTime, UTCDateTime)) or c.name in OUTBOX_REFERENCES for c in columns]
            rows = (await session.execute(select(*columns))).all()
            result[table.name] = Counter(
                repr(tuple(value is not None if present else _timeless(value) for value, present in zip(row, by_presence)))
                for row in rows
            )
    return result


def _timeless(value: object) -> object:
    """Clock times inside stored text (a digest's "Từ 09:36") are instants too."""
    return CLOCK_TIME.sub("HH:MM", value) if isinstance(value, str) else value


def differences(expected: dict[str, Counter[str]], actual: dict[str, Counter[str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for table in expected.keys() | actual.keys():
        missing = expected.get(table, Counter()) - actual.get(table, Counter())
        extra = actual.get(table, Counter()) - expected.get(table, Counter())
        if missing or extra:
            out[table] = {"missing": list(missing.elements())[:5], "extra": list(extra.elements())[:5]}
    return out
