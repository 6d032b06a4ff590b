"""conflictmap: events of the Armenia–Azerbaijan conflict as attributed claims, on a map."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("conflictmap")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"
