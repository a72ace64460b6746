"""What today's journal says, for the people at the gate: the counts (in, out, denied,
fevers) and the cases still waiting for a volunteer. Pure functions over entries.

A volunteer's override is an entry of its own whose ``ref`` names the entry it
settles; the original keeps its place in the chain and is counted by its final word.
"""

from __future__ import annotations

from datetime import datetime, time as dtime, timezone

FEVER_REASONS = frozenset({"fever", "fever_recorded"})


def local_midnight_utc_iso(now: datetime | None = None) -> str:
    """Start of the local day as the journal writes timestamps (UTC, ISO 8601, ``Z``)."""
    now = (now or datetime.now().astimezone()).astimezone()
    midnight = datetime.combine(now.date(), dtime(0), now.tzinfo)
    return midnight.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def is_override(entry: dict) -> bool:
    return bool(entry.get("ref"))


def final_decisions(entries: list[dict]) -> dict[str, str]:
    """Entry id -> the decision that stands (the last override's, else its own)."""
    final = {e["id"]: e["decision"] for e in entries if not is_override(e)}
    for e in entries:
        if is_override(e) and e["ref"] in final:
            final[e["ref"]] = e["decision"]
    return final


def counts(entries: list[dict]) -> dict[str, int]:
    """Today's figures from today's entries, oldest first."""
    final = final_decisions(entries)
    out = {"in": 0, "out": 0, "denied": 0, "fevers": 0}
    for e in entries:
        if is_override(e) or e.get("decision") not in ("admit", "deny", "refer"):
            continue
        word = final[e["id"]]
        if word == "admit":
            out["out" if e.get("direction") == "out" else "in"] += 1
        elif word == "deny":
            out["denied"] += 1
        # A fever recorded and let through (screening in record mode) is a fever all the same.
        if FEVER_REASONS & set(e.get("reasons") or []):
            out["fevers"] += 1
    return out


def waiting(entries: list[dict]) -> list[dict]:
    """Entries referred to a volunteer and not yet settled, newest first."""
    settled = {e["ref"] for e in entries if is_override(e)}
    return [e for e in reversed(entries)
            if e.get("decision") == "refer" and not is_override(e) and e["id"] not in settled]
