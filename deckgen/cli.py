"""The `deckgen` command line: parse options, call the library, print, exit.

This module imports neither yaml nor genanki: heavy modules load only inside the
commands that need them, so `deckgen --help` stays instant.
"""

from __future__ import annotations

import functools
import gc
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NoReturn, ParamSpec, TypeVar

import click

from deckgen import exiting

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

    from deckgen.errors import ContentError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _fail(message: str) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(1)


def _abort(exc: ContentError) -> NoReturn:
    """Every finding as path:line:col, then one line that says nothing was written."""
    for finding in exc.findings:
        click.echo(str(finding), err=True)
    n = exc.error_count
    _fail(f"Aborted with {n} error{'s' if n != 1 else ''}: nothing was written.")


def reports_errors(command: Callable[_P, _R]) -> Callable[_P, _R]:
    """The one place where the library's errors become messages and exit status 1.

    A content error lists every finding as path:line:col; any other error deckgen
    raises is one `error:` line; what the system refuses (a full disk, a name too long,
    permissions) and running out of memory likewise: never a traceback for anything a
    user can cause. Anything else is a bug in deckgen, and shows as one. Every command
    has it as its last decorator, and cli.py catches nothing anywhere else
    (tests/test_errors.py). The library raises typed errors that name the file; the
    OSError branch is the last resort for one it missed, and says only what failed.
    """

    @functools.wraps(command)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        from deckgen.errors import ContentError, DeckgenError

        try:
            return command(*args, **kwargs)
        except ContentError as exc:
            _abort(exc)
        except DeckgenError as exc:
            _fail(f"error: {exc}")
        except OSError as exc:
            # Not "nothing was written": it cannot know (a closed standard output fails
            # once the deck and lock are in place, tests/test_errors.py).
            where = f"{exc.filename}: " if exc.filename else ""
            _fail(f"error: {where}{exc.strerror or exc}")
        except MemoryError:
            _fail("error: out of memory; nothing was written")
        except RecursionError:
            _fail("error: the input nests too deeply; nothing was written")

    return run


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM as Ctrl-C: every temporary file is removed on the way out, 'Aborted!'."""
    raise KeyboardInterrupt


_cards_option = click.option(
    "--cards",
    "cards",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("cards"),
    show_default=True,
    help="The cards folder: deck.yaml and one YAML file per pillar; or one such folder "
    "per deck inside it (cards/<deck>/deck.yaml).",
)


class _ProgressBar:
    """A bar on stderr, one per stage, once a build has taken two seconds.

    Passed to the library as its progress callback (the library never prints), and only
    when stderr is a terminal: piped or captured output stays clean.
    """

    DELAY = 2.0

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.bar: ProgressBar[int] | None = None
        self.stage = ""
        self.done = 0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.bar is None and time.monotonic() - self.started < self.DELAY:
            return
        if self.bar is None or stage != self.stage:
            self.close()
            self.bar = click.progressbar(
                length=max(total, 1), label=f"{stage:<16}", file=sys.stderr
            )
            self.bar.__enter__()
            self.stage, self.done = stage, 0
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """--version: the version is read only here (see deckgen.__getattr__)."""
    if not value or ctx.resilient_parsing:
        return
    from deckgen import _version

    click.echo(f"deckgen, version {_version()}")
    ctx.exit()


@click.group(context_settings=CONTEXT)
@click.option(
    "-V",
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help="Show the version and exit.",
)
def cli() -> None:
    """Turn the principles of a study text into Anki flashcards.

    deckgen reads principles kept as YAML under cards/, makes cloze and
    question-answer notes tagged by pillar, and packages them as an .apkg deck.
    Rebuilds keep every note's identity, so importing a new build updates your
    notes in place and keeps all your reviews.

    \b
    Example:
      deckgen build                 # cards/ -> dist/<deck key>.apkg
      deckgen build -o ~/deck.apkg  # somewhere else
    """


@cli.command(context_settings=CONTEXT)
@_cards_option
@click.option(
    "-o",
    "--out",
    "out",
    type=click.Path(),
    default=None,
    help="Where to write the deck: a file NAME.apkg, or a folder NAME/ to write <deck "
    "key>.apkg into (a folder when there are several decks).  [default: dist/<deck key>.apkg]",
)
@click.option(
    "--frozen",
    is_flag=True,
    help="Fail instead of changing the lock file (for CI and reviewers).",
)
@click.option(
    "--accept-loss",
    is_flag=True,
    help="Build even if a change costs review history (a removed cloze phrase, an id "
    "changed by hand, a renamed deck, a lost lock).",
)
@click.option(
    "--tts/--no-tts",
    default=None,
    help="Add Anki text-to-speech tags to the back of each card, or not, for this build "
    "only.  [default: the deck's 'tts:' setting]",
)
@click.option(
    "--script",
    type=click.Choice(["simplified", "traditional"]),
    default=None,
    help="Convert every text to Simplified or Traditional characters with OpenCC (t2s or "
    "s2tw). The deck name and every note's identity stay: switching script updates the "
    "notes in place.  [default: the cards' own script]",
)
@reports_errors
def build(
    cards: Path,
    out: str | None,
    frozen: bool,
    accept_loss: bool,
    tts: bool | None,
    script: Literal["simplified", "traditional"] | None,
) -> None:
    """Check the cards and build the .apkg deck (or every deck of the project).

    Every content error is reported as path:line:col and nothing is written; a
    previously built deck stays as it was. After a build, the summary lists notes
    and cards per pillar and what changed since the last build (from the lock file
    cards/deckgen.lock, which you commit with the cards).

    A project may keep several decks, one folder each (cards/<deck>/deck.yaml):
    they are all built, each into dist/<deck key>.apkg with its own lock.

    \b
    Examples:
      deckgen build
      deckgen build --cards my-cards -o dist/mine.apkg
      deckgen build --frozen        # in CI: fail if the lock is out of date
      deckgen build --accept-loss   # after a change that costs history, on purpose
      deckgen build --script simplified -o dist/simplified.apkg
      deckgen build -o dist/simplified/    # a folder: dist/simplified/<deck key>.apkg
    """
    from deckgen.build import BuildOptions, UpToDate, build_decks
    from deckgen.report import build_summary, up_to_date_summary

    bar = _ProgressBar() if sys.stderr.isatty() else None
    options = BuildOptions(
        output=Path(out) if out is not None else None,
        output_is_folder=out is not None and out.endswith(("/", os.sep)),
        frozen=frozen,
        accept_loss=accept_loss,
        tts=tts,
        script=script,
        progress=bar,
        notice=lambda line: click.echo(line, err=True),
    )
    try:
        for count, result in enumerate(build_decks(cards, options)):
            exiting.keep(result)
            if bar is not None:
                bar.close()
            if count:
                click.echo("")
            if isinstance(result, UpToDate):
                click.echo(up_to_date_summary(result))
                continue
            for warning in result.warnings:
                click.echo(str(warning), err=True)
            for line in build_summary(result):
                click.echo(line)
            if result.script is not None:
                from deckgen.script import conversion_summary

                click.echo(conversion_summary(result.script))
            if result.script_switched_from is not None:
                from deckgen.script import switch_summary

                click.echo(switch_summary(result.script_switched_from, result.script))
    finally:
        if bar is not None:
            bar.close()


@cli.command(context_settings=CONTEXT)
@_cards_option
@click.option(
    "-o",
    "--out",
    "out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="The folder to write index.html into.  [default: dist/preview]",
)
@reports_errors
def preview(cards: Path, out: Path | None) -> None:
    """Write a web page showing every card, front and back, before you import.

    The page is drawn with the deck's own templates and style, grouped by pillar,
    with a day/night switch and phone-width or wide cards. It is one static file:
    open it from disk in any browser, no server and no network needed. With several
    decks in the project, the page shows them all. Content errors are reported as
    path:line:col, as by `deckgen build`.

    \b
    Example:
      deckgen preview                  # cards/ -> dist/preview/index.html
      deckgen preview -o /tmp/look     # somewhere else
    """
    from deckgen.load import display_path
    from deckgen.preview import write_preview

    result = write_preview(cards, out)
    decks = f"{len(result.decks)} decks, " if len(result.decks) > 1 else ""
    click.echo(
        f"Wrote {display_path(result.output)}: {decks}{result.card_count} cards of "
        f"{result.note_count} notes."
    )
    click.echo(f"Open it in a browser: {result.output.resolve().as_uri()}")


@cli.command(context_settings=CONTEXT)
@_cards_option
@click.option("--strict", is_flag=True, help="Fail on warnings too, not only on errors.")
@reports_errors
def check(cards: Path, strict: bool) -> None:
    """Check the cards for mistakes and card-quality problems, without building.

    Prints every finding as path:line:col: error|warning: message, by file and
    line, then a total. Errors (bad YAML, unknown keys, duplicate ids, broken
    [[cloze]] marks, ...) stop a build, and so does everything a build would
    refuse (a change that costs review history, a lock with merge-conflict
    markers, two decks sharing a key or a name); warnings (an answer too long to
    recall, a cloze hiding most of its sentence, leftover pinyin, a lock stamped
    ahead of the clock, ...) do not. The README lists every rule and how to tune
    the warnings in deck.yaml.

    Exit status: 0 without errors, 1 with errors (or with warnings under --strict).

    \b
    Example:
      deckgen check
      deckgen check --strict        # in CI: warnings fail too
    """
    from deckgen.check import check_project
    from deckgen.load import display_path

    findings = check_project(cards)
    for finding in findings:
        click.echo(str(finding))
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = sum(1 for f in findings if f.severity == "warning")  # notes fail nothing
    total = (
        f"Checked {display_path(cards)}: {_count(errors, 'error')}, {_count(warnings, 'warning')}"
    )
    if strict and warnings and not errors:
        total += " (--strict: warnings fail the check)"
    click.echo(total + ".")
    if errors or (strict and warnings):
        sys.exit(1)


@cli.command(context_settings=CONTEXT)
@click.argument(
    "kind", type=click.Choice(["deck", "pillar", "cards"]), default="cards", required=False
)
@reports_errors
def schema(kind: str) -> None:
    """Print a JSON Schema of the cards format, for editors.

    KIND is deck (deck.yaml), pillar (the other files of the cards folder) or
    cards (either of them; the default). With the schema, an editor running the
    YAML language server (VS Code's YAML extension, and others) completes keys,
    explains them and underlines mistakes while you type; see the README.

    \b
    Example:
      deckgen schema deck > schemas/deck.schema.json
      deckgen schema pillar > schemas/pillar.schema.json
    """
    from deckgen.schema import schema_json

    click.echo(schema_json(kind), nl=False)


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def _check_key(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from deckgen.validate import is_slug

    if value is not None and not is_slug(value):
        raise click.BadParameter(f"'{value}' is not an ASCII kebab-case slug like 'my-essay'")
    return value


@cli.command(context_settings=CONTEXT)
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option(
    "-o",
    "--out",
    "out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="The cards folder to write.  [default: cards/<deck key>]",
)
@click.option(
    "--key",
    callback=_check_key,
    default=None,
    help="The deck key: permanent, ASCII kebab-case.  [default: from the file name, when it "
    "has ASCII letters or digits]",
)
@click.option(
    "--name",
    default=None,
    help="The deck's name in Anki.  [default: the document's title (a title line, a # "
    "heading, Word's Title style), or its file name]",
)
@click.option("--force", is_flag=True, help="Overwrite YAML files already in the folder.")
@reports_errors
def extract(source: Path, out: Path | None, key: str | None, name: str | None, force: bool) -> None:
    """Make a cards folder from a document, for you to review.

    SOURCE is plain text (.txt), Markdown (.md) or Word (.docx). Plain text: an
    introduction, pillar headings numbered 一、 二、 ..., one paragraph per principle,
    whose title is its first sentence (or the clause before its first comma when that
    sentence is long). Markdown: # names the deck, ## headings are pillars, ### headings
    (or paragraphs and list items) principles, **bold** phrases their cloze marks. Word:
    the Title, Heading 1 and Heading 2 styles are #, ## and ###, bold runs **bold**.
    Pinyin annotations such as 務(wù) are removed, ASCII punctuation next to Chinese text
    is made full-width. Other cloze phrases [[...]] and one question per principle are
    suggestions (jieba keyword ranking): review them, then check and build. Every line
    that could not be read is reported as path:line. Existing files are never
    overwritten without --force.

    \b
    Example:
      deckgen extract essay.md --key my-essay    # writes cards/my-essay/
      deckgen check --cards cards/my-essay
      deckgen build --cards cards/my-essay
    """
    from deckgen.extract import extract_document, extract_summary

    result = extract_document(source, out, key=key, name=name, force=force)
    for finding in result.document.findings:
        click.echo(str(finding), err=True)
    for line in extract_summary(result):
        click.echo(line)


@cli.command(context_settings=CONTEXT)
@_cards_option
@click.argument("old_id")
@click.argument("new_id")
@reports_errors
def rename(cards: Path, old_id: str, new_id: str) -> None:
    """Give a pillar, principle or question a new id; its notes keep their history.

    A note's identity in Anki comes from the ids it was first built under: an id
    changed by hand makes new notes, and the old ones (retired) keep the reviews.
    `rename` changes the id in the YAML, keeping the file's comments and layout,
    and writes the old id beside it as 'renamed_from:', which every build uses as
    the notes' identity (in a fresh clone and without the lock too). Name a
    question as PRINCIPLE/QUESTION when its id is used in several principles.
    After an id was already changed by hand, `rename OLD NEW` records it.

    \b
    Example:
      deckgen rename serve-leaders support-leaders
      deckgen rename support-leaders/same-wavelength in-tune
      deckgen rename --cards cards/my-essay pillar-1 awareness
    """
    from deckgen.load import display_path
    from deckgen.rename import rename_id

    result = rename_id(cards, old_id, new_id)
    where = f"{display_path(result.path)}:{result.line}"
    if result.recorded_only:
        click.echo(
            f"Recorded the rename of {result.kind} '{result.old}' to '{result.new}' "
            f"({where}: renamed_from: {result.identity})."
        )
    else:
        click.echo(f"Renamed {result.kind} '{result.old}' to '{result.new}' ({where}).")
    click.echo(
        f"Its notes keep their identity ('{result.identity}') and every card's history: "
        "build and import as usual."
    )


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    # A process runs one command and ends: the cyclic garbage collector would only walk
    # what it made, once re-enabled after a build (deckgen.gcpause) and again at exit
    # (0.2 s and 0.1 s after a 100,000-note build), to find nothing to free.
    gc.disable()
    try:
        with exiting.ends_process():
            cli(prog_name="deckgen")
    finally:
        gc.freeze()


if __name__ == "__main__":  # pragma: no cover
    main()
