"""``khtui import approvals FILE``: the market manager's decisions, carried from the team
database to the AM's own by a small JSON file (written by
:meth:`khtui.data.manager.TeamOps.write_approvals`, passed by mail or USB).

- A plan approved or returned takes that status, if the decision is about the submission the
  AM made (a plan submitted again after the decision, or redrafted, keeps its state: the
  decision is kept as history and counted as out of date).
- A retailer change the manager rejected is undone when the field still holds the changed
  value (recorded in the change history as the manager's, with the reason); a field changed
  again since is left as it is. A confirmed change stays.
- Every decision is kept in ``reviews`` with the time it was received; importing the same file
  (or a later one holding the same decisions) again changes nothing.

The file is checked whole first: a file that is not an approval file, one from a newer khtui,
or one meant for another AM is refused and nothing is written. A dry run applies the decisions
in the transaction and rolls it back: it counts what the import would do and writes nothing.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from khtui.data.manager import APPROVALS_FORMAT, APPROVALS_VERSION, CHANGE_DECISIONS, PLAN_DECISIONS
from khtui.domain.problems import KeyedError

REQUIRED = ("id", "subject", "subject_id", "decision", "decided_at", "decided_by")


class _Rollback(Exception):
    """Ends a dry run's transaction without committing it."""


class ApprovalFileError(KeyedError):
    """An approval file that cannot be imported; ``key`` names the message
    (i18n ``approvals.err.*``)."""


@dataclass
class ApprovalResult:
    path: Path
    made_by: str
    plans: dict[str, str] = field(default_factory=dict)  # month -> status now
    approved: int = 0
    returned: int = 0
    confirmed: int = 0
    rejected: int = 0
    undone: int = 0  # rejected changes whose field was set back
    out_of_date: int = 0  # decisions about a plan submitted again since, or a changed field
    already: int = 0  # decisions received before
    dry_run: bool = False  # counted as the import would do it; nothing written


def read_approval_file(path: str | os.PathLike) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise ApprovalFileError("missing", path=str(path))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ApprovalFileError("not_approvals", path=str(path)) from None
    if not isinstance(data, dict) or data.get("format") != APPROVALS_FORMAT:
        raise ApprovalFileError("not_approvals", path=str(path))
    version = data.get("version")
    if not isinstance(version, int) or version > APPROVALS_VERSION:
        raise ApprovalFileError("newer", path=str(path), version=version)
    decisions = data.get("decisions")
    if not isinstance(decisions, list) or not isinstance(data.get("am_id"), str):
        raise ApprovalFileError("not_approvals", path=str(path))
    for d in decisions:
        ok = isinstance(d, dict) and all(isinstance(d.get(k), str) for k in REQUIRED)
        ok = ok and (
            (d["subject"] == "plan" and d["decision"] in PLAN_DECISIONS)
            or (d["subject"] == "change" and d["decision"] in CHANGE_DECISIONS)
        )
        if not ok:
            raise ApprovalFileError("bad_decision", path=str(path), item=json.dumps(d)[:80])
    return data


def import_approvals(store, path: str | os.PathLike, *, dry_run: bool = False) -> ApprovalResult:
    """Apply an approval file to the AM's database ``store`` (one transaction); a dry run
    rolls the transaction back and returns what the import would have done."""
    path = Path(path)
    data = read_approval_file(path)
    if data["am_id"] != store.am_id:
        raise ApprovalFileError(
            "other_am",
            path=str(path),
            theirs=" ".join(x for x in (data.get("am_code"), data.get("am_name")) if x) or "-",
            ours=" ".join(x for x in (store.meta("am_code"), store.am_name) if x),
        )
    result = ApprovalResult(path=path, made_by=str(data.get("made_by") or ""), dry_run=dry_run)
    now = store.now_text()
    try:
        with store.write() as conn:
            _apply(store, conn, data, result, now)
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return result


def _apply(store, conn, data: dict[str, Any], result: ApprovalResult, now: str) -> None:
    """Every decision of the file not received before, on ``conn`` (the caller's transaction)."""
    for d in data["decisions"]:
        if conn.execute("SELECT 1 FROM reviews WHERE id = ?", (d["id"],)).fetchone():
            result.already += 1
            continue
        if d["subject"] == "plan":
            _plan(conn, d, result)
        else:
            _change(store, conn, d, result)
        conn.execute(
            "INSERT INTO reviews (id, am_id, subject, subject_id, subject_stamp, decision, "
            "comment, decided_at, decided_by, received_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                d["id"],
                store.am_id,
                d["subject"],
                d["subject_id"],
                d.get("subject_stamp"),
                d["decision"],
                d.get("comment"),
                d["decided_at"],
                d["decided_by"],
                now,
            ),
        )


def _plan(conn, d: dict[str, Any], result: ApprovalResult) -> None:
    plan = conn.execute("SELECT * FROM visit_plans WHERE id = ?", (d["subject_id"],)).fetchone()
    # the decision is about the submission it names (a plan submitted again since waits for
    # a decision of its own)
    if (
        plan is None
        or plan["status"] != "submitted"
        or plan["submitted_at"] != d.get("subject_stamp")
    ):
        result.out_of_date += 1
        return
    if d["decision"] == "approved":
        conn.execute(
            "UPDATE visit_plans SET status = 'approved', approved_at = ? WHERE id = ?",
            (d["decided_at"], plan["id"]),
        )
        result.approved += 1
    else:
        conn.execute("UPDATE visit_plans SET status = 'returned' WHERE id = ?", (plan["id"],))
        result.returned += 1
    result.plans[plan["month"]] = d["decision"]


def _change(store, conn, d: dict[str, Any], result: ApprovalResult) -> None:
    change = conn.execute(
        "SELECT * FROM retailer_changes WHERE id = ?", (d["subject_id"],)
    ).fetchone()
    if d["decision"] == "confirmed":
        result.confirmed += 1
        return
    result.rejected += 1
    if change is None:
        result.out_of_date += 1
        return
    field_name = change["field"]
    retailer = conn.execute(
        "SELECT * FROM retailers WHERE code = ?", (change["retailer_code"],)
    ).fetchone()
    columns = retailer.keys() if retailer is not None else []
    current = retailer[field_name] if field_name in columns else None
    if retailer is None or field_name not in columns or _text(current) != change["new"]:
        result.out_of_date += 1  # changed again since: the AM decides what it should be
        return
    conn.execute(
        f"UPDATE retailers SET {field_name} = ?, updated_at = ? WHERE code = ?",
        (change["old"], store.now_text(), change["retailer_code"]),
    )
    store._audit(
        conn,
        change["retailer_code"],
        field_name,
        current,
        change["old"],
        d["decided_by"],
        "review",
    )
    if field_name in ("name", "licence_no", "phone"):
        store._index_retailers(conn, [change["retailer_code"]])
    result.undone += 1


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
