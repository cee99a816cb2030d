"""What a screening run reports: `Finding`, `printable`, `ScreenResult`, `EESLoadError`, and `_Recorder`, the
findings a run has recorded so far (every check mixin and the screener record through it)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polars as pl

from leo_dash.core.staging import StagedText

Severity = Literal["error", "warning"]

# ---------------------------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One check result: a rule id, how bad it is, and a message a person can act on."""

    rule: str  # "L1".."L26", "A1", "A2"
    severity: Severity
    message: str  # the spec's message filled in
    file: str  # file name, not the full path
    row: int | None = None  # spreadsheet row: header = 1, first data row = 2
    column: str | None = None

    def __str__(self) -> str:
        # Cell contents and names come from the file: escaped, so a file cannot drive the operator's terminal.
        parts = [f"{self.severity} {self.rule}", printable(self.file)]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {printable(self.column)}")
        return f"{' · '.join(parts)}: {printable(self.message)}"


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def printable(text: str) -> str:
    """`text` with control and bidi/format characters shown as escapes (\\x1b, \\u202e), safe to print."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


@dataclass
class ScreenResult:
    path: Path
    findings: list[Finding]
    # The parsed table when there is no error, else None. Out of core it is not materialised: see `scan`.
    frame: pl.DataFrame | None
    meta: pl.DataFrame | None  # the meta file as strings
    # Out of core: the parsed table as a streaming query over the staged cells, which live as long as `staged`.
    lazy: pl.LazyFrame | None = None
    staged: StagedText | None = None

    @property
    def out_of_core(self) -> bool:
        return self.lazy is not None

    def scan(self) -> pl.LazyFrame:
        """The parsed table as a lazy query, whichever path screened it (keep this result alive while using it)."""
        if self.lazy is not None:
            return self.lazy
        if self.frame is None:
            raise EESLoadError(self.findings, self.path)
        return self.frame.lazy()

    def close(self) -> None:
        """Delete the staged cells now rather than when this result is collected."""
        if self.staged is not None:
            self.staged.close()

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


class EESLoadError(Exception):
    """A file failed at least one refusing check. str() lists the errors, for people (no traceback needed)."""

    def __init__(self, findings: Sequence[Finding], path: Path | None = None) -> None:
        self.findings: list[Finding] = list(findings)
        self.path = path
        super().__init__(str(self))

    def __str__(self) -> str:
        errors = [f for f in self.findings if f.severity == "error"]
        name = self.path.name if self.path else (errors[0].file if errors else "file")
        lines = [f"{printable(name)} was refused ({len(errors)} error{'s' if len(errors) != 1 else ''}):"]
        lines += [f"  {f}" for f in errors]
        return "\n".join(lines)


class _Recorder:
    """The findings of one screening run, and how checks record them."""

    file: str  # the data file's name: findings name it unless they name another file
    findings: list[Finding]

    # --- recording ----------------------------------------------------------------------------------------------
    def add(
        self,
        rule: str,
        severity: Severity,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        file: str | None = None,
    ) -> None:
        self.findings.append(Finding(rule, severity, message, file or self.file, row, column))

    def error(
        self, rule: str, message: str, *, row: int | None = None, column: str | None = None, file: str | None = None
    ) -> None:
        self.add(rule, "error", message, row=row, column=column, file=file)

    def warn(
        self, rule: str, message: str, *, row: int | None = None, column: str | None = None, file: str | None = None
    ) -> None:
        self.add(rule, "warning", message, row=row, column=column, file=file)

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)
