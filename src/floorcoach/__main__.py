"""`python -m floorcoach` behaves exactly like the `floorcoach` command."""

from floorcoach.cli import main

raise SystemExit(main())
