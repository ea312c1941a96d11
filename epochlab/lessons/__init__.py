"""The science behind each notebook, one module per topic (no plotting)."""
