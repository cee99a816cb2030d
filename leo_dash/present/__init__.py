"""Presentation: views (the one checked frame every renderer draws), charts, exports and words."""
