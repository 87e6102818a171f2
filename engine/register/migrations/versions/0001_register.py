"""The register's first schema: units, findings, snapshots, hazards, events, api_keys.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("credit_code", sa.String(18), unique=True),
        sa.Column("address", sa.String(300)),
        sa.Column("area", sa.String(100), index=True),
        sa.Column("sector", sa.String(32)),
        sa.Column("principal", sa.String(50)),
        sa.Column("contact", sa.String(50)),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False, index=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("found_on", sa.Date, nullable=False),
        sa.Column("reporter", sa.String(100)),
        sa.Column("sector", sa.String(32), nullable=False),
        sa.Column("text", sa.Text),
        sa.Column("facts", sa.JSON, nullable=False),
        sa.Column("attachments", sa.JSON, nullable=False),
        sa.Column("row_key", sa.String(200), unique=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(100)),
    )
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("finding_id", sa.Integer, sa.ForeignKey("findings.id"), nullable=False, index=True),
        sa.Column("verdict", sa.String(20), nullable=False),
        sa.Column("rulebase_version", sa.String(40), nullable=False),
        sa.Column("editions", sa.JSON, nullable=False),
        sa.Column("judgement", sa.JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "hazards",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("finding_id", sa.Integer, sa.ForeignKey("findings.id"), nullable=False, unique=True),
        sa.Column("unit_id", sa.Integer, sa.ForeignKey("units.id"), nullable=False, index=True),
        sa.Column("snapshot_id", sa.Integer, sa.ForeignKey("snapshots.id"), nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("sector", sa.String(32), nullable=False, index=True),
        sa.Column("area", sa.String(100), index=True),
        sa.Column("clauses", sa.JSON, nullable=False),
        sa.Column("lead", sa.String(100), index=True),
        sa.Column("partners", sa.JSON, nullable=False),
        sa.Column("partners_key", sa.String(600), nullable=False),
        sa.Column("found_month", sa.String(7), nullable=False, index=True),
        sa.Column("days_to_close", sa.Integer),
        sa.Column("found_on", sa.Date, nullable=False),
        sa.Column("deadline", sa.Date, index=True),
        sa.Column("plan", sa.JSON, nullable=False),
        sa.Column("supervision", sa.JSON, nullable=False),
        sa.Column("escalations", sa.JSON, nullable=False),
        sa.Column("closed_on", sa.Date),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_hazards_status_deadline", "hazards", ["status", "deadline"])
    op.create_table(
        "hazard_clauses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("hazard_id", sa.Integer, sa.ForeignKey("hazards.id"), nullable=False, index=True),
        sa.Column("document", sa.String(64), nullable=False),
        sa.Column("number", sa.String(100), nullable=False),
        sa.Column("clause", sa.String(64), nullable=False),
    )
    op.create_index("ix_hazard_clauses_clause", "hazard_clauses", ["number", "clause"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("hazard_id", sa.Integer, sa.ForeignKey("hazards.id"), nullable=False, index=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("from_status", sa.String(20)),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("department", sa.String(100)),
        sa.Column("area", sa.String(100)),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TS, nullable=False),
    )


def downgrade() -> None:
    for table in ("api_keys", "events", "hazard_clauses", "hazards", "snapshots", "findings", "units"):
        op.drop_table(table)
