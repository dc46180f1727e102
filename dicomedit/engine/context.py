"""State that lives for a whole run over many objects, like XNAT's JVM-wide state (spec §8.1)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields

from ..errors import DicomEditError
from ..releases import Release, behaves_like_newer, parse_release


class LookupTableError(DicomEditError):
    """A lookup table file that cannot be read."""


def parse_lookup_table(text: str) -> dict[str, dict[str, str]]:
    """``keyType/key = value`` lines; ``//`` comment lines and blank lines ignored (spec §7 lookup)."""
    tables: dict[str, dict[str, str]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("//"):
            continue
        left, eq, value = line.partition("=")
        key_type, slash, key = left.partition("/")
        if not eq or not slash:
            # the line is not quoted: lookup tables list real identifiers
            missing = "'='" if not eq else "'/' between the key type and the key"
            raise LookupTableError(
                f"line {number}: expected 'keyType/key = value' (the line has no {missing})"
            )
        tables.setdefault(key_type.strip(), {})[key.strip()] = value.strip()
    return tables


@dataclass(slots=True)
class RunContext:
    """Everything that is shared by all the objects of one run.

    * ``uid_map`` / ``referenced_uid_map``: the memo maps of ``mapUID`` and
      ``mapReferencedUIDs``.  XNAT keeps them for the life of the server, which is what keeps
      references consistent across the files of a study; here they live as long as the context,
      so use one context for a whole batch.  A new UID is not drawn at random but derived from
      the key and ``uid_secret`` (random for each context): it is just as unpredictable, and
      copies of one context in other processes (``--jobs``, Dask workers) map every key to the
      same UID.
    * ``lookup_tables``: keyType → key → value, for ``lookup[keyType, key]``
      (``load_lookup_table`` reads the file format of spec §7).
    * ``allow_network``: ``getURL`` is refused unless this is set; ``network_timeout`` bounds
      every request (seconds).
    * ``reject_enabled``: when False, ``reject[]`` only adds a warning (as XNAT does when it
      re-runs scripts on archived data).
    * ``echo``: called with each line printed by ``echo`` (the lines are also in the Outcome).
    * ``xnat``: the XNAT release to behave like (``"1.8.6"`` or a ``releases.Release``); None
      means the newest.  The behaviours that changed are listed in ``releases.BEHAVIOURS``:
      item deletion and private creators before 1.8.7, ``normalizeString`` on UN before 1.10,
      ``retainPrivateTags`` on groups ≥ 0x8000 before 1.10.1.

    The maps are guarded by a lock so that one context can serve several threads.
    """

    lookup_tables: dict[str, dict[str, str]] = field(default_factory=dict)
    allow_network: bool = False
    network_timeout: float = 10.0
    reject_enabled: bool = True
    echo: Callable[[str], None] | None = None
    xnat: Release | str | None = None
    uid_map: dict[str, str] = field(default_factory=dict)
    referenced_uid_map: dict[str, str] = field(default_factory=dict)
    uid_secret: bytes = field(default_factory=lambda: os.urandom(32), repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.xnat, str):
            self.xnat = parse_release(self.xnat)

    def portable(self) -> RunContext:
        """A copy for another process (``--jobs``, Dask): the same settings, tables, maps and
        secret, without the ``echo`` callback (echoed lines are in every outcome anyway)."""
        return RunContext(
            lookup_tables={k: dict(v) for k, v in self.lookup_tables.items()},
            allow_network=self.allow_network,
            network_timeout=self.network_timeout,
            reject_enabled=self.reject_enabled,
            xnat=self.xnat,
            uid_map=dict(self.uid_map),
            referenced_uid_map=dict(self.referenced_uid_map),
            uid_secret=self.uid_secret,
        )

    def __getstate__(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("_lock", "echo")}

    def __setstate__(self, state: dict[str, object]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "echo", None)
        object.__setattr__(self, "_lock", threading.Lock())

    def load_lookup_table(self, path: str | os.PathLike[str]) -> None:
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except OSError as e:
            raise LookupTableError(
                f"{os.fspath(path)}: cannot read the lookup table: {e.strerror or e}"
            ) from e
        except UnicodeDecodeError as e:
            raise LookupTableError(f"{os.fspath(path)}: the lookup table is not UTF-8 text") from e
        try:
            tables = parse_lookup_table(text)
        except LookupTableError as e:
            raise LookupTableError(f"{os.fspath(path)}: {e}") from e
        for key_type, entries in tables.items():
            self.lookup_tables.setdefault(key_type, {}).update(entries)

    def add_lookup_entries(self, key_type: str, entries: Mapping[str, str]) -> None:
        self.lookup_tables.setdefault(key_type, {}).update(entries)

    def newer(self, behaviour: str) -> bool:
        """Whether this run has the newer form of ``behaviour`` (a ``releases.BEHAVIOURS`` key)."""
        release = parse_release(self.xnat) if isinstance(self.xnat, str) else self.xnat
        return behaves_like_newer(behaviour, release)

    def memo(self, table: dict[str, str], key: str, make: Callable[[], str]) -> str:
        with self._lock:
            if key not in table:
                table[key] = make()
            return table[key]
