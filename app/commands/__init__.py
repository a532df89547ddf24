"""One module per `scenarist` subcommand, each with `add_parser(subparsers)` and `run(args)`.

Headless commands never import Qt; GUI commands import it inside `run`. Only the module of
the command being run is imported (the others are listed by name), so start-up stays fast.
"""

COMMANDS = {
    "open": "open the desktop editor (the default with no command)",
    "run": "run a blueprint once, headless",
    "check": "validate blueprints and report which modules are not supported yet",
    "history": "past executions: list, show, diff, prune",
    "incomplete": "incomplete executions: list, show, retry, delete",
    "replay": "replay a past execution, live or deterministically",
    "connections": "connections: add, list, test, edit, delete, authorize",
    "keys": "keychains (keys and certificates): list, create, edit, delete",
    "apps": "apps and their modules: list, check an app folder",
    "activate": "register a scenario and switch it on (schedules and webhooks)",
    "deactivate": "switch a scenario off",
    "scenarios": "registered scenarios: list, remove",
    "serve": "run the active scenarios in the background, headless",
    "worker": "run scenario workflows for a Temporal cluster",
    "settings": "runtime settings: port, host, public URL, time zone, ...",
    "hooks": "webhooks: list, set their options",
    "datastores": "data stores: list, create, records, import, export",
    "structures": "data structures: list, create (from a sample), delete",
}
