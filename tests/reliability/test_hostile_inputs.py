"""Hostile input, table-driven over every command in bot/commands.py (a new command is covered
without touching this file), crafted button data for every CallbackData prefix, messages in
groups the bot does not know, edited and forwarded messages.

For each case: the bot answers in a private chat (documented: a clear answer) or stays silent
where documented (edited messages, unknown groups may get an answer or nothing), the update is
handled without a handler error (never parked), no table changes except the inbox, the outbox,
the audit log and the ones a command documents below, and the sandbox records no Bot API error.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from aiogram.filters.callback_data import CallbackData
from sqlalchemy import select

import handlers  # noqa: F401  (imports every CallbackData factory)
from bot.commands import COMMANDS, CommandSpec
from bot.inbox import InboxStatus, InboxUpdate
from bot.sandbox.client import Sent
from tests.e2e.harness import Harness
from tests.reliability.support import differences, snapshot

INPUTS: dict[str, str] = {
    "empty": "",
    "html": "<b>đậm</b> <script>alert(1)</script> & &amp; < > \"'",
    "broken html": "<i>chưa đóng <a href='javascript:x'>link",
    "markdown": "*đậm* _nghiêng_ `mã` [link](http://x.y) ~~gạch~~ ||ẩn|| \\*",
    "long": "Dài quá " * 625,  # 5,000 characters
    "emoji and marks": "👨‍👩‍👧‍👦🇻🇳 e\u0301\u0302\u0323 Z̷̢͎a̴l̸g̷o hạn 17h thứ 6",
    "invisible and rtl": "\u200b\u200c\u200d\ufeff\u202e\u202d gnp.exe \u2066xong\u2069",
    "sql": "'; DROP TABLE members; -- \" OR 1=1; SELECT * FROM teams",
    "numbers": "-1 0 9223372036854775808 1e309 NaN #999999999999 @khongcoai",
    "format strings": "%s %d {0} {name} {{}} ${HOME} \\x00 \\n",
    "newlines": "dòng một\n\n\n   \n\tdòng hai",
}
MEMBER, LEADER, DIRECTOR, CITIZEN = 1004, 1001, 1000, 555009
UNKNOWN_GROUP = -7001
UNKNOWN_COMMAND = CommandSpec("khongcolenhnay", "nosuchcommand", COMMANDS[0].action, "")
QUIET_TABLES = {"inbox", "outbox", "audit_log"}
# Tables a command may write while answering hostile input (documented, not a leak).
MAY_WRITE: dict[str, set[str]] = {
    "trungdung": {"secondment_requests"},  # /trungdung starts a request as a draft the proposer completes
    "trieutap": {"convocation_drafts"},  # /trieutap starts a convocation draft, step by step
}


@dataclass(frozen=True)
class Case:
    actor: int
    text: str
    how: str = "says"  # says | edits | forwards
    where: str = "private"  # private | group

    @property
    def expects_answer(self) -> bool:
        return self.where == "private" and self.how != "edits"


def cases_for(spec: CommandSpec) -> Iterator[tuple[str, Case]]:
    for name, argument in INPUTS.items():
        for command in spec.names[:1] if name != "empty" else spec.names:
            text = f"/{command} {argument}".rstrip()
            yield f"{name}/{command}/member", Case(MEMBER, text)
            yield f"{name}/{command}/leader", Case(LEADER, text)
    for name in ("html", "sql", "empty"):
        text = f"/{spec.name} {INPUTS[name]}".rstrip()
        yield f"{name}/citizen", Case(CITIZEN, text)
        yield f"{name}/director", Case(DIRECTOR, text)
        yield f"{name}/unknown group", Case(LEADER, text, where="group")
    yield "edited", Case(LEADER, f"/{spec.name} {INPUTS['html']}", how="edits")
    yield "forwarded", Case(MEMBER, f"/{spec.name} {INPUTS['markdown']}", how="forwards")


def callback_prefixes() -> list[str]:
    def walk(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)

    return sorted({sub.__prefix__ for sub in walk(CallbackData) if getattr(sub, "__prefix__", None)})


async def prepare(harness: Harness) -> None:
    await harness.client.register_user(CITIZEN, "Kẻ Lạ")
    for person in (MEMBER, LEADER, DIRECTOR, CITIZEN):
        await harness.started(person)
    await harness.client.register_group(UNKNOWN_GROUP, "Nhóm lạ <b>")
    for person in (MEMBER, LEADER):
        await harness.client.add_member(UNKNOWN_GROUP, person)
    await harness.client.add_bot_to_group(UNKNOWN_GROUP, by=LEADER)
    await harness.sweep()


async def act(harness: Harness, case: Case) -> Sent:
    person = harness.person(case.actor)
    chat = UNKNOWN_GROUP if case.where == "group" else None
    if case.how == "edits":
        original = await person.says("/trogiup", chat_id=chat)
        await harness.handled(original)
        return await person.edits(original, case.text)
    if case.how == "forwards":
        return await person.forwards(case.text, original_sender=CITIZEN, chat_id=chat)
    return await person.says(case.text, chat_id=chat)


async def forget_forms(harness: Harness) -> None:
    """Each case starts outside any form, as its own person would."""
    storage = harness.app.dispatcher.fsm.storage
    if hasattr(storage, "storage"):
        storage.storage.clear()  # MemoryStorage


async def check(harness: Harness, label: str, case: Case, problems: list[str], allowed: set[str]) -> None:
    before = await snapshot(harness.app.storage)
    seq = await harness.last_seq()
    sent = await act(harness, case)
    if sent.update_id is not None:
        await harness.handled(sent, timeout=20)
        async with harness.app.storage.read() as session:
            status = await session.scalar(select(InboxUpdate.status).where(InboxUpdate.update_id == sent.update_id))
        if status != InboxStatus.DONE:
            problems.append(f"{label}: update {status} (a handler failed)")
    elif case.how != "edits":  # the bot does not subscribe to edits: Telegram does not even send them
        problems.append(f"{label}: the bot was not given the update")
    chat = UNKNOWN_GROUP if case.where == "group" else case.actor
    answers = await harness.messages_after(seq, chat)
    if case.expects_answer and not answers:
        problems.append(f"{label}: no answer")
    if case.how == "edits" and [m for m in answers if m["seq"] > sent.seq]:
        problems.append(f"{label}: an edited message was answered")
    after = await snapshot(harness.app.storage)
    changed = {t: d for t, d in differences(before, after).items() if t not in QUIET_TABLES | allowed}
    if changed:
        problems.append(f"{label}: changed {changed}")
    await forget_forms(harness)


COMMAND_TABLE = [*COMMANDS, UNKNOWN_COMMAND]


def test_the_table_has_at_least_150_cases() -> None:
    total = sum(len(list(cases_for(spec))) for spec in COMMAND_TABLE) + 6 * len(callback_prefixes())
    assert total >= 150, total


@pytest.mark.parametrize("spec", COMMAND_TABLE, ids=lambda spec: spec.name)
async def test_hostile_input_to_a_command(harness: Harness, spec: CommandSpec) -> None:
    await prepare(harness)
    problems: list[str] = []
    for label, case in cases_for(spec):
        await check(harness, label, case, problems, MAY_WRITE.get(spec.name, set()))
    assert problems == []
    assert await harness.api_errors() == []


# Found by this harness in other features, reported to their owners; listed so they stay visible.
KNOWN_BUGS: dict[str, str] = {}
CRAFTED = ["{prefix}:999999", "{prefix}:", "{prefix}:-1:x:y:z", "{prefix}:' OR 1=1 --", "{prefix}:1e309",
           "{prefix}:" + "9" * 40]


async def test_crafted_and_stale_button_data(harness: Harness) -> None:
    await prepare(harness)
    prefixes = callback_prefixes()
    assert {"lg1", "tm1"} <= set(prefixes)
    problems: list[str] = []
    for person in (MEMBER, CITIZEN):
        home = await harness.person(person).last_message()
        for prefix in [*prefixes, "zz9", "x" * 40]:
            for pattern in CRAFTED:
                data = pattern.format(prefix=prefix)[:64]
                before = await snapshot(harness.app.storage)
                pressed = await harness.person(person).presses(home, data, crafted=True)
                await harness.handled(pressed, timeout=20)
                async with harness.app.storage.read() as session:
                    status = await session.scalar(
                        select(InboxUpdate.status).where(InboxUpdate.update_id == pressed.update_id))
                if status != InboxStatus.DONE:
                    problems.append(f"{data!r} by {person}: update {status} (a handler failed)")
                try:  # the toast goes out once the update's transaction has committed
                    await harness.client.wait_callback_answer(pressed.callback_query_id or "", timeout=5)
                except TimeoutError:
                    problems.append(f"{data!r} by {person}: the button press was not answered")
                changed = {t: d for t, d in differences(before, await snapshot(harness.app.storage)).items()
                           if t not in QUIET_TABLES}
                if changed:
                    problems.append(f"{data!r} by {person}: changed {changed}")
                await forget_forms(harness)
    assert await harness.api_errors() == []
    known = [p for p in problems if p.strip("'").split(":")[0] in KNOWN_BUGS]
    assert [p for p in problems if p not in known] == []
    if known:  # visible as xfail until the feature refuses the input; then this test passes
        pytest.xfail("known: " + "; ".join(f"{k}: {v}" for k, v in KNOWN_BUGS.items()) + f" ({len(known)} cases)")
