"""`lease-tables diagnose`: read an adapter's own log and name why its KCL did not start."""
