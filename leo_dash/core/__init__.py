"""Core: the approved-table catalogue, the EES loader, the prepared store and the one query path."""
