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


def use_system_allocator() -> None:
    """Let Arrow allocate with the C library's ``malloc`` (not its own mimalloc/jemalloc pool).

    Call it once at start, before any Arrow data is made. Arrow's own pools keep the pages
    of freed buffers: loading 10^6 imported events left the server 800 MB above the
    data it holds (2.5 GB resident against 1.7 GB with ``malloc``, whose free pages
    :func:`release_memory` hands back). Setting ``ARROW_DEFAULT_MEMORY_POOL=system``
    does the same.
    """
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())


def release_memory() -> bool:
    """Collect garbage, then ask glibc to return free heap pages (``malloc_trim``).

    Arrow's default pool is asked to give back what it keeps too (see
    :func:`use_system_allocator`).

    Reading and validating 10^5 events leaves hundreds of MB of freed objects in the
    allocator; a long-running server keeps them as resident memory unless told. Returns
    whether the C library could be asked (``False`` off glibc: nothing else is done).
    """
    gc.collect()
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
