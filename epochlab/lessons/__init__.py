"""The science behind each notebook, one module per topic (no plotting, no widgets).

Lessons build on the core (``epochlab``) and are imported by name, e.g.
``from epochlab.lessons.restarts import run_restarts``. The views layer draws what they compute.
"""
