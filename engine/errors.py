"""One error type for everything a user can get wrong, so every surface (CLI, API) reports it
the same way: a Chinese message, a machine-readable code, and the offending field."""

from __future__ import annotations


class HazardError(Exception):
    """A user-facing error: `code` is stable for machines, `message` is Chinese for people."""

    status = 422

    def __init__(self, code: str, message: str, field: str | None = None, status: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        if status is not None:
            self.status = status

    def to_dict(self) -> dict:
        out = {"code": self.code, "message": self.message}
        if self.field is not None:
            out["field"] = self.field
        return out


class KnowledgeError(Exception):
    """A broken knowledge file: stops start-up, naming the file, the rule and the problem."""

    def __init__(self, file: str, problem: str, rule: str | None = None):
        where = f"{file}" + (f"，规则 {rule}" if rule else "")
        super().__init__(f"知识库错误（{where}）：{problem}")
        self.file = file
        self.rule = rule
        self.problem = problem


class EngineError(Exception):
    """A failure inside the rule engine itself (e.g. an exception in a consequent)."""
