"""Shared by test_render and test_preview: every card as Anki renders it, and headless
Chromium: launch, a guarded phone page, and the audit.

One browser per test module (launching costs a second or two), pages reused across
cards. `audit()` measures what a learner would suffer from in the page: horizontal
scrolling, small text, low contrast (WCAG: text and cloze deletions need 4.5:1), and
`PhonePage.outside` lists every request the page tried to make to anywhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import import_apkg, run_cli

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 360, "height": 740}
MIN_CONTRAST = 4.5
MIN_FONT_PX = 16.0
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-output" / "screenshots"


# --- Anki's rendering -------------------------------------------------------------


@dataclass(frozen=True)
class RenderedCard:
    """One card of an imported deck, as Anki renders it (`*_text`: without the <style>)."""

    key: str
    card_ord: int
    is_cloze: bool
    question: str
    answer: str
    question_text: str
    answer_text: str
    css: str
    question_av: list[Any]
    answer_av: list[Any]
    fields: dict[str, str]


def render_deck(folder: Path, *build_args: str) -> list[RenderedCard]:
    """Build `folder` with the CLI, import it into a fresh collection, render every card."""
    from anki.collection import Collection

    apkg = folder.parent / f"{folder.name}.apkg"
    result = run_cli("build", "--cards", folder, "-o", apkg, *build_args)
    assert result.exit_code == 0, result.output
    col = Collection(str(folder.parent / f"{folder.name}.anki2"))
    try:
        import_apkg(col, apkg)
        cards = []
        for cid in col.find_cards(""):
            card = col.get_card(cid)
            note = card.note()
            output = card.render_output()
            note_type = note.note_type()
            assert note_type is not None
            cards.append(
                RenderedCard(
                    key=note["Key"],
                    card_ord=card.ord,
                    is_cloze=note_type["type"] == 1,
                    question=card.question(),
                    answer=card.answer(),
                    question_text=output.question_text,
                    answer_text=output.answer_text,
                    css=note_type["css"],
                    question_av=card.question_av_tags(),
                    answer_av=card.answer_av_tags(),
                    fields=dict(note.items()),
                )
            )
        return cards
    finally:
        col.close()


# --- the browser -------------------------------------------------------------------


def _missing() -> str:
    """Why the browser tests cannot run here, or '' if they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        return f"Chromium is missing at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)"
    fc_list = shutil.which("fc-list")
    if fc_list:
        found = subprocess.run([fc_list, ":lang=zh-tw", "family"], capture_output=True, text=True)
        if not found.stdout.strip():
            return "no Traditional Chinese font is installed (apt-get install fonts-noto-cjk)"
    return ""


def launch_browser() -> Iterator[Any]:
    """Yield a headless Chromium; skip without one, but fail under CI (CI=... set)."""
    reason = _missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests: {reason}", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    executable = CHROMIUM if CHROMIUM.exists() else Path(str(shutil.which("chromium")))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PhonePage:
    """A 360×740 page that lets no request out: each one is recorded and aborted, except
    the page's own file (`allow`)."""

    page: Any
    allow: set[str] = field(default_factory=set)
    outside: list[str] = field(default_factory=list)

    def _record(self, url: str) -> bool:
        """True if the page may load `url`; otherwise note it (once)."""
        if url in self.allow:
            return True
        if url not in self.outside:
            self.outside.append(url)
        return False

    def _route(self, route: Any) -> None:
        if self._record(route.request.url):
            route.continue_()
        else:
            route.abort()

    def _request(self, request: Any) -> None:
        # Also sees what routing may not (file: URLs, for one).
        self._record(request.url)


def phone_page(browser: Any, viewport: dict[str, int] | None = None) -> PhonePage:
    context = browser.new_context(
        viewport=viewport or PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    guarded = PhonePage(context.new_page())
    guarded.page.route("**/*", guarded._route)
    guarded.page.on("request", guarded._request)
    return guarded


def client_html(qa: str, card_ord: int, night_classes: str = "") -> str:
    """A rendered side (`card.question()`/`card.answer()`, which start with the note
    type's <style>) wrapped the way the Anki clients wrap it: the body has the classes
    card, card<n> and, at night, the client's night-mode classes; the side is in #qa."""
    classes = f"card card{card_ord + 1} {night_classes}".strip()
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'</head><body class="{classes}"><div id="qa">{qa}</div></body></html>'
    )


def drawn_font(browser: Any, card: RenderedCard) -> tuple[str, str, list[dict[str, Any]]]:
    """The front of `card` on a phone page: the `lang` its text is in, the font family
    Chromium drew most of its glyphs with, and every font it used (CSS.getPlatformFontsForNode)."""
    guarded = phone_page(browser)
    page = guarded.page
    page.set_content(client_html(card.question, card.card_ord, ""))
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": ".text"})["nodeId"]
    fonts: list[dict[str, Any]] = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    lang = page.evaluate("document.querySelector('.deckgen').closest('[lang]').lang")
    page.context.close()
    return lang, max(fonts, key=lambda f: f["glyphCount"])["familyName"], fonts


# Runs in the page. Colours are composited over the backgrounds below them, up to the
# canvas (white), so a translucent background is measured as it is seen.
_AUDIT_JS = """
(root) => {
  const scope = root ? document.querySelector(root) : document.body;
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, under) => {
    const a = top[3] + under[3] * (1 - top[3]);
    if (a === 0) return [0, 0, 0, 0];
    const mix = (i) => (top[i] * top[3] + under[i] * under[3] * (1 - top[3])) / a;
    return [mix(0), mix(1), mix(2), a];
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    let bg = [255, 255, 255, 1];
    for (const c of layers.reverse()) bg = over(c, bg);
    return bg;
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const ratio = (a, b) => {
    const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const describe = (el) => {
    const cls = [...el.classList].map((c) => '.' + c).join('');
    return el.tagName.toLowerCase() + cls + ' "' + el.textContent.trim().slice(0, 16) + '"';
  };
  const visible = (el) =>
    el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const texts = [];
  for (const el of scope.querySelectorAll('*')) {
    if (!visible(el)) continue;
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const bg = background(el);
    const fg = over(parse(getComputedStyle(el).color), bg);
    texts.push({
      where: describe(el),
      cloze: el.classList.contains('cloze'),
      contrast: ratio(fg, bg),
      font: parseFloat(getComputedStyle(el).fontSize),
      background: bg,
    });
  }
  return {
    scrollWidth: document.scrollingElement.scrollWidth,
    // The layout viewport: on a phone, window.innerWidth grows when a page zooms out
    // to fit content that is too wide, so it would hide the very overflow we look for.
    innerWidth: Math.min(window.innerWidth, document.documentElement.clientWidth),
    bodyFont: parseFloat(getComputedStyle(document.body).fontSize),
    bodyBackground: background(document.body),
    texts,
  };
}
"""


@dataclass(frozen=True)
class TextSample:
    where: str
    cloze: bool
    contrast: float
    font: float
    background: tuple[float, ...]


@dataclass(frozen=True)
class Audit:
    scroll_width: int
    inner_width: int
    body_font: float
    body_background: tuple[float, ...]
    texts: list[TextSample]

    @property
    def clozes(self) -> list[TextSample]:
        return [t for t in self.texts if t.cloze]

    def problems(self) -> list[str]:
        """Everything that breaks the rules of issue 4, one line each."""
        found = []
        if self.scroll_width > self.inner_width:
            found.append(f"scrolls sideways: {self.scroll_width}px wide in {self.inner_width}px")
        if self.body_font < MIN_FONT_PX:
            found.append(f"body text is {self.body_font}px (< {MIN_FONT_PX}px)")
        for t in self.texts:
            if t.contrast < MIN_CONTRAST:
                what = "cloze deletion" if t.cloze else "text"
                found.append(f"{what} {t.where} has contrast {t.contrast:.2f} (< {MIN_CONTRAST})")
            if t.font < MIN_FONT_PX:
                found.append(f"text {t.where} is {t.font}px (< {MIN_FONT_PX}px)")
        return found


def audit(page: Any, root: str | None = None) -> Audit:
    raw = page.evaluate(_AUDIT_JS, root)
    return Audit(
        raw["scrollWidth"],
        raw["innerWidth"],
        raw["bodyFont"],
        tuple(raw["bodyBackground"]),
        [
            TextSample(t["where"], t["cloze"], t["contrast"], t["font"], tuple(t["background"]))
            for t in raw["texts"]
        ],
    )


def relative_luminance(rgba: tuple[float, ...]) -> float:
    def channel(v: float) -> float:
        v /= 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(rgba[0]) + 0.7152 * channel(rgba[1]) + 0.0722 * channel(rgba[2])
