"""What the student and the lecturer see: plots, widgets, per-notebook explorers and the dashboard.

Views may import the lessons and the core; nothing below imports a view (checked by ``lint-imports``).
"""
