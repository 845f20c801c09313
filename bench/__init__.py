"""khtui's benchmark: every figure a ratio to its floor, measured in the same run.

    python -m bench [--scale small|city] [--only NAME …] [--out FILE] [--cache DIR] [--reps N]

See ``bench/__main__.py`` for the command and ``bench/figures.py`` for what each figure runs.
The results of the committed city-scale run are in ``bench/RESULTS.md``.
"""
