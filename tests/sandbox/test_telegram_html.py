"""parse_html must give the text, entities and errors Telegram gives for parse_mode=HTML."""

import pytest

from bot.telegram_html import TelegramHTMLError, parse_html, utf16_len


def entity(kind: str, offset: int, length: int, **extra: object) -> dict[str, object]:
    return {"type": kind, "offset": offset, "length": length, **extra}


@pytest.mark.parametrize(
    ("html", "text", "entities"),
    [
        ("plain", "plain", []),
        ("<b>bold</b> x", "bold x", [entity("bold", 0, 4)]),
        ("<strong>a</strong><em>b</em><ins>c</ins><del>d</del>", "abcd",
         [entity("bold", 0, 1), entity("italic", 1, 1), entity("underline", 2, 1), entity("strikethrough", 3, 1)]),
        ("<s>s</s><strike>t</strike>", "st", [entity("strikethrough", 0, 1), entity("strikethrough", 1, 1)]),
        ("<b>a<i>b</i></b>", "ab", [entity("bold", 0, 2), entity("italic", 1, 1)]),
        ('<span class="tg-spoiler">x</span> <tg-spoiler>y</tg-spoiler>', "x y",
         [entity("spoiler", 0, 1), entity("spoiler", 2, 1)]),
        ('<a href="https://example.com">l</a>', "l", [entity("text_link", 0, 1, url="https://example.com/")]),
        ('<a href="https://example.com/path?q=1">l</a>', "l",
         [entity("text_link", 0, 1, url="https://example.com/path?q=1")]),
        ('<a href="tg://user?id=42">Hùng</a>', "Hùng", [entity("text_mention", 0, 4, user={"id": 42})]),
        ("<code>x &lt; 1</code>", "x < 1", [entity("code", 0, 5)]),
        ('<pre><code class="language-python">print(1)</code></pre>', "print(1)",
         [entity("pre", 0, 8, language="python")]),
        ("<pre>raw</pre>", "raw", [entity("pre", 0, 3)]),
        ("<blockquote>q</blockquote>", "q", [entity("blockquote", 0, 1)]),
        ("<blockquote expandable>q</blockquote>", "q", [entity("expandable_blockquote", 0, 1)]),
        ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍",
         [entity("custom_emoji", 0, 2, custom_emoji_id="5368324170671202286")]),
        ("&lt;&gt;&amp;&quot;&#65;&#x42;", '<>&"AB', []),
        ("&nbsp; &unknown; AT&T", "&nbsp; &unknown; AT&T", []),
        ("Việc <b>gấp</b> 😀 <i>x</i>", "Việc gấp 😀 x", [entity("bold", 5, 3), entity("italic", 12, 1)]),
        ("  \n<b> hi </b>\n ", "hi", [entity("bold", 0, 2)]),
        ("<b></b>x", "x", []),
        ("a\r\nb", "a\nb", []),
        ("<B>upper</B>", "upper", [entity("bold", 0, 5)]),
        ("<b>a</>", "a", [entity("bold", 0, 1)]),
    ],
)
def test_parses_like_telegram(html: str, text: str, entities: list[dict[str, object]]) -> None:
    assert parse_html(html) == (text, entities)


@pytest.mark.parametrize(
    ("html", "description"),
    [
        ("Hello <foo>x</foo>", 'Unsupported start tag "foo" at byte offset 6'),
        ("Tiếng <br>", 'Unsupported start tag "br" at byte offset 8'),  # byte, not character, offset
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</i>", 'Can\'t find end tag corresponding to start tag "b"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("a <b", "Unclosed start tag at byte offset 2"),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<a href>x</a>", 'Expected equal sign in declaration of an attribute of the tag "a" at byte offset 0'),
        ("<a href=x=y>z</a>", "Unexpected end of name token at byte offset 8"),
        ('<tg-emoji emoji-id="0">x</tg-emoji>', "Invalid custom emoji identifier specified"),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
    ],
)
def test_errors_use_telegrams_wording(html: str, description: str) -> None:
    with pytest.raises(TelegramHTMLError) as raised:
        parse_html(html)
    assert raised.value.description == "can't parse entities: " + description


def test_invalid_links_are_dropped_not_errors() -> None:
    assert parse_html('<a href="javascript:alert(1)">x</a>') == ("x", [])


def test_utf16_len_counts_surrogate_pairs() -> None:
    assert utf16_len("abc") == 3
    assert utf16_len("Việt") == 4
    assert utf16_len("😀") == 2


def test_length_limit_applies_to_parsed_text() -> None:
    text, _ = parse_html("<b>" + "a" * 4096 + "</b>")
    assert utf16_len(text) == 4096
