"""Memory of large loads: the Arrow pool they use, and freed memory given back to the system."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
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


_POOL_LOCK = threading.Lock()
_pool_users = 0
_pool_restore: Any = None  # the pool to go back to when the last user leaves (or None)


@contextmanager
def bulk_arrow_pool() -> Iterator[None]:
    """Inside, Arrow allocates from its jemalloc pool when the default pool is mimalloc
    (Arrow's default on Linux and macOS) and jemalloc is built in; otherwise (a pool chosen
    by :func:`use_system_allocator` or ``ARROW_DEFAULT_MEMORY_POOL``, or no jemalloc) the
    pool is left as it is.

    For reading a whole file into memory (``geo.importers.read_dataset``): with mimalloc,
    the memory freed by the many short-lived buffers of mapping 10^6 rows in blocks stayed
    with the process (about 500 MB more at the peak than with jemalloc, bench/README.md).
    Buffers keep the pool that made them, so what is made inside may be used outside. The
    default pool is process-wide: it is switched by the first of overlapping users (other
    threads allocate from jemalloc meanwhile) and set back by the last, unless someone set
    another pool in between.
    """
    global _pool_users, _pool_restore
    import pyarrow as pa

    with _POOL_LOCK:
        if _pool_users == 0:
            current = pa.default_memory_pool()
            if current.backend_name == "mimalloc":
                try:
                    bulk = pa.jemalloc_memory_pool()
                except NotImplementedError:  # this pyarrow has no jemalloc
                    bulk = None
                if bulk is not None:
                    pa.set_memory_pool(bulk)
                    _pool_restore = current
        _pool_users += 1
    try:
        yield
    finally:
        with _POOL_LOCK:
            _pool_users -= 1
            if _pool_users == 0 and _pool_restore is not None:
                if pa.default_memory_pool().backend_name == "jemalloc":
                    pa.set_memory_pool(_pool_restore)
                _pool_restore = None
