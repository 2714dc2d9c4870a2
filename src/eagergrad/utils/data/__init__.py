"""eagergrad.utils.data: Dataset, Sampler, DataLoader."""
