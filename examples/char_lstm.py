"""A character-level LSTM language model, trained on Shakespeare's sonnets, that writes text.

The model reads one character at a time (embedding -> LSTM -> linear over the vocabulary) and
learns to predict the next one with cross-entropy, on random windows of the shipped text
(examples/data/sonnets.txt, public domain). After training it samples new text one character
at a time, feeding each sampled character and the LSTM state back in: a loop in plain Python
whose length is chosen at run time.

Run: ``python examples/char_lstm.py [--steps 200] [--sample 300]``
"""

from __future__ import annotations

import argparse
import math
import os

import numpy as np

import eagergrad as eg
import eagergrad.nn.functional as F
from eagergrad import nn

TEXT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "sonnets.txt")


class CharLSTM(nn.Module):
    """Embedding -> LSTM -> Linear: logits for the next character at every position."""

    def __init__(self, vocab: int, embed: int = 32, hidden: int = 128, layers: int = 1):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, idx, state=None):
        out, state = self.lstm(self.embed(idx), state)
        return self.head(out), state


def load_text(path: str = TEXT):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    return text, chars, np.array([stoi[c] for c in text], dtype=np.int64)


def batches(data: np.ndarray, batch: int, seq: int, rng: np.random.Generator):
    """Random windows: inputs (batch, seq) and the next characters as targets."""
    while True:
        starts = rng.integers(0, len(data) - seq - 1, batch)
        x = np.stack([data[s : s + seq] for s in starts])
        y = np.stack([data[s + 1 : s + seq + 1] for s in starts])
        yield eg.tensor(x), eg.tensor(y)


@eg.no_grad()
def sample(
    model: CharLSTM, chars, prime: str, length: int, temperature: float = 0.8, seed: int = 0
) -> str:
    """Generates ``length`` characters after ``prime``, one step of the LSTM at a time."""
    stoi = {c: i for i, c in enumerate(chars)}
    rng = np.random.default_rng(seed)
    model.eval()
    logits, state = model(eg.tensor([[stoi[c] for c in prime]]))
    out = []
    for _ in range(length):
        p = F.softmax(logits[0, -1] / temperature, dim=-1).numpy().astype(np.float64)
        nxt = int(rng.choice(len(chars), p=p / p.sum()))
        out.append(chars[nxt])
        logits, state = model(eg.tensor([[nxt]]), state)
    model.train()
    return prime + "".join(out)


def train(
    steps: int = 200,
    batch: int = 32,
    seq: int = 64,
    hidden: int = 128,
    lr: float = 0.01,
    seed: int = 0,
    verbose: bool = True,
):
    eg.manual_seed(seed)
    rng = np.random.default_rng(seed)
    text, chars, data = load_text()
    model = CharLSTM(len(chars), hidden=hidden)
    opt = eg.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for step, (x, y) in zip(range(steps), batches(data, batch, seq, rng)):
        logits, _ = model(x)
        loss = F.cross_entropy(logits.reshape(-1, len(chars)), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        losses.append(loss.item())
        if verbose and (step % 50 == 0 or step == steps - 1):
            print(f"step {step:4d}  loss {loss.item():.3f}")
    return model, chars, losses


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--sample", type=int, default=300, help="characters to generate")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    model, chars, losses = train(args.steps, hidden=args.hidden, verbose=not args.quiet)
    first, last = losses[0], float(np.mean(losses[-10:]))
    # The untrained model is near uniform (loss ~ ln(vocabulary)); training must cut that.
    assert first > 0.8 * math.log(len(chars)), first
    assert last < first, (first, last)
    if args.steps >= 200:
        assert last < 1.5, f"after {args.steps} steps the loss should be below 1.5, got {last}"
    text = sample(model, chars, "Shall I ", args.sample)
    assert len(text) == len("Shall I ") + args.sample and set(text) <= set(chars)
    if not args.quiet:
        print(f"loss {first:.3f} -> {last:.3f}\n--- sample ---\n{text}")
    return {"first_loss": first, "last_loss": last, "sample": text}


if __name__ == "__main__":
    main()
