"""Date and date-time shift vectors (spec §7.1, §11.2 U-09/U-10, §11.3 R-051…R-063, §11.4):
``tests/fixtures/conformance/vectors/dateshift.json``.

``function`` ``date`` runs ``shiftDateByIncrement`` (days unless ``units`` says otherwise),
``datetime`` runs ``shiftDateTimeByIncrement`` (seconds). Every vector is also checked against
the documented algorithm, which catches a mistyped table entry without an engine.
"""

from __future__ import annotations

from typing import Any

import pytest
from conformance import reference
from conformance.cases import load_vectors
from conformance.runner import evaluate

TABLE = load_vectors("dateshift.json")
VECTORS = TABLE["vectors"]
PARSE_ERRORS = TABLE["parse_errors"]
DAY = 86400


def _seconds(vector: dict[str, Any]) -> int:
    if vector["function"] == "date" and vector.get("units") != "seconds":
        return int(vector["increment"]) * DAY
    return int(vector["increment"])


def _script(vector: dict[str, Any]) -> str:
    amount = str(vector["increment"]) if vector.get("number_literal") else f'"{vector["increment"]}"'
    units = f', "{vector["units"]}"' if vector.get("units") else ""
    if vector["function"] == "date":
        return f'(0008,0020) := shiftDateByIncrement["{vector["input"]}", {amount}{units}]'
    return f'(0008,002A) := shiftDateTimeByIncrement["{vector["input"]}", {amount}{units}]'


@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_vector_matches_the_documented_algorithm(vector: dict[str, Any]) -> None:
    assert reference.shift(vector["input"], _seconds(vector)) == vector["expected"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_engine_shift(vector: dict[str, Any]) -> None:
    target = "(0008,0020)" if vector["function"] == "date" else "(0008,002A)"
    status, message, value = evaluate(_script(vector), target)
    assert status in {"MODIFIED", "UNCHANGED"}, message
    assert value == vector["expected"], f"{_script(vector)} gave {value!r} ({vector['source']})"


@pytest.mark.parametrize("vector", PARSE_ERRORS, ids=[v["id"] for v in PARSE_ERRORS])
def test_engine_parse_error(vector: dict[str, Any]) -> None:
    status, message, _ = evaluate(
        f'(0008,002A) := shiftDateTimeByIncrement["{vector["input"]}", "10"]', "(0008,002A)"
    )
    assert status == "ERROR"
    assert message is not None and "Failed to parse" in message, message


@pytest.mark.parametrize("vector", PARSE_ERRORS, ids=[v["id"] for v in PARSE_ERRORS])
def test_parse_error_matches_the_documented_algorithm(vector: dict[str, Any]) -> None:
    with pytest.raises(reference.ParseError, match="Failed to parse"):
        reference.shift(vector["input"], 10)
