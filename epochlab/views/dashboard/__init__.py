"""The instructor dashboard: one screen of controls over a live training run (notebook 11, lecture mode).

``app`` wires the widgets; ``state`` holds the session (settings, timeline, branch); ``engine`` replays ``fit``
in numpy for speed (tested equal to ``fit``); ``figure`` draws; ``readout`` writes the boundary table.
"""

from .app import Dashboard

__all__ = ["Dashboard"]
