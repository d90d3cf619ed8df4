"""`deckgen preview`: the page, its rendering (the same as Anki's), and the page in Chromium."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deckgen.errors import TemplateError
from deckgen.notetypes import note_types
from deckgen.preview import render_template, write_preview
from tests.browser import (
    PHONE,
    audit,
    launch_browser,
    phone_page,
    relative_luminance,
    render_deck,
)
from tests.helpers import MINI_DECK, SHIPPED_CARDS, import_apkg, run_cli, write_cards

# The mini deck with what the shipped deck lacks: a hint, an Extra (note), characters
# that HTML, templates and MathJax treat specially, a description with markup.
RICH_DECK = {
    **MINI_DECK,
    "deck.yaml": MINI_DECK["deck.yaml"].replace(
        "description: A small deck for tests.",
        "description: '<img src=x onerror=alert(1)> \\(not math\\)'",
    ),
    "1-first.yaml": r"""
        id: first
        title: First <pillar> & co \(x\)
        principles:
          - id: alpha
            title: Alpha "principle"
            text: Keep [[calm::a feeling \]] & [[carry \(on\)]] with {the} work, 1 < 2.
            note: Said in 1939; see <https://example.org>.
            questions:
              - id: what
                question: What do you keep, {really} \[or not\]?
                answer: calm & steady
        """,
}


def _cards_by_key(folder: Path) -> dict[tuple[str, int], tuple[str, str]]:
    """(note key, card ordinal) -> (front, back) as deckgen preview renders them."""
    result = write_preview(folder, folder.parent / "preview")
    return {
        (f"{p.deck.key}/{c.note.key}", c.card_ord): (c.front, c.back)
        for p in result.decks
        for c in p.cards
    }


@pytest.mark.parametrize("deck", ["shipped", "rich"])
@pytest.mark.anki
def test_preview_renders_every_card_exactly_as_anki(tmp_path: Path, deck: str):
    """Each side, as preview draws it, is character for character Anki's own rendering
    (question_text/answer_text) of the built and imported deck: same text, same markup."""
    folder = tmp_path / "cards"
    if deck == "shipped":
        shutil.copytree(SHIPPED_CARDS, folder)
    else:
        write_cards(folder, RICH_DECK)
    previewed = _cards_by_key(folder)
    anki = render_deck(folder)
    assert sorted(previewed) == sorted((c.key, c.card_ord) for c in anki)
    for card in anki:
        front, back = previewed[(card.key, card.card_ord)]
        assert front == card.question_text, card.key
        assert back == card.answer_text, card.key
    if deck == "rich":
        hinted = next(c for c in anki if c.key == "mini/principle/alpha/cloze" and c.card_ord == 0)
        assert (
            '<span class="cloze" data-cloze="calm" data-ordinal="1">'
            "[a feeling \\<span></span>]</span>"
        ) in hinted.question_text
        assert '<div class="extra">Said in 1939; see &lt;https://example.org&gt;.</div>' in (
            hinted.answer_text
        )


def test_template_features_preview_cannot_render_are_errors():
    fields = {"Text": "{{c1::a}}", "Extra": ""}
    assert render_template("{{#Extra}}x{{/Extra}}{{^Extra}}y{{/Extra}}", fields, 0, question=True)
    with pytest.raises(TemplateError) as exc:
        render_template("{{tts zh_TW:Text}}", fields, 0, question=False)
    assert str(exc.value) == "template: {{tts zh_TW:Text}} is not supported in previews"
    with pytest.raises(TemplateError) as exc:
        render_template("{{#Extra}}x", fields, 0, question=True)
    assert str(exc.value) == "template: section {{#Extra}} is never closed"
    with pytest.raises(TemplateError) as exc:
        render_template("{{Back}}", fields, 0, question=True)
    assert str(exc.value) == "template: unknown field 'Back'"


def test_front_side_is_the_rendered_front():
    fields = {"Text": "x {{c1::a}} {{c2::b::hint}}"}
    back = render_template("{{FrontSide}}|{{cloze:Text}}", fields, 1, question=False,
                           front_side="FRONT")  # fmt: skip
    assert back == (
        'FRONT|x <span class="cloze-inactive" data-ordinal="1">a</span> '
        '<span class="cloze" data-ordinal="2">b</span>'
    )


# --- the command -------------------------------------------------------------------


def test_preview_command_says_where_it_wrote(tmp_path: Path):
    out = tmp_path / "look"
    result = run_cli("preview", "--cards", SHIPPED_CARDS, "-o", out)
    assert result.exit_code == 0, result.output
    page = out / "index.html"
    assert result.stdout == (
        f"Wrote {page}: 98 cards of 51 notes.\nOpen it in a browser: {page.as_uri()}\n"
    )
    assert page.read_text(encoding="utf-8").startswith("<!doctype html>")


def test_preview_default_is_dist_preview(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    shutil.copytree(SHIPPED_CARDS, tmp_path / "cards")
    monkeypatch.chdir(tmp_path)
    result = run_cli("preview")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "Wrote dist/preview/index.html: 98 cards of 51 notes."
    assert (tmp_path / "dist" / "preview" / "index.html").is_file()


def test_preview_shows_every_deck_of_a_project(tmp_path: Path):
    project = tmp_path / "cards"
    write_cards(project / "a", MINI_DECK)
    other = MINI_DECK["deck.yaml"].replace("key: mini", "key: other").replace("Mini", "Other")
    second = {**MINI_DECK, "deck.yaml": other}
    write_cards(project / "b", second)
    result = run_cli("preview", "--cards", project, "-o", tmp_path / "look")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        f"Wrote {tmp_path / 'look' / 'index.html'}: 2 decks, 28 cards of 20 notes."
    )
    page = (tmp_path / "look" / "index.html").read_text(encoding="utf-8")
    assert page.count('<section class="pv-deck"') == 2


def test_content_errors_are_reported_as_by_build(mini_cards: Path, tmp_path: Path):
    pillar = mini_cards / "1-first.yaml"
    pillar.write_text(pillar.read_text().replace("answer: calm", "anwser: calm"))
    out = tmp_path / "look"
    result = run_cli("preview", "--cards", mini_cards, "-o", out)
    built = run_cli("build", "--cards", mini_cards, "-o", tmp_path / "d.apkg")
    assert result.exit_code == built.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == built.stderr
    lines = result.stderr.splitlines()
    assert any(line.startswith(f"{pillar}:10:9: error: unknown key 'anwser'") for line in lines)
    assert re.fullmatch(r"Aborted with \d+ errors?: nothing was written\.", lines[-1])
    assert not out.exists()


def test_a_folder_that_cannot_be_written_is_a_clear_error(mini_cards: Path, tmp_path: Path):
    """Bug: '-o FILE/sub' (under a regular file) ended in 'error: FILE/sub: Not a directory;
    nothing was written', naming neither the page nor what could not be written."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_cli("preview", "--cards", mini_cards, "-o", blocker / "sub")
    assert result.exit_code == 1
    assert (
        result.output == f"error: cannot write {blocker / 'sub' / 'index.html'}: Not a directory\n"
    )
    assert blocker.read_text() == "not a folder"


# --- the page in a browser --------------------------------------------------------


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_preview(SHIPPED_CARDS, tmp_path_factory.mktemp("preview")).output


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_browser()


def _open(browser: Any, page_file: Path, viewport: dict[str, int] | None = None) -> Any:
    guarded = phone_page(browser, viewport)
    guarded.allow.add(page_file.as_uri())
    guarded.page.goto(page_file.as_uri())
    return guarded


def _background(page: Any, selector: str) -> float:
    rgb = page.eval_on_selector(
        selector,
        "e => getComputedStyle(e).backgroundColor.match(/[\\d.]+/g).slice(0, 3).map(Number)",
    )
    return relative_luminance(tuple(rgb))


def test_page_opens_from_disk_with_every_card(browser: Any, page_file: Path):
    guarded = _open(browser, page_file)
    page = guarded.page
    assert page.locator(".pv-day .card").count() == 2 * 98  # a front and a back each
    fronts = page.locator(".pv-front .pv-day .card:visible")
    assert fronts.count() == 98  # the built deck's card count (test_import)
    assert page.locator(".pv-night .card:visible").count() == 0
    headings = page.locator(".pv-group h3").all_inner_texts()
    assert [h.split(" ")[0] for h in headings] == [
        "一、明確定位\uff0c樹立服務意識",
        "二、內外兼修\uff0c樹立服務形象",
        "三、統籌兼顧\uff0c明確服務重心",
        "四、加強鍛煉\uff0c提升服務能力",
        "整體",
    ]
    assert audit(page).problems() == []
    page.context.close()
    assert guarded.outside == []


def test_day_night_switch(browser: Any, page_file: Path):
    guarded = _open(browser, page_file)
    page = guarded.page
    assert _background(page, ".pv-page") > 0.7
    page.click("label[for=pv-night]")
    assert _background(page, ".pv-page") < 0.05
    assert _background(page, ".pv-night .card") < 0.05
    assert page.locator(".pv-front .card:visible").count() == 98
    assert page.locator(".pv-day .card:visible").count() == 0
    classes = page.eval_on_selector(".pv-front .card >> visible=true", "e => e.className")
    assert "nightMode" in classes and "night_mode" in classes
    assert audit(page).problems() == []  # contrast still holds, at night
    page.click("label[for=pv-night]")
    assert _background(page, ".pv-page") > 0.7
    page.context.close()
    assert guarded.outside == []


def test_phone_width_view(browser: Any, page_file: Path):
    guarded = _open(browser, page_file, {"width": 1280, "height": 900})
    page = guarded.page
    widths = "els => [...new Set(els.map(e => e.getBoundingClientRect().width))]"
    # Each card itself, inside its frame, is exactly as wide as a phone's screen.
    assert page.eval_on_selector_all(".pv-day > .card", widths) == [PHONE["width"]]
    page.click("label[for=pv-wide]")
    assert page.eval_on_selector_all(".pv-day > .card", widths) == [720]
    page.context.close()
    # On a phone itself the page fits the screen.
    guarded = _open(browser, page_file)
    result = audit(guarded.page)
    assert result.scroll_width <= result.inner_width == PHONE["width"]
    guarded.page.context.close()


def test_page_has_no_script_and_loads_nothing(page_file: Path):
    """The switches are pure CSS; the page's Content-Security-Policy forbids every load."""
    page = page_file.read_text(encoding="utf-8")
    assert re.search(r"<script|javascript:|\son[a-z]+=|url\(|@import|https?://", page) is None
    assert (
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">" in page
    )
    assert f"<style>\n{note_types()['cloze'].css}\n</style>" in page  # the deck's CSS, as is


@pytest.mark.anki
def test_preview_shows_the_description_as_anki_stores_it(tmp_path: Path):
    """The deck overview shows the description as HTML: the preview shows the same HTML."""
    from anki.collection import Collection

    folder = write_cards(tmp_path / "cards", RICH_DECK)
    assert run_cli("preview", "--cards", folder, "-o", tmp_path / "look").exit_code == 0
    assert run_cli("build", "--cards", folder, "-o", tmp_path / "d.apkg").exit_code == 0
    col = Collection(str(tmp_path / "c.anki2"))
    try:
        import_apkg(col, tmp_path / "d.apkg")
        deck = col.decks.by_name("Mini deck")
        assert deck is not None
        stored = deck["desc"]
    finally:
        col.close()
    assert stored == "&lt;img src=x onerror=alert(1)&gt; \\<span></span>(not math\\<span></span>)"
    page = (tmp_path / "look" / "index.html").read_text(encoding="utf-8")
    assert f'<p class="pv-description">{stored}</p>' in page
