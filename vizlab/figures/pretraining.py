"""Report figures of the 'pretraining' section."""
