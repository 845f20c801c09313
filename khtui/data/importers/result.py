"""What an import did (or, in a dry run, would do), and what its preview shows."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from khtui.domain.messages import Tr


@dataclass
class ImportResult:
    kind: str
    file: str
    encoding: str
    read: int = 0  # data rows read (no title, header, blank or totals rows)
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    duplicates: int = 0  # rows identical to an earlier row of the file, imported once
    removed: int = 0  # orders: stored lines of the period no longer in the file
    held_retailers: int = 0  # orders: retailers with a rejected line: their lines not removed
    held_lines: int = 0  # their stored lines of the period the file did not replace, kept
    skipped: int = 0  # totals rows (合计) and blank rows
    unknown_retailers: int = 0  # orders: retailers in the file not in the store
    unknown_lines: int = 0
    period: tuple[str, str] | None = None  # orders: first and last order date
    rejects_path: str | None = None
    extra_columns: list[str] = field(default_factory=list)
    dry_run: bool = False
    reject_rows: list[dict] = field(default_factory=list, repr=False)

    @property
    def changed(self) -> bool:
        return bool(self.new or self.updated or self.removed)

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("reject_rows")
        d["period"] = list(self.period) if self.period else None
        d["changed"] = self.changed
        return d

    def summary(self, t: Tr) -> str:
        """One line in ``t``'s words: file (encoding): N rows read, N new, N updated, … →
        rejects file."""
        line = t("imp.summary", **vars(self))  # file, encoding and the counts
        if self.removed:
            line += t("imp.summary.removed", n=self.removed)
        if self.duplicates:
            line += t("imp.summary.duplicates", n=self.duplicates)
        if self.rejects_path:
            line += f" → {Path(self.rejects_path).name}"
        if self.read and self.rejected >= self.read:
            line += t("imp.summary.all_rejected")
        elif not self.changed and self.unchanged:
            line += t("imp.summary.nothing")
        if self.dry_run:
            line += t("imp.summary.dry_run")
        return line

    def notes(self, t: Tr) -> list[str]:
        out = []
        if self.unknown_retailers:
            out.append(
                t("imp.note.unknown_retailers", n=self.unknown_retailers, lines=self.unknown_lines)
            )
        if self.held_lines:
            out.append(t("imp.note.held", n=self.held_retailers, lines=self.held_lines))
        if self.extra_columns:
            out.append(t("imp.note.extra_columns", columns=t("fmt.sep").join(self.extra_columns)))
        return out


@dataclass
class Preview:
    kind: str
    file: str
    format: str
    encoding: str
    sheet: str | None
    header_row: int  # 1-based
    headers: list[str]
    mapping: dict[str, str]  # field -> header it was found under
    units: dict[str, str]
    extra_columns: list[str]
    ignored_columns: list[str]
    rows: list[list[str]]  # the first data rows as read
