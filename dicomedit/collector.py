"""Pausing Python's cyclic garbage collector while a script's tree is built and checked."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Building tens of thousands of small objects (tokens, tree nodes, compiled paths) triggers
    the cyclic collector over and over, and each pass walks all of them; they form no cycles,
    so the collector is paused while they are made, and runs as usual afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
