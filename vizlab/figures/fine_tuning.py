"""Report figures of the 'fine_tuning' section."""
