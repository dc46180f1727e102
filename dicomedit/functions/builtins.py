"""Attach the implementation of every built-in to the registry (importing registers them)."""

from __future__ import annotations

from . import datetimes, host, pixels, privatetags, strings, tags, uids

MODULES = (datetimes, host, pixels, privatetags, strings, tags, uids)
