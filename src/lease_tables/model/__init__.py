"""The model of what must exist and the pure judgements over it: table specs, KCL layouts,
the adapter's footprint, statuses and the exit rule.
"""
