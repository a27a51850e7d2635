"""Analysis layer: pure functions on numpy arrays (no torch, no matplotlib)."""
