"""Sealing the access log, `audit verify` naming what was tampered with, and inclusion proofs."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select, update

from chengxin.access import merkle
from chengxin.access import repository as repo
from chengxin.access.models import AccessEntry, AccessLeaf, MerkleNode, TreeHead
from chengxin.access.rules import check_proof, head_message, head_timestamp, leaf_data
from chengxin.access.sealing import prove as prove_entry
from chengxin.access.sealing import seal
from chengxin.access.service import Read, log_reads
from chengxin.access.verify import record, verify
from chengxin.callers import Caller
from chengxin.clock import utcnow
from chengxin.errors import DomainError
from chengxin.signing import Signer

CHECKER = Caller.of(frozenset({"checker"}), department_code="human_resources", account_id="01JDCHECKER000000000000000")
BANK = Caller.of(frozenset({"third_party"}), org_uscc="91350100M000100Y43", account_id="01JDBANK000000000000000000")
BASE = 10**12  # explicit seqs far from the ones the sequence hands out


def key(n: int) -> str:
    return f"{n:032x}"


def log(session, count: int, caller: Caller = CHECKER, start: int = 0, **kw: Any) -> None:
    log_reads(session, caller, "check", [Read(key(start + i), "clear", None) for i in range(count)],
              purpose=kw.pop("purpose", "资格审查"), business_ref="R-1", **kw)
    session.flush()


def put(session, seq: int, at=None, subject: int = 1) -> None:
    """An entry with a chosen seq, as a transaction that drew it earlier would commit it late."""
    session.execute(insert(AccessEntry).values(
        seq=seq, at=at or utcnow(), actor_role="checker", actor_department="human_resources", actor_org=None,
        actor_account=None, subject_key=key(subject), action="check", purpose="资格审查", basis=None,
        business_ref=None, ref_id=None, result="clear"))


def leaves(session) -> list[tuple[int, int]]:
    return [(r.leaf_index, r.seq) for r in session.scalars(select(AccessLeaf).order_by(AccessLeaf.leaf_index))]


def codes(report) -> list[str]:
    return [p.code for p in report.problems]


def test_sealing_is_idempotent_and_signs_one_head_per_new_batch(session, signer: Signer):
    log(session, 5)
    first = seal(session, signer)
    assert (first.sealed, first.tree_size) == (5, 5)
    again = seal(session, signer)
    assert (again.sealed, again.tree_size, again.head) == (0, 5, None)
    assert session.scalar(select(func.count()).select_from(TreeHead)) == 1
    log(session, 3, start=5)
    third = seal(session, signer)
    assert (third.sealed, third.tree_size) == (3, 8)
    hashes = repo.leaf_hashes(session, 0, 8)
    assert third.root_hash == merkle.root(hashes)
    head = repo.latest_head(session)
    assert signer.verify(head.key_id, head_message(head_timestamp(head.signed_at), 8, head.root_hash), head.signature)
    report = verify(session, signer.public_keys())
    assert report.ok and report.tree_size == 8 and report.heads == 2 and report.root_hash == third.root_hash


def test_leaf_order_is_commit_order_with_gaps_and_late_entries_sealed_next(session, signer: Signer):
    for seq in (BASE + 1, BASE + 2, BASE + 4, BASE + 6):  # 3 still in flight, 5 rolled back for ever
        put(session, seq)
    seal(session, signer)
    assert leaves(session) == [(0, BASE + 1), (1, BASE + 2), (2, BASE + 4), (3, BASE + 6)]
    put(session, BASE + 3)  # commits after the seal, below the highest sealed seq
    put(session, BASE + 7)
    result = seal(session, signer)
    assert result.sealed == 2
    assert leaves(session)[4:] == [(4, BASE + 3), (5, BASE + 7)]
    report = verify(session, signer.public_keys())
    assert report.ok, report.problems
    assert report.pending == 0


def test_an_entry_slipped_in_below_old_heads_is_not_sealed_and_is_named(session, signer: Signer):
    t0 = utcnow()
    for seq in (BASE + 1, BASE + 2, BASE + 4):
        put(session, seq, at=t0 - timedelta(hours=2))
    seal(session, signer, now=t0 - timedelta(hours=1))
    put(session, BASE + 3, at=t0 - timedelta(hours=2))  # backdated into a gap long after it was sealed
    put(session, BASE + 5, at=t0)
    result = seal(session, signer, now=t0)  # looks for late entries only above the hour-old head
    assert result.sealed == 1 and leaves(session)[-1] == (3, BASE + 5)
    report = verify(session, signer.public_keys())
    assert codes(report) == ["AUDIT_ENTRY_NOT_SEALED"]
    assert report.problems[0].seq == BASE + 3


def test_recent_unsealed_entries_are_pending_not_problems(session, signer: Signer):
    log(session, 3)
    seal(session, signer)
    log(session, 2, start=3)
    report = verify(session, signer.public_keys())
    assert report.ok and report.pending == 2 and report.tree_size == 3


def test_verify_names_an_entry_altered_in_the_database(session, signer: Signer):
    log(session, 10)
    seal(session, signer)
    target = leaves(session)[6]
    session.execute(update(AccessEntry).where(AccessEntry.seq == target[1]).values(purpose="另作他用"))
    report = verify(session, signer.public_keys())
    assert not report.ok
    first = report.problems[0]
    assert (first.code, first.seq, first.leaf_index) == ("AUDIT_ENTRY_ALTERED", target[1], 6)
    assert f"序号 {target[1]}" in first.line() and "叶子 6" in first.line()


@pytest.mark.parametrize("column,value", [("at", None), ("actor_department", "court"), ("subject_key", key(99)),
                                          ("result", "block"), ("actor_org", "91110000600037341L")])
def test_any_altered_column_is_found(session, signer: Signer, column, value):
    log(session, 4)
    seal(session, signer)
    seq = leaves(session)[2][1]
    value = value or utcnow() - timedelta(days=1)
    session.execute(update(AccessEntry).where(AccessEntry.seq == seq).values({column: value}))
    report = verify(session, signer.public_keys())
    assert [(p.code, p.seq) for p in report.problems] == [("AUDIT_ENTRY_ALTERED", seq)]


def test_verify_names_a_deleted_entry(session, signer: Signer):
    log(session, 10)
    seal(session, signer)
    target = leaves(session)[3]
    session.execute(delete(AccessEntry).where(AccessEntry.seq == target[1]))
    report = verify(session, signer.public_keys())
    assert [(p.code, p.seq, p.leaf_index) for p in report.problems] == [("AUDIT_ENTRY_DELETED", target[1], 3)]


def test_rewriting_entry_and_leaf_hash_together_breaks_the_signed_root(session, signer: Signer):
    log(session, 300)  # more than one block of 256: the cached subtree localises the rewrite
    seal(session, signer)
    target = leaves(session)[100]
    session.execute(update(AccessEntry).where(AccessEntry.seq == target[1]).values(purpose="另作他用"))
    row = repo.entry_row(session, target[1])
    session.execute(update(AccessLeaf).where(AccessLeaf.leaf_index == 100)
                    .values(leaf_hash=merkle.leaf_hash(leaf_data(row))))
    report = verify(session, signer.public_keys())
    assert codes(report) == ["AUDIT_LEAF_HASH_REWRITTEN", "AUDIT_ROOT_MISMATCH", "AUDIT_FRONTIER_MISMATCH"]
    assert "叶子 0–255" in report.problems[0].message


def test_verify_names_a_leaf_whose_subject_index_was_changed_to_hide_an_entry(session, signer: Signer):
    log(session, 4)
    seal(session, signer)
    index, seq = leaves(session)[2]
    session.execute(update(AccessLeaf).where(AccessLeaf.leaf_index == index).values(subject_key=key(99)))
    report = verify(session, signer.public_keys())
    assert [(p.code, p.seq, p.leaf_index) for p in report.problems] == [("AUDIT_LEAF_SUBJECT_ALTERED", seq, 2)]


def test_verify_detects_a_forged_tree_head(session, signer: Signer):
    log(session, 5)
    seal(session, signer)
    forger = Signer.from_seed(bytes(32))
    head = repo.latest_head(session)
    # Same key id, another key's signature: the signature does not verify.
    forged = forger.sign(head_message(head_timestamp(head.signed_at), head.tree_size, head.root_hash))
    session.execute(update(TreeHead).values(signature=forged))
    assert codes(verify(session, signer.public_keys())) == ["AUDIT_HEAD_SIGNATURE_INVALID"]
    # A head re-signed by a key the platform never published.
    session.execute(update(TreeHead).values(key_id=forger.key_id))
    assert codes(verify(session, signer.public_keys())) == ["AUDIT_HEAD_KEY_UNKNOWN"]


def test_verify_detects_a_root_swapped_with_a_valid_signature_of_other_leaves(session, signer: Signer):
    log(session, 5)
    seal(session, signer)
    head = repo.latest_head(session)
    other = merkle.root([merkle.leaf_hash(b"x")] * 5)
    stamp = head_timestamp(head.signed_at)
    session.execute(update(TreeHead).values(root_hash=other, signature=signer.sign(head_message(stamp, 5, other))))
    assert "AUDIT_ROOT_MISMATCH" in codes(verify(session, signer.public_keys()))


def test_verify_detects_deleted_and_inserted_leaves(session, signer: Signer):
    log(session, 6)
    seal(session, signer)
    session.execute(delete(AccessLeaf).where(AccessLeaf.leaf_index == 5))
    assert codes(verify(session, signer.public_keys()))[-1] == "AUDIT_HEAD_BEYOND_LEAVES"
    session.execute(insert(AccessLeaf).values(leaf_index=5, seq=BASE, leaf_hash=bytes(32), subject_key=key(5)))
    session.execute(insert(AccessLeaf).values(leaf_index=6, seq=BASE + 1, leaf_hash=bytes(32), subject_key=key(6)))
    found = codes(verify(session, signer.public_keys()))
    assert "AUDIT_ENTRY_DELETED" in found and "AUDIT_LEAVES_UNSIGNED" in found


def test_a_corrupt_frontier_stops_the_sealer(session, signer: Signer):
    log(session, 3)
    seal(session, signer)
    session.execute(update(TreeHead).values(frontier=bytes(64)))
    log(session, 1, start=3)
    with pytest.raises(DomainError) as err:
        seal(session, signer)
    assert err.value.code == "AUDIT_FRONTIER_CORRUPT"


def test_a_verification_is_recorded(session, signer: Signer):
    log(session, 2)
    seal(session, signer)
    run = record(session, verify(session, signer.public_keys()), utcnow())
    assert run.ok and run.tree_size == 2 and run.problems == 0
    assert repo.latest_verification(session).id == run.id


# --- inclusion proofs ----------------------------------------------------------------------------


def test_every_proof_verifies_offline_and_matches_the_full_tree(session, signer: Signer):
    log(session, 600)
    seal(session, signer)
    log(session, 100, start=600, caller=BANK)
    seal(session, signer)
    assert session.scalar(select(func.count()).select_from(MerkleNode)) == 2 + 1  # two blocks of 256, one of 512
    hashes = repo.leaf_hashes(session, 0, 700)
    for index, seq in leaves(session)[::37] + leaves(session)[-3:]:
        doc = prove_entry(session, signer, seq)
        assert doc["status"] == "sealed" and doc["leaf_index"] == index and doc["tree_size"] == 700
        assert [bytes.fromhex(h) for h in doc["audit_path"]] == merkle.inclusion_path(hashes, index)
        check = check_proof(doc, signer.public_keys())
        assert check.ok and check.key_trusted, check.problems
    assert doc["entry"]["actor_org"] == "91350100M000100Y43"


def test_a_proof_against_an_earlier_head_and_without_published_keys(session, signer: Signer):
    log(session, 10)
    seal(session, signer)
    log(session, 10, start=10)
    seal(session, signer)
    seq = leaves(session)[4][1]
    doc = prove_entry(session, signer, seq, tree_size=10)
    assert doc["tree_head"]["tree_size"] == 10
    check = check_proof(doc)  # the key inside the proof: valid, but not yet compared with the published one
    assert check.ok and not check.key_trusted
    with pytest.raises(DomainError) as err:
        prove_entry(session, signer, leaves(session)[15][1], tree_size=10)
    assert err.value.code == "AUDIT_NOT_IN_TREE"


def test_a_modified_proof_fails_offline(session, signer: Signer):
    log(session, 20)
    seal(session, signer)
    doc = prove_entry(session, signer, leaves(session)[7][1])
    forged_leaf = copy.deepcopy(doc)
    forged_leaf["leaf_data"] = doc["leaf_data"].replace("资格审查", "另作他用")
    assert not check_proof(forged_leaf, signer.public_keys()).ok
    rehashed = copy.deepcopy(forged_leaf)
    rehashed["leaf_hash"] = merkle.leaf_hash(rehashed["leaf_data"].encode()).hex()
    rehashed["entry"]["purpose"] = "另作他用"
    result = check_proof(rehashed, signer.public_keys())
    assert not result.ok and any("审计路径" in p for p in result.problems)
    shown = copy.deepcopy(doc)
    shown["entry"]["purpose"] = "另作他用"  # what is shown differs from what is hashed
    assert not check_proof(shown, signer.public_keys()).ok
    wrong_key = check_proof(doc, Signer.from_seed(bytes(32)).public_keys())
    assert not wrong_key.ok and any("签名" in p for p in wrong_key.problems)
    moved = copy.deepcopy(doc)
    moved["leaf_index"] = 8
    assert not check_proof(moved, signer.public_keys()).ok
    assert not check_proof({"format": "other"}).ok


def test_unsealed_entries_say_so_and_altered_ones_get_no_proof(session, signer: Signer):
    log(session, 2)
    seq = session.scalar(select(func.max(AccessEntry.seq)))
    pending = prove_entry(session, signer, seq)
    assert (pending["status"], pending["status_label"]) == ("pending", "待封存")
    assert pending["entry"]["seq"] == seq and "audit_path" not in pending
    assert not check_proof(pending).ok
    seal(session, signer)
    session.execute(update(AccessEntry).where(AccessEntry.seq == seq).values(result="block"))
    with pytest.raises(DomainError) as err:
        prove_entry(session, signer, seq)
    assert err.value.code == "AUDIT_ENTRY_ALTERED"
    with pytest.raises(DomainError) as missing:
        prove_entry(session, signer, BASE * 5)
    assert missing.value.status == 404


def test_a_proof_survives_a_lost_subtree_cache(session, signer: Signer):
    log(session, 520)
    seal(session, signer)
    session.execute(delete(MerkleNode))
    hashes = repo.leaf_hashes(session, 0, 520)
    doc = prove_entry(session, signer, leaves(session)[3][1])
    assert [bytes.fromhex(h) for h in doc["audit_path"]] == merkle.inclusion_path(hashes, 3)
    assert check_proof(doc, signer.public_keys()).ok


def test_a_backlog_is_sealed_in_bounded_transactions(factory, session, signer: Signer):
    from chengxin.access.sealing import seal_all

    log(session, 25)
    session.commit()
    seen: list[int] = []
    result = seal_all(factory, signer, batch=10, progress=seen.append)
    assert (result.sealed, result.tree_size) == (25, 25) and result.head.tree_size == 25
    assert [h.tree_size for h in repo.heads(session)] == [10, 20, 25]
    assert seen[-1] == 25
    assert verify(session, signer.public_keys()).ok
    again = seal_all(factory, signer, batch=10)
    assert (again.sealed, again.head) == (0, None)
