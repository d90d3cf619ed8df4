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
    titles = [_group_title(g.title, g.retired) for g in result.groups]
    width = max([display_width(t) for t in titles] + [16])
    for g, title in zip(result.groups, titles, strict=True):
        pad = " " * (width - display_width(title))
        lines.append(f"  {title}{pad}  {g.notes:>5} notes  {g.cards:>5} cards")
    plan = result.plan
    lines.append(
        f"  total: {plan.note_count} notes, {plan.card_count} cards, "
        f"{len(plan.pillars)} pillars, {plan.principle_count} principles"
    )
    lines.extend(change_report(result))
    lines.append(f"Wrote {display_path(result.output)} ({human_size(result.size)})")
    if result.lock_written:
        lines.append(f"Updated {display_path(result.lock_path)}: commit it with the cards.")
    return lines


def _group_title(title: str, retired: bool) -> str:
    if retired:
        return "(retired)"
    return title or "(deck overview)"


def change_report(result: BuildResult) -> list[str]:
    plan = result.plan
    c = plan.changes
    lines = []
    if plan.recovered_from is not None:
        lines.append(
            f"No lock file: rebuilt it from {plan.recovered_from} (every note's identity, "
            "stamp and cloze numbers), so importing this build changes only what changed "
            "since."
        )
    elif c.first_build:
        accepted = [f"  accepted loss: {loss.message}" for loss in c.losses]
        if accepted:
            return [f"No lock file: all {len(c.added)} notes get new stamps.", *accepted]
        return [f"First build: no lock yet; all {len(c.added)} notes are new."]
    restamped = plan.restamped
    if not c.any and not restamped:
        return [
            *lines,
            "No changes since the last build: importing updates nothing.",
            *subdeck_report(result),
        ]
    lines.append(
        f"Changes since the last build: {len(c.added)} added, {len(c.changed)} changed, "
        f"{len(c.retired)} retired, {c.unchanged} unchanged notes; "
        f"{c.cards_added} new cards."
    )
    revived = set(c.revived)
    for key in c.added:
        lines.append(f"  + {key}")
    for key in c.changed:
        lines.append(f"  ~ {key}{' (back from retirement)' if key in revived else ''}")
    for key, where in restamped.items():
        lines.append(
            f"  ~ {key}: as the lock has it, but {where} has other content (a revert?): "
            "stamped anew so that importing brings it back"
        )
    if c.retired:
        from deckgen.generate import retired_tag  # not for a no-op build's summary

        tag = retired_tag(result.deck.key)
        lines.append(
            f"  Retired {len(c.retired)} notes the cards no longer make: they stay in the "
            f"learner's collection, tagged {tag} and showing a notice that they may be "
            f"deleted (search tag:{tag} in Anki's browser):"
        )
        for key in c.retired:
            lines.append(f"  - {key}  ({key_search(result.deck.key, key)})")
    for kind in c.note_types_changed:
        lines.append(f"  note type '{kind}': templates or style updated")
    lines.extend(subdeck_report(result))
    for loss in c.losses:
        lines.append(f"  accepted loss: {loss.message}")
    return lines


def subdeck_report(result: BuildResult) -> list[str]:
    """What the learner must do about subdecks: Anki never moves a card on import."""
    plan = result.plan
    key = result.deck.key
    lines = []
    if plan.subdecks_new:
        lines.append(
            f"  Subdecks: new cards of each pillar go into '{result.deck.name}::<pillar>'; "
            "the cards the learner has stay where they are (Anki never moves cards on "
            f"import). To move a pillar's: in Anki's browser search tag:{key}::<pillar id>, "
            "select all, Change Deck."
        )
    for old, new in plan.subdecks_renamed:
        lines.append(
            f"  Subdeck '{old}' is now '{new}': new cards go into the new name, existing "
            f"ones stay in '{old}'; rename that deck in Anki to '{new}' to keep them together."
        )
    return lines
