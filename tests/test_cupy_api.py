"""Every array-module name eagergrad calls exists in cupy, checked on machines without a GPU.

Ops reach numpy or cupy through their device's array module (``xp``); a numpy-only name there
would pass every cpu test and fail on the first GPU. This test reads the source for ``xp.<name>``
and ``cupy.<name>`` / ``cupyx.<name>`` chains and resolves each against cupy's namespace: the
installed cupy when it imports, else a snapshot of cupy's names in tests/data/cupy_api.txt.
Refresh the snapshots (names, and the signatures tests/_fake_cupy.py checks calls against)
where cupy is installed (no GPU needed):

    python -m tests.test_cupy_api --update
"""

from __future__ import annotations

import pathlib
import re
import sys

SRC = pathlib.Path(__file__).resolve().parents[1] / "src" / "eagergrad"
SNAPSHOT = pathlib.Path(__file__).resolve().parent / "data" / "cupy_api.txt"
# Parameter names of cupy's Python-level functions; tests/_fake_cupy.py binds calls to them.
SIGNATURES = SNAPSHOT.with_name("cupy_signatures.txt")
_CHAIN = re.compile(r"\b(xp|cupyx|cupy|_cupy)\.([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)")
# Submodules whose names the snapshot lists (prefix "cupy.random." etc.).
_SUBMODULES = ("random", "linalg", "fft", "cuda", "cuda.runtime", "lib", "lib.stride_tricks")


def used_chains():
    """{"cupy.name.attr" or "cupyx.name": first "file:line"} for every use in the source."""
    uses = {}
    for path in sorted(SRC.rglob("*.py")):
        for i, line in enumerate(path.read_text().splitlines(), 1):
            if line.lstrip().startswith("#"):
                continue
            for m in _CHAIN.finditer(line):
                root = "cupyx" if m.group(1) == "cupyx" else "cupy"
                uses.setdefault(f"{root}.{m.group(2)}", f"{path.relative_to(SRC)}:{i}")
    return uses


def _public(obj):
    return {n for n in dir(obj) if not n.startswith("_")}


def snapshot_names():
    """Every name of cupy's namespace this test can check (needs cupy, not a GPU)."""
    import cupy
    import cupyx

    names = {f"cupy.{n}" for n in _public(cupy)} | {f"cupyx.{n}" for n in _public(cupyx)}
    for sub in _SUBMODULES:
        mod = cupy
        for part in sub.split("."):
            mod = getattr(mod, part)
        names |= {f"cupy.{sub}.{n}" for n in _public(mod)}
    import cupyx.scipy.special

    names |= {"cupyx.scipy", "cupyx.scipy.special"}
    names |= {f"cupyx.scipy.special.{n}" for n in _public(cupyx.scipy.special)}
    names |= {f"cupy.ufunc.{n}" for n in _public(cupy.add)}
    names |= {f"cupy.ndarray.{n}" for n in _public(cupy.ndarray)}
    names |= {f"cupy.dtype.{n}" for n in _public(cupy.dtype("float32"))}
    return names


def _render_parameters(sig) -> str:
    """``sig``'s parameters as names only: ``a, axis=, *, kind=`` (defaults are not kept)."""
    out, star_done = [], False
    params = list(sig.parameters.values())
    for i, p in enumerate(params):
        if p.kind is p.VAR_POSITIONAL:
            out.append(f"*{p.name}")
            star_done = True
        elif p.kind is p.VAR_KEYWORD:
            out.append(f"**{p.name}")
        else:
            if p.kind is p.KEYWORD_ONLY and not star_done:
                out.append("*")
                star_done = True
            out.append(p.name + ("=" if p.default is not p.empty else ""))
        if p.kind is p.POSITIONAL_ONLY and (i + 1 == len(params)
                                            or params[i + 1].kind is not p.POSITIONAL_ONLY):
            out.append("/")
    return ", ".join(out)


def signature_lines():
    """``cupy.name(params)`` for every cupy function with a Python signature (needs cupy)."""
    import inspect

    import cupy

    lines = []
    for full in sorted(snapshot_names()):
        obj = cupy
        try:
            for part in full.split(".")[1:]:
                obj = getattr(obj, part)
            if isinstance(obj, type) or not callable(obj):
                continue
            sig = inspect.signature(obj)
        except (AttributeError, TypeError, ValueError):
            continue  # ufuncs, Cython functions, classes: no Python signature
        lines.append(f"{full}({_render_parameters(sig)})")
    return lines


def _resolves(chain, names):
    """Whether ``chain`` resolves: its first name, then submodule, ufunc or dtype attributes."""
    parts = chain.split(".")
    for k in range(len(parts), 1, -1):  # the longest known prefix
        prefix = ".".join(parts[:k])
        if prefix in names:
            rest = parts[k:]
            if not rest:
                return True
            # cupy.add.at, cupy.float32.itemsize...: attributes of a ufunc or a dtype
            return (f"cupy.ufunc.{rest[0]}" in names or f"cupy.dtype.{rest[0]}" in names
                    or f"cupy.ndarray.{rest[0]}" in names)
    return False


def _names():
    try:
        return snapshot_names(), "the installed cupy"
    except Exception:  # no cupy here (the usual case): the committed snapshot
        lines = SNAPSHOT.read_text().splitlines()
        return {x for x in lines if x and not x.startswith("#")}, f"the snapshot {SNAPSHOT.name}"


def test_every_array_module_name_exists_in_cupy():
    names, source = _names()
    uses = used_chains()
    assert len(uses) > 50  # the scan found the ops' xp calls
    missing = {c: where for c, where in uses.items() if not _resolves(c, names)}
    assert not missing, f"names cupy lacks (checked against {source}): {missing}"


def test_the_check_catches_a_numpy_only_name():
    names, _ = _names()
    assert _resolves("cupy.tanh", names) and _resolves("cupy.add.at", names)
    assert _resolves("cupy.random.default_rng", names)
    assert not _resolves("cupy.lib.stride_tricks.as_strided_nonexistent", names)
    assert not _resolves("cupy.nanargmax_numpy_only", names)


if __name__ == "__main__" and "--update" in sys.argv:
    SNAPSHOT.parent.mkdir(exist_ok=True)
    import cupy

    SNAPSHOT.write_text(f"# cupy {cupy.__version__}\n" + "\n".join(sorted(snapshot_names())) + "\n")
    SIGNATURES.write_text(f"# cupy {cupy.__version__}\n" + "\n".join(signature_lines()) + "\n")
    print(f"wrote {SNAPSHOT} and {SIGNATURES}")
