"""eagergrad.utils."""
