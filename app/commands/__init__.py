"""One module per `scenarist` subcommand, each with `add_parser(subparsers)` and `run(args)`.

Headless commands never import Qt; GUI commands import it inside `run`.
"""

COMMANDS = ["run", "check", "history", "open"]
