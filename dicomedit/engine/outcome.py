"""What running a script on one object produced (spec §8.5)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydicom.dataset import Dataset


class Status(enum.Enum):
    MODIFIED = "modified"
    UNCHANGED = "unchanged"
    REJECTED = "rejected"  # reject[] ran: XNAT does not store the object
    ERROR = "error"  # the script failed: XNAT leaves the object unchanged and fails the upload


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of ``CompiledScript.apply``.

    ``dataset`` is the edited dataset (with its ``file_meta``) for MODIFIED and UNCHANGED, None
    otherwise.  ``message`` uses XNAT's wording where it is known; ``tag_path`` and ``line`` say
    where an error happened.  ``warnings`` explain run-time surprises, such as a documented XNAT
    bug that was reproduced; ``echoed`` holds what ``echo`` printed.  ``safe_message`` is
    ``message`` with the data values it quotes replaced by a placeholder: what a report shows
    unless it was asked for the values (they may identify a patient).
    """

    status: Status
    dataset: Dataset | None = None
    message: str | None = None
    tag_path: str | None = None
    line: int | None = None
    warnings: tuple[str, ...] = ()
    echoed: tuple[str, ...] = ()
    safe_message: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in (Status.MODIFIED, Status.UNCHANGED)
