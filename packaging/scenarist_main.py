"""The frozen app's entry point: the `scenarist` command, as `app.cli:main` in the wheel."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
