"""Tests of the index package (search backends)."""
