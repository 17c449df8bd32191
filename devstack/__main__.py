"""Entry point: ``python -m devstack <command>``."""

from devstack.cli import main

raise SystemExit(main())
