"""The help desk's knowledge file: the shipped one is valid, broken ones are refused with a line and an entry."""

import re
from pathlib import Path

import pytest

from bot.helpdesk.knowledge import (
    PHONE_ANSWER_LIMIT,
    SHIPPED_FILE,
    KnowledgeError,
    answer_problems,
    check_knowledge_file,
    load_knowledge,
    main,
)
from bot.telegram_html import parse_html, utf16_len
from bot.text.fold import has_marks

CATEGORY_IDS = [
    "scan", "declare", "register_place", "vaccine_certificate", "test_result", "quarantine_tracing", "contact",
]

VALID = """\
categories:
  - id: scan
    title: {vi: "Quét mã QR", en: "Scanning QR codes"}
    order: 1
entries:
  - id: scan_howto
    category: scan
    question: {vi: "Quét mã QR thế nào?", en: "How do I scan?"}
    phrasings: ["cách quét mã qr", "quet qr the nao"]
    answer:
      vi: |-
        Mở <b>PC-Covid</b> và quét.
      en: Open <b>PC-Covid</b> and scan.
    links:
      - {title: "PC-Covid", url: "https://pccovid.gov.vn"}
  - id: hotline
    category: scan
    question: {vi: "Số đường dây nóng?"}
    phrasings: ["sdt duong day nong", "hotline"]
    answer: {vi: "Gọi <b>1900 9095</b>."}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "faq.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line containing `fragment`."""
    lines = [number for number, line in enumerate(text.splitlines(), 1) if fragment in line]
    return lines[occurrence - 1]


# --- the shipped file --------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    return load_knowledge(SHIPPED_FILE)


def test_shipped_file_has_no_problems():
    assert check_knowledge_file(SHIPPED_FILE) == []


def test_shipped_file_has_the_seven_categories_in_order(shipped):
    assert [category.id for category in shipped.categories] == CATEGORY_IDS
    titles = {category.id: category.title.vi for category in shipped.categories}
    assert titles["register_place"] == "Đăng ký điểm QR cho cơ sở"
    assert all(category.title.en for category in shipped.categories)
    assert all(shipped.in_category(category_id) for category_id in CATEGORY_IDS)


def test_shipped_file_has_forty_entries_and_fifteen_in_english(shipped):
    assert len(shipped.entries) >= 40
    english = [entry for entry in shipped.entries if entry.question.en and entry.answer.en]
    assert len(english) >= 15


def test_shipped_vietnamese_is_written_with_diacritics(shipped):
    for entry in shipped.entries:
        assert has_marks(entry.question.vi), entry.id
        assert has_marks(entry.answer.vi), entry.id


def test_shipped_answers_are_short_enough_for_a_phone(shipped):
    for entry in shipped.entries:
        for text in filter(None, (entry.answer.vi, entry.answer.en)):
            visible, _ = parse_html(text)
            assert utf16_len(visible) <= PHONE_ANSWER_LIMIT, entry.id


def test_shipped_file_publishes_only_the_sourced_hotline(shipped):
    source = SHIPPED_FILE.read_text(encoding="utf-8")
    assert "1900 9095" in shipped.entry("hotline").answer.vi
    # 1800 9095 has no source: only the header comment may name it, as a warning.
    body = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("#"))
    assert "1800" not in body


def test_shipped_links_are_https(shipped):
    urls = [link.url for entry in shipped.entries for link in entry.links]
    urls += re.findall(r'href="([^"]+)"', SHIPPED_FILE.read_text(encoding="utf-8"))
    assert urls and all(url.startswith("https://") for url in urls)


def test_text_falls_back_to_vietnamese(shipped):
    entry = shipped.entry("place_post_qr")
    assert entry.question.en is None
    assert entry.question.in_locale("en") == entry.question.vi
    assert shipped.entry("hotline").answer.in_locale("en").startswith("The <b>Ministry of Health</b>")


def test_unknown_entry_id_is_a_key_error(shipped):
    with pytest.raises(KeyError):
        shipped.entry("no_such_entry")


# --- broken files --------------------------------------------------------------------------


def test_minimal_valid_file_loads(tmp_path):
    knowledge = load_knowledge(write(tmp_path, VALID))
    assert [entry.id for entry in knowledge.entries] == ["scan_howto", "hotline"]
    assert knowledge.entry("scan_howto").links[0].title.vi == "PC-Covid"


def test_duplicate_id_names_the_entry_and_both_lines(tmp_path):
    text = VALID.replace("  - id: hotline", "  - id: scan_howto")
    problems = check_knowledge_file(write(tmp_path, text))
    assert len(problems) == 1
    second, first = line_of(text, "id: scan_howto", 2), line_of(text, "id: scan_howto", 1)
    assert f"faq.yaml:{second}:" in problems[0]
    assert "'scan_howto'" in problems[0] and "duplicate" in problems[0] and f"line {first}" in problems[0]


def test_bad_html_names_the_entry_field_and_line(tmp_path):
    text = VALID.replace("Gọi <b>1900 9095</b>.", "Gọi <b>1900 9095.")
    problems = check_knowledge_file(write(tmp_path, text))
    assert len(problems) == 1
    assert f":{line_of(text, 'Gọi <b>1900')}:" in problems[0]
    assert "entry 'hotline'" in problems[0] and "answer.vi" in problems[0]
    assert "Can't find end tag" in problems[0]


def test_tag_telegram_accepts_but_we_do_not_is_refused(tmp_path):
    text = VALID.replace("en: Open <b>PC-Covid</b> and scan.", "en: Open <strong>PC-Covid</strong> and scan.")
    problems = check_knowledge_file(write(tmp_path, text))
    assert len(problems) == 1
    assert "entry 'scan_howto'" in problems[0] and "answer.en" in problems[0] and "<strong>" in problems[0]


def test_unknown_category_names_the_entry_and_line(tmp_path):
    text = VALID.replace('    category: scan\n    question: {vi: "Số', '    category: hotlines\n    question: {vi: "Số')
    problems = check_knowledge_file(write(tmp_path, text))
    assert len(problems) == 1
    assert f":{line_of(text, 'category: hotlines')}:" in problems[0]
    assert "entry 'hotline'" in problems[0] and "unknown category 'hotlines'" in problems[0]


def test_bad_yaml_gives_the_line(tmp_path):
    text = VALID.replace('"sdt duong day nong", "hotline"]', '"sdt duong day nong", "hotline"')  # unclosed
    problems = check_knowledge_file(write(tmp_path, text))
    assert len(problems) == 1
    assert "YAML syntax error" in problems[0]
    assert re.search(r"faq\.yaml:(\d+):", problems[0])
    reported = int(re.search(r"faq\.yaml:(\d+):", problems[0]).group(1))
    assert line_of(text, "sdt duong day nong") <= reported <= line_of(text, "sdt duong day nong") + 1


def test_missing_fields_and_bad_links_are_each_reported(tmp_path):
    text = (
        VALID.replace('    phrasings: ["sdt duong day nong", "hotline"]', '    phrasings: ["sdt duong day nong"]')
        .replace('question: {vi: "Số đường dây nóng?"}', 'question: {vi: "  "}')
        .replace('url: "https://pccovid.gov.vn"', 'url: "ftp://pccovid.gov.vn"')
    )
    problems = check_knowledge_file(write(tmp_path, text))
    assert len(problems) == 3, problems
    joined = "\n".join(problems)
    assert "entry 'hotline'" in joined and "phrasings" in joined and "question.vi" in joined
    assert "entry 'scan_howto'" in joined and "links.0.url" in joined and "not an http(s) URL" in joined


def test_typo_in_a_field_name_is_reported(tmp_path):
    text = VALID.replace("    phrasings: [\"cách", "    phrasing: [\"cách")
    problems = check_knowledge_file(write(tmp_path, text))
    assert any("'scan_howto'" in problem and "phrasing:" in problem for problem in problems), problems
    assert any("phrasings: Field required" in problem for problem in problems), problems


def test_repeated_key_is_reported(tmp_path):
    text = VALID.replace("    answer: {vi: \"Gọi", "    category: scan\n    answer: {vi: \"Gọi")
    problems = check_knowledge_file(write(tmp_path, text))
    line = line_of(text, "category: scan", 3)
    assert problems == [f"{tmp_path / 'faq.yaml'}:{line}: key 'category' appears twice in one item"]


def test_english_answer_needs_an_english_question(tmp_path):
    text = VALID.replace('answer: {vi: "Gọi <b>1900 9095</b>."}', 'answer: {vi: "Gọi <b>1900 9095</b>.", en: "Call."}')
    problems = check_knowledge_file(write(tmp_path, text))
    assert len(problems) == 1 and "question.en" in problems[0] and "'hotline'" in problems[0]


def test_same_phrasing_in_two_entries_is_reported(tmp_path):
    text = VALID.replace('["sdt duong day nong", "hotline"]', '["sdt duong day nong", "Cách quét mã QR"]')
    problems = check_knowledge_file(write(tmp_path, text))
    assert len(problems) == 1 and "also a phrasing of entry 'scan_howto'" in problems[0]


def test_not_a_mapping_and_unreadable_files(tmp_path):
    assert "expected a mapping" in check_knowledge_file(write(tmp_path, "- just\n- a list\n"))[0]
    assert "cannot read" in check_knowledge_file(tmp_path / "missing.yaml")[0]


def test_load_refuses_a_broken_file_listing_problems(tmp_path):
    path = write(tmp_path, VALID.replace("category: scan", "category: nowhere", 1))
    with pytest.raises(KnowledgeError) as refused:
        load_knowledge(path)
    assert len(refused.value.problems) == 1 and "nowhere" in str(refused.value)


def test_answer_problems():
    assert answer_problems("Gọi <b>1900 9095</b>, xem <a href=\"https://tokhaiyte.vn\">tokhaiyte.vn</a>") == []
    assert answer_problems("a <tg-spoiler>b</tg-spoiler>")[0].startswith("tag <tg-spoiler> is not allowed")
    assert "not an http(s) URL" in answer_problems('<a href="tel:19009095">gọi</a>')[0]
    assert "invalid Telegram HTML" in answer_problems("Sở TT&TT <b>x")[0]
    assert "keep answers under 1500" in answer_problems("x" * 1501)[0]
    assert "over Telegram's limit of 4096" in answer_problems("<b>x</b>" * 5000)[0]


def test_command_line_check(tmp_path, capsys):
    assert main([str(SHIPPED_FILE)]) == 0
    assert "OK" in capsys.readouterr().out
    assert main([str(write(tmp_path, VALID.replace("id: hotline", "id: Hotline!")))]) == 1
    assert "entry 'Hotline!'" in capsys.readouterr().out


def test_english_phrasing_shared_with_another_entry_is_reported(tmp_path):
    text = VALID.replace('    phrasings: ["sdt duong day nong", "hotline"]',
                         '    phrasings: ["sdt duong day nong", "hotline"]\n    phrasings_en: ["quet qr the nao"]')
    problems = check_knowledge_file(write(tmp_path, text))
    assert len(problems) == 1 and "phrasings_en" in problems[0] and "'scan_howto'" in problems[0]
