"""The analyses: one package or module per page, each meeting the contract in `registry`."""
