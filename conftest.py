"""Root pytest configuration: the specification plugin and every step module under tests/steps/,
so feature files run from tests/test_features.py and directly (`pytest features/mines/x.feature`)."""

from engine.spec.steps import step_modules

pytest_plugins = ["engine.spec.plugin", *step_modules()]
