"""Bring a question to the form the matcher compares: folded, shorthand spelled out, filler dropped.

The same function runs on the knowledge base's phrasings and on what people
type, so "ko co sdt" and "Không có số điện thoại" end up as the same words.
"""

import re

from bot.text.fold import fold

_NOT_WORD = re.compile(r"[^a-z0-9]+")

# Folded shorthand → folded full form. Keys are word sequences; the longest
# sequence wins, so "pc covid" becomes one word before "pc" alone is tried.
# Shorthand is spelled out first, then question forms are read, so "lm sao"
# and "ntn" are questions of "how" too.
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
    ("phone",): "dien thoai", ("without",): "khong co",
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
    ("huong", "dan"): "cach", ("cach", "ly"): "cachly",  # "cách ly" is quarantine, not a "how"
    ("tai", "sao"): "taisao", ("vi", "sao"): "taisao", ("de", "lam", "gi"): "taisao",
    ("la", "gi"): "",
    ("how", "do", "i"): "cach", ("how", "can", "i"): "cach", ("how", "to"): "cach", ("how",): "cach",
}
# Single words that carry no topic: politeness, pronouns, particles. Not
# "minh" (thông minh), "nha" (nhà), "anh" (phản ánh) nor "ban" (bản đồ):
# folded, they are content words too. "cho" is also "chợ" but mostly "for".
# English ones for the English locale, leaving out those that are Vietnamese
# words once folded: "do" (đỏ), "to" (tờ), "can" (căn), "the" (thẻ), "in" (in).
FILLERS: frozenset[str] = frozenset(
    "a ah ad admin oi nhe nhi vay hoi em toi chi sao giup voi "
    "la thi de duoc gi nao cho "
    "i is my me am are what where who which for of it you your does should".split()
)


def normalize(text: str) -> str:
    """Folded words of `text` with shorthand expanded and filler words dropped."""
    words = _NOT_WORD.sub(" ", fold(text)).split()
    words = replace_phrases(replace_phrases(words, SHORTHANDS), QUESTION_FORMS)
    if len(words) > 1 and words[-1] == "khong":
        words.pop()  # "có ... không?" asks yes or no; the "không" is not the topic
    return " ".join(word for word in words if word not in FILLERS)


def replace_phrases(words: list[str], table: dict[tuple[str, ...], str]) -> list[str]:
    """Replace the word sequences found in `table`, longest first, left to right."""
    longest = max(len(key) for key in table)
    replaced: list[str] = []
    position = 0
    while position < len(words):
        for size in range(min(longest, len(words) - position), 0, -1):
            full = table.get(tuple(words[position : position + size]))
            if full is not None:
                replaced.extend(full.split())
                position += size
                break
        else:
            replaced.append(words[position])
            position += 1
    return replaced
