"""`deckgen check`: everything `deckgen build` would refuse or warn about, without building.

Per deck: the build's own plan up to the point of writing (build.plan_deck, in a dry run
without rows): validation and the card-quality rules of every file, the lock (conflict
markers, a damaged file), what the changes would cost (the guards), stamps ahead of the
clock. Across decks: two decks sharing a key or a name (project).
"""

from __future__ import annotations

from pathlib import Path

from deckgen.errors import ContentError, DeckgenError, Finding, Location, sort_findings
from deckgen.load import display_path, find_deck_folders
from deckgen.options import BuildOptions
from deckgen.project import default_output, project_findings
from deckgen.validate import DeckFile, validate_deck_file


def check_project(root: Path) -> list[Finding]:
    """Every finding in every deck of a project: `root` and/or its `root/<deck>/` folders."""
    from deckgen.build import plan_deck
    from deckgen.guards import loss_findings

    findings: list[Finding] = []
    deck_files: list[DeckFile] = []
    for folder in find_deck_folders(root):
        try:
            deck_files.append(validate_deck_file(folder))
        except ContentError as exc:
            findings.extend(exc.findings)
    findings.extend(project_findings([d.deck for d in deck_files if d.deck is not None]))
    for deck_file in deck_files:
        output = default_output(deck_file.deck.key if deck_file.deck is not None else "deck")
        options = BuildOptions(output=output, dry_run=True, accept_loss=True, write_rows=False)
        try:
            plan = plan_deck(deck_file, output, options)
        except ContentError as exc:
            findings.extend(exc.findings)
            continue
        except DeckgenError as exc:
            where = Location(display_path(deck_file.listing.folder))
            findings.append(Finding(where, "error", str(exc)))
            continue
        shown = display_path(output)
        findings.extend(w for w in plan.warnings if w.location.path != shown)
        findings.extend(loss_findings(plan.changes.losses, plan.deck))
    return sort_findings(findings)
