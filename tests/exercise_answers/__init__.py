"""Reference and wrong answers for every notebook's exercises, kept out of the notebooks.

``nbNN.py`` defines ``REFERENCE`` and ``WRONG``: exercise name -> Python source for the answer, substituted
for ``my_x = None`` in the exercise cell by ``tests/notebook_runner.py``. CI proves each check with both.
"""
