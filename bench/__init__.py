"""Performance benchmark: a synthetic database of N audits and the dashboard pages timed on it.

``python -m bench --audits N [--database-url URL]``; see ``bench/__main__.py``.
"""
