"""Ready for a distributed PostgreSQL (Citus): the tables stay distributable by the person key.

Every table is classified here, once: distributed by its person key (`subject_key`, or
`person_key` for the person's own rows), a reference table (small, read everywhere: copied to
every node) or a local table (kept on the coordinator: platform state, global feeds and logs).
A person table must carry the key, and every primary key, unique key and foreign key between
person tables must include it, so a person's rows live on one node and join there. A new table
fails this test until it is classified; a person table without the key fails it.

KNOWN_EXCEPTIONS are person tables whose keys do not include the person key yet; they stay local
in a Citus deployment until their keys are changed (each needs its look-up by id or number to
find the person first).
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKeyConstraint, Integer, MetaData, String, Table, UniqueConstraint

from chengxin.db import Base
from chengxin.keyring.rules import KEY_COLUMN_NAMES
from chengxin.models import import_all

DISTRIBUTED: dict[str, str] = {
    "persons": "person_key",
    "person_contacts": "person_key",
    "organisation_roles": "person_key",
    "records": "subject_key",
    "matters": "subject_key",
    "matter_appeals": "subject_key",
    "matter_explanations": "subject_key",
    "matter_extensions": "subject_key",
    "listing_procedures": "subject_key",
    "checks": "subject_key",
    "check_hits": "subject_key",
    "feedback": "subject_key",
    "objections": "subject_key",
    "repairs": "subject_key",
    "repair_archive": "subject_key",
    "case_events": "subject_key",
    "evidence_files": "subject_key",
    "conflicts": "subject_key",
    "subscriptions": "subject_key",
    "exchange_disclosures": "subject_key",
    "exchange_references": "subject_key",
    "points_consents": "person_key",
}

KNOWN_EXCEPTIONS: dict[str, str] = {
    "credentials": "primary key id alone: a credential is verified by its id (QR code), before any key is known",
    "reports": "primary key id, unique number: a report is verified by its number by anyone holding it",
    "notices": "unique idempotency_key alone: the delivery queue claims and retries a notice by that key",
    "inbox_messages": "unique idempotency_key alone: a delivery is made once per key, whoever the person",
    "authorisations": "the person is grantor_key and the key is id alone: a third party presents the grant's id",
}

REFERENCE: dict[str, str] = {
    "departments": "a few hundred rows; almost every table refers to them",
    "organisations": "the register of organisations, found by USCC from person tables (roles) and logs",
    "data_editions": "the catalog and measures in force, read by every check and collection",
    "subject_key_aliases": "old key to new key after a re-key, resolved wherever an old key is met",
    "generations": "two counters every server process polls to drop its token cache and reload editions",
}

LOCAL: dict[str, str] = {
    "access_log": "append-only, one global seq order sealed into one Merkle tree; keys frozen (never re-keyed)",
    "access_leaves": "the Merkle tree's leaves, in tree order",
    "merkle_nodes": "the Merkle tree's cached subtrees",
    "tree_heads": "signed tree heads of the access log",
    "audit_verifications": "outcomes of `audit verify`",
    "accounts": "sign-in accounts, found by username or token on every request; person_key only points",
    "api_tokens": "tokens of accounts",
    "login_sessions": "sign-in sessions of accounts",
    "identity_challenges": "short-lived sign-in codes, found by id while the person signs in",
    "security_events": "the security log, one global order",
    "alerts": "abnormal-use alerts for auditors",
    "batches": "a department's submissions (receipts and counts)",
    "batch_issues": "per-row findings of a submission, no personal data",
    "rejected_rows": "refused rows of a submission, encrypted, deleted after some days",
    "check_batches": "a department's batch checks (counts, encrypted result file)",
    "watch_events": "the list-event feed, one global seq order departments read from",
    "deliveries": "webhook deliveries of the list-event feed",
    "webhooks": "a department's webhook",
    "exchange_outgoing": "the feed owed to a neighbour, numbered in one order as it is sent",
    "exchange_applied": "changes applied from a neighbour, keyed by the sender's numbers",
    "exchange_peers": "configured neighbours",
    "exchange_reconciliations": "reconciliation runs with neighbours",
    "exchange_refusals": "changes refused from a neighbour",
    "tipoffs": "tip-offs to a department, found by tracking code; no person key",
    "articles": "public articles (policy, news)",
    "job_watermarks": "where each job got to",
    "retention_runs": "reports of the retention purge",
    "points_runs": "the office's grade distributions: counts only, no person key",
}

# Reference or local tables that still hold a person key column, each for the reason given above.
KEYED_NOT_DISTRIBUTED = {"organisations", "access_log", "access_leaves", "accounts",
                         "identity_challenges", "watch_events", "exchange_outgoing", "exchange_applied"}


def _tables() -> dict[str, Table]:
    import_all()
    return dict(Base.metadata.tables)


def _placement(name: str) -> str:
    if name in DISTRIBUTED:
        return "distributed"
    if name in REFERENCE:
        return "reference"
    return "local"  # LOCAL and KNOWN_EXCEPTIONS live on the coordinator


def _unique_keys(table: Table) -> list[tuple[str, list[str]]]:
    keys = [("primary key", [c.name for c in table.primary_key.columns])]
    keys += [(str(c.name or "unique"), [col.name for col in c.columns]) for c in table.constraints
             if isinstance(c, UniqueConstraint)]
    keys += [(str(i.name or "unique index"), [col.name for col in i.columns]) for i in table.indexes if i.unique]
    return keys


def classification_problems(tables: dict[str, Table]) -> list[str]:
    groups = [set(DISTRIBUTED), set(KNOWN_EXCEPTIONS), set(REFERENCE), set(LOCAL)]
    classified = set().union(*groups)
    out = [f"{t}: classified twice" for t in classified if sum(t in g for g in groups) > 1]
    out += [f"{t}: not classified (distributed by the person key, or reference/local and why)"
            for t in sorted(set(tables) - classified)]
    out += [f"{t}: classified but no longer a table" for t in sorted(classified - set(tables))]
    out += [f"{t}: no reason given" for g in (KNOWN_EXCEPTIONS, REFERENCE, LOCAL) for t, r in g.items()
            if not r.strip()]
    return out


def key_problems(tables: dict[str, Table]) -> list[str]:
    """A person table carries its key (NOT NULL, one type for all) in every primary and unique key."""
    out, types = [], set()
    for name, column in DISTRIBUTED.items():
        table = tables.get(name)
        if table is None:
            continue
        if column not in table.c:
            out.append(f"{name}: no {column} column")
            continue
        if table.c[column].nullable:
            out.append(f"{name}.{column} may be NULL")
        types.add(repr(table.c[column].type))
        out += [f"{name}: {key} {columns} lacks {column}" for key, columns in _unique_keys(table)
                if column not in columns]
    if len(types) > 1:
        out.append(f"co-located distribution columns need one type: {sorted(types)}")
    return out


def foreign_key_problems(tables: dict[str, Table]) -> list[str]:
    """Between person tables a foreign key joins the person keys (co-located); a person table may
    refer to a reference table; a reference table only to reference tables; a local table to local
    and reference tables (never to a distributed one)."""
    allowed = {"distributed": {"distributed", "reference"}, "reference": {"reference"},
               "local": {"local", "reference"}}
    out = []
    for name, table in tables.items():
        for fk in (c for c in table.constraints if isinstance(c, ForeignKeyConstraint)):
            target = fk.referred_table.name
            here, there = _placement(name), _placement(target)
            if there not in allowed[here]:
                out.append(f"{name} ({here}) refers to {target} ({there})")
            elif here == there == "distributed":
                pairs = {(el.parent.name, el.column.name) for el in fk.elements}
                if (DISTRIBUTED[name], DISTRIBUTED[target]) not in pairs:
                    out.append(f"{name} → {target}: the foreign key must join {DISTRIBUTED[name]} "
                               f"to {DISTRIBUTED[target]}")
    return out


def keyed_problems(tables: dict[str, Table]) -> list[str]:
    """A reference or local table holding a person key column is one said to be so, on purpose."""
    out = []
    for name, table in tables.items():
        if name in DISTRIBUTED or name in KNOWN_EXCEPTIONS:
            continue
        keyed = any(c in table.c for c in KEY_COLUMN_NAMES)
        if keyed and name not in KEYED_NOT_DISTRIBUTED:
            out.append(f"{name} holds a person key: distribute it by that key, or list it in KEYED_NOT_DISTRIBUTED")
        if not keyed and name in KEYED_NOT_DISTRIBUTED:
            out.append(f"{name} holds no person key any more: take it out of KEYED_NOT_DISTRIBUTED")
    return out


def problems(tables: dict[str, Table]) -> list[str]:
    return (classification_problems(tables) + key_problems(tables) + foreign_key_problems(tables)
            + keyed_problems(tables))


def test_every_table_is_classified_once():
    assert classification_problems(_tables()) == []


def test_person_tables_carry_the_key_in_every_primary_and_unique_key():
    assert key_problems(_tables()) == []


def test_foreign_keys_follow_the_placement():
    assert foreign_key_problems(_tables()) == []


def test_a_table_holding_a_person_key_is_distributed_unless_said_why_not():
    assert keyed_problems(_tables()) == []


def _with(*made_up: Table) -> dict[str, Table]:
    return {**_tables(), **{t.name: t for t in made_up}}


def test_a_new_table_fails_until_classified():
    new = Table("made_up_notes", MetaData(), Column("id", String(26), primary_key=True))
    assert problems(_with(new)) == ["made_up_notes: not classified (distributed by the person key, "
                                    "or reference/local and why)"]


def test_a_person_table_without_the_key_fails(monkeypatch):
    meta = MetaData()
    no_key = Table("made_up_facts", meta, Column("id", String(26), primary_key=True))
    keyed_by_id = Table("made_up_marks", meta, Column("id", String(26), primary_key=True),
                        Column("subject_key", String(32), nullable=False), Column("number", String(20)),
                        UniqueConstraint("number", name="uq_made_up_marks_number"))
    monkeypatch.setitem(DISTRIBUTED, "made_up_facts", "subject_key")
    monkeypatch.setitem(DISTRIBUTED, "made_up_marks", "subject_key")
    assert problems(_with(no_key, keyed_by_id)) == [
        "made_up_facts: no subject_key column",
        "made_up_marks: primary key ['id'] lacks subject_key",
        "made_up_marks: uq_made_up_marks_number ['number'] lacks subject_key"]


def test_a_keyed_table_kept_local_without_saying_so_fails(monkeypatch):
    local = Table("made_up_log", MetaData(), Column("seq", Integer, primary_key=True),
                  Column("subject_key", String(32)))
    monkeypatch.setitem(LOCAL, "made_up_log", "a log")
    assert problems(_with(local)) == ["made_up_log holds a person key: distribute it by that key, "
                                      "or list it in KEYED_NOT_DISTRIBUTED"]


def test_a_foreign_key_between_person_tables_must_join_the_keys(monkeypatch):
    meta = MetaData()
    Table("matters", meta, Column("subject_key", String(32), primary_key=True),
          Column("id", String(26), primary_key=True))
    child = Table("made_up_steps", meta, Column("subject_key", String(32), primary_key=True),
                  Column("id", String(26), primary_key=True), Column("matter_id", String(26)),
                  ForeignKeyConstraint(["matter_id"], ["matters.id"]))
    monkeypatch.setitem(DISTRIBUTED, "made_up_steps", "subject_key")
    assert foreign_key_problems({"matters": meta.tables["matters"], "made_up_steps": child}) == [
        "made_up_steps → matters: the foreign key must join subject_key to subject_key"]
