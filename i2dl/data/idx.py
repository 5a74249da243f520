"""The IDX format of MNIST and Fashion-MNIST (LeCun et al.): a 4-byte magic number — two zero bytes,
a type code, the number of dimensions — then each dimension as a big-endian uint32, then the data,
big-endian, row-major. Files may be gzipped (recognised by their first two bytes, not their name).

Every file is checked before it is used: the magic number, the type, and that it holds exactly the
bytes its header announces; a bad file raises a ValueError naming it."""
from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

IDX_TYPES = {0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
             0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
GZIP_MAGIC = b"\x1f\x8b"


def read_bytes(path) -> bytes:
    """A file's bytes, gunzipped when it starts with the gzip magic number."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f"no file {path}") from None
    if raw[:2] == GZIP_MAGIC:
        try:
            return gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as e:
            raise ValueError(f"{path}: a damaged or truncated gzip file ({e})") from None
    return raw


def read_idx(path) -> np.ndarray:
    """The array an IDX file holds, in native byte order."""
    raw = read_bytes(path)
    if len(raw) < 4:
        raise ValueError(f"{path}: not an IDX file: {len(raw)} bytes, fewer than its 4-byte magic number")
    zero, code, ndim = raw[:2], raw[2], raw[3]
    if zero != b"\x00\x00" or code not in IDX_TYPES or ndim == 0:
        raise ValueError(f"{path}: not an IDX file: magic number {raw[:4].hex()} (expected 0000 then a type code in "
                         f"{[f'{c:02x}' for c in IDX_TYPES]} and a dimension count >= 1)")
    head = 4 + 4 * ndim
    if len(raw) < head:
        raise ValueError(f"{path}: truncated: {len(raw)} bytes, the header of {ndim} dimensions needs {head}")
    shape = tuple(int(v) for v in np.frombuffer(raw, ">u4", ndim, 4))
    dtype = IDX_TYPES[code]
    want = head + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != want:
        raise ValueError(f"{path}: {'truncated' if len(raw) < want else 'trailing bytes'}: {len(raw)} bytes, its "
                         f"header {shape} of {dtype.name} announces {want}")
    return np.frombuffer(raw, dtype, offset=head).reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path, array) -> None:
    """Writes ``array`` as an IDX file (gzipped when the name ends in .gz)."""
    array = np.asarray(array)
    codes = {v.newbyteorder("="): k for k, v in IDX_TYPES.items()}
    native = array.dtype.newbyteorder("=")
    if native not in codes:
        raise ValueError(f"write_idx: argument 'array' has dtype {array.dtype}; IDX holds {sorted(map(str, codes))}")
    header = bytes([0, 0, codes[native], array.ndim]) + np.asarray(array.shape, ">u4").tobytes()
    data = header + array.astype(IDX_TYPES[codes[native]]).tobytes()
    Path(path).write_bytes(gzip.compress(data) if str(path).endswith(".gz") else data)
