"""`dynamotable` subcommands that live outside cli.py (the lead registers them on the `dynamotable` group)."""
