"""The major-hazard register (重大事故隐患台账): findings from every channel, their judgement snapshots,
the hazards they make, the closed loop to 销号 with review, 挂牌督办, overdue escalation and statistics.

SQLite in the user's data directory by default (engine.db), PostgreSQL by `HAZARD_DATABASE_URL`; one
code path for both (SQLAlchemy 2, schema by Alembic migrations). Modules: `models` (tables),
`lifecycle` (states, actions, who may take them), `service` (the operations every face calls),
`migrate` (schema upgrades), `ledger` (spreadsheet import/export).
"""
