"""Fixed-width per-row values of the dedup index (MinHashes, content hashes) in numpy blocks.

A Python object per row would cost more than the value: a ``bytes`` MinHash carries 33
bytes of header and 8 of list slot on top of its 512, and a content-hash string 81 bytes
for 16 bytes of hash. Here a row is its bytes inside a fixed-size block, and the rows of a
lookup are gathered with one fancy index per block. Blocks are fixed-size so growing never
copies (a doubling array would also hold up to twice the memory it needs).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

_U32 = np.uint32


class FixedRows:
    """``width`` uint32 values per row (or no value), appended in row order."""

    def __init__(self, width: int, block_rows: int = 4096) -> None:
        if block_rows & (block_rows - 1):
            raise ValueError(f"block_rows must be a power of two, got {block_rows}")
        self.width = width
        self._shift = block_rows.bit_length() - 1
        self._mask = block_rows - 1
        self._block_rows = block_rows
        self._values: list[NDArray[np.uint32]] = []
        self._present: list[NDArray[np.bool_]] = []
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def append(self, value: bytes | None) -> None:
        """Store the next row's value (``4 * width`` raw little-endian bytes) or its absence."""
        offset = self._count & self._mask
        if offset == 0:
            self._values.append(np.zeros((self._block_rows, self.width), dtype=_U32))
            self._present.append(np.zeros(self._block_rows, dtype=np.bool_))
        if value is not None:
            self._values[-1][offset] = np.frombuffer(value, dtype="<u4")
            self._present[-1][offset] = True
        self._count += 1

    def get(self, row: int) -> bytes | None:
        block, offset = row >> self._shift, row & self._mask
        if not self._present[block][offset]:
            return None
        return bytes(self._values[block][offset].astype("<u4").tobytes())

    def gather(self, rows: NDArray[np.int64]) -> NDArray[np.uint32]:
        """The values of ``rows`` (all present), one per line."""
        # Row by row: LSH candidates are tens of rows spread over many blocks, where one
        # fancy index per block cost six times as much (numpy call overhead per block).
        values, shift, mask = self._values, self._shift, self._mask
        return np.array([values[r >> shift][r & mask] for r in rows.tolist()], dtype=_U32)
