"""The change ledger: typed control-plane changes, the what-changed digest, webhooks."""
