"""The web chat in a real browser: Debian's Chromium, driven by Playwright, plays the team
against the real bot through the sandbox. Screenshots of each role's chat go to
test-artifacts/webchat/ (git-ignored).

Needs `apt-get install chromium` and `pip install playwright` (never `playwright install`:
the test drives /usr/bin/chromium). Without either, the tests are skipped with the reason.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sandbox.client import SandboxClient
from bot.sandbox.story import play_story
from bot.telegram.runner import SandboxRun
from tests.webchat.conftest import settled

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed (/usr/bin/chromium)", allow_module_level=True)
playwright = pytest.importorskip("playwright.async_api", reason="the playwright package is not installed")
Page, expect = playwright.Page, playwright.expect

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "webchat"
DIRECTOR, LEADER, DEPUTY, MEMBER, UNIT_MANAGER, CITIZEN = 1000, 1001, 1002, 1004, 2001, 5_000_001
GROUP = -1001234567890
WAIT_MS = 10_000


@pytest.fixture
async def browser() -> AsyncIterator["playwright.Browser"]:
    async with playwright.async_playwright() as driver:
        chromium = await driver.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def page(browser, sandbox_run: SandboxRun) -> AsyncIterator[Page]:
    """The web chat open in a fresh browser profile; fails the test on any script error."""
    context = await browser.new_context(viewport={"width": 1280, "height": 860}, locale="vi-VN")
    opened = await context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    opened.on("console", lambda line: problems.append(f"console: {line.text}") if line.type == "error" else None)
    await opened.goto(sandbox_run.server.webchat_url)
    await opened.wait_for_selector("body[data-ready=true]")
    yield opened
    await context.close()
    assert problems == []


@pytest.fixture
async def client(sandbox_run: SandboxRun) -> AsyncIterator[SandboxClient]:
    async with SandboxClient(sandbox_run.server.url) as control:
        yield control


# --- acting in the page, as a visitor would ------------------------------------------------------


async def open_chat(page: Page, chat_id: int) -> None:
    await page.click(f'.person[data-chat-id="{chat_id}"]')
    await expect(page.locator(".person.active")).to_have_attribute("data-chat-id", str(chat_id))


def bot_messages(page: Page):
    return page.locator("#messages .message.from-bot")


async def says(page: Page, text: str) -> None:
    """Type and send; returns once the page shows the person's own message."""
    mine = page.locator("#messages .message.mine")
    before = await mine.count()
    await page.fill("#composer-input", text)
    await page.press("#composer-input", "Enter")
    await expect(mine).to_have_count(before + 1, timeout=WAIT_MS)


async def next_bot_message(page: Page, before: int):
    """The bot's first message after the `before` already shown."""
    message = bot_messages(page).nth(before)
    await expect(message).to_be_visible(timeout=WAIT_MS)
    return message


async def reply_from_bot(page: Page, text: str):
    before = await bot_messages(page).count()
    await says(page, text)
    return await next_bot_message(page, before)


async def press_start(page: Page):
    before = await bot_messages(page).count()
    await expect(page.locator("#start-button")).to_be_visible()
    await page.click("#start-button")
    return await next_bot_message(page, before)


async def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


# --- the scenes ------------------------------------------------------------------------------------


async def test_every_role_has_a_chat_that_behaves_like_telegram(page: Page, sandbox_run: SandboxRun, client) -> None:
    headings = await page.locator(".role-heading").all_inner_texts()
    assert [h.casefold() for h in headings] == [
        h.casefold() for h in ("Nhóm của tổ", "Giám đốc Sở", "Tổ trưởng", "Tổ phó", "Thành viên",
                               "Thủ trưởng đơn vị", "Người dân")
    ]
    assert "dieuphoi làm gì" in await page.inner_text("#welcome")

    # The leader presses START: the home arrives with its HTML formatting, and the role is explained.
    await open_chat(page, LEADER)
    assert "giao việc" in await page.inner_text("#role-text")
    home = await reply_from_bot(page, "/start")
    await expect(home.locator("strong").first).to_have_text("Hoàng Mạnh Cường")

    # The command menu is the one Telegram would show the leader; choosing a command sends it.
    before = await bot_messages(page).count()
    await page.click("#menu-button")
    await expect(page.locator('.menu-item[data-command="trogiup"]')).to_be_visible()
    await page.click('.menu-item[data-command="trogiup"]')
    help_message = await next_bot_message(page, before)
    await expect(help_message).to_contain_text("/ngonngu")

    # A command in the bot's text is a link, as in Telegram; the answer has inline buttons.
    before = await bot_messages(page).count()
    await help_message.locator("a.command", has_text="/ngonngu").click()
    question = await next_bot_message(page, before)
    message_id = await question.get_attribute("data-message-id")
    await question.locator(".keyboard button", has_text="English").click()

    # The bot edits the same message in place and answers the press with a toast.
    edited = page.locator(f'#messages .message[data-message-id="{message_id}"]')
    await expect(edited).to_contain_text("Your language: English", timeout=WAIT_MS)
    await expect(edited.locator(".edited")).to_be_visible()
    await expect(page.locator(".toast", has_text="Language changed.")).to_be_visible()
    assert await bot_messages(page).count() == before + 1

    # Replying to a specific bot message quotes it.
    await help_message.hover()
    await help_message.locator(".reply-action").click()
    await expect(page.locator("#reply-bar")).to_be_visible()
    await says(page, "cam on")
    await expect(page.locator("#messages .message.mine").last.locator(".quote")).to_contain_text("Điều phối")
    await screenshot(page, "leader")

    # The Director, a deputy and a unit manager each see their own home.
    for person, name, role in ((DIRECTOR, "Trần Văn An", "director"), (DEPUTY, "Nguyễn Thị Lan", "deputy"),
                               (UNIT_MANAGER, "Đinh Thu Hà", "unit_manager")):
        await open_chat(page, person)
        home = await reply_from_bot(page, "/start")
        await expect(home.locator("strong").first).to_have_text(name)
        await screenshot(page, role)

    # The team group: someone is chosen to speak, and their message appears on their side.
    await open_chat(page, GROUP)
    await expect(page.locator("#speaker")).to_have_value(str(LEADER))
    await says(page, "Chào cả tổ, sáng nay họp giao ban lúc 14h.")
    await screenshot(page, "group")

    # The clock jumps to the next 07:30 and the page shows the bot's new time.
    await page.click("""#clock-buttons button[data-clock='{"until":"07:30"}']""")
    await expect(page.locator("#clock-now")).to_contain_text("07:30", timeout=WAIT_MS)
    await expect(page.locator("#clock-now")).to_contain_text("26/11/2026")

    # A new citizen starts from an empty chat, as on Telegram.
    await page.click("#new-citizen")
    await expect(page.locator("#chat-name")).to_have_text("Người dân mới 1")
    greeting = await press_start(page)
    await expect(greeting).to_contain_text("trợ lý của Tổ CNTT")
    await screenshot(page, "new_citizen")

    # The page's own labels switch to English and back.
    await page.click("#lang-en")
    await expect(page.locator(".role-heading", has_text="Team leader")).to_be_visible()
    await expect(page.locator("#send")).to_have_text("Send")
    await page.click("#lang-vi")
    await expect(page.locator("#send")).to_have_text("Gửi")
    assert await client.api_errors() == []


async def test_a_task_from_assignment_to_done_then_the_morning_digest(page: Page, client) -> None:
    """The issue's scenario: the leader assigns, the member acknowledges and replies "xong", the leader
    sees it done; the clock moves to 07:30 and the Director's chat shows the digest with its chart."""
    await open_chat(page, LEADER)
    summary = await reply_from_bot(page, "/giao @hung_vm Cập nhật danh sách điểm QR của chợ đầu mối hạn 17h hôm nay")
    await expect(summary).to_contain_text("Vũ Mạnh Hùng — chưa nhận")
    summary_id = await summary.get_attribute("data-message-id")
    asked = await reply_from_bot(page, "/yeucau báo cáo tuần hạn 17h hôm nay")  # figures for the digest's chart
    await expect(asked).to_contain_text("Đã gửi yêu cầu báo cáo")

    # The member's card: acknowledge with its button, then reply to the card itself.
    await open_chat(page, MEMBER)
    card = bot_messages(page).filter(has_text="Cập nhật danh sách điểm QR").last
    await expect(card).to_be_visible(timeout=WAIT_MS)
    await card.locator(".keyboard button", has_text="Đã nhận").click()
    await expect(page.locator(".toast", has_text="đã nhận việc")).to_be_visible(timeout=WAIT_MS)
    await expect(card).to_contain_text("Đã nhận", timeout=WAIT_MS)
    await card.hover()
    await card.locator(".reply-action").click()
    await expect(page.locator("#reply-preview")).to_contain_text("Cập nhật danh sách điểm QR")
    answer = await reply_from_bot(page, "xong roi")
    await expect(answer).to_contain_text("hoàn thành")
    await expect(page.locator("#messages .message.mine").last.locator(".quote")).to_contain_text("Việc #")
    await expect(card).to_contain_text("Hoàn thành", timeout=WAIT_MS)
    sent = await reply_from_bot(page, "/baocao qr_diem=1.250 qr_luot=48.300 kbyt_luot=21.700")
    await expect(sent).to_contain_text("Đã nhận báo cáo")
    await screenshot(page, "member")

    # The leader's summary was edited in place, and a notice says it is done.
    await open_chat(page, LEADER)
    edited = page.locator(f'#messages .message[data-message-id="{summary_id}"]')
    await expect(edited).to_contain_text("Hoàn thành", timeout=WAIT_MS)
    await expect(edited.locator(".edited")).to_be_visible()
    await expect(bot_messages(page).filter(has_text="đã hoàn thành việc").last).to_be_visible(timeout=WAIT_MS)
    await screenshot(page, "leader_task_done")

    # Next morning 07:30: the Director's digest arrives with its chart image and its spreadsheet.
    await page.click("""#clock-buttons button[data-clock='{"until":"07:30"}']""")
    await expect(page.locator("#clock-now")).to_contain_text("07:30", timeout=WAIT_MS)
    await open_chat(page, DIRECTOR)
    chart = page.locator("#messages .message.from-bot img.photo").last
    await expect(chart).to_be_visible(timeout=WAIT_MS)
    loaded = "image => image.complete && image.naturalWidth > 100"  # the PNG was served and decoded
    await page.wait_for_function(loaded, arg=await chart.element_handle(), timeout=WAIT_MS)
    spreadsheet = page.locator("#messages .message.from-bot a.document").last
    async with page.expect_download() as downloading:
        await spreadsheet.click()
    download = await downloading.value
    assert download.suggested_filename.endswith(".xlsx")
    assert (Path(await download.path()).read_bytes())[:2] == b"PK"  # an Office Open XML file (zip)
    await chart.scroll_into_view_if_needed()
    await screenshot(page, "director_digest")
    assert await client.api_errors() == []


async def test_the_demo_story_in_every_role(page: Page, sandbox_run: SandboxRun, client) -> None:
    """After the story, every role's chat already shows the team at work; a screenshot of each."""
    await play_story(sandbox_run.server.url, sandbox_run.app)
    await page.reload()
    await page.wait_for_selector("body[data-ready=true]")
    for person, role in ((DIRECTOR, "director"), (LEADER, "leader"), (DEPUTY, "deputy"), (MEMBER, "member"),
                         (UNIT_MANAGER, "unit_manager")):
        await open_chat(page, person)
        await expect(bot_messages(page).first).to_be_visible()
        await screenshot(page, f"story_{role}")
    await open_chat(page, MEMBER)
    await expect(bot_messages(page).filter(has_text="Đã nhận báo cáo")).to_have_count(1)
    assert await client.api_errors() == []


async def test_a_citizen_asks_how_to_scan_the_qr_code(page: Page, sandbox_run: SandboxRun, client) -> None:
    await open_chat(page, CITIZEN)
    await press_start(page)

    # What people type is shown as text, never as markup.
    await reply_from_bot(page, '<b>xin chao</b><img src=x onerror="window.injected = 1">')
    typed = page.locator("#messages .message.mine").last
    await expect(typed).to_contain_text('<img src=x onerror="window.injected = 1">')
    assert await typed.locator("img, b").count() == 0
    assert await page.evaluate("window.injected") is None
    await settled(sandbox_run)  # every answer to that is in, and shown, before the next question
    await expect(bot_messages(page)).to_have_count(len(await client.bot_messages(CITIZEN)))

    answer = await reply_from_bot(page, "cach quet ma qr")
    await expect(answer.locator("strong").first).to_have_text("Quét mã QR khi vào địa điểm")
    await expect(answer).to_contain_text("PC-Covid")
    await screenshot(page, "citizen")
    assert await client.api_errors() == []
