"""hashUID vectors (spec §10, §8.3, §8.4): ``tests/fixtures/conformance/vectors/hashuid.json``.

Each vector is checked twice: against the documented algorithm (so that a mistyped value in the
table is caught even without an engine) and through the engine with ``hashUID["<input>"]``.
"""

from __future__ import annotations

from typing import Any

import pytest
from conformance import reference
from conformance.cases import load_vectors
from conformance.runner import evaluate

VECTORS = load_vectors("hashuid.json")["vectors"]


def _holds(vector: dict[str, Any], value: str | None) -> bool:
    if value is None:
        return False
    if "expected" in vector:
        return bool(value == vector["expected"])
    return value.startswith("2.25.") and value.endswith(vector["suffix"])


@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_vector_matches_the_documented_algorithm(vector: dict[str, Any]) -> None:
    if vector.get("skip"):
        pytest.skip(vector["skip"])
    assert _holds(vector, reference.hash_uid(vector["input"]))


@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_engine_hash_uid(vector: dict[str, Any]) -> None:
    if vector.get("skip"):
        pytest.skip(vector["skip"])
    status, message, value = evaluate(f'(0020,000D) := hashUID["{vector["input"]}"]', "(0020,000D)")
    assert status in {"MODIFIED", "UNCHANGED"}, message
    assert _holds(vector, value), f"hashUID[{vector['input']!r}] gave {value!r} ({vector['source']})"
