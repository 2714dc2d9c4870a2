"""Writes the API reference pages docs/api/*.md from the public namespaces' ``__all__``.

Run ``python docs/_ext/gen_api.py`` after adding a public name (``--audit`` lists the public
objects that lack a docstring or an example instead); ``tests/test_docs_build.py``
fails, naming the missing objects, when a page lags behind ``__all__``. Each page is a short
hand-written introduction (below) followed by one mkdocstrings ``::: path`` block per object,
grouped under a heading per defining module. Objects are referenced by the module that defines
them (``eagergrad.nn.modules.linear.Linear``): griffe reads the source statically and cannot
follow the computed ``__all__`` lists of the re-exporting packages.
"""

from __future__ import annotations

import importlib
import inspect
import os

DOCS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Section titles for defining modules, in the order sections appear on a page; other modules
# get their last component, capitalised. A page with one section gets no section heading.
SECTION_TITLES = {
    "eagergrad._tensor": "Tensor",
    "eagergrad._creation": "Creation",
    "eagergrad.random": "Random numbers",
    "eagergrad._ops.elementwise": "Pointwise",
    "eagergrad._ops.reduction": "Reductions",
    "eagergrad._ops.linalg": "Linear algebra",
    "eagergrad._ops.shape": "Shapes and views",
    "eagergrad._ops.indexing": "Indexing",
    "eagergrad._dtype": "Data types",
    "eagergrad._format": "Printing",
    "eagergrad._backend": "Devices",
    "eagergrad.autograd.grad_mode": "Grad modes",
    "eagergrad.autograd.engine": "Backward and grad",
    "eagergrad.autograd.function": "Custom Functions and graph nodes",
    "eagergrad.autograd.gradcheck": "Gradient checks",
    "eagergrad.autograd.anomaly_mode": "Anomaly detection",
    "eagergrad.autograd.retention": "Graph-retention warnings",
    "eagergrad.nn.parameter": "Parameters and buffers",
    "eagergrad.nn.modules.module": "Module",
    "eagergrad.nn.modules.container": "Containers",
    "eagergrad.nn.modules.linear": "Linear layers",
    "eagergrad.nn.modules.activation": "Activations",
    "eagergrad.nn.modules.normalization": "Normalization",
    "eagergrad.nn.modules.dropout": "Dropout",
    "eagergrad.nn.modules.embedding": "Embedding",
    "eagergrad.nn.modules.loss": "Losses",
    "eagergrad.nn.modules.flatten": "Flatten",
    "eagergrad.nn.modules.transformer": "Attention and transformers",
    "eagergrad.nn.modules.conv": "Convolution",
    "eagergrad.nn.modules.pooling": "Pooling, padding and resampling",
    "eagergrad.nn.modules.rnn": "Recurrent layers",
    "eagergrad.nn.functional": "Functions",
    "eagergrad._ops.conv": "Convolution, pooling, padding and resampling",
    "eagergrad.nn.utils.clip_grad": "Gradient clipping",
    "eagergrad.nn.utils.convert_parameters": "Parameters as one vector",
    "eagergrad.nn.utils.rnn": "Packed sequences (eagergrad.nn.utils.rnn)",
    **{
        f"eagergrad.optim.{m}": "Optimizers"
        for m in (
            "optimizer",
            "sgd",
            "adam",
            "adamw",
            "adamax",
            "nadam",
            "radam",
            "rmsprop",
            "adagrad",
            "adadelta",
            "lbfgs",
        )
    },
    "eagergrad.optim.lr_scheduler": "Learning-rate schedulers (eagergrad.optim.lr_scheduler)",
    "eagergrad.utils.data.dataset": "Datasets",
    "eagergrad.utils.data.sampler": "Samplers",
    "eagergrad.utils.data.distributed": "Samplers",
    "eagergrad.utils.data.dataloader": "DataLoader",
    "eagergrad.utils.data._collate": "Collation",
    "eagergrad.utils.data._worker": "Workers",
    "eagergrad.datasets._bundled": "Bundled data sets",
    "eagergrad.datasets.vision": "Image data sets",
    "eagergrad.datasets.transforms": "Transforms (eagergrad.datasets.transforms)",
    "eagergrad.serialization": "Saving and loading",
    "eagergrad.cuda": "eagergrad.cuda",
    "eagergrad.jit._trace": "eagergrad.jit: tracing",
    "eagergrad.jit._step": "eagergrad.jit: traced training steps",
    "eagergrad.onnx._export": "eagergrad.onnx",
    "eagergrad.viz": "eagergrad.viz",
    "eagergrad.profiler": "eagergrad.profiler",
    "eagergrad.utils.checkpoint": "eagergrad.utils.checkpoint",
}

# page file -> (title, introduction, [(namespace, names to leave out)])
PAGES = {
    "tensor.md": (
        "Tensor",
        "`eagergrad.Tensor` and `eagergrad.Size`. Most methods are one-line calls into the\n"
        "functions of [Operations](ops.md), where the full documentation of each op lives\n"
        "(`x.exp()` is `eg.exp(x)`). See [Tensors](../concepts/tensors.md) for the concepts.",
        [("eagergrad", {"eagergrad._tensor"}, set())],
    ),
    "creation.md": (
        "Creating tensors and random numbers",
        "Factories (`eg.tensor`, `eg.zeros`, `eg.randn`...) take torch's `dtype=`, `device=` and\n"
        "`requires_grad=` keywords. Random numbers come from numpy's PCG64 on cpu and a\n"
        "counter-based SplitMix64 generator on a GPU (state `(seed, offset)`, as torch's CUDA\n"
        "generator), seeded by `eg.manual_seed`.",
        [("eagergrad", {"eagergrad._creation", "eagergrad.random"}, set())],
    ),
    "ops.md": (
        "Operations",
        "Every op is a function `eg.name(...)` and, where torch has one, a method\n"
        "`Tensor.name(...)`. Each docstring states the derivative; all differentiable ops are\n"
        "checked with `gradcheck` in float64, most also with `gradgradcheck`.",
        [
            (
                "eagergrad",
                {
                    "eagergrad._ops.elementwise",
                    "eagergrad._ops.reduction",
                    "eagergrad._ops.linalg",
                    "eagergrad._ops.shape",
                    "eagergrad._ops.indexing",
                },
                set(),
            )
        ],
    ),
    "linalg.md": (
        "eagergrad.linalg",
        "torch.linalg's functions: norms, inverses and solves, decompositions (Cholesky, QR, SVD,\n"
        "symmetric eigendecomposition) and products, on batches `(*, m, n)` of float32/float64\n"
        "matrices, with torch's gradients. `eg.linalg.matmul` is [`eg.matmul`](ops.md).\n"
        "Singular or not positive-definite inputs raise `eg.linalg.LinAlgError`, a\n"
        "`RuntimeError`, as in torch (on cupy only when its error checking is on).",
        [("eagergrad.linalg", {"eagergrad._ops.linalg_decomp", "eagergrad.linalg"}, set())],
    ),
    "special.md": (
        "eagergrad.special",
        "torch.special's functions. `expit` is [`eg.sigmoid`](ops.md); `erf`, `erfc`, `erfinv`,\n"
        "`exp2`, `expm1`, `log1p`, `logit`, `logsumexp`, `sinc` and `xlogy` are the functions of\n"
        "the same names in [Operations](ops.md). The others follow.",
        [("eagergrad.special", None, {"expit", "erf", "erfc", "erfinv", "exp2", "expm1", "log1p",
                                      "logit", "logsumexp", "sinc", "xlogy"})],
    ),
    "dtypes-devices.md": (
        "Data types, devices, printing",
        "The dtypes are module attributes: `eg.float16` (`eg.half`), `eg.float32` (`eg.float`,\n"
        "the default), `eg.float64` (`eg.double`), `eg.int8`, `eg.int16` (`eg.short`),\n"
        "`eg.int32` (`eg.int`), `eg.int64` (`eg.long`), `eg.uint8` and `eg.bool`. Each is an\n"
        "instance of `eg.dtype`. See [Devices](../concepts/devices.md) for the device model.",
        [("eagergrad", {"eagergrad._dtype", "eagergrad._backend", "eagergrad._format"}, set())],
    ),
    "autograd.md": (
        "eagergrad.autograd",
        "Backward, `grad`, grad modes, custom Functions, gradient checks and debugging aids.\n"
        "The grad modes are also available at the top level (`eg.no_grad`...). See\n"
        "[The tape and backward](../concepts/tape-and-backward.md).",
        [("eagergrad.autograd", None, set()), ("eagergrad.autograd.retention", None, set())],
    ),
    "nn.md": (
        "eagergrad.nn",
        "Modules and layers, with torch's names, arguments, defaults and initialisation. The\n"
        "math of each layer is in [eagergrad.nn.functional](nn.functional.md).",
        [("eagergrad.nn", None, set())],
    ),
    "nn.functional.md": (
        "eagergrad.nn.functional",
        "Stateless functions behind the layers of [eagergrad.nn](nn.md).",
        [("eagergrad.nn.functional", None, set())],
    ),
    "nn.init.md": (
        "eagergrad.nn.init",
        "In-place initialisers for parameters, with torch's formulas; they run under `no_grad`.",
        [("eagergrad.nn.init", None, set())],
    ),
    "nn.utils.md": (
        "eagergrad.nn.utils",
        "Gradient clipping, parameter vectors and packed sequences for recurrent layers.",
        [("eagergrad.nn.utils", None, set()), ("eagergrad.nn.utils.rnn", None, set())],
    ),
    "optim.md": (
        "eagergrad.optim",
        "Optimizers with torch's public model (`param_groups`, `state`, `zero_grad`,\n"
        "`step(closure)`, `state_dict`); each class docstring gives its update rule. Schedulers\n"
        "follow below.",
        [("eagergrad.optim", None, set()), ("eagergrad.optim.lr_scheduler", None, set())],
    ),
    "data.md": (
        "eagergrad.utils.data",
        "`Dataset` → `Sampler` → `BatchSampler` → `collate_fn`, composed by `DataLoader`; batches\n"
        "are CPU tensors and the training loop moves them. `num_workers > 0` prefetches batches\n"
        "in background threads.",
        [("eagergrad.utils.data", None, set())],
    ),
    "datasets.md": (
        "eagergrad.datasets",
        "Small bundled data sets (no download needed), readers for the standard image formats,\n"
        "and transforms.",
        [("eagergrad.datasets", None, set()), ("eagergrad.datasets.transforms", None, set())],
    ),
    "cuda.md": (
        "eagergrad.cuda",
        "GPU queries and memory statistics (torch.cuda's names), backed by cupy. Every function\n"
        "works without cupy: `is_available()` is then `False`.",
        [("eagergrad.cuda", None, set())],
    ),
    "serialization.md": (
        "Saving and loading",
        "`eg.save` / `eg.load` write and read state dicts and nested containers of tensors,\n"
        "without pickle. The byte layout is specified in [File format](../serialization.md).",
        [("eagergrad", {"eagergrad.serialization"}, set())],
    ),
    "tools.md": (
        "Tracing, export, graphs, profiling, checkpointing",
        "`eagergrad.jit`, `eagergrad.onnx`, `eagergrad.viz` and `eagergrad.profiler` are imported\n"
        "on demand (`import eagergrad.jit`). See [Static graphs](../static-graphs.md) and\n"
        "[Seeing inside](../seeing-inside.md) for guides.",
        [
            ("eagergrad.jit", None, set()),
            ("eagergrad.onnx", None, set()),
            ("eagergrad.viz", None, set()),
            ("eagergrad.profiler", None, set()),
            ("eagergrad.utils.checkpoint", None, set()),
        ],
    ),
}


# Public names left out of the reference, each with the reason.
# TODO(issue 8): restore RNNBase once its ``Args`` entry "input_size, ..., bidirectional,\n
# proj_size: ..." is one griffe-parsable ``name: description`` item (griffe warns, and the
# build is --strict).
EXCLUDED: set = set()


def documented_objects(namespace: str, modules=None, skip=frozenset()):
    """(defining path, object) for each function or class in ``namespace.__all__``."""
    ns = importlib.import_module(namespace)
    internal = getattr(ns, "_INTERNAL", set())
    out = []
    for name in ns.__all__:
        if name in skip or name in internal:
            continue
        obj = getattr(ns, name, None)
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue  # dtypes, submodules, constants: described in the page text
        if modules is not None and obj.__module__ not in modules:
            continue
        if f"{obj.__module__}.{obj.__qualname__}" in EXCLUDED:
            continue
        out.append((f"{obj.__module__}.{obj.__qualname__}", obj))
    return out


def render_page(title: str, intro: str, sources) -> str:
    """The page's text: sections in order of first appearance, objects in ``__all__`` order."""
    sections: dict[str, list[str]] = {}
    seen: set[str] = set()
    for namespace, modules, skip in sources:
        for path, obj in documented_objects(namespace, modules, skip):
            if path in seen:
                continue  # an alias (eg.asarray is eg.as_tensor)
            seen.add(path)
            default = obj.__module__.rsplit(".", 1)[-1].title()
            sections.setdefault(SECTION_TITLES.get(obj.__module__, default), []).append(path)
    order = list(SECTION_TITLES.values())
    lines = [f"# {title}", "", intro, ""]
    for heading in sorted(sections, key=lambda h: order.index(h) if h in order else len(order)):
        paths = sections[heading]
        if len(sections) > 1:
            lines += [f"## {heading}", ""]
        for path in paths:
            lines += [f"::: {path}", ""]
    return "\n".join(lines).rstrip() + "\n"


def tensor_method_table() -> str:
    """A table linking each Tensor method without a docstring of its own to its function."""
    import eagergrad as eg

    functions = {}
    for namespace, modules, skip in PAGES["ops.md"][2] + PAGES["creation.md"][2]:
        for path, _ in documented_objects(namespace, modules, skip):
            functions[path.rsplit(".", 1)[1]] = path
    rows = []
    for name, value in vars(eg.Tensor).items():
        if name.startswith("_") or not callable(value) or getattr(value, "__doc__", None):
            continue
        target = functions.get(name) or functions.get(name.rstrip("_"))
        if target is not None:
            note = "in place" if name.endswith("_") and name.rstrip("_") in functions else ""
            function = target.rsplit(".", 1)[1]
            rows.append(f"| `Tensor.{name}` | [`eg.{function}`][{target}] | {note} |")
    head = [
        "## Methods documented with their function",
        "",
        "These methods are `eg.<name>(tensor, ...)` called as `tensor.<name>(...)`; a trailing",
        "`_` marks the in-place form, which writes into the tensor and returns it.",
        "",
        "| method | function | |",
        "|---|---|---|",
    ]

    def key(row: str) -> tuple:
        method = row.split("`")[1]
        return method.rstrip("_"), method.endswith("_")

    return "\n".join(head + sorted(rows, key=key)) + "\n"


def audit() -> None:
    """Prints the public objects that lack a docstring or a runnable example."""
    for _title, _intro, sources in PAGES.values():
        for namespace, modules, skip in sources:
            for path, obj in documented_objects(namespace, modules, skip):
                doc = inspect.getdoc(obj) or ""
                if ">>>" not in doc:
                    print(f"{path}: {'no example' if doc else 'no docstring'}")


def main(argv: list[str] | None = None) -> None:
    import sys

    if "--audit" in (sys.argv[1:] if argv is None else argv):
        audit()
        return
    os.makedirs(os.path.join(DOCS, "api"), exist_ok=True)
    for page, (title, intro, sources) in PAGES.items():
        text = render_page(title, intro, sources)
        if page == "tensor.md":
            text += "\n" + tensor_method_table()
        with open(os.path.join(DOCS, "api", page), "w", encoding="utf-8") as f:
            f.write(text)
        print(f"wrote docs/api/{page}")


if __name__ == "__main__":
    main()
