"""`python -m motion_smd.cli` runs the `smd` command."""

from motion_smd.cli import main

main()
