"""Message builders: facts in, text and Block Kit blocks out, one module per feature."""
