"""The main demo: a small CNN trained on the bundled 8x8 digits.

Run ``python -m eagergrad.demo`` (``--help`` for options). It trains with a DataLoader that
prefetches on background threads, Adam and a cosine learning-rate schedule; shows a progress bar
per epoch; prints train loss, test accuracy and throughput; saves a checkpoint with ``eg.save``,
reloads it into a fresh model and checks the accuracy again; and writes the curves to a PNG when
matplotlib is installed. ``--dataset mnist5k`` trains on 5,000 real MNIST images instead.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import eagergrad as eg
from eagergrad import nn
from eagergrad.nn import functional as F
from eagergrad.utils.data import DataLoader, TensorDataset

__all__ = ["main", "build_model"]


def build_model(image_size: int) -> nn.Module:
    """conv-relu-pool twice, then two linear layers (sizes for 8x8 or 28x28 inputs)."""
    pooled = image_size // 4
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * pooled * pooled, 128),
        nn.ReLU(),
        nn.Dropout(0.2),
        nn.Linear(128, 10),
    )


def _load(dataset: str, seed: int):
    """(train, test) TensorDatasets of (N,1,H,W) float32 images in [0,1] and int64 labels."""
    import numpy as np

    from eagergrad import datasets

    if dataset == "digits":
        images, labels = datasets.load_digits()
    elif dataset == "mnist5k":
        images, labels = datasets.load_mnist_5k()
    else:
        raise ValueError(f"unknown dataset {dataset!r}: expected 'digits' or 'mnist5k'")
    images = np.asarray(images, dtype=np.float32)
    side = int(round(images[0].size ** 0.5))
    images = images.reshape(-1, 1, side, side)
    if images.max() > 1.0:
        images = images / images.max()
    labels = np.asarray(labels, dtype=np.int64)
    order = np.random.default_rng(seed).permutation(len(labels))
    images, labels = images[order], labels[order]
    n_test = len(labels) // 5
    mean, std = images[n_test:].mean(), images[n_test:].std()
    images = (images - mean) / std
    test = TensorDataset(eg.from_numpy(images[:n_test]), eg.from_numpy(labels[:n_test]))
    train = TensorDataset(eg.from_numpy(images[n_test:]), eg.from_numpy(labels[n_test:]))
    return train, test, side


class _Bar:
    """tqdm when installed, else a plain one-line bar on stderr."""

    def __init__(self, total: int, desc: str, quiet: bool):
        self.total, self.desc, self.n, self.quiet = total, desc, 0, quiet
        self._tqdm = None
        if not quiet:
            try:
                from tqdm import tqdm

                self._tqdm = tqdm(total=total, desc=desc, leave=False, file=sys.stderr)
            except ImportError:
                pass

    def update(self, loss: float) -> None:
        self.n += 1
        if self.quiet:
            return
        if self._tqdm is not None:
            self._tqdm.set_postfix(loss=f"{loss:.3f}")
            self._tqdm.update(1)
            return
        width = 30
        done = int(width * self.n / self.total)
        sys.stderr.write(f"\r{self.desc} [{'#' * done}{'.' * (width - done)}] "
                         f"{self.n}/{self.total} loss {loss:.3f}")
        sys.stderr.flush()

    def close(self) -> None:
        if self._tqdm is not None:
            self._tqdm.close()
        elif not self.quiet:
            sys.stderr.write("\r" + " " * 79 + "\r")
            sys.stderr.flush()


def evaluate(model: nn.Module, loader: DataLoader, device) -> float:
    model.eval()
    correct = total = 0
    with eg.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            correct += int((model(x).argmax(1) == y).sum().item())
            total += len(y)
    return correct / total


def _plot(history: dict, path: str) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax1 = plt.subplots(figsize=(6, 3.5))
    epochs = range(1, len(history["loss"]) + 1)
    ax1.plot(epochs, history["loss"], "o-", color="tab:blue", label="train loss")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("train loss")
    ax2 = ax1.twinx()
    ax2.plot(epochs, history["acc"], "s-", color="tab:orange", label="test accuracy")
    ax2.set_ylabel("test accuracy")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True


def main(argv=None) -> float:
    """Trains, evaluates, saves and reloads; returns the final test accuracy."""
    p = argparse.ArgumentParser(prog="python -m eagergrad.demo",
                                description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cpu", help="cpu or cuda (default: cpu)")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--dataset", default="digits", choices=["digits", "mnist5k"])
    p.add_argument("--workers", type=int, default=2, help="DataLoader prefetch threads")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--checkpoint", default=None, help="where to save (default: a temp file)")
    p.add_argument("--plot", default="demo_curves.png", help="PNG path ('' to skip)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--target", type=float, default=None,
                   help="exit non-zero if the final test accuracy is below this")
    args = p.parse_args(argv)

    eg.manual_seed(args.seed)
    device = eg.device(args.device)
    train_set, test_set, side = _load(args.dataset, args.seed)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                              num_workers=args.workers, generator=eg.Generator().manual_seed(
                                  args.seed))
    test_loader = DataLoader(test_set, batch_size=256, num_workers=args.workers)
    model = build_model(side).to(device)
    optimizer = eg.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = eg.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    print(f"eagergrad {eg.__version__} | {args.dataset}: {len(train_set)} train / "
          f"{len(test_set)} test images of {side}x{side} | device {device}")
    history = {"loss": [], "acc": []}
    acc = 0.0
    for epoch in range(1, args.epochs + 1):
        model.train()
        bar = _Bar(len(train_loader), f"epoch {epoch}/{args.epochs}", args.quiet)
        start, seen, total_loss = time.perf_counter(), 0, 0.0
        for x, y in train_loader:
            x, y = x.to(device), y.to(device)
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            value = loss.item()
            total_loss += value * len(y)
            seen += len(y)
            bar.update(value)
        bar.close()
        scheduler.step()
        elapsed = time.perf_counter() - start
        acc = evaluate(model, test_loader, device)
        history["loss"].append(total_loss / seen)
        history["acc"].append(acc)
        lr = scheduler.get_last_lr()[0]
        print(f"epoch {epoch:2d}  train loss {total_loss / seen:.4f}  test accuracy "
              f"{acc * 100:5.2f}%  {seen / elapsed:7.0f} images/s  lr {lr:.2e}")

    path = args.checkpoint or os.path.join(tempfile.mkdtemp(prefix="eagergrad-demo-"), "cnn.egt")
    eg.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
             "epoch": args.epochs, "test_accuracy": acc}, path)
    restored = build_model(side).to(device)
    state = eg.load(path, map_location=device)
    restored.load_state_dict(state["model"])
    reloaded_acc = evaluate(restored, test_loader, device)
    print(f"checkpoint {path}: reloaded test accuracy {reloaded_acc * 100:.2f}%")
    if abs(reloaded_acc - acc) > 1e-12:
        raise SystemExit("the reloaded model does not reproduce the trained model's accuracy")
    if args.plot and _plot(history, args.plot):
        print(f"curves written to {args.plot}")
    if args.target is not None and acc < args.target:
        raise SystemExit(f"test accuracy {acc:.4f} is below the target {args.target}")
    return acc


if __name__ == "__main__":
    main()
