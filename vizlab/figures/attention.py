"""Report figures of the 'attention' section."""
