"""Pinned-file manifests (boundaries, browser assets): reading, checking, and sha256 of files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from geo._errors import ConflictMapError

M = TypeVar("M", bound=BaseModel)


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def validate_manifest(
    data: object, model: type[M], *, error: type[ConflictMapError], what: str, origin: str
) -> M:
    """``data`` checked against ``model``; ``error`` naming every problem and where it is."""
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        problems = [
            f"  {'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise error(f"invalid {what} {origin}:\n" + "\n".join(problems)) from None


def read_json(path: Path, *, error: type[ConflictMapError], what: str) -> object:
    """The JSON document at ``path``; ``error`` saying what is wrong with the file otherwise."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{what} {path} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{what} {path} cannot be read: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise error(f"{what} {path} is not valid JSON: {exc}") from exc


def read_manifest(path: Path, model: type[M], *, error: type[ConflictMapError], what: str) -> M:
    """Read the JSON manifest at ``path`` and check it (see :func:`validate_manifest`)."""
    raw = read_json(path, error=error, what=what)
    return validate_manifest(raw, model, error=error, what=what, origin=str(path))
