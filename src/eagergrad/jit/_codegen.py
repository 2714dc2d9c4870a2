"""Turns a recorded run into two straight-line Python functions: forward and backward.

The generated code names every array slot as a local (``v12``), so a replay is one function
call with no per-op dispatch, no Tensor objects and no device or dtype checks.
"""

from __future__ import annotations

import math

from .._ops import elementwise as _E
from .._tensor import Tensor
from ..autograd.function import _CONST, Node
from ..autograd.grad_mode import no_grad

__all__ = ["generate"]

_new = object.__new__

# Ops whose forward is exactly one ufunc on its inputs: replayed as that ufunc (with ``out=``
# into a preallocated buffer where the result does not escape the backward call).
_UFUNC = {
    _E.Add: "add",
    _E.Sub: "subtract",
    _E.Mul: "multiply",
    _E.Neg: "negative",
    _E.Tanh: "tanh",
    _E.Exp: "exp",
}


def _opaque(cls, ctx, needs, gs, dev):
    """Runs ``cls.backward`` eagerly on a replayed ctx (see NOTE [Opaque backward])."""
    saved = ctx._saved
    if saved and type(saved[0]) is not tuple:
        ctx._saved = tuple([(_CONST, a, 0, 0, None) for a in saved])
    ctx._dev = dev
    ctx.needs_input_grad = needs
    with no_grad():
        out = cls.backward(ctx, *[Tensor._make(g, dev) for g in gs])
    if type(out) is not tuple:
        out = (out,)
    return tuple([None if o is None else o._data for o in out])


class _Names:
    def __init__(self, ns):
        self.ns = ns
        self.n = 0

    def glob(self, value, prefix="P"):
        name = f"_{prefix}{self.n}"
        self.n += 1
        self.ns[name] = value
        return name


def _expr(ref, names):
    kind = ref[0]
    if kind == "v":
        return f"v{ref[1]}"
    if kind == "l":
        return f"l{ref[1]}"
    if kind == "k":
        return f"K{ref[1]}"
    if kind == "c":
        return f"c{ref[1]}.{ref[2]}"
    if kind == "t":
        return "(" + "".join(_expr(r, names) + ", " for r in ref[1]) + ")"
    return names.glob(ref[1])


def _refs(step):
    out = list(step.ins)
    stack = list(step.params.values())
    while stack:
        r = stack.pop()
        if r[0] == "t":
            stack.extend(r[1])
        else:
            out.append(r)
    return out


def generate(graph, xp, dev, fuse):
    """Builds ``forward(inputs, lives) -> (outs, saved)`` and ``backward(saved, grads)``."""
    steps = graph.steps
    ns = {"_new": _new, "_xp": xp, "_asarray": xp.asarray, "_opaque": _opaque, "_dev": dev}
    for k, c in enumerate(graph.consts):
        ns[f"K{k}"] = c
    for name in set(_UFUNC.values()) | {"subtract"}:
        ns[f"_u_{name}"] = getattr(xp, name)
    names = _Names(ns)
    need_ctx = set()
    for s in steps:
        if s.kind == "opaque":
            need_ctx.add(s.node_step)
        for r in _refs(s):
            if r[0] == "c":
                need_ctx.add(r[1])
    fwd = [i for i, s in enumerate(steps) if s.phase == "fwd"]
    bwd = _peephole(steps, [i for i, s in enumerate(steps) if s.phase != "fwd"], graph, need_ctx)
    ns["_Ctx"] = type("_Ctx", (Node,), {"xp": xp})  # see NOTE [Temporary ctx]
    escaping = _escaping(steps, fwd, bwd, graph, need_ctx)

    # --- forward --------------------------------------------------------------------------
    lines = ["def _forward(X, L):"]
    lines.append("    " + "".join(f"v{i}, " for i in range(graph.n_inputs)) + "= X")
    if graph.n_lives:
        lines.append("    " + "".join(f"l{k}, " for k in range(graph.n_lives)) + "= L")
    fused = _fuse_groups(steps, fwd, need_ctx, graph, xp) if fuse else {}
    saved = _saved_refs(steps, fwd, bwd, graph)
    graph.n_saved = len(saved)
    chunks = []
    for i in fwd:
        if i in fused:
            chunks.append((fused[i](ns, names), None, i))
            continue
        if fused and any(i in grp for grp in fused["_members"]):
            continue
        buf = _buffer(steps[i], escaping, xp, names)
        chunks.append((_op_lines(steps[i], i, i in need_ctx, names, buf), steps[i], i))
    keep = set(saved) | {_expr(r, names) for r in graph.out_refs}
    lines.extend(_with_dels(chunks, keep, need_ctx, fused))
    out_exprs = "".join(_expr(r, names) + ", " for r in graph.out_refs)
    lines.append(f"    return ({out_exprs}), [{''.join(e + ', ' for e in saved)}]")

    # --- backward -------------------------------------------------------------------------
    blines = ["def _backward(S, G):"]
    if saved:
        # NOTE: clearing S lets each saved array go right after its last use, as the engine
        # frees a node's saved tensors after its backward: a lower peak, and freed blocks are
        # reused instead of fresh pages being faulted in (measurable on the MLP step).
        blines.append("    " + "".join(e + ", " for e in saved) + "= S")
        blines.append("    S.clear()")
    seeds = [s for s in graph.seeds if s is not None]
    if seeds:
        blines.append("    " + "".join(f"v{s}, " for s in seeds) + "= G")
    chunks = []
    for i in bwd:
        s = steps[i]
        buf = _buffer(s, escaping, xp, names)
        chunks.append((_op_lines(s, i, i in need_ctx, names, buf), s, i))
    keep = {f"v{slot}" for slot in graph.ext_slots.values()}
    blines.extend(_with_dels(chunks, keep, need_ctx, {}))
    rets = "".join(
        (f"v{graph.ext_slots[r]}" if r in graph.ext_slots else "None") + ", "
        for r in graph.ext_refs
    )
    blines.append(f"    return ({rets})")
    src = "\n".join(lines) + "\n\n" + "\n".join(blines) + "\n"
    code = compile(src, f"<eagergrad.jit trace of {graph.name}>", "exec")
    exec(code, ns)  # noqa: S102 - our own generated source; see NOTE [What a trace records]
    return ns["_forward"], ns["_backward"], src


# NOTE [Preallocated buffers]
# A ufunc step writes into a buffer made once per trace (``out=``) when its result cannot be
# seen after the call that made it: it is not an output or a returned gradient, the backward
# does not read it (two forward calls may be waiting for their backward), no kept ctx holds it,
# and no op that may return a view of it (any non-ufunc op) leads to such a value. Everything
# else gets fresh memory, as in eager mode.
def _escaping(steps, fwd, bwd, graph, need_ctx):
    """Slots whose memory may outlive the call that computed them."""
    fwd_slots = set(range(graph.n_inputs))
    for i in fwd:
        fwd_slots.update(steps[i].outs)
    esc = set(graph.ext_slots.values())
    esc.update(r[1] for r in graph.out_refs if r[0] == "v")
    for i in bwd:
        s = steps[i]
        for r in _refs(s) if s.kind == "op" else s.ins:
            if r[0] == "v" and (s.kind == "opaque" or r[1] in fwd_slots):
                esc.add(r[1])
    for i in need_ctx:
        s = steps[i]
        esc.update(r[1] for r in _refs(s) if r[0] == "v")
        esc.update(s.outs)
    for i in reversed(fwd + bwd):  # a view of a buffer escapes with the buffer
        s = steps[i]
        if s.kind == "op" and not _is_ufunc(s) and any(o in esc for o in s.outs):
            esc.update(r[1] for r in _refs(s) if r[0] == "v")
    return esc


def _names_read(s):
    refs = _refs(s) if s.kind == "op" else list(s.ins)
    out = set()
    for r in refs:
        if r[0] == "v":
            out.add(f"v{r[1]}")
        elif r[0] == "c":
            out.add(f"c{r[1]}")
    if s.kind == "opaque":
        out.add(f"c{s.node_step}")
    return out


_DEL_MIN_ELEMENTS = 4096  # smaller arrays are not worth a ``del`` (W1's are 256 elements)


def _with_dels(chunks, keep, need_ctx, fused):
    """The chunks' lines with ``del name`` after each big array's last use (memory goes early,
    as eager mode frees a tensor when its last reference goes). Ctxs are always dropped."""
    if fused:  # cuda: memory is cupy's pool's business; keep the fused code plain
        return [line for c in chunks for line in c[0]]
    last, small = {}, set()
    for j, (_, s, i) in enumerate(chunks):
        for n in _names_read(s):
            last[n] = j
        for k, o in enumerate(s.outs):
            if o is not None:
                last.setdefault(f"v{o}", j)
                shape = s.out_shapes[k] if k < len(s.out_shapes) else s.shape
                if shape is not None and math.prod(shape) < _DEL_MIN_ELEMENTS:
                    small.add(f"v{o}")
        if i in need_ctx:
            last.setdefault(f"c{i}", j)
    drop = {}
    for n, j in last.items():
        if n not in keep and n not in small:
            drop.setdefault(j, []).append(n)
    lines = []
    for j, (chunk, _, _) in enumerate(chunks):
        lines.extend(chunk)
        if j in drop:
            lines.append("    del " + ", ".join(sorted(drop[j])))
    return lines


def _is_ufunc(s):
    return s.kind == "op" and (s.cls in _UFUNC or s.cls is _SUBTRACT) and not s.params


def _buffer(s, escaping, xp, names):
    if not _is_ufunc(s) or s.outs[0] in escaping or not s.out_shapes[0]:
        return None
    return names.glob(xp.empty(s.out_shapes[0], s.dtype), "B")


# NOTE [Temporary ctx]
# A replayed forward needs a kept ctx only when the backward reads it (an opaque backward, or a
# ``ctx.cols``-style attribute). Every other op's forward gets a bare ``_Ctx()`` (a Node
# subclass with ``xp`` on the class) that is dropped as soon as the call returns, so whatever
# it saved is freed at once, as in eager mode. (One shared ctx would be cheaper per op, but it
# kept the last op's arrays alive: on the MLP step the late frees cost ~10% through the
# allocator.)

_SUBTRACT = object()  # marks a peephole-made subtraction


def _peephole(steps, order, graph, need_ctx):
    """``add(neg(a), b)`` -> ``subtract(b, a)`` when the negation is used once (bitwise equal:
    IEEE subtraction is addition of the negation, and addition commutes)."""
    uses = {}
    for s in steps:
        for r in _refs(s) if s.kind == "op" else s.ins:
            if r[0] == "v":
                uses[r[1]] = uses.get(r[1], 0) + 1
    for slot in list(graph.ext_slots.values()):
        uses[slot] = uses.get(slot, 0) + 2
    for r in graph.out_refs:
        if r[0] == "v":
            uses[r[1]] = uses.get(r[1], 0) + 2
    neg_of = {}
    for i in order:
        s = steps[i]
        if s.kind == "op" and s.cls is _E.Neg and i not in need_ctx and uses.get(s.outs[0]) == 1:
            neg_of[s.outs[0]] = i
    dropped = set()
    for i in order:
        s = steps[i]
        if s.kind != "op" or s.cls is not _E.Add or s.params or i in need_ctx:
            continue
        a, b = s.ins
        for x, y in ((a, b), (b, a)):
            if x[0] == "v" and x[1] in neg_of and neg_of[x[1]] not in dropped:
                j = neg_of[x[1]]
                dropped.add(j)
                s.cls = _SUBTRACT
                s.ins = (y, steps[j].ins[0])
                break
    return [i for i in order if i not in dropped]


def _op_lines(s, i, keep_ctx, names, buf):
    if s.kind == "zeros":
        return [f"    v{s.outs[0]} = _xp.zeros({names.glob(s.shape)}, {names.glob(s.dtype)})"]
    if s.kind == "opaque":
        outs = "".join(("_" if o is None else f"v{o}") + ", " for o in s.outs)
        gs = "".join(_expr(r, names) + ", " for r in s.ins)
        cls = names.glob(s.cls, "C")
        return [f"    {outs}= _opaque({cls}, c{s.node_step}, {names.glob(s.needs)}, ({gs}), _dev)"]
    args = ", ".join(_expr(r, names) for r in s.ins)
    outs = "".join(f"v{o}, " for o in s.outs) if len(s.outs) > 1 else f"v{s.outs[0]}"
    lines = []
    if s.cls in _UFUNC and not s.params and not keep_ctx:
        extra = f", out={buf}" if buf else ""
        lines.append(f"    {outs} = _u_{_UFUNC[s.cls]}({args}{extra})")
    elif s.cls is _SUBTRACT:
        lines.append(f"    {outs} = _u_subtract({args}{f', out={buf}' if buf else ''})")
    else:
        cls = names.glob(s.cls, "C")
        kw = "".join(f", {k}={_expr(r, names)}" for k, r in s.params.items())
        ctx = f"c{i}" if keep_ctx else "_Ctx()"
        if keep_ctx:
            lines.append(f"    c{i} = _new({cls}); c{i}.xp = _xp")
        lines.append(f"    {outs} = {cls}.forward({ctx}{', ' if args else ''}{args}{kw})")
    for o, shape in zip(s.outs, s.out_shapes):
        if shape == ():
            lines.append(f"    v{o} = _asarray(v{o})")
    return lines


def _saved_refs(steps, fwd, bwd, graph):
    """Names the forward hands to the backward: slots, lives and ctxs the backward reads."""
    defined = set(range(graph.n_inputs))
    for i in fwd:
        defined.update(steps[i].outs)
    out, seen = [], set()
    for i in bwd:
        s = steps[i]
        refs = _refs(s) if s.kind == "op" else list(s.ins)
        if s.kind == "opaque":
            refs.append(("c", s.node_step, None))
        for r in refs:
            if r[0] == "v" and r[1] in defined:
                e = f"v{r[1]}"
            elif r[0] == "l":
                e = f"l{r[1]}"
            elif r[0] == "c":
                e = f"c{r[1]}"
            else:
                continue
            if e not in seen:
                seen.add(e)
                out.append(e)
    for slot in graph.ext_slots.values():
        if slot in defined and f"v{slot}" not in seen:
            seen.add(f"v{slot}")
            out.append(f"v{slot}")
    return out


def _fuse_groups(steps, fwd, need_ctx, graph, xp):
    """On cuda: runs of ufunc steps as one ``xp.fuse`` (cupy.fuse) kernel each.

    The grouping and the generated code run in the test suite on the cupy-shaped fake device,
    whose ``fuse`` runs the function as written; cupy's kernel compilation needs a GPU.
    """
    # TODO(jit): measure on a GPU (benchmarks/bench_jit.py); no session so far had one.
    groups, cur = [], []
    for i in fwd:
        s = steps[i]
        if s.kind == "op" and s.cls in _UFUNC and not s.params and i not in need_ctx:
            cur.append(i)
        else:
            if len(cur) > 1:
                groups.append(cur)
            cur = []
    if len(cur) > 1:
        groups.append(cur)
    used_later = {}
    for j, s in enumerate(steps):
        for r in _refs(s):
            if r[0] == "v":
                used_later.setdefault(r[1], []).append(j)
    for r in graph.out_refs:
        if r[0] == "v":
            used_later.setdefault(r[1], []).append(len(steps))
    out = {"_members": []}
    for grp in groups:
        out["_members"].append(set(grp[1:]))
        out[grp[0]] = _fused_emitter(steps, grp, used_later, xp)
    return out


def _fused_emitter(steps, grp, used_later, xp):
    made = set()
    for i in grp:
        made.update(steps[i].outs)
    ins = []
    for i in grp:
        for r in steps[i].ins:
            e = _expr(r, None) if r[0] != "p" else None
            if e and (r[0] != "v" or r[1] not in made) and e not in ins:
                ins.append(e)
    last = max(grp)
    outs = [o for i in grp for o in steps[i].outs if any(j > last for j in used_later.get(o, ()))]
    body = [f"def _g({', '.join(a.replace('.', '_') for a in ins)}):"]
    for i in grp:
        s = steps[i]
        args = ", ".join(_expr(r, None).replace(".", "_") for r in s.ins)
        body.append(f"    v{s.outs[0]} = _cp.{_UFUNC[s.cls]}({args})")
    body.append("    return (" + "".join(f"v{o}, " for o in outs) + ")")

    def emit(ns, names):
        local = {"_cp": xp}
        exec("\n".join(body), local)  # noqa: S102 - generated from our own steps
        name = names.glob(xp.fuse()(local["_g"]), "F")
        return [f"    {''.join(f'v{o}, ' for o in outs)}= {name}({', '.join(ins)})"]

    return emit
