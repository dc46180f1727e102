"""DICOM date/time shifting and the patient-age arithmetic of DicomEdit (spec §7.1, §7.2).

Pure functions, no DICOM objects: the engine reads and writes the elements.

Shifting (§7.1): a DA/DT value of any precision is completed with *mid-points* for the missing
fields, shifted by a number of seconds (a year is 365 days: no calendar arithmetic), and printed
back with the same precision; a fraction and a timezone suffix are copied verbatim and take no
part in the arithmetic.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from dataclasses import dataclass

SECONDS_PER_UNIT = {
    "years": 365 * 86400,
    "days": 86400,
    "hours": 3600,
    "minutes": 60,
    "seconds": 1,
}

_DICOM_DT = re.compile(
    r"(?P<year>\d{4})"
    r"(?:(?P<month>\d{2})(?:(?P<day>\d{2})(?:(?P<hour>\d{2})(?:(?P<minute>\d{2})"
    r"(?:(?P<second>\d{2})(?P<fraction>\.\d{1,6})?)?)?)?)?)?"
    r"(?P<tz>[+-]\d{4})?"
)

# Math.round(365.24 * 89): patients older than 89 years are made 89 (§7.2).
AGE_LIMIT_DAYS = 32506
AGE_LIMIT_YEARS = 89
CAPPED_AGE = "089Y"

_AGE = re.compile(r"(\d{3})([YMWD])")


class DateTimeError(ValueError):
    """A value that is not a DICOM date/date-time, or a shift that leaves the calendar.

    ``safe`` is the message without the value it quotes (dates may identify a patient).
    """

    def __init__(self, template: str, value: str | None = None) -> None:
        super().__init__(template if value is None else template.format(value))
        self.safe = template if value is None else template.format("<value hidden>")


@dataclass(frozen=True, slots=True)
class DicomDateTime:
    """A parsed DA/DT value: the fields present in the text, plus the verbatim suffixes."""

    year: int
    month: int | None = None
    day: int | None = None
    hour: int | None = None
    minute: int | None = None
    second: int | None = None
    fraction: str = ""
    tz: str = ""

    def instant(self) -> _dt.datetime:
        """The concrete instant, missing fields filled with DicomEdit's mid-points."""
        if self.month is None:
            return _dt.datetime(self.year, 7, 1)
        if self.day is None:
            days = calendar.monthrange(self.year, self.month)[1]
            return _dt.datetime(self.year, self.month, days // 2 + 1, 0 if days % 2 == 0 else 12)
        if self.hour is None:
            return _dt.datetime(self.year, self.month, self.day, 12)
        if self.minute is None:
            return _dt.datetime(self.year, self.month, self.day, self.hour, 30)
        second = 30 if self.second is None else self.second
        return _dt.datetime(self.year, self.month, self.day, self.hour, self.minute, second)

    def render(self, instant: _dt.datetime) -> str:
        """``instant`` printed with this value's precision and suffixes."""
        fields = [
            (self.year, f"{instant.year:04d}"),
            (self.month, f"{instant.month:02d}"),
            (self.day, f"{instant.day:02d}"),
            (self.hour, f"{instant.hour:02d}"),
            (self.minute, f"{instant.minute:02d}"),
            (self.second, f"{instant.second:02d}"),
        ]
        text = "".join(rendered for present, rendered in fields if present is not None)
        return text + self.fraction + self.tz


def parse(text: str | None) -> DicomDateTime:
    """Parse a DA or DT value; raise ``DateTimeError`` with DicomEdit's message otherwise."""
    m = _DICOM_DT.fullmatch(text or "")
    if m is None:
        raise _unparseable(text)

    def num(name: str) -> int | None:
        v = m.group(name)
        return None if v is None else int(v)

    value = DicomDateTime(
        int(m.group("year")),
        num("month"),
        num("day"),
        num("hour"),
        num("minute"),
        num("second"),
        m.group("fraction") or "",
        m.group("tz") or "",
    )
    try:
        value.instant()
    except ValueError as e:
        raise _unparseable(text) from e
    return value


def _unparseable(text: str | None) -> DateTimeError:
    if text is None:  # Java prints a missing value as null
        return DateTimeError("Failed to parse DICOM time string 'null'")
    return DateTimeError("Failed to parse DICOM time string '{0}'", text)


def increment_seconds(amount: int, unit: str) -> int:
    """``amount`` of ``unit`` (case-insensitive: years, days, hours, minutes, seconds) in seconds."""
    try:
        return amount * SECONDS_PER_UNIT[unit.lower()]
    except KeyError:
        known = ", ".join(SECONDS_PER_UNIT)
        raise DateTimeError(f"Unknown time unit '{{0}}' (expected one of {known})", unit) from None


def shift(text: str | None, seconds: int) -> str:
    """Shift a DA/DT value by ``seconds``, keeping its precision, fraction and timezone."""
    value = parse(text)
    try:
        moved = value.instant() + _dt.timedelta(seconds=seconds)
    except OverflowError as e:
        raise DateTimeError(f"Shifting '{{0}}' by {seconds} seconds leaves the calendar", text) from e
    return value.render(moved)


def birth_date_shift_days(study_date: str, birth_date: str) -> int:
    """Days to move the birth date so that the patient is at most ~89 years old (§7.2 step 1).

    Zero or negative means no change.
    """
    days = (parse(study_date).instant() - parse(birth_date).instant()).days
    return days - AGE_LIMIT_DAYS


@dataclass(frozen=True, slots=True)
class Age:
    """An AS value: three digits and a unit (Y, M, W, D)."""

    number: int
    unit: str

    @property
    def years(self) -> int:
        """The *years field* of the Java Period: only a ``Y`` age has one."""
        return self.number if self.unit == "Y" else 0

    @property
    def over_limit(self) -> bool:
        return self.years > AGE_LIMIT_YEARS


def parse_age(text: str) -> Age:
    m = _AGE.fullmatch(text)
    if m is None:
        raise DateTimeError("'{0}' is not an age: expected three digits and one of Y, M, W, D", text)
    return Age(int(m.group(1)), m.group(2))
