"""Write use cases of the marketplace core, one module per area."""
