"""Exceptions raised by the conflictmap library, in one place."""

from __future__ import annotations


class ConflictMapError(Exception):
    """Base class for every error this library raises on purpose."""


class ValidationError(ConflictMapError, ValueError):
    """One or more problems in event layers; ``problems`` lists every one of them."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        head = f"{len(self.problems)} problem(s) found:\n" if len(self.problems) > 1 else ""
        super().__init__(head + "\n".join(self.problems))


class GeocodeError(ConflictMapError, LookupError):
    """A place name could not be resolved to exactly one place."""


class UnknownPlaceError(GeocodeError):
    """No gazetteer or GeoNames entry matches the name."""


class AmbiguousPlaceError(GeocodeError):
    """Several places match the name equally well; ``candidates`` lists them."""

    def __init__(self, message: str, candidates: list[str]) -> None:
        self.candidates = list(candidates)
        super().__init__(message)


class BoundaryDataError(ConflictMapError, RuntimeError):
    """A boundary file is missing, unreadable or fails its checksum."""


class CRSMismatchError(ConflictMapError, ValueError):
    """Two frames that must share a coordinate reference system do not."""


class UnknownRegionError(ConflictMapError, LookupError):
    """A region name matches no region, district or country of the boundary data."""


class FigureFormatError(ConflictMapError, ValueError):
    """An output format (or file suffix) other than png, pdf or svg."""


class ExportError(ConflictMapError, ValueError):
    """An export was asked for with bad input (format, path, view or frame)."""


class AssetError(ConflictMapError, RuntimeError):
    """A browser asset cannot be prepared or fails its checksum (npm missing, hash mismatch)."""


class OutputError(ConflictMapError, OSError):
    """A result could not be written (missing or read-only folder, full disk)."""


class IngestError(ConflictMapError, ValueError):
    """An article cannot be read or yields nothing usable (empty, binary, too large, no places)."""


class ViewError(ConflictMapError, ValueError):
    """Filter values that match nothing in the data; ``problems`` lists each with suggestions."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class ImportDataError(ConflictMapError, ValueError):
    """A dataset file (ACLED, UCDP) cannot be imported; ``problems`` lists every reason."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = list(problems or [])
        super().__init__(message)

    def __reduce__(self) -> tuple[type, tuple[str, list[str]]]:
        # pickled (e.g. sent between processes): comes back with its problems
        return (type(self), (str(self), self.problems))
