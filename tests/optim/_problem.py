"""A small regression problem run identically with eagergrad and torch optimizers."""

from __future__ import annotations

import numpy

import eagergrad as eg

_rng = numpy.random.default_rng(0)
X = _rng.standard_normal((16, 5)).astype(numpy.float32)
Y = _rng.standard_normal((16, 3)).astype(numpy.float32)
W0 = (_rng.standard_normal((5, 3)) * 0.5).astype(numpy.float32)
B0 = (_rng.standard_normal(3) * 0.1).astype(numpy.float32)


# Hyper-parameters that make each optimizer keep every kind of state it has.
FULL_STATE = {
    "SGD": dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
    "Adam": dict(lr=0.01, amsgrad=True, weight_decay=0.01),
    "AdamW": dict(lr=0.01, amsgrad=True),
    "Adamax": dict(lr=0.01),
    "NAdam": dict(lr=0.01, weight_decay=0.01),
    "RAdam": dict(lr=0.01),
    "RMSprop": dict(lr=0.01, momentum=0.5, centered=True),
    "Adagrad": dict(lr=0.1, lr_decay=0.01),
    "Adadelta": dict(lr=1.0),
}


def eg_params():
    return [eg.tensor(W0.copy(), requires_grad=True), eg.tensor(B0.copy(), requires_grad=True)]


def eg_loss(params):
    w, b = params
    out = (eg.tensor(X) @ w + b).tanh()
    d = out - eg.tensor(Y)
    return (d * d).sum() * (1.0 / d.numel())


def torch_params(torch):
    return [torch.tensor(W0.copy(), requires_grad=True),
            torch.tensor(B0.copy(), requires_grad=True)]


def torch_loss(torch, params):
    w, b = params
    out = (torch.tensor(X) @ w + b).tanh()
    d = out - torch.tensor(Y)
    return (d * d).sum() * (1.0 / d.numel())


def groups(params, group_lrs):
    """Splits [w, b] into two groups with their own lr, or returns the params as they are."""
    if group_lrs is None:
        return params
    return [{"params": [params[0]], "lr": group_lrs[0]}, {"params": [params[1]]}]


def run_eg(cls, kwargs, steps, params=None, opt=None, group_lrs=None):
    params = eg_params() if params is None else params
    opt = cls(groups(params, group_lrs), **kwargs) if opt is None else opt
    for _ in range(steps):
        opt.zero_grad()
        eg_loss(params).backward()
        opt.step()
    return params, opt


def run_torch(torch, cls, kwargs, steps, group_lrs=None):
    params = torch_params(torch)
    opt = cls(groups(params, group_lrs), **kwargs)
    for _ in range(steps):
        opt.zero_grad()
        torch_loss(torch, params).backward()
        opt.step()
    return params, opt
