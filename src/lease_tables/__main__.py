"""`python -m lease_tables`, the same as the `lease-tables` command."""

from lease_tables.cli.app import main

if __name__ == "__main__":
    main()
