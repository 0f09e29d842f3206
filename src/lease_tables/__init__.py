"""lease-tables: create the KCL lease tables of RIS Amazon adapters ahead of time."""

__version__ = "0.2.0"
