"""Keeping pydicom's warnings about the data it reads off the terminal.

pydicom warns (``UserWarning``) about values that break the rules of their VR and decodes them
anyway, and its messages quote the value: ``Invalid value for VR UI: '1.2.840...'``.  Values
may identify a patient, and dicomedit reports what matters about a file itself, so code that
reads, decodes or writes DICOM data runs inside :func:`quiet_pydicom`.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator

__all__ = ["quiet_pydicom"]


@contextlib.contextmanager
def quiet_pydicom() -> Iterator[None]:
    """Silence warnings inside the block (pydicom decodes values lazily: keep the block around
    every access to the values, not only around ``dcmread``)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
