"""The entry record's one maker and its place in the hash chain."""

from __future__ import annotations

from sync.entry import GENESIS_HASH, chain_entry, new_entry, verify_chain

STAMP = {"clock_synced": True, "boot_id": "1" * 32, "mono_s": 3.25}


def test_each_new_entry_has_its_own_id_and_only_the_clock_stamp_it_names():
    a = new_entry({"decision": "admit"}, site="s", gate="g", stamp={**STAMP, "other": 1})
    b = new_entry({"decision": "admit"}, site="s", gate="g", stamp=STAMP)
    assert a["id"] != b["id"]
    assert "other" not in a and {k: a[k] for k in STAMP} == STAMP
    assert "seq" not in a and "hash" not in a


def test_chained_entries_verify_and_keep_what_they_were_made_with():
    made = [new_entry({"decision": "deny", "reasons": ["fever"]}, site="s", gate="g", stamp=STAMP,
                      ts="2026-01-01T00:00:00.000Z") for _ in range(3)]
    chain, prev = [], GENESIS_HASH
    for seq, entry in enumerate(made, start=1):
        chain.append(chain_entry(entry, seq, prev))
        prev = chain[-1]["hash"]
    assert verify_chain(chain) is None
    assert [(c["id"], c["ts"]) for c in chain] == [(m["id"], m["ts"]) for m in made]
    chain[1]["decision"] = "admit"
    assert verify_chain(chain) == 2
