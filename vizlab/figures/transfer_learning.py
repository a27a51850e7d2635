"""Report figures of the 'transfer_learning' section."""
