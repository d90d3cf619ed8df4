"""Human-readable summaries of a build; no printing here, the CLI prints."""

from __future__ import annotations

from deckgen.build import BuildResult, UpToDate
from deckgen.chinese import display_width
from deckgen.load import display_path


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"


def key_search(deck_key: str, key: str) -> str:
    """The Anki search that finds a note by the Key field deckgen writes."""
    return f'"Key:{deck_key}/{key}"'


def up_to_date_summary(result: UpToDate) -> str:
    return (
        f"No changes since the last build: {display_path(result.output)} is up to date, "
        "nothing written."
    )


def build_summary(result: BuildResult) -> list[str]:
    deck = result.deck
    lines = [f"Built deck '{deck.name}' ({deck.key})"]
    width = max([display_width(g.title) for g in result.groups if g.title] + [16])
    for g in result.groups:
        title = g.title or "(deck overview)"
        pad = " " * (width - display_width(title))
        lines.append(f"  {title}{pad}  {g.notes:>5} notes  {g.cards:>5} cards")
    lines.append(
        f"  total: {len(result.notes)} notes, {result.card_count} cards, "
        f"{len(deck.pillars)} pillars, {sum(len(p.principles) for p in deck.pillars)} principles"
    )
    lines.extend(change_report(result))
    lines.append(f"Wrote {display_path(result.output)} ({human_size(result.size)})")
    if result.lock_written:
        lines.append(f"Updated {display_path(result.lock_path)}: commit it with the cards.")
    return lines


def change_report(result: BuildResult) -> list[str]:
    c = result.changes
    if c.first_build:
        return [f"First build: no lock yet; all {len(result.notes)} notes are new."]
    if not c.any:
        return ["No changes since the last build: importing updates nothing."]
    lines = [
        f"Changes since the last build: {len(c.added)} added, {len(c.changed)} changed, "
        f"{len(c.removed)} removed, {len(c.unchanged)} unchanged notes; "
        f"{c.cards_added} new cards."
    ]
    for note in c.added:
        lines.append(f"  + {note.key}")
    for note in c.changed:
        lines.append(f"  ~ {note.key}")
    for old in c.removed:
        lines.append(
            f"  - {old.key}: stays in the learner's collection (import never deletes); "
            f"find it in Anki's browser with {key_search(result.deck.key, old.key)}"
        )
    for kind in c.note_types_changed:
        lines.append(f"  note type '{kind}': templates or style updated")
    for loss in c.losses:
        lines.append(f"  accepted loss: {loss.message}")
    return lines
