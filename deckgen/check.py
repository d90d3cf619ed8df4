"""`deckgen check`: everything `deckgen build` would refuse or warn about, without building.

Per deck: validation and the card-quality rules (rules), then the build's own plan up to
the point of writing (build.plan_deck, in a dry run): the lock (conflict markers, a
damaged file), what the changes would cost (the guards), stamps ahead of the clock.
Across decks: two decks sharing a key or a name (project).
"""

from __future__ import annotations

from pathlib import Path

from deckgen.errors import ContentError, DeckgenError, Finding, GuardError, Location, sort_findings
from deckgen.load import display_path, find_deck_folders
from deckgen.model import Deck
from deckgen.options import BuildOptions
from deckgen.project import default_output, project_findings
from deckgen.rules import check_cards


def check_project(root: Path) -> list[Finding]:
    """Every finding in every deck of a project: `root` and/or its `root/<deck>/` folders."""
    findings: list[Finding] = []
    decks: list[tuple[Path, Deck]] = []
    for folder in find_deck_folders(root):
        try:
            result = check_cards(folder)
        except ContentError as exc:
            findings.extend(exc.findings)
            continue
        findings.extend(result.findings)
        if result.deck is not None and not result.errors:
            decks.append((folder, result.deck))
    findings.extend(project_findings([deck for _, deck in decks]))
    for folder, deck in decks:
        findings.extend(build_findings(deck, folder, default_output(deck.key)))
    return sort_findings(findings)


def build_findings(deck: Deck, folder: Path, output: Path) -> list[Finding]:
    """What a build of `deck` to `output` would refuse (errors) or warn about."""
    from deckgen.build import plan_deck

    try:
        plan = plan_deck(deck, folder, output, BuildOptions(output=output, dry_run=True))
    except GuardError as exc:
        return exc.findings
    except ContentError as exc:
        return exc.findings
    except DeckgenError as exc:
        return [Finding(Location(display_path(folder)), "error", str(exc))]
    shown = display_path(output)
    return [w for w in plan.warnings if w.location.path != shown]
