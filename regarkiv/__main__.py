"""`python -m regarkiv` runs the same entry point as the installed `regarkiv` command."""

from regarkiv.cli import main

if __name__ == "__main__":
    main()
