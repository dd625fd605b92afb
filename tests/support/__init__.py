"""Helpers shared by more than one test file: builders, waits, served apps and processes.

Test files import from here and never from one another; conftest.py files turn these
helpers into fixtures.
"""
