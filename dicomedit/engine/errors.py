"""Run-time failures of a script on one object (spec §8.5).

These never leave the engine: ``CompiledScript.apply`` turns them into an ``Outcome``.
"""

from __future__ import annotations

HIDDEN = "<value hidden>"


def literal(text: str) -> str:
    """``text`` as part of a :meth:`EvaluationError.quoting` template (braces doubled)."""
    return text.replace("{", "{{").replace("}", "}}")


class EvaluationError(Exception):
    """The script fails on this object: XNAT's *error result*; nothing is written.

    ``safe_message`` is ``message`` without the data values it quotes (they may identify a
    patient): what reports show unless asked for the values.  Build such errors with
    :meth:`quoting`.
    """

    def __init__(self, message: str, tag_path: str | None = None, *, safe_message: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.tag_path = tag_path
        self.safe_message = message if safe_message is None else safe_message

    @classmethod
    def quoting(cls, template: str, *values: object, tag_path: str | None = None) -> EvaluationError:
        """An error whose ``template`` quotes data ``values`` at ``{0}``, ``{1}``…"""
        hidden = [HIDDEN] * len(values)
        return cls(template.format(*values), tag_path, safe_message=template.format(*hidden))

    @classmethod
    def wrapping(cls, error: Exception, prefix: str = "", tag_path: str | None = None) -> EvaluationError:
        """An error that reports ``error`` after ``prefix``, keeping its safe form (the
        ``safe_message`` or ``safe`` attribute of dicomedit's errors; others are hidden)."""
        safe = getattr(error, "safe_message", None) or getattr(error, "safe", None) or HIDDEN
        return cls(f"{prefix}{error}", tag_path, safe_message=f"{prefix}{safe}")


class Rejected(Exception):
    """``reject[]`` ran: XNAT does not store the object."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
