"""Reading a /giao line into a draft; the guided flow's steps; the task buttons' callback data."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.roster.lookup import Directory
from bot.roster.models import Area, Member, Role
from bot.tasks import buttons as b
from bot.tasks.draft import Draft, MixedRecipients, Step, UnknownNames, dangling_deadline, draft_from_line, read_priority
from bot.tasks.models import Priority
from bot.ui import CALLBACK_DATA_LIMIT
from handlers.tasks import GuidePress, ListPress, ManagePress, PickPress, StatusPress, ViewPress

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # Wednesday 09:00 in Hà Nội


def person(id_: int, full_name: str, username: str | None = None) -> Member:
    return Member(id=id_, team_id=1, key=f"k{id_}", full_name=full_name, short_name=full_name.split()[-1],
                  username=username, role=Role.MEMBER, active=True, roster_order=id_)


DIRECTORY = Directory(
    [person(1, "Vũ Mạnh Hùng", "hung_vm"), person(2, "Lê Quốc Hùng"), person(3, "Đỗ Thị Mai")],
    [Area(id=7, team_id=1, code="antoan", name="An toàn thông tin")],
)


def local(day: int, hour: int, minute: int = 0) -> str:
    return datetime(2026, 11, day, hour, minute, tzinfo=HANOI).astimezone(UTC).isoformat()


def read(line: str) -> Draft:
    draft = draft_from_line(DIRECTORY, line, NOW, HANOI)
    assert isinstance(draft, Draft), draft
    return draft


def test_a_complete_line_is_ready() -> None:
    draft = read("vu manh hung, mai Vá lỗ hổng máy chủ hạn 17h thứ 6")
    assert draft.next_step() == Step.READY
    assert draft.member_ids == [1, 3] and draft.title == "Vá lỗ hổng máy chủ"
    assert draft.deadline == local(27, 17) and draft.priority == Priority.NORMAL
    task = draft.new_task()
    assert task.member_ids == [1, 3] and task.deadline_at is not None and task.area_code is None


def test_no_deadline_means_none_and_urgency_is_read() -> None:
    draft = read("mai khẩn: gọi lại cho điểm tiêm")
    assert draft.next_step() == Step.READY
    assert (draft.title, draft.deadline, draft.priority) == ("gọi lại cho điểm tiêm", None, Priority.URGENT)


def test_an_area_routes() -> None:
    draft = read("#antoan Rà soát tường lửa hạn mai")
    assert draft.area_code == "antoan" and draft.new_task().area_code == "antoan" and draft.member_ids == []


@pytest.mark.parametrize(("line", "step", "problem"), [
    ("hung Cập nhật", Step.NAME, None),
    ("mai", Step.WHAT, None),
    ("mai Sao lưu hạn 5h mai", Step.DEADLINE, "ambiguous"),
    ("mai Sao lưu hạn 8h hôm nay", Step.DEADLINE, "past"),
    ("mai Sao lưu hạn abc", Step.DEADLINE, "unparseable"),
])
def test_what_is_left_to_ask(line: str, step: Step, problem: str | None) -> None:
    draft = read(line)
    assert draft.next_step() == step
    assert draft.deadline_problem == problem


def test_an_ambiguous_name_is_settled_by_a_candidate_only() -> None:
    draft = read("Hùng, mai Cập nhật")
    assert draft.pending_name() == {"typed": "Hùng", "candidates": [1, 2]}
    assert not draft.settle_name(3)
    assert draft.settle_name(2)
    assert draft.member_ids == [2, 3] and draft.next_step() == Step.READY


def test_unknown_and_mixed_recipients() -> None:
    unknown = draft_from_line(DIRECTORY, "hugn Việc", NOW, HANOI)
    assert isinstance(unknown, UnknownNames) and unknown.unknown[0].typed == "hugn"
    assert isinstance(draft_from_line(DIRECTORY, "mai, #antoan Việc", NOW, HANOI), MixedRecipients)


def test_the_guided_draft_survives_the_fsm_storage() -> None:
    draft = Draft(guided=True)
    assert draft.next_step() == Step.WHO
    draft.toggle_member(3)
    draft.toggle_member(1)
    draft.who_done = True
    draft.take_content("Đối soát dữ liệu", NOW, HANOI)
    assert draft.next_step() == Step.DEADLINE
    draft.take_deadline_text("thứ 6", NOW, HANOI)
    assert draft.next_step() == Step.PRIORITY
    draft.priority = Priority.URGENT
    again = Draft.from_data(draft.to_data())
    assert again == draft and again.next_step() == Step.CONFIRM and again.member_ids == [3, 1]


@pytest.mark.parametrize(("text", "found"), [
    ("Vá lỗi hạn abc", "abc"),
    ("vá lỗi han 17g", "17g"),
    ("Kiểm tra hạn chế truy cập", None),
    ("Gia hạn chứng thư số", None),
    ("Kiểm tra chứng chỉ hết hạn trên máy chủ", None),
    ("vá lỗi han abc", None),  # unaccented "han" only before something with a digit
])
def test_a_deadline_keyword_with_unreadable_words(text: str, found: str | None) -> None:
    assert dangling_deadline(text) == found


@pytest.mark.parametrize(("text", "priority", "rest"), [
    ("Khẩn: vá lỗi", Priority.URGENT, "vá lỗi"),
    ("[khẩn] vá lỗi", Priority.URGENT, "vá lỗi"),
    ("gấp! vá lỗi", Priority.URGENT, "vá lỗi"),
    ("khan: va loi", Priority.URGENT, "va loi"),
    ("khẩn trương hoàn thiện báo cáo", None, "khẩn trương hoàn thiện báo cáo"),
    ("gặp đối tác", None, "gặp đối tác"),
])
def test_urgency_at_the_start(text: str, priority: Priority | None, rest: str) -> None:
    assert read_priority(text) == (priority, rest)


def test_buttons_are_read_back_by_the_handlers() -> None:
    pairs = [
        (b.status(123456, b.BLOCK), StatusPress(task_id=123456, kind=b.BLOCK)),
        (b.view(123456), ViewPress(task_id=123456)),
        (b.manage(b.REASSIGN_TO, 123456, 987654), ManagePress(op=b.REASSIGN_TO, task_id=123456, arg=987654)),
        (b.manage(b.DEADLINE_QUICK, 1, b.NO_DEADLINE), ManagePress(op=b.DEADLINE_QUICK, task_id=1, arg=-1)),
        (b.pick(42), PickPress(task_id=42)),
        (b.guide(b.G_MEMBER, 77), GuidePress(op=b.G_MEMBER, value=77)),
        (b.listing(b.L_MEMBER, 5, 3), ListPress(kind=b.L_MEMBER, value=5, page=3)),
    ]
    for data, press in pairs:
        assert press.pack() == data
        assert type(press).unpack(data) == press
        assert len(data.encode()) <= CALLBACK_DATA_LIMIT
