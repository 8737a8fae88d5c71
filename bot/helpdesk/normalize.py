"""Bring a question to the form the matcher compares: folded, shorthand spelled out, filler dropped.

The same function runs on the knowledge base's phrasings and on what people
type, so "ko co sdt" and "Không có số điện thoại" end up as the same words.
"""

import re

from bot.text.fold import fold

_NOT_WORD = re.compile(r"[^a-z0-9]+")

# Folded shorthand → folded full form. Keys are word sequences; the longest
# sequence wins, so "pc covid" becomes one word before "pc" alone is tried.
SHORTHANDS: dict[tuple[str, ...], str] = {
    # negation and "can"
    ("k",): "khong", ("ko",): "khong", ("kg",): "khong", ("kh",): "khong",
    ("khg",): "khong", ("hok",): "khong", ("khum",): "khong",
    ("dc",): "duoc", ("dk",): "dang ky", ("dky",): "dang ky", ("dki",): "dang ky",
    ("dang", "ki"): "dang ky",
    # phones and apps
    ("sdt",): "so dien thoai", ("dt",): "dien thoai", ("dthoai",): "dien thoai",
    ("dtdd",): "dien thoai di dong",
    ("smartphone",): "dien thoai thong minh", ("smart", "phone"): "dien thoai thong minh",
    ("app",): "ung dung", ("apps",): "ung dung", ("ud",): "ung dung",
    ("pc", "covid"): "pc-covid", ("pc", "covi"): "pc-covid", ("pccovid",): "pc-covid",
    ("pc",): "pc-covid",
    ("covid", "19"): "covid", ("covid19",): "covid",
    ("download",): "tai", ("down",): "tai",
    ("qrcode",): "ma qr", ("qr", "code"): "ma qr",
    ("checkin",): "check in",
    # health words
    ("kbyt",): "khai bao y te", ("tkyt",): "to khai y te", ("yte",): "y te",
    ("bhyt",): "bao hiem y te", ("cccd",): "can cuoc cong dan",
    ("cmnd",): "chung minh nhan dan",
    ("xn",): "xet nghiem", ("test",): "xet nghiem", ("kq",): "ket qua",
    ("gcn",): "giay chung nhan",
    ("vaccin",): "vaccine", ("vacxin",): "vaccine", ("vacin",): "vaccine",
    ("vacxine",): "vaccine", ("vacine",): "vaccine", ("vac", "xin"): "vaccine",
    ("hotline",): "duong day nong",
    ("hn",): "ha noi",
    # places
    ("shop",): "cua hang", ("cafe",): "ca phe", ("cf",): "ca phe",
    # chat spelling
    ("ntn",): "nhu the nao", ("j",): "gi", ("ji",): "gi", ("z",): "vay",
    ("mk",): "minh", ("mik",): "minh", ("bn",): "bao nhieu", ("ng",): "nguoi",
    ("trc",): "truoc", ("cx",): "cung", ("r",): "roi", ("ms",): "moi", ("lm",): "lam",
    ("vs",): "voi",
}
# Ways of asking "how" become "cach" and ways of asking "why" the marker
# "taisao"; "what is" is dropped. Whole phrases only: alone, these words can
# mean something else once folded ("the" is also "thẻ", card).
QUESTION_FORMS: dict[tuple[str, ...], str] = {
    ("nhu", "the", "nao"): "cach", ("lam", "the", "nao"): "cach", ("the", "nao"): "cach",
    ("nhu", "nao"): "cach", ("lam", "sao"): "cach", ("kieu", "gi"): "cach",
    ("huong", "dan"): "cach",
    ("tai", "sao"): "taisao", ("vi", "sao"): "taisao", ("de", "lam", "gi"): "taisao",
    ("la", "gi"): "",
}
# Single words that carry no topic: politeness, pronouns, particles. Not
# "minh" (thông minh), "nha" (nhà), "anh" (phản ánh) nor "ban" (bản đồ):
# folded, they are content words too. "cho" is also "chợ" but mostly "for".
FILLERS: frozenset[str] = frozenset(
    "a ah ad admin oi nhe nhi vay hoi em toi chi sao giup voi "
    "la thi de duoc gi nao cho".split()
)
_PHRASES: dict[tuple[str, ...], str] = {**SHORTHANDS, **QUESTION_FORMS}
_LONGEST_PHRASE = max(len(key) for key in _PHRASES)


def normalize(text: str) -> str:
    """Folded words of `text` with shorthand expanded and filler words dropped."""
    words = expand_shorthand(_NOT_WORD.sub(" ", fold(text)).split())
    if len(words) > 1 and words[-1] == "khong":
        words.pop()  # "có ... không?" asks yes or no; the "không" is not the topic
    return " ".join(word for word in words if word not in FILLERS)


def expand_shorthand(words: list[str]) -> list[str]:
    """Spell out chat shorthand ("ko", "sdt", "pc covid") and drop question forms ("làm sao")."""
    expanded: list[str] = []
    position = 0
    while position < len(words):
        for size in range(min(_LONGEST_PHRASE, len(words) - position), 0, -1):
            full = _PHRASES.get(tuple(words[position : position + size]))
            if full is not None:
                expanded.extend(full.split())
                position += size
                break
        else:
            expanded.append(words[position])
            position += 1
    return expanded
