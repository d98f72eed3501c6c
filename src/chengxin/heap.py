"""The garbage collector during bulk work (imports, batch checks)."""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

# A chunk's tens of thousands of objects all live until the chunk is stored or answered, so at
# the default thresholds the collector promotes them and rescans the whole heap every chunk or
# two (a seventh of a large import's time; 0.3-0.6 s of a batch of 100,000 checks). During such
# work the youngest generation is collected after 100,000 allocations instead of 700: cycles are
# still found, just in fewer passes. Several at once share one setting, restored when the last ends.
_LOCK = threading.Lock()
_users = 0
_saved = gc.get_threshold()
BULK_THRESHOLD = 100_000  # allocations between collections of the youngest generation


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    global _users, _saved
    with _LOCK:
        if _users == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(max(_saved[0], BULK_THRESHOLD), *_saved[1:])
        _users += 1
    try:
        yield
    finally:
        with _LOCK:
            _users -= 1
            if _users == 0:
                gc.set_threshold(*_saved)
