"""The development and delivery tasks behind `python3 dev.py NAME`, one module a task.

Standard library only, and nothing else imported at module level: `dev.py` imports
these on a fresh machine with Python 3.10+ before `.venv` exists, and the tasks then
run the development tools from `.venv` as subprocesses. `paths` and `step` are what
every task shares; `servers` starts and stops the local endpoints (the test suite's
`conftest.py` takes its port and stop helpers from there, so a process is stopped one
way everywhere).
"""
