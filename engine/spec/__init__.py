"""The sector experts' specifications (features/<sector>/*.feature, Chinese Gherkin) as a tool.

Modules, one job each:
- `steps`    the step definitions under tests/steps/ as data (pattern, kind, documentation, example);
- `scan`     read feature files into rendered scenarios (one per example row) with Chinese parse errors,
             the facts each scenario gives and what it cites (sector, documents, clauses, rules);
- `lint`     a scenario's problems an expert can fix (unknown step, fact label, value), in Chinese;
- `plugin`   the pytest plugin: binds feature files to tests, keywords for `-k`, concise Chinese failures;
- `command`  the `hazard spec` sub-command (runs the scenarios through pytest, prints ✓/✗);
- `skeleton` `hazard spec --new RULE_ID`: a scenario skeleton for one rule;
- `coverage` which exceptions, listed values and conditions of each document no scenario exercises;
- `stepdocs` the step table of features/README.md, generated from the step definitions.
"""
