"""`civic`: the operators' command line (console script `civic = civic.cli:main`).

Sub-commands live in their own modules next to this one, each exporting `register(app: typer.Typer) -> None`
(add commands or a sub-Typer there). A module that is not written yet is simply absent from `civic --help`;
a module that exists but fails to import is reported, never hidden.

    importer  civic import FILE                 (proposals)
    cluster   civic cluster ...                 (topics)
    admin     civic admin create-user NAME ...  (dashboard accounts)
    backup    civic backup / civic restore      (database backups)
"""
from __future__ import annotations

import importlib
import logging

import typer

app = typer.Typer(help="광주 AI 시민 도우미 운영 도구", no_args_is_help=True, add_completion=False)

SUBCOMMAND_MODULES = ("importer", "cluster", "admin", "backup")


def _register_all() -> None:
    for short in SUBCOMMAND_MODULES:
        name = f"{__name__}.{short}"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        register = getattr(module, "register", None)
        if register is not None:
            register(app)
        elif isinstance(getattr(module, "app", None), typer.Typer):  # tolerated: a module exporting only `app`
            app.add_typer(module.app, name=short)
        else:
            raise RuntimeError(f"{name} must define register(app: typer.Typer) -> None")


_register_all()


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()
