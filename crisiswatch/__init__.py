"""The `crisiswatch` command line: runs the embedded stack and each stage."""
