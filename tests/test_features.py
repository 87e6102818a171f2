"""Binds every Chinese feature file under features/ (all sectors) to the shared step definitions."""

from pytest_bdd import scenarios

scenarios(".")
