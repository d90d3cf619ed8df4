"""Cloze numbers belong to phrases, not to positions.

Anki keeps a cloze card's history by its number: card c2 is whatever `{{c2::…}}` hides.
So once a phrase has a number, it keeps it wherever the phrase moves in its text, and a
new phrase, wherever it stands, gets the next number never used in that note; a number
is never given to another phrase. Anki accepts the numbers in any order in the text.

`number_clozes` matches a note's phrases, in text order, to the numbers the lock knows:

1. the same phrase (a phrase used twice takes the numbers in their order);
2. a phrase that was removed and comes back gets its old number back;
3. the same phrase in the other script (Traditional and Simplified characters), so
   converting the cards' script keeps every card;
4. an edited phrase (a typo fixed, a word added): the most similar unmatched phrase, if
   at least half of it is the same;
5. anything else is new and takes the next unused number, in text order.

A locked phrase that matches nothing was removed: its card stays in the learner's
collection with nothing to show (a loss the build reports), and its number is kept in
the lock with the phrase, never reused.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from deckgen.lock import Lock, Numbered

# How alike an edited phrase must be to the one it replaces (difflib's ratio).
SIMILAR = 0.5


@dataclass(frozen=True, slots=True)
class ClozeNumbers:
    numbers: tuple[int, ...]  # one per phrase, in text order
    removed: Numbered  # locked phrases that match none of them, and earlier removals
    newly_removed: Numbered  # of those, the ones this build removes

    def numbered(self, phrases: Sequence[str]) -> Numbered:
        return tuple(zip(self.numbers, phrases, strict=True))


def first_numbers(count: int) -> ClozeNumbers:
    """A note the lock does not know: c1, c2, ... in text order."""
    return ClozeNumbers(tuple(range(1, count + 1)), (), ())


def number_clozes(
    phrases: Sequence[str],
    locked: Numbered,
    removed: Numbered = (),
    fold: Callable[[str], str] | None = None,
) -> ClozeNumbers:
    """Numbers for `phrases` (text order), given the note's `locked` numbered phrases and
    the phrases it `removed` before. `fold` maps a phrase to a script-neutral form
    (e.g. OpenCC's t2s); it is called only when exact matching leaves phrases over."""
    if tuple(phrases) == tuple(p for _, p in locked) and all(
        n == i for i, (n, _) in enumerate(locked, start=1)
    ):
        return ClozeNumbers(tuple(range(1, len(phrases) + 1)), removed, ())  # the usual case
    numbers: list[int | None] = [None] * len(phrases)
    live = dict(locked)  # number -> phrase, still unmatched
    gone = dict(removed)

    def exact(pool: dict[int, str], key: Callable[[str], str]) -> None:
        by_phrase: defaultdict[str, deque[int]] = defaultdict(deque)
        for number, phrase in pool.items():
            by_phrase[key(phrase)].append(number)
        for i, phrase in enumerate(phrases):
            if numbers[i] is None:
                queue = by_phrase.get(key(phrase))
                if queue:
                    numbers[i] = number = queue.popleft()
                    del pool[number]

    def same(phrase: str) -> str:
        return phrase

    exact(live, same)
    exact(gone, same)
    if fold is not None and None in numbers and (live or gone):
        exact(live, fold)
        exact(gone, fold)
    if None in numbers and live:
        pairs = sorted(
            (
                (-SequenceMatcher(None, phrase, old).ratio(), i, number)
                for i, phrase in enumerate(phrases)
                if numbers[i] is None
                for number, old in live.items()
            ),
        )
        for score, i, number in pairs:
            if -score < SIMILAR:
                break
            if numbers[i] is None and number in live:
                numbers[i] = number
                del live[number]
    used = [n for n, _ in locked] + [n for n, _ in removed]
    following = max(used, default=0) + 1
    for i in range(len(numbers)):
        if numbers[i] is None:
            numbers[i] = following
            following += 1
    newly = tuple(sorted(live.items()))
    still_removed = tuple(sorted({**gone, **live}.items()))
    return ClozeNumbers(tuple(n for n in numbers if n is not None), still_removed, newly)


class LockNumbering:
    """The cloze numbers of each note against a lock (None: a deck's first build), as
    generation asks for them (deckgen.generate.Numbering); each note's result kept."""

    def __init__(self, lock: Lock | None) -> None:
        self.lock = lock
        self.results: dict[str, ClozeNumbers] = {}
        self._folded: dict[str, str] = {}

    def fold(self, phrase: str) -> str:
        """A phrase in Simplified characters: the same phrase in either script."""
        if phrase not in self._folded:
            from deckgen.script import converter

            self._folded[phrase] = converter("simplified")(phrase)
        return self._folded[phrase]

    def __call__(self, key: str, phrases: list[str]) -> tuple[int, ...]:
        locked = self.lock.notes.get(key) if self.lock is not None else None
        if locked is None:
            result = first_numbers(len(phrases))
        else:
            result = number_clozes(phrases, locked.clozes, locked.removed_clozes, self.fold)
            self.results[key] = result
        return result.numbers

    def removed(self, key: str) -> Numbered:
        """The removed phrases the lock keeps for the note `key`, after this build."""
        result = self.results.get(key)
        if result is not None:
            return result.removed
        locked = self.lock.notes.get(key) if self.lock is not None else None
        return locked.removed_clozes if locked is not None else ()
