"""Run-time failures of a script on one object (spec §8.5).

These never leave the engine: ``CompiledScript.apply`` turns them into an ``Outcome``.
"""

from __future__ import annotations


class EvaluationError(Exception):
    """The script fails on this object: XNAT's *error result*; nothing is written."""

    def __init__(self, message: str, tag_path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.tag_path = tag_path


class Rejected(Exception):
    """``reject[]`` ran: XNAT does not store the object."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
