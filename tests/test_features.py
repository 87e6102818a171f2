"""Binds every Chinese feature file under features/ (all sectors) to the shared step definitions.

One test per scenario (per example row of a 场景大纲); a file that cannot be read fails alone.
Select by sector, file or document: `pytest tests/test_features.py -k chemicals` / `-k COAL-2026`."""

from engine.spec.plugin import bind
from engine.spec.scan import feature_files

bind(globals(), feature_files())
