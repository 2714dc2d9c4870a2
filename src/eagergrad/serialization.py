"""``eg.save`` / ``eg.load``: a safe checkpoint format (no pickle anywhere).

A file is a fixed prefix, a JSON header describing the nested object, and the raw tensor
buffers. Loading parses JSON and copies bytes into arrays; nothing in a file can name code to
run, so an untrusted checkpoint cannot execute anything. The format is documented in
docs/serialization.md.

Example:
    >>> import io, eagergrad as eg
    >>> buf = io.BytesIO()
    >>> eg.save({"w": eg.ones(2), "step": 3}, buf)
    >>> _ = buf.seek(0)
    >>> eg.load(buf)
    {'w': tensor([1., 1.]), 'step': 3}
"""

from __future__ import annotations

import json
import math
import os
import struct
import tempfile
import zlib
from collections import OrderedDict

import numpy

from . import _backend
from ._tensor import Tensor

__all__ = ["save", "load"]

MAGIC = b"\x89EGRAD\r\n"  # 8 bytes; the \r\n catches text-mode (newline-translating) copies
VERSION = 1
_PREFIX = struct.Struct("<8sIQI")  # magic, version, header length, header crc32
_ALIGN = 64
_DTYPES = {"float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"}


# --- save ----------------------------------------------------------------------------------------
class _Encoder:
    """Turns an object into a JSON-able tree plus a list of tensors (deduplicated by identity)."""

    def __init__(self):
        self.tensors = []
        self.ids = {}

    def encode(self, obj, depth=0):
        if depth > 500:
            raise ValueError("eg.save: object nesting is too deep (over 500 levels)")
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return obj
        if isinstance(obj, float):
            return obj if math.isfinite(obj) else {"t": "float", "v": repr(obj)}
        if isinstance(obj, Tensor):
            return {"t": "tensor", "id": self._tensor_id(obj)}
        if isinstance(obj, dict):
            tag = "odict" if isinstance(obj, OrderedDict) else "dict"
            return {
                "t": tag,
                "k": [self.encode(k, depth + 1) for k in obj],
                "v": [self.encode(v, depth + 1) for v in obj.values()],
            }
        if isinstance(obj, (list, tuple)):
            return {
                "t": "list" if isinstance(obj, list) else "tuple",
                "v": [self.encode(v, depth + 1) for v in obj],
            }
        if isinstance(obj, (bytes, bytearray)):
            return {"t": "bytes", "v": bytes(obj).hex()}
        if isinstance(obj, _backend.Device):
            return {"t": "device", "v": str(obj)}
        if type(obj).__name__ == "dtype" and hasattr(obj, "np"):
            return {"t": "dtype", "v": obj.name}
        if isinstance(obj, (numpy.integer, numpy.floating, numpy.bool_)):
            return self.encode(obj.item(), depth)
        raise TypeError(
            f"eg.save: cannot save an object of type {type(obj).__name__}; supported are "
            "Tensors, dicts, lists, tuples, str, int, float, bool, None, bytes, devices and "
            "dtypes (convert numpy arrays with eg.from_numpy)"
        )

    def _tensor_id(self, t: Tensor) -> int:
        i = self.ids.get(id(t))
        if i is None:
            i = self.ids[id(t)] = len(self.tensors)
            self.tensors.append(t)
        return i


def _host_bytes(t: Tensor) -> numpy.ndarray:
    a = numpy.ascontiguousarray(_backend.to_host(t._data))
    le = a.dtype.newbyteorder("<")
    if a.dtype != le and a.dtype.itemsize > 1:
        a = a.astype(le)
    return a.reshape(-1).view(numpy.uint8)


def _serialize(obj) -> list:
    """The file's content as a list of byte chunks."""
    enc = _Encoder()
    root = enc.encode(obj)
    buffers = [_host_bytes(t) for t in enc.tensors]
    metas, offset = [], 0
    for t, raw in zip(enc.tensors, buffers):
        metas.append(
            {
                "dtype": t.dtype.name,
                "shape": list(t._data.shape),
                "device": str(t._device),
                "offset": offset,
                "nbytes": int(raw.nbytes),
                "crc32": zlib.crc32(raw),
                "requires_grad": bool(t.requires_grad),
                "parameter": type(t).__name__ == "Parameter",
            }
        )
        offset += -(-raw.nbytes // _ALIGN) * _ALIGN
    header = {
        "format": "eagergrad",
        "version": VERSION,
        "root": root,
        "tensors": metas,
        "data_size": offset,
    }
    head = json.dumps(header, separators=(",", ":"), allow_nan=False).encode("utf-8")
    head += b" " * (-(_PREFIX.size + len(head)) % _ALIGN)  # data starts aligned
    chunks = [_PREFIX.pack(MAGIC, VERSION, len(head), zlib.crc32(head)), head]
    for raw in buffers:
        chunks.append(raw)
        pad = -raw.nbytes % _ALIGN
        if pad:
            chunks.append(b"\0" * pad)
    return chunks


def save(obj, f) -> None:
    """Saves ``obj`` (nested dicts/lists/tuples of tensors, numbers, strings) to ``f``.

    Writing to a path is atomic: the data goes to a temporary file in the same directory,
    which then replaces ``f`` (``os.replace``), so a crash mid-save never destroys an earlier
    checkpoint. No pickle is used; see docs/serialization.md for the format.

    Args:
        obj: the object to save, e.g. ``model.state_dict()`` or ``optimizer.state_dict()``.
        f: a path (str or ``os.PathLike``) or a writable binary file-like object.

    Raises:
        TypeError: if ``obj`` contains something that is not one of the supported types.

    Example:
        >>> import io, eagergrad as eg
        >>> buf = io.BytesIO()
        >>> eg.save(eg.nn.Linear(2, 1).state_dict(), buf)
        >>> sorted(eg.load(io.BytesIO(buf.getvalue())))
        ['bias', 'weight']
    """
    chunks = _serialize(obj)
    if not isinstance(f, (str, os.PathLike)):
        for c in chunks:
            f.write(c)
        return
    path = os.fspath(f)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(
        dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".tmp"
    )
    try:
        with os.fdopen(fd, "wb") as out:
            for c in chunks:
                out.write(c)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# --- load ----------------------------------------------------------------------------------------
class _Corrupt(Exception):
    pass


def _read_all(f) -> tuple[bytes, str]:
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            return fh.read(), repr(os.fspath(f))
    name = getattr(f, "name", None)
    raw = f.read()
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise TypeError(
            f"eg.load: expected a binary file (opened with 'rb'), got {type(raw).__name__} data"
        )
    return bytes(raw), (repr(name) if isinstance(name, str) else "<file-like object>")


def _check_prefix(raw: bytes):
    # Protocol 2+ pickles start with PROTO (0x80); every pickle ends with STOP (".").
    if not raw.startswith(MAGIC) and (raw[:1] == b"\x80" or raw.endswith(b".")):
        raise _Corrupt(
            "it looks like a pickle file. eagergrad never unpickles (loading a pickle can run "
            "arbitrary code); re-save the data with eg.save"
        )
    if raw[:4] == b"PK\x03\x04":
        raise _Corrupt(
            "it is a zip archive (torch.save output?), whose content is a pickle. eagergrad "
            "never unpickles; load it with torch, convert the tensors "
            "(eg.tensor(t.numpy())), and re-save with eg.save"
        )
    if len(raw) < _PREFIX.size:
        if MAGIC.startswith(raw[:8]) and raw:
            raise _Corrupt(f"the file is truncated ({len(raw)} bytes)")
        raise _Corrupt("not an eagergrad file (bad magic number)")
    magic, version, head_len, head_crc = _PREFIX.unpack_from(raw)
    if magic != MAGIC:
        raise _Corrupt("not an eagergrad file (bad magic number)")
    if version != VERSION:
        raise _Corrupt(f"unsupported format version {version} (this eagergrad reads {VERSION})")
    if _PREFIX.size + head_len > len(raw):
        raise _Corrupt(
            f"the file is truncated: the header needs {head_len} bytes but only "
            f"{len(raw) - _PREFIX.size} follow"
        )
    head = raw[_PREFIX.size : _PREFIX.size + head_len]
    if zlib.crc32(head) != head_crc:
        raise _Corrupt("the header is corrupt (checksum mismatch)")
    try:
        header = json.loads(head.decode("utf-8"))
    except (ValueError, RecursionError) as e:
        raise _Corrupt(f"the header is not valid JSON ({e})") from None
    if not isinstance(header, dict) or header.get("format") != "eagergrad":
        raise _Corrupt("the header does not describe an eagergrad object")
    return header, _PREFIX.size + head_len


def _read_tensors(raw: bytes, header: dict, start: int) -> list:
    metas = header.get("tensors")
    size = header.get("data_size")
    if not isinstance(metas, list) or not isinstance(size, int):
        raise _Corrupt("the header lacks the tensor table")
    if start + size > len(raw):
        raise _Corrupt(
            f"the file is truncated: {size} bytes of tensor data expected, "
            f"{len(raw) - start} present"
        )
    if start + size < len(raw):
        raise _Corrupt(f"{len(raw) - start - size} unexpected bytes after the tensor data")
    view = memoryview(raw)  # slices without copying; each array below gets one copy
    out = []
    for i, m in enumerate(metas):
        try:
            dtype, shape, off, nbytes = m["dtype"], m["shape"], m["offset"], m["nbytes"]
            if dtype not in _DTYPES or not all(isinstance(s, int) and s >= 0 for s in shape):
                raise _Corrupt(f"tensor {i} has an invalid dtype or shape")
            npd = numpy.dtype(dtype).newbyteorder("<") if dtype != "bool" else numpy.dtype(bool)
            if nbytes != math.prod(shape) * npd.itemsize or off < 0 or off + nbytes > size:
                raise _Corrupt(f"tensor {i} ({dtype} {shape}) does not fit the data section")
            chunk = view[start + off : start + off + nbytes]
            if zlib.crc32(chunk) != m["crc32"]:
                raise _Corrupt(f"tensor {i} ({dtype} {shape}) is corrupt (checksum mismatch)")
        except (KeyError, TypeError) as e:
            raise _Corrupt(f"tensor {i}'s description is malformed ({e!r})") from None
        arr = numpy.frombuffer(chunk, dtype=npd).astype(npd.newbyteorder("="), copy=True)
        out.append((arr.reshape(shape), m))
    return out


def _decode(node, tensors, depth=0):
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if depth > 500 or not isinstance(node, dict):
        raise _Corrupt("the object tree is malformed")
    tag = node.get("t")
    if tag == "tensor":
        i = node.get("id")
        if not isinstance(i, int) or not 0 <= i < len(tensors):
            raise _Corrupt(f"the object tree refers to a missing tensor {i!r}")
        return tensors[i]
    if tag in ("dict", "odict"):
        ks, vs = node.get("k"), node.get("v")
        if not isinstance(ks, list) or not isinstance(vs, list) or len(ks) != len(vs):
            raise _Corrupt("a dict in the object tree is malformed")
        pairs = [
            (_decode(k, tensors, depth + 1), _decode(v, tensors, depth + 1)) for k, v in zip(ks, vs)
        ]
        try:
            return OrderedDict(pairs) if tag == "odict" else dict(pairs)
        except TypeError:
            raise _Corrupt("a dict in the object tree has an unhashable key") from None
    if tag in ("list", "tuple"):
        vs = node.get("v")
        if not isinstance(vs, list):
            raise _Corrupt("a list in the object tree is malformed")
        items = [_decode(v, tensors, depth + 1) for v in vs]
        return items if tag == "list" else tuple(items)
    if tag == "float" and node.get("v") in ("nan", "inf", "-inf"):
        return float(node["v"])
    if tag == "bytes" and isinstance(node.get("v"), str):
        try:
            return bytes.fromhex(node["v"])
        except ValueError:
            raise _Corrupt("a bytes value in the object tree is malformed") from None
    if tag == "device" and isinstance(node.get("v"), str):
        return _backend.get_device(node["v"])
    if tag == "dtype" and node.get("v") in _DTYPES:
        from ._dtype import to_dtype

        return to_dtype(node["v"])
    raise _Corrupt(f"unknown entry in the object tree: {str(node)[:80]}")


def _target_device(location: str, map_location):
    """The device a tensor saved on ``location`` is loaded to (None: apply a callable later)."""
    if map_location is None:
        return _backend.get_device(location)
    if isinstance(map_location, dict):
        return _backend.get_device(map_location.get(location, location))
    if callable(map_location) and not isinstance(map_location, (str, _backend.Device)):
        return None
    return _backend.get_device(map_location)


def _materialize(arr, meta, map_location):
    from .nn.parameter import Parameter

    location = meta.get("device", "cpu")
    t = Tensor._make(arr, _backend.CPU)
    dev = _target_device(location, map_location)
    if dev is None:
        moved = map_location(t, location)
        t = t if moved is None else moved
    elif dev is not _backend.CPU:
        if dev.type == "cuda" and not _backend.cupy_available():
            raise RuntimeError(
                "Attempting to deserialize object on a CUDA device but eg.cuda.is_available() "
                "is False. If you are running on a CPU-only machine, please use eg.load with "
                "map_location='cpu' to map your storages to the CPU."
            )
        t = t.to(dev)
    if meta.get("parameter"):
        return Parameter(t, bool(meta.get("requires_grad", True)))
    if meta.get("requires_grad") and t.is_floating_point():
        t.requires_grad_(True)
    return t


def load(f, map_location=None, *, weights_only=None, **kwargs):
    """Loads an object saved by ``eg.save``. Never runs code from the file.

    Args:
        f: a path (str or ``os.PathLike``) or a readable binary file-like object.
        map_location: where tensors go: ``None`` (the device they were saved from), a device
            (``'cpu'``, ``eg.device('cuda:0')``), a dict mapping saved device strings to
            devices (``{'cuda:0': 'cpu'}``), or a callable ``fn(tensor, location)`` that gets
            each tensor loaded on the cpu plus the saved device string and returns the tensor
            to use (``None`` keeps the cpu tensor).
        weights_only: accepted for torch compatibility; loading is always weights-only safe.

    Returns:
        The saved object, with tensors on the devices chosen by ``map_location``.

    Raises:
        RuntimeError: naming the file, when it is truncated, corrupt, of another format
            (including pickle files and ``torch.save`` output, which are refused).

    Example:
        >>> import io, eagergrad as eg
        >>> buf = io.BytesIO()
        >>> eg.save([eg.tensor([1, 2]), (1.5, "a")], buf)
        >>> eg.load(io.BytesIO(buf.getvalue()), map_location="cpu")
        [tensor([1, 2]), (1.5, 'a')]
    """
    raw, name = _read_all(f)
    try:
        header, start = _check_prefix(raw)
        arrays = _read_tensors(raw, header, start)
        tensors = [_materialize(a, m, map_location) for a, m in arrays]
        return _decode(header.get("root"), tensors)
    except _Corrupt as e:
        raise RuntimeError(f"eg.load: cannot load {name}: {e}") from None
