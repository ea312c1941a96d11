"""The instructor dashboard: one screen of controls over a live training run (notebook 11, lecture mode).

``app`` wires the widgets; ``playback`` moves the cursor and lays out the screen; ``controls`` builds the
widgets, style and keyboard shortcuts; ``state`` holds the session (settings, plan, branches); ``engine``
replays ``fit`` cheaply (tested equal to ``fit``); ``timeline`` reads a run; ``figure``, ``figure_parts``,
``figure_show`` and ``panels`` draw; ``readout`` writes the status, banner and boundary table.
"""

from .app import Dashboard

__all__ = ["Dashboard"]
