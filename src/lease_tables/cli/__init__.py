"""The command line: typer commands, shared options, signals and the standard streams; the
one exit path.
"""
