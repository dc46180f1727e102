"""Built-in functions: the registry shared by the checker and the engine."""

from .registry import SPECS, ArgKind, Extra, FunctionSpec, Returns, implementation, implements, spec

__all__ = ["SPECS", "ArgKind", "Extra", "FunctionSpec", "Returns", "implementation", "implements", "spec"]
