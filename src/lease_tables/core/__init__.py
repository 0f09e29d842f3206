"""Foundations: exit codes and errors, safe printing, the polling plan and the engine that
drives a per-resource plan. Imports nothing else of the package.
"""
