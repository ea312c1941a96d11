"""Helpers for the real-browser tests in tests/test_browser.py.

servers.py starts and stops JupyterLab/Voila; pages.py drives chromium through
Playwright and knows the dashboard's CSS classes.
"""
