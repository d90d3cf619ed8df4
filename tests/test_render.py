"""Cards on a phone: every card of the shipped deck, rendered by Anki, read in Chromium.

The deck is built by the CLI and imported into a real collection; Anki's own renderer
gives each side (`card.question()`, `card.answer()`, which carry the note type's CSS),
wrapped as the clients wrap it and loaded at 360×740 in headless Chromium, by day and
in each client's night mode. See tests/browser.py for what the audit measures.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest

import tests.browser as browser_module
from deckgen.notetypes import note_types
from tests.browser import (
    PHONE,
    SCREENSHOTS,
    RenderedCard,
    audit,
    client_html,
    drawn_font,
    launch_browser,
    phone_page,
    relative_luminance,
    render_deck,
)
from tests.helpers import SHIPPED_CARDS

# The night-mode classes each client puts on the element that has .card.
MODES = {
    "day": "",
    "night-desktop-ankidroid": "nightMode night_mode",
    "night-ankimobile": "nightMode",
    "night-old-ankidroid": "night_mode",
}


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> list[RenderedCard]:
    folder = tmp_path_factory.mktemp("render") / "cards"
    shutil.copytree(SHIPPED_CARDS, folder)
    return render_deck(folder)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_browser()


# --- what a learner sees, in a real browser ---------------------------------------


@pytest.mark.parametrize("mode", sorted(MODES))
def test_every_card_reads_well_on_a_phone(shipped: list[RenderedCard], browser: Any, mode: str):
    """No sideways scrolling at 360 px, text of at least 16 px, contrast of at least
    4.5:1 for all text and for the cloze deletion, nothing loaded from anywhere."""
    night = bool(MODES[mode])
    guarded = phone_page(browser)
    problems: list[str] = []
    pages = 0
    for card in shipped:
        for side, html in (("front", card.question), ("back", card.answer)):
            guarded.page.set_content(client_html(html, card.card_ord, MODES[mode]))
            pages += 1
            result = audit(guarded.page)
            assert result.inner_width == PHONE["width"]
            where = f"{card.key} card {card.card_ord + 1} {side}"
            problems += [f"{where}: {p}" for p in result.problems()]
            if card.is_cloze and not result.clozes:
                problems.append(f"{where}: no visible cloze deletion")
            background = relative_luminance(result.body_background)
            if (background < 0.05) != night:
                problems.append(f"{where}: background luminance {background:.2f} in {mode}")
    guarded.page.context.close()
    assert pages == 2 * len(shipped) == 196
    assert problems == []
    assert guarded.outside == []


@pytest.mark.browser
def test_without_chromium_browser_tests_skip_but_fail_under_ci(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(browser_module, "CHROMIUM", Path("/nowhere/chromium"))
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv("CI", raising=False)
    reason = "Chromium is missing at /nowhere/chromium (apt-get install chromium fonts-noto-cjk)"
    with pytest.raises(pytest.skip.Exception) as skipped:
        next(launch_browser())
    assert skipped.value.msg == reason
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception) as failed:
        next(launch_browser())
    assert failed.value.msg == f"CI must run the browser tests: {reason}"


def test_the_audit_catches_each_kind_of_problem(browser: Any):
    """The checks above can fail: a page that breaks every rule is caught on each."""
    guarded = phone_page(browser)
    bad = (
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<body class="card" style="font-size: 14px; background: #fff; color: #999">'
        '<div style="width: 500px">wide and pale</div>'
        '<span class="cloze" style="color: #bbb; font-size: 20px">[...]</span>'
        '<img src="https://example.invalid/x.png" alt=""></body>'
    )
    guarded.page.set_content(bad)
    problems = audit(guarded.page).problems()
    guarded.page.context.close()
    assert problems == [
        "scrolls sideways: 508px wide in 360px",
        "body text is 14px (< 16.0px)",
        'text div "wide and pale" has contrast 2.85 (< 4.5)',
        'text div "wide and pale" is 14px (< 16.0px)',
        'cloze deletion span.cloze "[...]" has contrast 1.92 (< 4.5)',
    ]
    assert guarded.outside == ["https://example.invalid/x.png"]


def test_the_system_chinese_font_is_used(shipped: list[RenderedCard], browser: Any):
    """On Linux (and Android) the stack lands on Noto Sans CJK TC, with Traditional glyphs."""
    card = next(c for c in shipped if c.is_cloze)
    lang, family, fonts = drawn_font(browser, card)
    assert lang == "zh-Hant"
    assert family == "Noto Sans CJK TC", fonts


def test_font_stack_names_each_platforms_chinese_fonts():
    css = note_types()["cloze"].css
    stack = re.search(r"\.card \{[^}]*?font-family:([^;]+);", css, re.S)
    assert stack is not None
    families = [f.strip().strip('"') for f in stack.group(1).split(",")]
    for font in (
        "PingFang TC",  # iOS, macOS
        "Microsoft JhengHei",  # Windows
        "Noto Sans CJK TC",  # Android, Linux
        "Source Han Sans TC",  # Linux
    ):
        assert font in families, font
    assert families[-1] == "sans-serif"


def test_cards_use_no_script_and_nothing_from_outside():
    forbidden = re.compile(
        r"<script|<link|<img|<iframe|<object|javascript:|\son[a-z]+=|url\(|@import|@font-face|https?:",
        re.I,
    )
    for nt in note_types().values():
        for text in (nt.css, *(t.front for t in nt.templates), *(t.back for t in nt.templates)):
            assert forbidden.search(text) is None, forbidden.search(text)


@pytest.mark.anki
def test_card_css_is_what_anki_shows(shipped: list[RenderedCard]):
    css = note_types()["cloze"].css
    assert {c.css for c in shipped} == {css}
    for card in shipped:
        assert card.question == f"<style>{css}</style>{card.question_text}"


# --- listening: --tts ----------------------------------------------------------------


def _plain(text: str) -> str:
    """Text as TTS reads it on the back: clozes filled in, tags gone, entities decoded,
    whitespace dropped (Anki reads list items apart; the words are what count)."""
    text = re.sub(r"\{\{c\d+::(.*?)(?:::.*?)?\}\}", r"\1", text)
    return "".join(unescape(re.sub(r"<[^>]+>", "", text)).split())


@pytest.mark.anki
def test_tts_reads_each_back_in_a_taiwanese_voice(
    shipped: list[RenderedCard], tmp_path: Path
) -> None:
    from anki.sound import TTSTag

    folder = tmp_path / "cards"
    shutil.copytree(SHIPPED_CARDS, folder)
    spoken = render_deck(folder, "--tts")
    assert len(spoken) == len(shipped) == 98
    for card in spoken:
        assert card.question_av == [], card.key
        assert all(isinstance(t, TTSTag) and t.lang == "zh_TW" for t in card.answer_av)
        texts = [_plain(t.field_text) for t in card.answer_av]
        if card.is_cloze:
            # The whole principle, answer filled in; the play button right after it.
            assert texts == [_plain(card.fields["Text"])], card.key
            assert "[anki:play:a:0]</div>" in card.answer_text
        else:
            assert texts == [_plain(card.fields["Question"]), _plain(card.fields["Answer"])]
            assert " [anki:play:a:0]</div>" in card.answer_text
            assert " [anki:play:a:1]</div>" in card.answer_text
    # Without --tts, nothing is spoken and no tag is left in the templates.
    assert all(c.question_av == [] and c.answer_av == [] for c in shipped)
    assert all("[anki:play" not in c.answer and "tts" not in c.answer for c in shipped)


# --- pictures for a person --------------------------------------------------------


SCREENSHOT_CARDS = {
    "cloze": lambda c: c.is_cloze and "/principle/" in c.key and c.card_ord == 1,
    "qa": lambda c: "/qa/" in c.key,
    "pillar": lambda c: "/pillar/" in c.key,
}


def test_screenshots_for_a_person(shipped: list[RenderedCard], browser: Any):
    """Writes test-output/screenshots/<kind>-<side>-<mode>.png, and card-example.png
    (the picture in the README, docs/card-example.png)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    guarded = phone_page(browser)
    written = []
    for kind, pick in SCREENSHOT_CARDS.items():
        card = next(c for c in shipped if pick(c))
        for side, html in (("front", card.question), ("back", card.answer)):
            for mode, classes in (("day", ""), ("night", MODES["night-desktop-ankidroid"])):
                guarded.page.set_content(client_html(html, card.card_ord, classes))
                path = SCREENSHOTS / f"{kind}-{side}-{mode}.png"
                guarded.page.screenshot(path=str(path))
                written.append(path)
    guarded.page.context.close()

    # A cloze card's back by day beside a question-answer card's back at night.
    shown = [
        (next(c for c in shipped if SCREENSHOT_CARDS[kind](c)), classes)
        for kind, classes in (("cloze", ""), ("qa", MODES["night-desktop-ankidroid"]))
    ]
    example = browser.new_page(viewport={"width": 2 * PHONE["width"] + 16, "height": 330})
    frame = "<iframe srcdoc='{}' style='width:360px;height:100%;border:0'></iframe>"
    sides = "".join(
        frame.format(client_html(card.answer, card.card_ord, classes).replace("'", "&#39;"))
        for card, classes in shown
    )
    example.set_content(
        "<body style='margin:0;height:330px;display:flex;gap:16px;background:#8d877b'>"
        f"{sides}</body>"
    )
    path = SCREENSHOTS / "card-example.png"
    example.screenshot(path=str(path))
    example.close()
    written.append(path)
    for path in written:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
    assert len(written) == 13
