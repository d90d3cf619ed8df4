"""Draft a cards folder from a document, for its author to review.

`deckgen extract` reads plain text, Markdown and Word documents: a reader of each format
(`deckgen/readers/`) gives one `Outline` (`deckgen.outline`: the deck's title, the
introduction, pillars with principles, each with its title, text and bold phrases), and
this module, the same for every format, turns it into the cards folder:

- Ids are positional (`pillar-1`, `principle-1-2`, question `key-point`): ASCII, unique
  by construction, and free of the text, as identities must be (deckgen never derives
  identity from text). A romanisation of the Chinese titles would need a pronunciation
  dictionary (pypinyin ships one of several megabytes) for ids that still need renaming
  by hand to be meaningful; the author may rename any id before the first build.
- A principle's cloze marks are its bold phrases when the document has any; else they
  are suggestions from jieba's TF-IDF keyword ranking (2 to 4 per principle, only words
  of jieba's dictionary, never a word of the principle's or its pillar's title, which the
  card shows as context). One question per principle, with a short answer (its first
  clause that says what to do). In the introduction, the phrases it shares with the
  pillar titles. The YAML marks them as suggestions to review.
- Text is written as the document has it, but for its typography: an ASCII `, ? ! : ;`
  next to Chinese text becomes full-width, as `deckgen check` asks. The wording deckgen
  adds (questions, description) follows the document's script, with its punctuation and
  its quotation marks; `language:` says which script it is.

jieba is imported only here; its dictionary ships with it, so extraction works offline,
and its cache goes to a private temporary folder, never a shared one.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import unicodedata
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from deckgen.atomic import Staged, staged
from deckgen.chinese import (
    COMMAS,
    ENUMERATION_COMMA,
    FULL_WIDTH_SEMICOLON,
    QUOTES,
    SEMICOLONS,
    SENTENCE_ENDS,
    SPACES,
    chinese_numeral,
    display_width,
    fix_cjk_punctuation,
    is_han,
    is_han_word,
)
from deckgen.errors import ContentError, ExtractError, Finding, Location
from deckgen.language import SCRIPT_LANGUAGES
from deckgen.load import DECK_FILE, display_path, list_cards_folder
from deckgen.outline import Outline, Paragraph, Span, join_paragraphs
from deckgen.readers import read_outline
from deckgen.script import Script, converter, detect_script
from deckgen.validate import is_slug, slugify

MAX_ANSWER = 20  # characters of a suggested answer
MIN_CLOZES, MAX_CLOZES = 2, 4
SUGGESTED = "suggested by deckgen extract: review the [[marks]] and the question"
FROM_BOLD = "[[marks]] from the document's bold text; question suggested by deckgen extract"
QUESTION_ID = "key-point"
SCHEMA_LINE = "# yaml-language-server: $schema={path}/{kind}.schema.json"

# Boilerplate the extraction writes, in the document's own script, with its punctuation
# (full-width, written as escapes) and its quotation marks (QUOTES).
_WORDING: dict[Script, dict[str, str]] = {
    "traditional": {
        "question": "{quoted}的要點是什麼\uff1f",
        "deck_question": "{subject}的{count}個方面是什麼\uff1f",
        "this_text": "本文",
        "description": "依據 {source} 製作\uff1a{pillars} 個方面\u3001{principles} 條原則\u3002",
        "overview": "本文分為{count}個方面\uff1a{headings}\u3002",
    },
    "simplified": {
        "question": "{quoted}的要点是什么\uff1f",
        "deck_question": "{subject}的{count}个方面是什么\uff1f",
        "this_text": "本文",
        "description": "依据 {source} 制作\uff1a{pillars} 个方面\u3001{principles} 条原则\u3002",
        "overview": "本文分为{count}个方面\uff1a{headings}\u3002",
    },
}


@dataclass(frozen=True)
class ExtractedPrinciple:
    line: int
    title: str
    text: str  # with its [[cloze]] marks
    question: str
    answer: str
    from_bold: bool  # the marks are the document's bold phrases, not suggestions


@dataclass(frozen=True)
class ExtractedPillar:
    line: int
    number: int
    title: str
    principles: tuple[ExtractedPrinciple, ...]


@dataclass(frozen=True)
class Document:
    """The cards drafted from a document, and every problem found on the way."""

    source: str
    key: str
    name: str
    description: str
    introduction: str  # with its [[cloze]] marks
    introduction_lines: tuple[int, ...]
    question: str
    pillars: tuple[ExtractedPillar, ...]
    script: Script | None
    language: str | None  # zh-Hant or zh-Hans; None for a document without Han text
    pinyin_removed: int
    findings: tuple[Finding, ...]
    unit: str = "line"  # what the numbers of `line` count: "line" or "paragraph"

    @property
    def principle_count(self) -> int:
        return sum(len(p.principles) for p in self.pillars)


@dataclass(frozen=True)
class ExtractResult:
    document: Document
    folder: Path
    written: tuple[Path, ...]
    foreign: tuple[Path, ...]  # YAML files already in the folder that were not written
    schemas: str | None  # the schemas/ folder the files point editors at, relative to them


# --- from an outline to cards ------------------------------------------------------------


def draft_cards(
    outline: Outline,
    *,
    key: str,
    name: str | None = None,
    keywords: Callable[[str, int], list[str]] | None = None,
) -> Document:
    """The cards of a document's outline. Never raises for content: problems are findings.

    `keywords(text, n)` ranks a text's keywords (default: jieba's TF-IDF).
    """
    findings = list(outline.findings)
    texts = [outline.title, *(p.text for p in outline.introduction)]
    for pillar in outline.pillars:
        texts += [pillar.title, *(f"{p.title}{p.text.text}" for p in pillar.principles)]
    has_han = any(is_han(ch) for text in texts for ch in text)
    script = detect_script(texts) or "traditional"
    wording = _WORDING[script]
    left, right = QUOTES[script]
    rank = keywords if keywords is not None else jieba_keywords()

    pillars: list[ExtractedPillar] = []
    for pillar in outline.pillars:
        title = fix_cjk_punctuation(pillar.title)
        principles = []
        for p in pillar.principles:
            principle_title = fix_cjk_punctuation(p.title)
            text = _fixed(p.text)
            spans = _bold_spans(text)
            marked = (
                _apply_marks(text.text, spans)
                if spans
                else _mark_keywords(text.text, [principle_title, title], rank)
            )
            principles.append(
                ExtractedPrinciple(
                    line=p.line,
                    title=principle_title,
                    text=marked,
                    question=wording["question"].format(quoted=left + principle_title + right),
                    answer=_answer(marked),
                    from_bold=bool(spans),
                )
            )
        pillars.append(ExtractedPillar(pillar.line, pillar.number, title, tuple(principles)))

    headings = [
        f"{chinese_numeral(i)}{ENUMERATION_COMMA}{p.title}" for i, p in enumerate(pillars, 1)
    ]
    doc_title = fix_cjk_punctuation(outline.title)
    if outline.introduction:
        intro = _fixed(join_paragraphs(list(outline.introduction)))
        spans = _bold_spans(intro)
        introduction = (
            _apply_marks(intro.text, spans)
            if spans
            else _mark_introduction(intro.text, [p.title for p in pillars], rank)
        )
    else:
        introduction = wording["overview"].format(
            count=chinese_numeral(len(pillars)), headings=FULL_WIDTH_SEMICOLON.join(headings)
        )
        if pillars:
            read_as = (
                f" ({outline.unit} {outline.title_line} is read as the title)"
                if outline.title_line
                else ""
            )
            findings.append(
                Finding(
                    Location(outline.source, pillars[0].line, 1),
                    "warning",
                    f"no introduction before the first heading{read_as}; wrote one that "
                    "lists the pillars: replace it with the document's own",
                )
            )
    subject = left + doc_title + right if doc_title else wording["this_text"]
    source_name = outline.source.rsplit("/", 1)[-1]
    return Document(
        source=outline.source,
        key=key,
        name=name or doc_title or source_name.rsplit(".", 1)[0],
        description=wording["description"].format(
            source=source_name, pillars=len(pillars), principles=outline.principle_count
        ),
        introduction=introduction,
        introduction_lines=tuple(p.line for p in outline.introduction),
        question=wording["deck_question"].format(
            subject=subject, count=chinese_numeral(len(pillars))
        ),
        pillars=tuple(pillars),
        script=script,
        language=SCRIPT_LANGUAGES[script] if has_han else None,
        pinyin_removed=outline.pinyin_removed,
        findings=tuple(sorted(findings)),
        unit=outline.unit,
    )


def _fixed(paragraph: Paragraph) -> Paragraph:
    """The paragraph with its punctuation full-width next to Chinese text (one for one,
    so its bold phrases stay where they are)."""
    return Paragraph(paragraph.line, fix_cjk_punctuation(paragraph.text), paragraph.bold)


def _bold_spans(paragraph: Paragraph) -> list[Span]:
    """The paragraph's bold phrases as cloze spans: stripped of spaces, in order, those
    that touch merged into one, and none that would hide only punctuation."""
    spans: list[Span] = []
    for start, end in sorted(paragraph.bold):
        phrase = paragraph.text[start:end]
        start += len(phrase) - len(phrase.lstrip(SPACES + "\n"))
        end -= len(phrase) - len(phrase.rstrip(SPACES + "\n"))
        if not any(unicodedata.category(ch)[0] in "LNMS" for ch in paragraph.text[start:end]):
            continue  # bold punctuation: a cloze of it would test nothing
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return spans


# --- suggestions ----------------------------------------------------------------------------


def jieba_keywords() -> Callable[[str, int], list[str]]:
    """jieba's TF-IDF keyword ranking, quiet and offline, as `rank(text, n)`.

    Only words of jieba's dictionary are ranked: its HMM also proposes character runs it
    has never seen as words (第一泡宜短 -> 泡宜), which make nonsense clozes.
    """
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
    # jieba's dictionary: word -> frequency (its prefixes are there too, with 0).
    frequency: dict[str, int] = jieba.dt.FREQ

    def known(word: str) -> bool:
        return frequency.get(word, 0) > 0 or frequency.get(to_simplified(word), 0) > 0

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
        kept = [(w, weight * _LENGTH_BONUS.get(len(w), 1.5)) for w, weight in scored if known(w)]
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
    spans: list[Span] = []
    for word in fresh:
        if len(spans) == MAX_CLOZES:
            break
        _add_span(text, word, spans)
    return _apply_marks(text, spans)


def _add_span(text: str, phrase: str, spans: list[Span]) -> bool:
    """Add the first occurrence of `phrase` that neither overlaps nor touches a span."""
    at = text.find(phrase)
    while at >= 0 and any(at <= e and s <= at + len(phrase) for s, e in spans):
        at = text.find(phrase, at + 1)
    if at < 0:
        return False
    spans.append((at, at + len(phrase)))
    return True


def _apply_marks(text: str, spans: list[Span]) -> str:
    out, pos = [], 0
    for start, end in sorted(spans):
        out.append(text[pos:start] + "[[" + text[start:end] + "]]")
        pos = end
    return "".join(out) + text[pos:]


def _mark_introduction(
    intro: str, pillar_titles: list[str], rank: Callable[[str, int], list[str]]
) -> str:
    """Mark the phrase the introduction shares with each pillar title (it names them)."""
    spans: list[Span] = []
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


_CLAUSE_END = re.compile(f"[{SENTENCE_ENDS}{COMMAS}{SEMICOLONS}\n]")


def _answer(marked: str) -> str:
    """A short answer from the text: its first demand (a clause opening with 要, 必須…),
    else its first clause, else its marked phrases."""
    text = marked.replace("[[", "").replace("]]", "")
    clauses = [c.strip(SPACES) for c in _CLAUSE_END.split(text)]
    short = [c for c in clauses if 4 <= len(c) <= MAX_ANSWER]
    demands = [c for c in short if c.startswith(_DEMANDS)]
    if demands:
        return demands[0]
    if short and short[0] == clauses[0]:
        return short[0]
    words: list[str] = []
    for word in re.findall(r"\[\[(.*?)\]\]", marked):
        if len(ENUMERATION_COMMA.join([*words, word])) > MAX_ANSWER:
            break
        words.append(word)
    return ENUMERATION_COMMA.join(words) or (short or clauses)[0][:MAX_ANSWER]


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


def render_cards(doc: Document, schemas: str | None = None) -> dict[str, str]:
    """The cards folder's files: {file name: YAML text}.

    `schemas`: the path of a folder with deckgen's JSON Schemas, relative to the cards
    folder; each file's first line then points the YAML language server at its schema.
    """
    source = doc.source.rsplit("/", 1)[-1]

    def head(kind: str) -> list[str]:
        return [SCHEMA_LINE.format(path=schemas, kind=kind)] if schemas is not None else []

    lines = [
        *head("deck"),
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
            f"# introduction: {doc.unit} {_line_range(doc.introduction_lines)}; the [[marks]] "
            "are suggestions"
        )
    lines.append(f"introduction: {_yaml_text(doc.introduction, '')}")
    lines.append(f"question: {yaml_scalar(doc.question)}")
    if doc.language is not None:
        lines.append(f"language: {doc.language}  # the document's script")
    lines.append("subdecks: true  # each pillar in a subdeck of its own")
    files = {DECK_FILE: "\n".join(lines) + "\n"}
    for index, pillar in enumerate(doc.pillars, start=1):
        pillar_id = f"pillar-{index}"
        out = [
            *head("pillar"),
            f"# Pillar {chinese_numeral(index)} of {source}, from {doc.unit} {pillar.line}.",
            f"id: {pillar_id}",
            f"title: {yaml_scalar(pillar.title)}",
            "principles:",
        ]
        for number, p in enumerate(pillar.principles, start=1):
            out += [
                f"  # {doc.unit} {p.line}: {FROM_BOLD if p.from_bold else SUGGESTED}",
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


def schemas_for(folder: Path) -> str | None:
    """deckgen's JSON Schemas for a cards folder: the nearest `schemas/` folder holding
    them in the folder or above it (a checkout of deckgen, or a project that keeps them),
    as a path relative to the folder; None when there is none."""
    folder = folder.resolve()
    for place in (folder, *folder.parents):
        schemas = place / "schemas"
        try:
            found = all((schemas / f"{kind}.schema.json").is_file() for kind in ("deck", "pillar"))
        except OSError:  # a folder that cannot be looked into holds no schemas we can use
            continue
        if found:
            return Path(os.path.relpath(schemas, folder)).as_posix()
    return None


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
    ExtractError when it cannot be read, no deck key can be made from its file name, or
    `out` already holds YAML files and not `force`. Nothing is written in either case.
    """
    shown = display_path(source)
    deck_key = key if key is not None else slugify(source.stem)
    if not deck_key:
        raise ExtractError(
            f"cannot make a deck key from the file name '{source.name}': it has no ASCII "
            "letters or digits; pass one with --key, e.g. --key my-essay (the key is "
            "permanent: part of every note's identity)"
        )
    if not is_slug(deck_key):
        raise ExtractError(
            f"--key '{deck_key}' is not an ASCII kebab-case slug like 'office-service'"
        )
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise ExtractError(f"cannot read {shown}: {exc.strerror or exc}") from None
    doc = draft_cards(read_outline(source, data, shown), key=deck_key, name=name)
    if any(f.severity == "error" for f in doc.findings):
        raise ContentError(list(doc.findings))
    folder = out if out is not None else Path("cards") / deck_key
    schemas = schemas_for(folder)
    files = render_cards(doc, schemas)
    existing = sorted(_yaml_files(folder))
    if existing and not force:
        names = ", ".join(p.name for p in existing)
        raise ExtractError(
            f"{display_path(folder)} already holds {names}; pass --force to overwrite, or "
            "choose another folder with -o"
        )
    written = _write_all(folder, files)
    foreign = tuple(p for p in existing if p.name not in files)
    return ExtractResult(doc, folder, tuple(written), foreign, schemas)


def _write_all(folder: Path, files: dict[str, str]) -> list[Path]:
    """Write every file, or none: all are staged (written and synced) before any is
    renamed into place. ExtractError names what the system refused."""
    staged_files: list[Staged] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for file_name, content in files.items():
            with staged(folder / file_name) as (fh, done):
                fh.write(content.encode("utf-8"))
            staged_files.append(done)
        for done in staged_files:
            done.commit()
    except OSError as exc:
        raise ExtractError(
            f"cannot write {display_path(Path(exc.filename or folder))}: {exc.strerror or exc}"
        ) from None
    finally:
        for done in staged_files:
            done.discard()
    return [folder / name for name in files]


def _yaml_files(folder: Path) -> list[Path]:
    """The cards files already in `folder`, as the loader would read them."""
    try:
        if not folder.is_dir():
            return []
    except OSError as exc:
        raise ExtractError(f"cannot read {display_path(folder)}: {exc.strerror or exc}") from None
    return list(list_cards_folder(folder).files)


def extract_summary(result: ExtractResult) -> list[str]:
    """What was found and written, for the CLI to print."""
    doc = result.document
    intro = (
        f"introduction ({doc.unit} {_line_range(doc.introduction_lines)})"
        if doc.introduction_lines
        else "no introduction"
    )
    lines = [
        f"Read {doc.source}: {intro}, {len(doc.pillars)} pillars, "
        f"{doc.principle_count} principles; removed {doc.pinyin_removed} pinyin annotations."
    ]
    width = max([display_width(p.title) for p in doc.pillars] + [10])
    for index, pillar in enumerate(doc.pillars, start=1):
        heading = f"{chinese_numeral(index)}{ENUMERATION_COMMA}{pillar.title}"
        pad = " " * (width + 2 - display_width(heading))
        count = len(pillar.principles)
        lines.append(
            f"  {heading}{pad}  {doc.unit} {pillar.line:>4}  {count} "
            f"principle{'s' if count != 1 else ''}"
        )
    folder = display_path(result.folder)
    lines.append(f"Wrote {folder}/: {DECK_FILE} and {len(doc.pillars)} pillar files.")
    for path in result.foreign:
        lines.append(
            f"  note: {display_path(path)} was there before and is still read as a pillar "
            "file: remove it if it is not part of this deck"
        )
    if result.schemas is None:
        lines.append(
            "  note: no schemas/ folder with deckgen's JSON Schemas in or above "
            f"{folder}, so the files do not point your editor at one; see the README, "
            "'Completion and errors in your editor'"
        )
    lines.append(
        "Next: review the [[phrases]] and questions (marked '# suggested by deckgen "
        f"extract'), then `deckgen check --cards {folder}` and "
        f"`deckgen build --cards {folder}`."
    )
    return lines
