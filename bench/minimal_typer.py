"""The P1 baseline: the smallest useful typer program, one command, one option.

`lease-tables create --dry-run` is compared with this to see what our own code
adds to a typer program's start-up.
"""

import typer

app = typer.Typer()


@app.command()
def hello(name: str = "world") -> None:
    """Greet."""
    typer.echo(f"hello {name}")


if __name__ == "__main__":
    app()
