"""The zip container of a streamed .xlsx: parts in the order given, a sheet assembled from pieces deflated apart.

A worksheet must say its size (``<dimension>``) and its column widths (``<cols>``) before its rows, but a
streamed sheet knows them only after its last row. So its rows are deflated as they come into a spooled
temporary file (:class:`DeflatedBody`), and when the sheet ends the part is assembled from three deflate
streams: the head (written last, deflated alone), the rows, and the tail. Each of the first two ends on a
byte boundary without the "final block" bit (``Z_SYNC_FLUSH``) and refers only to its own bytes, so the
three joined are one valid deflate stream — the rows are never compressed twice (pigz joins its pieces the
same way). The part's CRC-32 is joined from the pieces' (:func:`crc32_combine`, zlib's algorithm).

Python's zipfile can only compress what it is given, so this writes the container itself: a local header
with the sizes known up front (each part is complete before it is written), the central directory, and
zip64 records where a size or an offset passes 4 GiB. Entries carry Excel's own timestamp, 1980-01-01 00:00,
not this PC's time (the workbook's time is in docProps/core.xml, from the database's clock).
"""

from __future__ import annotations

import struct
import tempfile
import zlib
from collections.abc import Iterable, Iterator

LEVEL = 1  # deflate level: the export's time goes into building rows, not squeezing the last few percent
_CHUNK = 1 << 20
_SPOOL_BYTES = 64 << 20  # a sheet's deflated rows kept in memory up to this, then in a temporary file

# Sizes and offsets from this on go into zip64 records; the 32-bit field then holds _MARK. (A variable: the
# tests lower it to write a small file with zip64 records.)
_LIMIT = 0xFFFFFFFF
_MARK = 0xFFFFFFFF
_DOS_TIME, _DOS_DATE = 0, (0 << 9) | (1 << 5) | 1  # 1980-01-01 00:00, as Excel stamps every part
_DEFLATED = 8  # the compression method


def deflate(data: bytes, *, last: bool) -> bytes:
    """``data`` as a raw deflate stream of its own; ``last=False`` leaves it open for another to follow."""
    c = zlib.compressobj(LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    return c.compress(data) + c.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


# ---- CRC-32 of joined data ------------------------------------------------------------------------------

_POLY = 0xEDB88320  # CRC-32's polynomial, bit-reflected as zlib computes it


def _multmodp(a: int, b: int) -> int:
    """a × b modulo the CRC polynomial (zlib's multmodp; ``a`` must not be 0)."""
    m, p = 1 << 31, 0
    while True:
        if a & m:
            p ^= b
            if a & (m - 1) == 0:
                return p
        m >>= 1
        b = (b >> 1) ^ _POLY if b & 1 else b >> 1


_X2N = [1 << 30]  # x^(2^k) modulo the polynomial, k = 0 … 31 (x^1 first)
for _ in range(31):
    _X2N.append(_multmodp(_X2N[-1], _X2N[-1]))


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """The CRC-32 of A + B from A's CRC, B's CRC and B's length (zlib's crc32_combine, absent from Python)."""
    p, k = 1 << 31, 3  # x^0; x^(8 · len2) is built from the bits of len2, starting at x^(2^3)
    while len2:
        if len2 & 1:
            p = _multmodp(_X2N[k & 31], p)
        len2 >>= 1
        k += 1
    return _multmodp(p, crc1) ^ crc2


# ---- the pieces of a part -------------------------------------------------------------------------------

class DeflatedBody:
    """Bytes deflated as they are written, kept aside (in memory, or in a temporary file in ``folder`` once
    large) to be placed between a head and a tail deflated later. Not thread-safe: one writer."""

    def __init__(self, folder: str | None):
        # The temporary file (if any) goes beside the workbook being written: the same data, the same place
        # (for an encrypted export that is the private folder, never the target's). It has no name to leave.
        self._file = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES, dir=folder)
        self._deflate = zlib.compressobj(LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
        self.crc = 0
        self.size = 0  # bytes before deflating
        self.deflated = 0

    def write(self, data: bytes) -> None:
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        self._put(self._deflate.compress(data))

    def finish(self) -> None:
        self._put(self._deflate.flush(zlib.Z_SYNC_FLUSH))  # byte-aligned, not final: more follows

    def _put(self, data: bytes) -> None:
        if data:
            self._file.write(data)
            self.deflated += len(data)

    def chunks(self) -> Iterator[bytes]:
        self._file.seek(0)
        while chunk := self._file.read(_CHUNK):
            yield chunk

    def close(self) -> None:
        self._file.close()


# ---- the container -----------------------------------------------------------------------------------------

class ZipWriter:
    """A zip file written part by part; ``close`` writes the central directory (also after a failure, so a
    half-written file is still a readable zip — its caller throws it away)."""

    def __init__(self, path: str):
        self._file = open(path, "wb")  # closed by close()
        self._offset = 0
        self._entries: list[tuple[bytes, int, int, int, int, int]] = []  # name, flags, crc, deflated, size, offset

    def add(self, name: str, data: bytes) -> None:
        """Part ``name`` holding ``data``."""
        packed = deflate(data, last=True)
        self._add(name, [packed], zlib.crc32(data), len(packed), len(data))

    def add_assembled(self, name: str, head: bytes, body: DeflatedBody, tail: bytes) -> None:
        """Part ``name`` holding ``head``, then the bytes written to ``body`` (finished), then ``tail``."""
        first, last = deflate(head, last=False), deflate(tail, last=True)
        crc = crc32_combine(crc32_combine(zlib.crc32(head), body.crc, body.size), zlib.crc32(tail), len(tail))
        self._add(name, _joined(first, body.chunks(), last), crc, len(first) + body.deflated + len(last),
                  len(head) + body.size + len(tail))

    def _add(self, name: str, pieces: Iterable[bytes], crc: int, deflated: int, size: int) -> None:
        encoded = name.encode("utf-8")
        flags = 0 if name.isascii() else 0x800  # bit 11: the name is UTF-8
        zip64 = size >= _LIMIT or deflated >= _LIMIT
        extra = struct.pack("<HHQQ", 1, 16, size, deflated) if zip64 else b""
        header = struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if zip64 else 20, flags, _DEFLATED, _DOS_TIME,
                             _DOS_DATE, crc, _MARK if zip64 else deflated, _MARK if zip64 else size, len(encoded),
                             len(extra))
        offset = self._offset
        self._write(header + encoded + extra)
        for piece in pieces:
            self._write(piece)
        self._entries.append((encoded, flags, crc, deflated, size, offset))

    def _write(self, data: bytes) -> None:
        self._file.write(data)
        self._offset += len(data)

    def close(self) -> None:
        if self._file.closed:
            return
        try:
            start = self._offset
            for encoded, flags, crc, deflated, size, offset in self._entries:
                big = [v for v in (size, deflated, offset) if v >= _LIMIT]  # zip64 holds only what overflows
                extra = struct.pack(f"<HH{len(big)}Q", 1, 8 * len(big), *big) if big else b""
                self._write(struct.pack(
                    "<IHHHHHHIIIHHHHHII", 0x02014B50, 45 if big else 20, 45 if big else 20, flags, _DEFLATED,
                    _DOS_TIME, _DOS_DATE, crc, _field(deflated), _field(size), len(encoded), len(extra),
                    0, 0, 0, 0, _field(offset)) + encoded + extra)
            count, directory = len(self._entries), self._offset - start
            if count >= 0xFFFF or directory >= _LIMIT or start >= _LIMIT:
                end64 = self._offset
                self._write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, directory, start))
                self._write(struct.pack("<IIQI", 0x07064B50, 0, end64, 1))
            entries = 0xFFFF if count >= 0xFFFF else count
            self._write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, entries, entries, _field(directory), _field(start),
                                    0))
        finally:
            self._file.close()


def _field(value: int) -> int:
    """A size or offset as its 32-bit field holds it: itself, or the mark that the zip64 record has it."""
    return _MARK if value >= _LIMIT else value


def _joined(first: bytes, middle: Iterable[bytes], last: bytes) -> Iterator[bytes]:
    yield first
    yield from middle
    yield last
