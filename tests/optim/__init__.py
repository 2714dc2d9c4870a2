"""Tests for eagergrad.optim and gradient clipping."""
