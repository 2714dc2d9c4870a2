"""A Tree-LSTM that classifies the sentiment of small parse trees given as nested tuples.

Each sentence is a binary parse tree such as ``(("the", "movie"), ("was", ("not", "good")))``.
The network follows the tree: a leaf's word goes through an ``LSTMCell``; an inner node combines
its two children's states with the binary Tree-LSTM of Tai, Socher & Manning (2015), one forget
gate per child. The recursion is plain Python, so every tree builds a graph of its own shape,
and backward runs through whatever was built.

The toy task: words carry a sentiment (good +1, great +2, bad -1, awful -2, ...), a phrase's
sentiment is the sum of its parts', and ``("not", phrase)`` flips the phrase's. The label is
whether the whole sentence is positive, so the model must use the tree: the same words under
different brackets can mean opposite things.

Run: ``python examples/tree_rnn.py [--steps 300]``
"""

from __future__ import annotations

import argparse
import random

import eagergrad as eg
import eagergrad.nn.functional as F
from eagergrad import nn

LEXICON = {
    "good": 1,
    "great": 2,
    "fun": 1,
    "brilliant": 2,
    "bad": -1,
    "awful": -2,
    "boring": -1,
    "dull": -1,
}
NEUTRAL = ["the", "movie", "plot", "was", "acting", "very"]
VOCAB = ["not", *LEXICON, *NEUTRAL]
WORD_ID = {w: i for i, w in enumerate(VOCAB)}


def sentiment(tree) -> int:
    """The toy grammar's value of a tree: sums, with ("not", x) flipping x."""
    if isinstance(tree, str):
        return LEXICON.get(tree, 0)
    left, right = tree
    if left == "not":
        return -sentiment(right)
    return sentiment(left) + sentiment(right)


def random_tree(rng: random.Random, depth: int = 0):
    """A random binary tree of 1 to about 8 words; some phrases are negated."""
    if depth >= 3 or (depth > 0 and rng.random() < 0.35):
        if rng.random() < 0.6:
            return rng.choice(list(LEXICON))
        return rng.choice(NEUTRAL)
    if rng.random() < 0.3:
        return ("not", random_tree(rng, depth + 1))
    return (random_tree(rng, depth + 1), random_tree(rng, depth + 1))


def make_dataset(n: int, seed: int):
    rng = random.Random(seed)
    data = []
    while len(data) < n:
        tree = random_tree(rng)
        value = sentiment(tree)
        if value != 0 and not isinstance(tree, str):
            data.append((tree, int(value > 0)))
    return data


class TreeLSTM(nn.Module):
    """Binary Tree-LSTM: leaves through an LSTMCell, inner nodes with one forget gate per child."""

    def __init__(self, vocab: int, embed: int = 16, hidden: int = 32, classes: int = 2):
        super().__init__()
        self.hidden = hidden
        self.embed = nn.Embedding(vocab, embed)
        self.leaf = nn.LSTMCell(embed, hidden)
        self.compose = nn.Linear(2 * hidden, 5 * hidden)  # i, f_left, f_right, o, u
        self.classify = nn.Linear(hidden, classes)

    def node(self, tree):
        """(h, c) of a subtree, by recursion over the nested tuples."""
        if isinstance(tree, str):
            x = self.embed(eg.tensor([WORD_ID[tree]]))
            return self.leaf(x)
        (hl, cl), (hr, cr) = self.node(tree[0]), self.node(tree[1])
        i, fl, fr, o, u = self.compose(eg.cat([hl, hr], dim=1)).chunk(5, dim=1)
        c = i.sigmoid() * u.tanh() + fl.sigmoid() * cl + fr.sigmoid() * cr
        return o.sigmoid() * c.tanh(), c

    def forward(self, trees):
        """Class logits (len(trees), classes): one graph per tree, joined at the end."""
        return self.classify(eg.cat([self.node(t)[0] for t in trees], dim=0))


def accuracy(model: TreeLSTM, data) -> float:
    with eg.no_grad():
        logits = model([t for t, _ in data])
    pred = logits.argmax(dim=1).tolist()
    return sum(int(p == y) for p, (_, y) in zip(pred, data)) / len(data)


def train(steps: int = 300, batch: int = 16, lr: float = 0.01, seed: int = 0, verbose: bool = True):
    eg.manual_seed(seed)
    train_set, test_set = make_dataset(1000, seed), make_dataset(300, seed + 1)
    model = TreeLSTM(len(VOCAB))
    opt = eg.optim.Adam(model.parameters(), lr=lr)
    rng = random.Random(seed)
    for step in range(steps):
        items = rng.sample(train_set, batch)
        logits = model([t for t, _ in items])
        loss = F.cross_entropy(logits, eg.tensor([y for _, y in items]))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if verbose and (step % 100 == 0 or step == steps - 1):
            print(f"step {step:4d}  loss {loss.item():.3f}")
    return model, accuracy(model, test_set)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    model, acc = train(args.steps, verbose=not args.quiet)
    example = (("the", "movie"), ("was", ("not", "good")))
    with eg.no_grad():
        p_pos = F.softmax(model([example]), dim=1)[0, 1].item()
    if not args.quiet:
        print(f"held-out accuracy {acc:.3f}; P(positive | {example}) = {p_pos:.3f}")
    assert 0.0 <= acc <= 1.0
    if args.steps >= 300:
        assert acc > 0.9, f"held-out accuracy should exceed 0.9, got {acc:.3f}"
        assert p_pos < 0.5, "'the movie was not good' should come out negative"
    return {"accuracy": acc, "p_positive_example": p_pos}


if __name__ == "__main__":
    main()
