"""Training steps never make the host wait for the GPU; data checks surface at the next sync.

cupy makes the host wait for the GPU on every read back (``bool``, ``float``, ``item``, boolean
masks...). One such read in a training step stops the host from queueing the next kernels
while the GPU works. The cupy-shaped fake device counts them (``SyncCounter``), so these tests
hold every hot path to zero on machines without a GPU. Checks of data (class indices in range,
probabilities in [0, 1]) are deferred on a device, as torch's device-side asserts are
(NOTE [Deferred device checks] in _backend.py).
"""

from __future__ import annotations

import numpy as np
import pytest

import eagergrad as eg

from ._fake_cupy import SyncCounter

nn, F = eg.nn, eg.nn.functional
DEV = "fakecuda"


class _Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb, self.ln = nn.Embedding(50, 16), nn.LayerNorm(16)
        self.lstm, self.gru = nn.LSTM(16, 16, batch_first=True), nn.GRU(16, 16)
        self.fc = nn.Linear(16, 50)

    def forward(self, x):
        h, _ = self.lstm(self.emb(x))
        h, _ = self.gru(self.ln(h))
        return self.fc(h).reshape(-1, 50)


class _Attention(nn.Module):
    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.1, batch_first=True)
        self.enc, self.fc = nn.TransformerEncoder(layer, 2), nn.Linear(16, 5)

    def forward(self, x):
        causal = eg.ones(6, 6, dtype=eg.bool, device=x.device).triu(1)
        return self.fc(self.enc(x, mask=eg.zeros(6, 6, device=x.device).masked_fill(
            causal, float("-inf")))).reshape(-1, 5)


STEPS = [
    pytest.param(lambda: nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 10)),
                 (8, 20), (0, 10, (8,)), F.cross_entropy, eg.optim.SGD, id="mlp-cross_entropy"),
    pytest.param(lambda: nn.Sequential(nn.Linear(20, 10), nn.LogSoftmax(1)), (8, 20),
                 (0, 10, (8,)), F.nll_loss, eg.optim.Adam, id="nll_loss-adam"),
    pytest.param(lambda: nn.Sequential(nn.Linear(20, 1), nn.Sigmoid()), (8, 20), None,
                 F.binary_cross_entropy, eg.optim.Adagrad, id="binary_cross_entropy"),
    pytest.param(lambda: nn.Sequential(nn.Linear(20, 16), nn.Tanh(), nn.Dropout(0.2),
                                       nn.Linear(16, 1)), (8, 20), None, F.mse_loss,
                 eg.optim.RMSprop, id="mse-dropout-rmsprop"),
    pytest.param(lambda: nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4),
                                       nn.ReLU(), nn.MaxPool2d(2), nn.AvgPool2d(2), nn.Flatten(),
                                       nn.Linear(16, 10)), (2, 1, 8, 8), (0, 10, (2,)),
                 F.cross_entropy, eg.optim.AdamW, id="cnn"),
    pytest.param(_Seq, None, (0, 50, (24,)), F.cross_entropy, eg.optim.Adam, id="embedding-rnn"),
    pytest.param(_Attention, (4, 6, 16), (0, 5, (24,)),
                 lambda o, y: F.cross_entropy(o, y, label_smoothing=0.1), eg.optim.AdamW,
                 id="transformer-causal-mask"),
]


@pytest.mark.parametrize("make,x_shape,y_spec,loss_fn,opt_cls", STEPS)
def test_a_training_step_never_waits_for_the_gpu(make, x_shape, y_spec, loss_fn, opt_cls):
    model = make().to(DEV)
    x = eg.randint(0, 50, (4, 6)) if x_shape is None else eg.randn(*x_shape)
    y = eg.randint(*y_spec) if y_spec is not None else eg.rand(x_shape[0], 1)
    x, y = x.to(DEV), y.to(DEV)
    opt = opt_cls(model.parameters(), lr=0.01)
    for _ in range(2):  # the second step runs with optimizer state
        SyncCounter.reset()
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        assert SyncCounter.count == 0, f"host syncs in a step: {SyncCounter.where}"
    assert np.isfinite(loss.item()) and SyncCounter.count >= 1  # and the counter does count


@pytest.mark.parametrize("call,error", [
    (lambda d: F.cross_entropy(eg.randn(3, 4, device=d), eg.tensor([0, 7, 1], device=d)),
     (IndexError, "Target 7 is out of bounds")),
    (lambda d: F.nll_loss(eg.randn(3, 4, device=d), eg.tensor([0, -2, 1], device=d)),
     (IndexError, "Target -2 is out of bounds")),
    (lambda d: F.binary_cross_entropy(eg.tensor([0.5, 1.5], device=d), eg.ones(2, device=d)),
     (RuntimeError, "between 0 and 1")),
    (lambda d: F.embedding(eg.tensor([0, 9], device=d), eg.randn(5, 2, device=d)),
     (IndexError, "index out of range in self")),
    (lambda d: F.one_hot(eg.tensor([0, 5], device=d), 4).float(),
     (RuntimeError, "smaller than num_classes")),
    (lambda d: F.one_hot(eg.tensor([0, -1], device=d), 4).float(),
     (RuntimeError, "must be non-negative")),
])
def test_bad_data_raises_at_the_call_on_cpu_and_at_the_next_sync_on_a_device(call, error):
    exc, match = error
    with pytest.raises(exc, match=match):
        call("cpu")
    out = call(DEV)  # no read back yet: the verdict waits on the device
    with pytest.raises(exc, match=match):
        out.sum().item()
    out.sum().item()  # checked once: a later read does not raise again
    out = call(DEV)
    with pytest.raises(exc, match=match):
        eg.cuda.synchronize()  # a sync point too


def test_mask_assignment_and_index_checks_do_not_wait_for_the_gpu():
    x = eg.randn(4, 5, device=DEV, requires_grad=True)
    idx = eg.tensor([0, 3, 1], device=DEV)
    SyncCounter.reset()
    y = x * 1
    y[y.detach() > 0] = float("-inf")  # as torch: masked_fill_, no nonzero
    z = y.softmax(-1).gather(1, idx.reshape(3, 1).expand(3, 5)[:, :1]).sum()
    z = z + x.index_select(0, idx).sum() + x[idx].sum() + x.take(idx).sum()
    z.backward()
    assert SyncCounter.count == 0, SyncCounter.where
