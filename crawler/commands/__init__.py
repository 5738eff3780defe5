"""Subcommands of the ``newsmon`` command line, one module each, loaded lazily."""
