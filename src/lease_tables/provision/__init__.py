"""`create`: the pure per-table plan and the drivers that make tables and stream consumers.
"""
