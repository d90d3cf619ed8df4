"""Read a plain-text document into a cards folder for its author to review.

`deckgen extract` turns a document of the seed's shape into our cards format. Rules,
applied line by line (blank lines are skipped; every finding names its line):

- A **heading** is a line starting with a Chinese numeral and `、`: `一、明確定位,…`,
  up to `九十九、`. It starts a pillar. A line starting with a numeral and another
  separator (`五,` `五.` `五:` `五 `) is read as a heading too, with a warning,
  unless it reads as a sentence; a numeral that is not a number (`十十、`) or out of
  sequence (`三、` after `一、`) is reported.
- Before the first heading: an optional **title line** (short, no sentence-final
  punctuation), which names the deck, then the **introduction**, one or more lines.
- After a heading, each line is a **principle**. Its title is its first sentence (up to
  `。`, `!` or `?`) when that is at most 20 characters long, else the clause before its
  first comma when that is, as under the seed's pillar 三 (`服務領導,要多看多聽多想,…`).
  The rest of the line is its text. A line that is only a title (no text after it)
  is the title of the line that follows it.
- Pinyin annotations that websites insert (`務(wù)`: a Han character followed by a
  parenthesised, tone-marked syllable) are removed.

Ids are positional (`pillar-1`, `principle-1-2`, question `key-point`): ASCII, unique
by construction, and free of the text, as identities must be (deckgen never derives
identity from text). A romanisation of the Chinese titles would need a pronunciation
dictionary (pypinyin ships one of several megabytes) for ids that still need renaming
by hand to be meaningful; the author may rename any id before the first build.

Suggestions, marked in the YAML as such for the author to review: cloze phrases from
jieba's TF-IDF keyword ranking (2 to 4 per principle, never a word of the principle's or
its pillar's title, which the card shows as context), one question per principle with a
short answer (its first clause), and in the introduction the phrases it shares with the
pillar titles. jieba is imported only here; its dictionary ships with it, so extraction
works offline, and its cache goes to a private temporary folder, never a shared one.
"""

from __future__ import annotations

import logging
import re
import tempfile
import unicodedata
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from deckgen.atomic import write_text_atomically
from deckgen.chinese import (
    COLONS,
    COMMAS,
    ENUMERATION_COMMA,
    FULL_WIDTH_SEMICOLON,
    NUMERAL_CHARS,
    SEMICOLONS,
    SENTENCE_ENDS,
    SPACES,
    chinese_numeral,
    display_width,
    fix_cjk_punctuation,
    is_han_word,
    parse_numeral,
)
from deckgen.errors import ContentError, DeckgenError, Finding, Location, Severity
from deckgen.load import DECK_FILE, display_path
from deckgen.pinyin import strip_pinyin
from deckgen.script import Script, converter, detect_script
from deckgen.validate import is_slug, slugify

MAX_TITLE = 20  # characters of a principle title
MAX_ANSWER = 20  # characters of a suggested answer
MAX_DOC_TITLE = 30  # characters of a title line before the introduction
MIN_CLOZES, MAX_CLOZES = 2, 4
SUGGESTED = "suggested by deckgen extract: review the [[marks]] and the question"
QUESTION_ID = "key-point"

# What may follow a heading's numeral: 、 as it should, or (with a warning) a comma, a
# full stop or a colon, full-width or ASCII, or a space.
_HEADING_SEPARATORS = ENUMERATION_COMMA + COMMAS + ".\uff0e" + COLONS
_HEADING = re.compile(
    rf"^(?P<numeral>[{NUMERAL_CHARS}]+)(?P<sep>[{_HEADING_SEPARATORS}]|\s)\s*(?P<rest>.*)$"
)
_SENTENCE_END = SENTENCE_ENDS
_COMMAS = COMMAS
_SPACE = SPACES

# Boilerplate the extraction writes, in the document's own script.
# Boilerplate the extraction writes, in the document's own script, with its punctuation
# (full-width, written as escapes) and its quotation marks (corner brackets in
# Traditional, curly quotes in Simplified).
_WORDING: dict[Script, dict[str, str]] = {
    "traditional": {
        "quoted": "\u300c{title}\u300d",
        "question": "\u300c{title}\u300d的要點是什麼\uff1f",
        "deck_question": "{subject}的{count}個方面是什麼\uff1f",
        "this_text": "本文",
        "description": "依據 {source} 製作\uff1a{pillars} 個方面\u3001{principles} 條原則\u3002",
        "overview": "本文分為{count}個方面\uff1a{headings}\u3002",
    },
    "simplified": {
        "quoted": "\u201c{title}\u201d",
        "question": "\u201c{title}\u201d的要点是什么\uff1f",
        "deck_question": "{subject}的{count}个方面是什么\uff1f",
        "this_text": "本文",
        "description": "依据 {source} 制作\uff1a{pillars} 个方面\u3001{principles} 条原则\u3002",
        "overview": "本文分为{count}个方面\uff1a{headings}\u3002",
    },
}


class ExtractError(DeckgenError):
    """The document cannot be read, or the output would overwrite files."""


@dataclass(frozen=True)
class ExtractedPrinciple:
    line: int
    title: str
    text: str  # with the suggested [[cloze]] marks
    question: str
    answer: str


@dataclass(frozen=True)
class ExtractedPillar:
    line: int
    number: int
    title: str
    principles: tuple[ExtractedPrinciple, ...]


@dataclass(frozen=True)
class Document:
    """What was read from the document, and every problem found on the way."""

    source: str
    key: str
    name: str
    description: str
    introduction: str  # with the suggested [[cloze]] marks
    introduction_lines: tuple[int, ...]
    question: str
    pillars: tuple[ExtractedPillar, ...]
    script: Script | None
    pinyin_removed: int
    findings: tuple[Finding, ...]

    @property
    def principle_count(self) -> int:
        return sum(len(p.principles) for p in self.pillars)


@dataclass(frozen=True)
class ExtractResult:
    document: Document
    folder: Path
    written: tuple[Path, ...]
    foreign: tuple[Path, ...]  # YAML files already in the folder that were not written


@dataclass(frozen=True)
class _Line:
    number: int
    text: str


# --- reading ---------------------------------------------------------------------------


def read_document(
    text: str,
    source: str,
    *,
    key: str,
    name: str | None = None,
    keywords: Callable[[str, int], list[str]] | None = None,
) -> Document:
    """Parse a document's text. Never raises for content: problems become findings.

    `keywords(text, n)` ranks a text's keywords (default: jieba's TF-IDF); `source` is
    the path shown in findings.
    """
    findings: list[Finding] = []

    def report(line: int, severity: Severity, message: str) -> None:
        findings.append(Finding(Location(source, line, 1), severity, message))

    lines: list[_Line] = []
    pinyin_removed = 0
    for number, raw in enumerate(unicodedata.normalize("NFC", text).split("\n"), start=1):
        cleaned, removed = strip_pinyin(raw)
        pinyin_removed += removed
        cleaned = cleaned.strip(_SPACE)
        if "[[" in cleaned or "]]" in cleaned:
            cleaned = cleaned.replace("[[", "[ [").replace("]]", "] ]")
            report(number, "warning", "'[[' or ']]' is cloze markup in deckgen; spaced it out")
        if cleaned:
            lines.append(_Line(number, cleaned))

    script = detect_script(line.text for line in lines) or "traditional"
    wording = _WORDING[script]
    rank = keywords if keywords is not None else jieba_keywords()

    preamble: list[_Line] = []
    pillars: list[tuple[_Line, int, str, list[_Line]]] = []
    for line in lines:
        heading = _heading(line, report, expected=len(pillars) + 1)
        if heading is not None:
            number, title = heading
            pillars.append((line, number, title, []))
        elif pillars:
            pillars[-1][3].append(line)
        else:
            preamble.append(line)

    doc_title, title_line = "", 0
    if preamble and _is_title_line(preamble[0].text):
        first_line = preamble.pop(0)
        doc_title, title_line = fix_cjk_punctuation(first_line.text), first_line.number
    deck_name = name or doc_title or source.rsplit("/", 1)[-1].rsplit(".", 1)[0]

    if not lines:
        report(1, "error", "the document is empty")
    elif not pillars:
        report(
            1,
            "error",
            "no pillar heading found: a pillar starts with a line like '一、title' "
            "(a Chinese numeral and '、')",
        )

    extracted: list[ExtractedPillar] = []
    for index, (line, number, title, body) in enumerate(pillars, start=1):
        principles = _principles(body, index, title, rank, wording, report)
        if not principles:
            report(
                line.number,
                "error",
                f"pillar {chinese_numeral(number)}、{title} has no principles: add its paragraphs "
                "below the heading, or remove the heading",
            )
        extracted.append(
            ExtractedPillar(line.number, number, fix_cjk_punctuation(title), tuple(principles))
        )

    headings = [f"{chinese_numeral(i)}、{p.title}" for i, p in enumerate(extracted, start=1)]
    if preamble:
        introduction = fix_cjk_punctuation("\n".join(line.text for line in preamble))
        introduction = _mark_introduction(introduction, [p.title for p in extracted], rank)
    else:
        introduction = wording["overview"].format(
            count=chinese_numeral(len(extracted)), headings=FULL_WIDTH_SEMICOLON.join(headings)
        )
        if pillars:
            read_as = f" (line {title_line} is read as the title)" if title_line else ""
            report(
                pillars[0][0].number,
                "warning",
                f"no introduction before the first heading{read_as}; wrote one that lists "
                "the pillars: replace it with the document's own",
            )
    subject = wording["quoted"].format(title=doc_title) if doc_title else wording["this_text"]
    principle_count = sum(len(p.principles) for p in extracted)
    return Document(
        source=source,
        key=key,
        name=deck_name,
        description=wording["description"].format(
            source=source.rsplit("/", 1)[-1], pillars=len(extracted), principles=principle_count
        ),
        introduction=introduction,
        introduction_lines=tuple(line.number for line in preamble),
        question=wording["deck_question"].format(
            subject=subject, count=chinese_numeral(len(extracted))
        ),
        pillars=tuple(extracted),
        script=script,
        pinyin_removed=pinyin_removed,
        findings=tuple(sorted(findings)),
    )


def _heading(
    line: _Line, report: Callable[[int, Severity, str], None], expected: int
) -> tuple[int, str] | None:
    """(number, title) when the line is a pillar heading."""
    match = _HEADING.match(line.text)
    if match is None:
        return None
    numeral, sep, rest = match["numeral"], match["sep"], match["rest"].strip(_SPACE)
    if sep != ENUMERATION_COMMA:
        if not rest or len(rest) > MAX_DOC_TITLE or any(c in rest for c in _SENTENCE_END):
            return None  # a sentence that happens to start with a numeral
        shown = "a space" if sep.isspace() else f"'{sep}'"
        report(
            line.number,
            "warning",
            f"heading '{line.text}' has {shown} after its numeral: read it as pillar "
            f"{numeral}; write '{numeral}、{rest}' in the document",
        )
    if not rest:
        report(line.number, "warning", f"heading '{line.text}' has no title: skipped it")
        return None
    number = parse_numeral(numeral)
    if number is None:
        report(
            line.number,
            "warning",
            f"cannot read '{numeral}' as a number: read the line as pillar {expected}",
        )
        number = expected
    elif number != expected:
        report(
            line.number,
            "warning",
            f"heading {numeral}、 where {chinese_numeral(expected)}、 was expected: the "
            "pillars are numbered in the order they come",
        )
    return number, rest


def _is_title_line(text: str) -> bool:
    return len(text) <= MAX_DOC_TITLE and not any(c in text for c in _SENTENCE_END)


def split_title(paragraph: str) -> tuple[str, str] | None:
    """(title, text) of a principle paragraph; None when no title of MAX_TITLE fits."""
    ends = [paragraph.find(c) for c in _SENTENCE_END if c in paragraph]
    end = min(ends) if ends else len(paragraph)
    if end <= MAX_TITLE:
        return paragraph[:end].strip(_SPACE), paragraph[end + 1 :].strip(_SPACE)
    commas = [paragraph.find(c, 0, end) for c in _COMMAS if c in paragraph[:end]]
    comma = min(commas) if commas else -1
    if 0 < comma <= MAX_TITLE:
        return paragraph[:comma].strip(_SPACE), paragraph[comma + 1 :].strip(_SPACE)
    return None


def _principles(
    body: list[_Line],
    pillar_index: int,
    pillar_title: str,
    rank: Callable[[str, int], list[str]],
    wording: dict[str, str],
    report: Callable[[int, Severity, str], None],
) -> list[ExtractedPrinciple]:
    principles: list[ExtractedPrinciple] = []
    pending: _Line | None = None  # a line that is only a title
    for line in body:
        if pending is not None:
            title, text, first = pending.text.rstrip(_SENTENCE_END), line.text, pending
            pending = None
        else:
            split = split_title(line.text)
            first = line
            if split is None:
                ends = [line.text.find(c) for c in _SENTENCE_END + _COMMAS if c in line.text]
                cut = min(ends) if ends else len(line.text)
                title, text = line.text[:cut], line.text[cut + 1 :].strip(_SPACE)
                report(
                    line.number,
                    "warning",
                    f"no title of at most {MAX_TITLE} characters at the start of the paragraph "
                    f"(the first clause has {cut}): took the first clause; shorten it",
                )
            else:
                title, text = split
            if not text:
                pending = line
                continue
        if not title:
            report(first.number, "warning", "the paragraph starts with punctuation: skipped it")
            continue
        title, text = fix_cjk_punctuation(title), fix_cjk_punctuation(text)
        text = _mark_keywords(text, [title, pillar_title], rank)
        principles.append(
            ExtractedPrinciple(
                line=first.number,
                title=title,
                text=text,
                question=wording["question"].format(title=title),
                answer=_answer(text),
            )
        )
    if pending is not None:
        report(
            pending.number,
            "warning",
            f"'{pending.text}' looks like a title, but no paragraph follows it: skipped it",
        )
    return principles


# --- suggestions ----------------------------------------------------------------------------


def jieba_keywords() -> Callable[[str, int], list[str]]:
    """jieba's TF-IDF keyword ranking, quiet and offline, as `rank(text, n)`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # jieba imports pkg_resources, deprecated
        import jieba
        import jieba.analyse

    jieba.setLogLevel(logging.CRITICAL + 1)
    if not jieba.dt.initialized:
        # jieba caches its dictionary under a fixed name in the shared temp folder, and
        # would load whatever file is there: give it a private folder for this process.
        with tempfile.TemporaryDirectory(prefix="deckgen-jieba-") as private:
            jieba.dt.tmp_dir = private
            jieba.dt.initialize()
    to_simplified = converter("simplified")
    idf: dict[str, float] = jieba.analyse.default_tfidf.idf_freq

    def rank(text: str, n: int) -> list[str]:
        # jieba's dictionary is Simplified: rank the Simplified text and map the words
        # back by position (t2s changes characters one for one).
        simplified = to_simplified(text)
        aligned = len(simplified) == len(text)
        analysed = simplified if aligned else text
        scored: list[tuple[str, float]] = jieba.analyse.extract_tags(
            analysed, topK=4 * n, withWeight=True, allowPOS=_PARTS_OF_SPEECH
        )
        # Common words (工作, 時間, 要求) are easy to guess and say little: skip them.
        # Longer words (苦樂觀, 以苦為樂) make better clozes than two-character ones.
        kept = [(w, weight * _LENGTH_BONUS.get(len(w), 1.5)) for w, weight in scored]
        kept = [(w, score) for w, score in kept if idf.get(w, _MIN_IDF) >= _MIN_IDF]
        words = [w for w, _ in sorted(kept, key=lambda item: -item[1])][:n]
        if not aligned:
            return words
        originals = []
        for word in words:
            at = analysed.find(word)
            if at >= 0:
                originals.append(text[at : at + len(word)])
        return originals

    return rank


# Nouns, names, verbal nouns, idioms and set phrases; not bare verbs and adjectives
# (樹立, 提高, 琐碎), which make vague clozes.
_PARTS_OF_SPEECH = ("n", "nr", "ns", "nt", "nz", "vn", "an", "i", "l", "j")
_LENGTH_BONUS = {2: 1.0, 3: 1.3}
# Words at least this rare in jieba's corpus (its inverse document frequency; 工作 4.2,
# 部門 5.2, 團結 7.4, 價值觀 8.8, median 12).
_MIN_IDF = 7.0


def _mark_keywords(text: str, titles: list[str], rank: Callable[[str, int], list[str]]) -> str:
    """Mark 2 to 4 of the text's best keywords with [[...]], first occurrences, in order."""
    candidates = [w for w in rank(text, 12) if is_han_word(w)]
    fresh = [w for w in candidates if not any(w in t for t in titles)]
    if len(fresh) < MIN_CLOZES:
        fresh += [w for w in candidates if w not in fresh]
    spans: list[tuple[int, int]] = []
    for word in fresh:
        if len(spans) == MAX_CLOZES:
            break
        _add_span(text, word, spans)
    return _apply_marks(text, spans)


def _add_span(text: str, phrase: str, spans: list[tuple[int, int]]) -> bool:
    """Add the first occurrence of `phrase` that neither overlaps nor touches a span."""
    at = text.find(phrase)
    while at >= 0 and any(at <= e and s <= at + len(phrase) for s, e in spans):
        at = text.find(phrase, at + 1)
    if at < 0:
        return False
    spans.append((at, at + len(phrase)))
    return True


def _apply_marks(text: str, spans: list[tuple[int, int]]) -> str:
    out, pos = [], 0
    for start, end in sorted(spans):
        out.append(text[pos:start] + "[[" + text[start:end] + "]]")
        pos = end
    return "".join(out) + text[pos:]


def _mark_introduction(
    intro: str, pillar_titles: list[str], rank: Callable[[str, int], list[str]]
) -> str:
    """Mark the phrase the introduction shares with each pillar title (it names them)."""
    spans: list[tuple[int, int]] = []
    for title in pillar_titles:
        for phrase in _common_phrases(intro, title):
            if _add_span(intro, phrase, spans):
                break
    if len(spans) >= MIN_CLOZES:
        return _apply_marks(intro, spans)
    return _mark_keywords(intro, [], rank)


def _common_phrases(a: str, b: str) -> list[str]:
    """Han substrings of `b` (two characters or more) also in `a`, best first.

    A title's last words name its topic (樹立服務[意識]), so the longest shared ending
    of the title comes first, then the other shared phrases, longest first.
    """
    found = {
        b[i:j]
        for i in range(len(b))
        for j in range(i + 2, len(b) + 1)
        if is_han_word(b[i:j]) and b[i:j] in a
    }
    return sorted(found, key=lambda p: (not b.endswith(p), -len(p), b.find(p)))


def _answer(marked: str) -> str:
    """A short answer from the text: its first demand (a clause opening with 要, 必須…),
    else its first clause, else its marked phrases."""
    text = marked.replace("[[", "").replace("]]", "")
    clauses = [c.strip(_SPACE) for c in re.split(f"[{_SENTENCE_END}{_COMMAS}{SEMICOLONS}]", text)]
    short = [c for c in clauses if 4 <= len(c) <= MAX_ANSWER]
    demands = [c for c in short if c.startswith(_DEMANDS)]
    if demands:
        return demands[0]
    if short and short[0] == clauses[0]:
        return short[0]
    words: list[str] = []
    for word in re.findall(r"\[\[(.*?)\]\]", marked):
        if len("、".join([*words, word])) > MAX_ANSWER:
            break
        words.append(word)
    return "、".join(words) or (short or clauses)[0][:MAX_ANSWER]


# How a clause that says what to do opens (Traditional and Simplified).
_DEMANDS = ("要", "必須", "必须", "應", "应", "需要")


# --- writing ------------------------------------------------------------------------------


def yaml_scalar(value: str) -> str:
    """`value` as one line of YAML that reads back as exactly `value` (plain if it can)."""
    written = _dump(value)
    breaks = any(ch in written for ch in "\n\r\x85\u2028\u2029")
    if breaks or yaml.safe_load(f"key: {written}")["key"] != value:
        # PyYAML may fold a long value or write a line separator (U+0085, U+2028) as is,
        # which reads back as a space: a double-quoted scalar escapes everything.
        written = _dump(value, style='"')
    return written


def _dump(value: str, style: str | None = None) -> str:
    dumped = yaml.safe_dump(value, allow_unicode=True, width=float("inf"), default_style=style)
    return dumped.removesuffix("\n").removesuffix("\n...")


def _yaml_text(value: str, indent: str) -> str:
    """A value after `key:`: inline, or a literal block for several lines."""
    if "\n" in value and all(line and line == line.strip() for line in value.split("\n")):
        body = "\n".join(indent + "  " + line for line in value.split("\n"))
        return "|-\n" + body
    return yaml_scalar(value)


def render_cards(doc: Document) -> dict[str, str]:
    """The cards folder's files: {file name: YAML text}."""
    source = doc.source.rsplit("/", 1)[-1]
    lines = [
        f"# Written by `deckgen extract` from {source}.",
        "# Review it, then run `deckgen check` and `deckgen build`.",
        "# Every id (the key here, the id of each pillar, principle and question) is",
        "# permanent: it is each note's identity in Anki. Rename ids now, before the first",
        "# build, if you like; never after. The [[marks]] in the introduction and in each",
        "# principle's text, and the questions, are suggestions: review them.",
        f"key: {yaml_scalar(doc.key)}",
        f"name: {yaml_scalar(doc.name)}",
        f"description: {yaml_scalar(doc.description)}",
    ]
    if doc.introduction_lines:
        lines.append(
            f"# introduction: line {_line_range(doc.introduction_lines)}; the [[marks]] are "
            "suggestions"
        )
    lines.append(f"introduction: {_yaml_text(doc.introduction, '')}")
    lines.append(f"question: {yaml_scalar(doc.question)}")
    files = {DECK_FILE: "\n".join(lines) + "\n"}
    for index, pillar in enumerate(doc.pillars, start=1):
        pillar_id = f"pillar-{index}"
        out = [
            f"# Pillar {chinese_numeral(index)} of {source}, from line {pillar.line}.",
            f"id: {pillar_id}",
            f"title: {yaml_scalar(pillar.title)}",
            "principles:",
        ]
        for number, p in enumerate(pillar.principles, start=1):
            out += [
                f"  # line {p.line}: {SUGGESTED}",
                f"  - id: principle-{index}-{number}",
                f"    title: {yaml_scalar(p.title)}",
                f"    text: {_yaml_text(p.text, '    ')}",
                "    questions:",
                f"      - id: {QUESTION_ID}",
                f"        question: {yaml_scalar(p.question)}",
                f"        answer: {yaml_scalar(p.answer)}",
            ]
        files[f"{index}-{pillar_id}.yaml"] = "\n".join(out) + "\n"
    return files


def _line_range(numbers: tuple[int, ...]) -> str:
    if len(numbers) == 1:
        return str(numbers[0])
    return f"{numbers[0]}-{numbers[-1]}"


def extract_document(
    source: Path,
    out: Path | None = None,
    *,
    key: str | None = None,
    name: str | None = None,
    force: bool = False,
) -> ExtractResult:
    """Read `source` and write its cards folder to `out` (default cards/<key>).

    Raises ContentError (every finding, warnings too) when the document has errors, and
    ExtractError when it cannot be read or `out` already holds YAML files and not `force`.
    Nothing is written in either case.
    """
    shown = display_path(source)
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise ExtractError(f"cannot read {shown}: {exc.strerror or exc}") from None
    text = _decode(data, shown)
    deck_key = key if key is not None else (slugify(source.stem) or "deck")
    if not is_slug(deck_key):
        raise ExtractError(
            f"--key '{deck_key}' is not an ASCII kebab-case slug like 'office-service'"
        )
    doc = read_document(text, shown, key=deck_key, name=name)
    if any(f.severity == "error" for f in doc.findings):
        raise ContentError(list(doc.findings))
    folder = out if out is not None else Path("cards") / deck_key
    files = render_cards(doc)
    existing = sorted(_yaml_files(folder))
    if existing and not force:
        names = ", ".join(p.name for p in existing)
        raise ExtractError(
            f"{display_path(folder)} already holds {names}; pass --force to overwrite, or "
            "choose another folder with -o"
        )
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for file_name, content in files.items():
        path = folder / file_name
        write_text_atomically(path, content)
        written.append(path)
    foreign = tuple(p for p in existing if p.name not in files)
    return ExtractResult(doc, folder, tuple(written), foreign)


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return [p for p in folder.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml")]


def _decode(data: bytes, shown: str) -> str:
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ExtractError(
            f"{shown}:{line}: the document is not UTF-8; convert it first, e.g. "
            f"`iconv -f GB18030 -t UTF-8 {shown} > utf8.txt`"
        ) from None


def extract_summary(result: ExtractResult) -> list[str]:
    """What was found and written, for the CLI to print."""
    doc = result.document
    intro = (
        f"introduction (line {_line_range(doc.introduction_lines)})"
        if doc.introduction_lines
        else "no introduction"
    )
    lines = [
        f"Read {doc.source}: {intro}, {len(doc.pillars)} pillars, "
        f"{doc.principle_count} principles; removed {doc.pinyin_removed} pinyin annotations."
    ]
    width = max([display_width(p.title) for p in doc.pillars] + [10])
    for index, pillar in enumerate(doc.pillars, start=1):
        heading = f"{chinese_numeral(index)}、{pillar.title}"
        pad = " " * (width + 2 - display_width(heading))
        count = len(pillar.principles)
        lines.append(
            f"  {heading}{pad}  line {pillar.line:>4}  {count} principle{'s' if count != 1 else ''}"
        )
    folder = display_path(result.folder)
    lines.append(f"Wrote {folder}/: {DECK_FILE} and {len(doc.pillars)} pillar files.")
    for path in result.foreign:
        lines.append(
            f"  note: {display_path(path)} was there before and is still read as a pillar "
            "file: remove it if it is not part of this deck"
        )
    lines.append(
        "Next: review the suggested [[phrases]] and questions (marked '# suggested by "
        f"deckgen extract'), then `deckgen check --cards {folder}` and "
        f"`deckgen build --cards {folder}`."
    )
    return lines
