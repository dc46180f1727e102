"""Pausing Python's cyclic garbage collector while a script's tree is built and checked."""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_depth = 0  # pauses in progress, in every thread
_enabled_before = False  # whether the collector ran when the first of them began


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Building tens of thousands of small objects (tokens, tree nodes, compiled paths) triggers
    the cyclic collector over and over, and each pass walks all of them; they form no cycles,
    so the collector is paused while they are made.

    Pauses in several threads overlap: the collector is switched off by the first to begin and
    back on (if it was on) by the last to end, so no interleaving leaves it off.
    """
    global _depth, _enabled_before
    with _lock:
        if _depth == 0:
            _enabled_before = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _enabled_before:
                gc.enable()
