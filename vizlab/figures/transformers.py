"""Report figures of the 'transformers' section."""
