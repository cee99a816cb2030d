"""LEO Explorer: load approved LEO aggregate tables, apply disclosure control, build views for the dashboard."""

__version__ = "0.1.0"
