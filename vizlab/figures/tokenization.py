"""Report figures of the 'tokenization' section."""
