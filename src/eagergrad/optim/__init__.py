"""eagergrad.optim: optimizers and learning-rate schedulers."""
