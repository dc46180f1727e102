"""Per-repository settings from ``[tool.dicomedit]`` in the nearest ``pyproject.toml``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import DicomEditError


class ConfigError(DicomEditError):
    """A ``[tool.dicomedit]`` table that cannot be used."""


@dataclass(frozen=True, slots=True)
class Config:
    xnat: str | None = None  # target XNAT release, e.g. "1.8.10"
    path: Path | None = None  # the pyproject.toml it came from


def find_pyproject(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_config(start: Path | None = None) -> Config:
    """Read ``[tool.dicomedit]`` from the nearest pyproject.toml at or above ``start`` (cwd)."""
    path = find_pyproject((start or Path.cwd()).resolve())
    if path is None:
        return Config()
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{path}: cannot read [tool.dicomedit]: {e}") from e
    table = data.get("tool", {}).get("dicomedit", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.dicomedit] must be a table")
    xnat = table.get("xnat")
    if xnat is not None and not isinstance(xnat, str):
        raise ConfigError(f'{path}: [tool.dicomedit] xnat must be a string such as "1.8.10"')
    return Config(xnat=xnat, path=path)
