"""dicomedit.collector.paused: the cyclic collector is off inside, and back as it was after,
whatever the nesting and however threads interleave."""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator

import pytest

from dicomedit import collector


@pytest.fixture(autouse=True)
def collector_on() -> Iterator[None]:
    gc.enable()
    yield
    gc.enable()


def test_off_inside_and_on_after_also_when_nested() -> None:
    with collector.paused():
        assert not gc.isenabled()
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off() -> None:
    gc.disable()
    with collector.paused():
        pass
    assert not gc.isenabled()


def test_on_after_an_exception() -> None:
    with pytest.raises(RuntimeError), collector.paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_threads_pausing_at_once_never_leave_it_off() -> None:
    """Each thread reading "is it on?" and then switching it off separately could leave it off
    for good: one thread reads "off" while another is inside, and switches it off again after
    the other switched it back on."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(10):
            barrier = threading.Barrier(4)

            def hammer(barrier: threading.Barrier) -> None:
                barrier.wait()
                for _ in range(1000):
                    with collector.paused():
                        [object() for _ in range(20)]  # work inside, so that pauses overlap

            threads = [threading.Thread(target=hammer, args=(barrier,)) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert gc.isenabled()
    finally:
        sys.setswitchinterval(interval)
