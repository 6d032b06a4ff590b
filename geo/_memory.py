"""Give memory freed after a large load back to the operating system (glibc only)."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import cache
from typing import Any


@cache
def _libc() -> Any:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        return libc if hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


def release_memory() -> bool:
    """Collect garbage, then ask glibc to return free heap pages (``malloc_trim``).

    Reading and validating 10^5 events leaves hundreds of MB of freed objects in the
    allocator; a long-running server keeps them as resident memory unless told. Returns
    whether the C library could be asked (``False`` off glibc: nothing else is done).
    """
    gc.collect()
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
