"""Run the loading stages with CPython's cyclic garbage collector paused.

Shared by `build` (a build loads, generates and packages) and `rules` (`deckgen check`
loads and checks): both make millions of small objects and no reference cycles.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")
_Y = TypeVar("_Y")


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """CPython's cyclic garbage collector paused for the duration (nesting is fine).

    Loading a deck makes millions of small objects (YAML nodes, the model, notes) and
    no reference cycles: reference counting frees them all, while the cyclic collector
    would walk the growing heap again and again, which was most of the time of loading
    a 100,000-note deck (bench/RESULTS.md). It runs again as soon as the work ends.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def without_cyclic_gc(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """`function` run under cyclic_gc_paused."""

    @wraps(function)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with cyclic_gc_paused():
            return function(*args, **kwargs)

    return paused


def without_cyclic_gc_throughout(
    function: Callable[_P, Iterator[_Y]],
) -> Callable[_P, Iterator[_Y]]:
    """The generator `function` run under cyclic_gc_paused until it is done, the caller's
    work between its items included: re-enabled in between, the collector would walk
    every object the build made at each pause."""

    @wraps(function)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> Iterator[_Y]:
        with cyclic_gc_paused():
            yield from function(*args, **kwargs)

    return paused
