"""A scripted working day through the real bot, shared by the fault and crash tests.

Each step sends what several people do at once without waiting, so faults and
kills land in the middle of real work. Steps that need the bot's answer (a
button to press) wait for it. Features that land later add their steps here.
"""

import asyncio
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select

from bot.inbox import InboxUpdate
from bot.sandbox.client import Message, SandboxClient, Sent
from bot.storage import Storage
from tests.reliability.support import schedule_pings, settle, team_id

MEMBERS = [1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010, 1011]
CITIZENS = [555001, 555002, 555003]
TEAM_GROUP = -1001234567890


class Stage(Protocol):
    """Where the story is played: an in-process harness or a bot process."""

    client: SandboxClient
    storage: Storage

    def now(self) -> datetime: ...

    async def advance(self, delta: timedelta) -> None: ...


async def handled(storage: Storage, sents: list[Sent], timeout: float = 60) -> None:
    ids = {sent.update_id for sent in sents if sent.update_id is not None}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        async with storage.read() as session:
            done = set(await session.scalars(
                select(InboxUpdate.update_id).where(InboxUpdate.update_id.in_(ids))
            ))
        if done == ids:
            return
        await asyncio.sleep(0.05)
    raise TimeoutError(f"updates {sorted(ids - done)} not handled within {timeout}s")


async def answer_with(client: SandboxClient, sent: Sent, button: str, timeout: float = 60) -> Message:
    """The bot's message in the chat, after `sent`, carrying a button with this text."""
    def has_button(event: dict) -> bool:
        rows = ((event.get("message") or {}).get("reply_markup") or {}).get("inline_keyboard", [])
        return any(b.get("text") == button for row in rows for b in row)

    events = await client.wait(after=sent.seq, chat_id=sent.chat_id, kinds=["message"], by_bot=True,
                               timeout=timeout, match=has_button)
    if not events:
        raise TimeoutError(f"no message with a {button!r} button in chat {sent.chat_id}")
    return events[0]["message"]


async def message_with(client: SandboxClient, chat_id: int, after: int, start: str, timeout: float = 60) -> Message:
    """The bot's first message in a chat after seq `after` whose text starts with `start`."""
    events = await client.wait(after=after, chat_id=chat_id, kinds=["message"], by_bot=True, timeout=timeout,
                               match=lambda e: ((e.get("message") or {}).get("text") or "").startswith(start))
    if not events:
        raise TimeoutError(f"no message starting {start!r} in chat {chat_id}")
    return events[0]["message"]


async def everyone_says(client: SandboxClient, people: list[int], text: str) -> list[Sent]:
    return [await client.person(person).says(text) for person in people]


async def drafts(client: SandboxClient, person: int, answers: list[str]) -> tuple[list[Sent], Message]:
    """Someone answers /trungdung's four questions, each once it has reached them; returns the summary."""
    sents = []
    for number, answer in enumerate(answers, start=2):
        sent = await client.person(person).says(answer)
        sents.append(sent)
        if number <= 4:
            await message_with(client, person, sent.seq, f"Đề nghị trưng dụng · bước {number}/4")
    return sents, await answer_with(client, sents[-1], "📨 Gửi Giám đốc")


async def director_card(client: SandboxClient, number: int) -> Message:
    """The Director's card of secondment request number `number`."""
    head = f"📨 Đề nghị trưng dụng số {number}\n"
    return next(m for m in await client.bot_messages(DIRECTOR) if (m.get("text") or "").startswith(head))


STEPS: list[str] = ["morning", "help", "language", "tasks", "proposals", "citizens", "decisions", "reminders",
                    "afternoon"]
TASK = "Vá lỗ hổng máy chủ PC-Covid"
DIRECTOR = 1000
# Two secondment requests, each proposer's answers to /trungdung's four questions: the leader's
# (number 1: two roster members of ttcntt, one outsider of cdc) is approved; the deputy's
# (number 2) is rejected with a reason.
PROPOSALS: dict[int, list[str]] = {
    1001: ["Bùi Anh Tuấn\n@hung_vm\nTrần Thị Hoa, cdc, Bác sĩ",
           "Số ca F0 tăng nhanh, cần thêm người trực hệ thống truy vết",
           "Trực và hỗ trợ vận hành hệ thống truy vết, khai báo y tế", "từ 1/12 đến 31/12"],
    1002: ["Đặng Hoài Nam", "Cần người giám sát các khu cách ly tập trung",
           "Giám sát cách ly qua camera và ứng dụng", "từ 1/12 đến 15/12"],
}
REJECTION = "CDC tỉnh đang thiếu người, chưa điều động được"


def secondment_told(transcript: dict[int, list[str]], papers: dict[str, str]) -> dict[str, int]:
    """How many of each message about the two requests the chats read.

    SECONDMENT_TOLD says how many they should: one each, none of the "never" ones.
    Independent of a reference run: a notice lost, or sent twice because a decision was
    applied twice, shows here even if both runs shared the fault.
    """
    def count(chat: int, *parts: str) -> int:
        return sum(all(part in text for part in parts) for text in transcript.get(chat, []))

    one, two = "Đề nghị trưng dụng số 1", "Đề nghị trưng dụng số 2"
    proposal = papers.get("To-trinh-trung-dung-so-1.docx", "")
    decision = papers.get("Du-thao-Quyet-dinh-trung-dung-so-1.docx", "")
    return {
        "Director: card 1, approved": count(DIRECTOR, f"📨 {one}\n", "Đã duyệt bởi Trần Văn An"),
        "Director: card 2, rejected with the reason": count(DIRECTOR, f"📨 {two}\n", "Từ chối bởi Trần Văn An",
                                                             REJECTION),
        "never: a Director's card still offering its buttons": count(DIRECTOR, "📨 Đề nghị trưng dụng", "✅ Duyệt"),
        "Director: Tờ trình 1": count(DIRECTOR, "📎 To-trinh-trung-dung-so-1.docx\n", f"Tờ trình kèm {one}"),
        "Director: Tờ trình 2": count(DIRECTOR, "📎 To-trinh-trung-dung-so-2.docx\n", f"Tờ trình kèm {two}"),
        "Director: asked why": count(DIRECTOR, f"Vui lòng nhập lý do từ chối {two}"),
        "Director: rejection recorded": count(DIRECTOR, f"Đã ghi nhận: Từ chối — {two}."),
        "leader: sent": count(1001, f"Đã gửi {one} tới Giám đốc"),
        "leader: approved": count(1001, f"✅ Giám đốc Trần Văn An đã duyệt {one}.", "từ 01/12/2026 đến 31/12/2026"),
        "leader: draft Quyết định": count(1001, "📎 Du-thao-Quyet-dinh-trung-dung-so-1.docx\n"),
        "deputy: sent": count(1002, f"Đã gửi {two} tới Giám đốc"),
        "deputy: rejected with the reason": count(1002, f"❌ Giám đốc Trần Văn An đã từ chối {two}.",
                                                  f"Lý do: {REJECTION}"),
        "Tuấn: seconded": count(1007, "📌 Giám đốc Sở đã quyết định trưng dụng bạn", "31/12/2026"),
        "Hùng: seconded, in English": count(1004, "📌 The Director has decided to second you"),
        "never: Nam told (rejected)": count(1009, "trưng dụng"),
        "manager of ttcntt: Tuấn and Hùng": count(2001, "📌 Thông báo", "• Bùi Anh Tuấn\n• Vũ Mạnh Hùng\n"),
        "never: the manager of ttcntt told of others": count(2001, "Trần Thị Hoa") + count(2001, "Đặng Hoài Nam"),
        "manager of cdc: Hoa": count(2003, "📌 Thông báo", "• Trần Thị Hoa\n"),
        "never: the manager of cdc told of others": count(2003, "Bùi Anh Tuấn") + count(2003, "Đặng Hoài Nam"),
        "never: the manager of vpso told": count(2002, "trưng dụng"),
        "Tờ trình 1 names its people": int(all(name in proposal for name in ("Bùi Anh Tuấn", "Vũ Mạnh Hùng",
                                                                              "Trần Thị Hoa"))),
        "Quyết định 1 answers Tờ trình 1": int("Xét Tờ trình số 1/TTr-TCNTT" in decision),
    }


SECONDMENT_TOLD = {told: 0 if told.startswith("never") else 1 for told in secondment_told({}, {})}


async def play(stage: Stage, step: str, *, wait: bool = True) -> list[Sent]:
    """One step of the day; returns the updates it caused.

    With `wait`, returns once they are handled and everything owed is delivered, so the
    order of messages in each chat is the same on every run.
    """
    client = stage.client
    sents: list[Sent] = []
    if step == "morning":
        for citizen in CITIZENS:
            await client.register_user(citizen, f"Dân {citizen}", language_code="vi")
        sents = await everyone_says(client, MEMBERS + CITIZENS, "/start")
    elif step == "help":
        sents = await everyone_says(client, MEMBERS, "/trogiup")
        sents += await everyone_says(client, [1000, 1004], "/nhom")
    elif step == "language":
        for person, button in ((1004, "English"), (1010, "Tiếng Việt")):
            asked = await client.person(person).says("/ngonngu")
            question = await answer_with(client, asked, button)
            sents += [asked, await client.person(person).presses(question, button)]
    elif step == "tasks":
        assigned = await client.person(1001).says(f"/giao @tuan_ba {TASK} hạn 17h thứ 6")
        card = await message_with(client, 1007, assigned.seq, "📋")
        sents += [assigned, await client.person(1007).replies_to(card, "xong roi")]
        sents += await everyone_says(client, [1007, 1001], "/viec")
    elif step == "proposals":
        for person in PROPOSALS:  # drafts opened in this order, so both runs number them alike
            opened = await client.person(person).says("/trungdung")
            await message_with(client, person, opened.seq, "Đề nghị trưng dụng · bước 1/4")
            sents.append(opened)
        filled = await asyncio.gather(*(drafts(client, person, answers) for person, answers in PROPOSALS.items()))
        for number, (person, (answered, summary)) in enumerate(zip(PROPOSALS, filled), start=1):
            pressed = await client.person(person).presses(summary, "📨 Gửi Giám đốc")
            sents += [*answered, pressed]
            if number < len(PROPOSALS):  # sent one after the other: the number is given at submission
                await message_with(client, DIRECTOR, pressed.seq, f"📨 Đề nghị trưng dụng số {number}\n")
    elif step == "decisions":
        approve, reject = await director_card(client, 1), await director_card(client, 2)
        asked = await client.person(DIRECTOR).presses(reject, "❌ Từ chối")
        await message_with(client, DIRECTOR, asked.seq, "Vui lòng nhập lý do từ chối")
        sents = [asked, await client.person(DIRECTOR).says(REJECTION),
                 await client.person(DIRECTOR).presses(approve, "✅ Duyệt")]
    elif step == "citizens":
        sents = await everyone_says(client, CITIZENS, "lam sao quet ma QR")
        sents += await everyone_says(client, CITIZENS, "/khongco")
        sents += await everyone_says(client, [1005, 1006], "xin chào")
    elif step == "reminders":
        team = await team_id(stage.storage)
        now = stage.now()
        chats: dict[int, str] = {index: f"chat:{person}" for index, person in enumerate(MEMBERS[1:], start=1)}
        chats.update({100 + index: "team" for index in range(3)})
        await schedule_pings(stage.storage, team_id=team, due_at=now + timedelta(minutes=30), chats=chats)
        await stage.advance(timedelta(minutes=31))
    elif step == "afternoon":
        sents = await everyone_says(client, [1004], "/help")
        sents += await everyone_says(client, [1001, 1002, 1003], "/khonghieu")
        sents += await everyone_says(client, MEMBERS[:6], "/start")
        sents += await everyone_says(client, [1000], "/tonghop")  # the Director's digest: text, chart, sheet
    else:
        raise ValueError(step)
    if wait:
        await handled(stage.storage, sents)
        await settle(stage.storage, client)
    return sents
