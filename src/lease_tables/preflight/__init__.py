"""`preflight`: probes that write nothing, with the adapter's own identity, and the one
verdict.
"""
