"""The console's own tables, kept in the server's database beside the entries.

``ConsoleStore`` wraps the server's ``Storage`` (same connections, same back-end, SQLite
or PostgreSQL) and adds what only the office needs: staff accounts, the audit log,
households and residents, the passes issued to them, home quarantines, alert
acknowledgements and what the console last put into the registry. Ids are text (uuid4 hex), so the
same SQL runs on both back-ends without sequences.
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from typing import Any

from sync.server import overstay
from sync.vocabulary import ALERT_ON_DENY, ALWAYS_ALERT
from sync.server.storage import EntryQuery, Storage
from sync.server.storage.base import ENTRY_COLUMNS

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS console_users (
        name TEXT PRIMARY KEY, pw_hash TEXT NOT NULL, role TEXT NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0, locked_until DOUBLE PRECISION NOT NULL DEFAULT 0,
        created_at DOUBLE PRECISION NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS console_audit (
        id TEXT PRIMARY KEY, at DOUBLE PRECISION NOT NULL, actor TEXT NOT NULL,
        action TEXT NOT NULL, detail TEXT NOT NULL, ip TEXT)""",
    "CREATE INDEX IF NOT EXISTS console_audit_at ON console_audit (at)",
    """CREATE TABLE IF NOT EXISTS households (
        id TEXT PRIMARY KEY, building TEXT NOT NULL, unit TEXT NOT NULL, room TEXT NOT NULL,
        updated_at DOUBLE PRECISION NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS residents (
        id TEXT PRIMARY KEY, household TEXT NOT NULL, name TEXT NOT NULL, phone TEXT NOT NULL,
        updated_at DOUBLE PRECISION NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS residents_household ON residents (household)",
    """CREATE TABLE IF NOT EXISTS passes (
        pass_id TEXT PRIMARY KEY, resident_id TEXT, household TEXT NOT NULL, role TEXT NOT NULL,
        text TEXT NOT NULL, not_before DOUBLE PRECISION NOT NULL, expires DOUBLE PRECISION NOT NULL,
        issued_at DOUBLE PRECISION NOT NULL, issued_by TEXT NOT NULL,
        revoked_at DOUBLE PRECISION, revoked_by TEXT)""",
    "CREATE INDEX IF NOT EXISTS passes_household ON passes (household)",
    """CREATE TABLE IF NOT EXISTS quarantines (
        id TEXT PRIMARY KEY, household TEXT, resident_id TEXT, start_date TEXT NOT NULL,
        end_date TEXT NOT NULL, note TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL,
        created_by TEXT NOT NULL, lifted_at DOUBLE PRECISION, lifted_by TEXT)""",
    """CREATE TABLE IF NOT EXISTS alert_acks (
        site TEXT NOT NULL, gate TEXT NOT NULL, seq BIGINT NOT NULL,
        acked_by TEXT NOT NULL, acked_at DOUBLE PRECISION NOT NULL, note TEXT,
        PRIMARY KEY (site, gate, seq))""",
    """CREATE TABLE IF NOT EXISTS console_meta (
        key TEXT PRIMARY KEY, value TEXT NOT NULL)""",
    # A login is a row here; the cookie names it, so logging out, a lockout or a new
    # password ends it on the server, whatever copy of the cookie is still around.
    """CREATE TABLE IF NOT EXISTS console_sessions (
        sid TEXT PRIMARY KEY, name TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL,
        revoked_at DOUBLE PRECISION)""",
    "CREATE INDEX IF NOT EXISTS console_sessions_name ON console_sessions (name)",
    # Failed logins of names that are no account, counted as for real ones so that a
    # lockout does not tell which names exist.
    """CREATE TABLE IF NOT EXISTS console_unknown_failures (
        name TEXT PRIMARY KEY, failures INTEGER NOT NULL, locked_until DOUBLE PRECISION NOT NULL)""",
    # Access cards: never the number, only its keyed digests (sync/cards.py) and a masked form.
    """CREATE TABLE IF NOT EXISTS cards (
        id TEXT PRIMARY KEY, household TEXT NOT NULL, resident_id TEXT, full_digest TEXT NOT NULL,
        forms TEXT NOT NULL, masked TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL, created_by TEXT NOT NULL,
        revoked_at DOUBLE PRECISION, revoked_by TEXT)""",
    "CREATE INDEX IF NOT EXISTS cards_household ON cards (household)",
]

# The alerts page lists every stored entry carrying one of these, whatever its decision.
ALERT_REASONS = ALERT_ON_DENY + ALWAYS_ALERT
ALERT_COLUMNS = ("site", "gate", "seq", "ts", "direction", "decision", "household", "pass_id", "reasons",
                 "temperature_c", "acked_by", "acked_at", "note")
USER_COLUMNS = ("name", "pw_hash", "role", "failures", "locked_until", "created_at")
PASS_COLUMNS = ("pass_id", "resident_id", "household", "role", "text", "not_before", "expires",
                "issued_at", "issued_by", "revoked_at", "revoked_by")
CARD_COLUMNS = ("id", "household", "resident_id", "full_digest", "forms", "masked", "created_at", "created_by",
                "revoked_at", "revoked_by")
QUARANTINE_COLUMNS = ("id", "household", "resident_id", "start_date", "end_date", "note", "created_at",
                      "created_by", "lifted_at", "lifted_by")


def new_id() -> str:
    return uuid.uuid4().hex


def household_id(building: str, unit: str, room: str) -> str:
    return f"{building}-{unit}-{room}"


# The entries' page order, as a row value: the ts index's columns.
KEY = "(ts, site, gate, seq)"


def _and(where: str, params: list, clause: str, values) -> tuple[str, list]:
    return (f"{where} AND {clause}" if where else f" WHERE {clause}"), [*params, *values]


class ConsoleStore:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        with storage._write() as cur:
            for stmt in SCHEMA:
                cur.execute(stmt)
            if not storage._has_column(cur, "alert_acks", "note"):  # a store made before notes
                cur.execute("ALTER TABLE alert_acks ADD COLUMN note TEXT")
        overstay.ensure_schema(storage)

    # -- small helpers -----------------------------------------------------------------

    def _rows(self, sql: str, params: tuple | list = (), columns: tuple[str, ...] | None = None) -> list[dict]:
        with self.storage._read() as cur:
            cur.execute(self.storage._sql(sql), tuple(params))
            names = columns or tuple(d[0] for d in cur.description)
            return [dict(zip(names, r)) for r in cur.fetchall()]

    def _one(self, sql: str, params: tuple | list = ()) -> dict | None:
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    def _exec(self, *statements: tuple[str, tuple | list]) -> int:
        """Run statements in one write transaction; returns the last one's row count."""
        count = 0
        with self.storage._write() as cur:
            for sql, params in statements:
                cur.execute(self.storage._sql(sql), tuple(params))
                count = cur.rowcount
        return count

    # -- users -------------------------------------------------------------------------

    def user(self, name: str) -> dict | None:
        return self._one(f"SELECT {', '.join(USER_COLUMNS)} FROM console_users WHERE name = ?", (name,))

    def users(self) -> list[dict]:
        return self._rows(f"SELECT {', '.join(USER_COLUMNS)} FROM console_users ORDER BY name")

    def put_user(self, name: str, pw_hash: str, role: str) -> None:
        """Add an account, or set its password and role: its open sessions end."""
        self._exec(("INSERT INTO console_users (name, pw_hash, role, created_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (name) DO UPDATE SET pw_hash = excluded.pw_hash, role = excluded.role, "
                    "failures = 0, locked_until = 0", (name, pw_hash, role, time.time())),
                   self._revoke_sql(name))

    def record_failure(self, name: str, limit: int, lock_s: float) -> tuple[int, float]:
        """Count one failed login; lock the name when the count reaches ``limit`` (an
        account's sessions end with it). A name that is no account is counted the same.
        Returns (failures so far, locked until)."""
        now = time.time()
        with self.storage._write() as cur:
            q = self.storage._sql
            cur.execute(q("SELECT failures FROM console_users WHERE name = ?"), (name,))
            row = cur.fetchone()
            table = "console_users" if row is not None else "console_unknown_failures"
            if row is None:
                cur.execute(q("INSERT INTO console_unknown_failures (name, failures, locked_until) VALUES (?, 0, 0) "
                              "ON CONFLICT (name) DO NOTHING"), (name,))
                cur.execute(q("SELECT failures FROM console_unknown_failures WHERE name = ?"), (name,))
                row = cur.fetchone()
            failures = row[0] + 1
            locked_until = now + lock_s if failures >= limit else 0.0
            cur.execute(q(f"UPDATE {table} SET failures = ?, locked_until = ? WHERE name = ?"),
                        (0 if locked_until else failures, locked_until, name))
            if locked_until:
                cur.execute(q(self._revoke_sql(name)[0]), self._revoke_sql(name)[1])
        return failures, locked_until

    def locked_until(self, name: str) -> float:
        """Until when logins of ``name`` are refused, account or not (0: they are not)."""
        row = self._one("SELECT locked_until FROM console_users WHERE name = ? "
                        "UNION ALL SELECT locked_until FROM console_unknown_failures WHERE name = ?", (name, name))
        return float(row["locked_until"]) if row else 0.0

    def clear_failures(self, name: str) -> None:
        self._exec(("UPDATE console_users SET failures = 0, locked_until = 0 WHERE name = ?", (name,)))

    # -- sessions ----------------------------------------------------------------------

    def open_session(self, name: str) -> str:
        sid = secrets.token_urlsafe(32)
        self._exec(("INSERT INTO console_sessions (sid, name, created_at) VALUES (?, ?, ?)", (sid, name, time.time())))
        return sid

    def session_user(self, sid: str | None) -> str | None:
        """The account a live session belongs to; None when it was ended or never was."""
        if not sid:
            return None
        row = self._one("SELECT name FROM console_sessions WHERE sid = ? AND revoked_at IS NULL", (str(sid),))
        return row["name"] if row else None

    def close_session(self, sid: str | None) -> None:
        if sid:
            self._exec(("UPDATE console_sessions SET revoked_at = ? WHERE sid = ? AND revoked_at IS NULL",
                        (time.time(), str(sid))))

    @staticmethod
    def _revoke_sql(name: str) -> tuple[str, tuple]:
        return ("UPDATE console_sessions SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                (time.time(), name))

    # -- audit log ---------------------------------------------------------------------

    def audit(self, actor: str, action: str, detail: dict[str, Any] | None = None, ip: str | None = None) -> None:
        self._exec(("INSERT INTO console_audit (id, at, actor, action, detail, ip) VALUES (?, ?, ?, ?, ?, ?)",
                    (new_id(), time.time(), actor, action,
                     json.dumps(detail or {}, ensure_ascii=False, sort_keys=True), ip)))

    def audit_log(self, limit: int = 200, action: str | None = None) -> list[dict]:
        where, params = ("WHERE action = ?", [action]) if action else ("", [])
        rows = self._rows(f"SELECT at, actor, action, detail, ip FROM console_audit {where} "
                          f"ORDER BY at DESC LIMIT {int(limit)}", params)
        for r in rows:
            r["detail"] = json.loads(r["detail"])
        return rows

    # -- households and residents ------------------------------------------------------

    def upsert_household(self, building: str, unit: str, room: str) -> str:
        hid = household_id(building, unit, room)
        self._exec(("INSERT INTO households (id, building, unit, room, updated_at) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (id) DO NOTHING", (hid, building, unit, room, time.time())))
        return hid

    def import_residents(self, records: list[dict[str, str]]) -> dict[str, int]:
        """Add each (household, name) not yet known; update the phone of those that are.
        One transaction: an import is all or nothing."""
        added = updated = 0
        now = time.time()
        q = self.storage._sql
        with self.storage._write() as cur:
            for r in records:
                hid = household_id(r["building"], r["unit"], r["room"])
                cur.execute(q("INSERT INTO households (id, building, unit, room, updated_at) VALUES (?, ?, ?, ?, ?) "
                              "ON CONFLICT (id) DO NOTHING"), (hid, r["building"], r["unit"], r["room"], now))
                cur.execute(q("SELECT id, phone FROM residents WHERE household = ? AND name = ?"), (hid, r["name"]))
                row = cur.fetchone()
                if row is None:
                    cur.execute(q("INSERT INTO residents (id, household, name, phone, updated_at) "
                                  "VALUES (?, ?, ?, ?, ?)"), (new_id(), hid, r["name"], r["phone"], now))
                    added += 1
                elif row[1] != r["phone"]:
                    cur.execute(q("UPDATE residents SET phone = ?, updated_at = ? WHERE id = ?"),
                                (r["phone"], now, row[0]))
                    updated += 1
        return {"added": added, "updated": updated, "unchanged": len(records) - added - updated}

    def buildings(self) -> list[str]:
        return [r["building"] for r in self._rows("SELECT DISTINCT building FROM households ORDER BY building")]

    def households(self, building: str | None = None, search: str | None = None) -> list[dict]:
        clauses, params = [], []
        if building:
            clauses.append("h.building = ?")
            params.append(building)
        if search:
            clauses.append("(h.id LIKE ? OR EXISTS (SELECT 1 FROM residents r2 WHERE r2.household = h.id "
                           "AND (r2.name LIKE ? OR r2.phone LIKE ?)))")
            params += [f"%{search}%"] * 3
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        return self._rows("SELECT h.id, h.building, h.unit, h.room, "
                          "(SELECT COUNT(*) FROM residents r WHERE r.household = h.id) AS residents "
                          f"FROM households h{where} ORDER BY h.building, h.unit, h.room", params)

    def household(self, hid: str) -> dict | None:
        return self._one("SELECT id, building, unit, room FROM households WHERE id = ?", (hid,))

    def residents(self, household: str | None = None, building: str | None = None) -> list[dict]:
        if household:
            where, params = " WHERE r.household = ?", [household]
        elif building:
            where, params = " WHERE h.building = ?", [building]
        else:
            where, params = "", []
        return self._rows("SELECT r.id, r.household, r.name, r.phone FROM residents r "
                          f"JOIN households h ON h.id = r.household{where} "
                          "ORDER BY h.building, h.unit, h.room, r.name", params)

    def resident(self, rid: str) -> dict | None:
        return self._one("SELECT id, household, name, phone FROM residents WHERE id = ?", (rid,))

    def update_resident(self, rid: str, name: str, phone: str) -> bool:
        return self._exec(("UPDATE residents SET name = ?, phone = ?, updated_at = ? WHERE id = ?",
                           (name, phone, time.time(), rid))) == 1

    # -- passes ------------------------------------------------------------------------

    def add_pass(self, *, pass_id: str, resident_id: str | None, household: str, role: str, text: str,
                 not_before: float, expires: float, issued_by: str) -> None:
        self._exec(("INSERT INTO passes (pass_id, resident_id, household, role, text, not_before, expires, "
                    "issued_at, issued_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (pass_id, resident_id, household, role, text, not_before, expires, time.time(), issued_by)))

    def passes(self, *, household: str | None = None, building: str | None = None,
               active_only: bool = False) -> list[dict]:
        clauses, params = [], []
        if household:
            clauses.append("p.household = ?")
            params.append(household)
        if building:
            clauses.append("h.building = ?")
            params.append(building)
        if active_only:
            clauses.append("p.revoked_at IS NULL AND p.expires > ?")
            params.append(time.time())
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        cols = ", ".join(f"p.{c}" for c in PASS_COLUMNS)
        return self._rows(f"SELECT {cols}, r.name FROM passes p LEFT JOIN households h ON h.id = p.household "
                          f"LEFT JOIN residents r ON r.id = p.resident_id{where} "
                          "ORDER BY h.building, h.unit, h.room, r.name, p.issued_at",
                          params, PASS_COLUMNS + ("name",))

    def pass_(self, pass_id: str) -> dict | None:
        rows = self._rows(f"SELECT {', '.join(PASS_COLUMNS)} FROM passes WHERE pass_id = ?", (pass_id,),
                          PASS_COLUMNS)
        return rows[0] if rows else None

    def take_pass_text(self, pass_id: str) -> str:
        """The pass's text for its first printing, forgotten as it is taken: a printed pass
        lives on paper only, and a reprint is a new pass. '' once taken."""
        row = self._one("SELECT text FROM passes WHERE pass_id = ?", (pass_id,))
        if not row or not row["text"] or self._exec(
                ("UPDATE passes SET text = '' WHERE pass_id = ? AND text = ?", (pass_id, row["text"]))) != 1:
            return ""
        return row["text"]

    def revoke_pass(self, pass_id: str, by: str) -> bool:
        return self._exec(("UPDATE passes SET revoked_at = ?, revoked_by = ? WHERE pass_id = ? "
                           "AND revoked_at IS NULL", (time.time(), by, pass_id))) == 1

    def revoked_pass_ids(self) -> list[str]:
        # Expired passes drop out: the kiosk refuses them by date anyway, and the list
        # the kiosks carry stays short.
        return [r["pass_id"] for r in self._rows("SELECT pass_id FROM passes WHERE revoked_at IS NOT NULL "
                                                 "AND expires > ? ORDER BY pass_id", (time.time(),))]

    # -- access cards ------------------------------------------------------------------

    def card_key(self) -> str:
        """The site's card key (sync/cards.py), made on first use."""
        from sync.cards import new_card_key

        row = self._one("SELECT value FROM console_meta WHERE key = 'card_key'")
        if row:
            return row["value"]
        self._exec(("INSERT INTO console_meta (key, value) VALUES ('card_key', ?) ON CONFLICT (key) DO NOTHING",
                    (new_card_key(),)))
        return self._one("SELECT value FROM console_meta WHERE key = 'card_key'")["value"]

    def add_cards(self, cards: list[dict], by: str) -> list[str]:
        """Bind cards (household, resident_id, full_digest, forms, masked) in one transaction."""
        now, ids = time.time(), [new_id() for _ in cards]
        self._exec(*[("INSERT INTO cards (id, household, resident_id, full_digest, forms, masked, created_at, "
                      "created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      (cid, c["household"], c.get("resident_id"), c["full_digest"], json.dumps(c["forms"]),
                       c["masked"], now, by)) for cid, c in zip(ids, cards)])
        return ids

    def cards(self, *, household: str | None = None) -> list[dict]:
        where, params = (" WHERE c.household = ?", (household,)) if household else ("", ())
        cols = ", ".join(f"c.{c}" for c in CARD_COLUMNS)
        rows = self._rows(f"SELECT {cols}, r.name FROM cards c LEFT JOIN residents r ON r.id = c.resident_id"
                          f"{where} ORDER BY c.household, c.created_at", params, CARD_COLUMNS + ("name",))
        for row in rows:
            row["forms"] = json.loads(row["forms"])
        return rows

    def active_card(self, full_digest: str) -> dict | None:
        return self._one("SELECT id, household FROM cards WHERE full_digest = ? AND revoked_at IS NULL",
                         (full_digest,))

    def card(self, cid: str) -> dict | None:
        return self._one("SELECT id, household, masked, revoked_at FROM cards WHERE id = ?", (cid,))

    def revoke_card(self, cid: str, by: str) -> bool:
        return self._exec(("UPDATE cards SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL",
                           (time.time(), by, cid))) == 1

    # -- home quarantine ---------------------------------------------------------------

    def add_quarantine(self, *, household: str | None, resident_id: str | None, start: str, end: str,
                       note: str, by: str) -> str:
        qid = new_id()
        self._exec(("INSERT INTO quarantines (id, household, resident_id, start_date, end_date, note, "
                    "created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (qid, household, resident_id, start, end, note, time.time(), by)))
        return qid

    def quarantines(self, *, current_only: bool = True) -> list[dict]:
        where = " WHERE q.lifted_at IS NULL" if current_only else ""
        cols = ", ".join(f"q.{c}" for c in QUARANTINE_COLUMNS)
        return self._rows(f"SELECT {cols}, r.name, r.household FROM quarantines q "
                          f"LEFT JOIN residents r ON r.id = q.resident_id{where} "
                          "ORDER BY q.start_date, q.created_at", (), QUARANTINE_COLUMNS + ("name", "resident_household"))

    def quarantine(self, qid: str) -> dict | None:
        rows = self._rows(f"SELECT {', '.join(QUARANTINE_COLUMNS)} FROM quarantines WHERE id = ?", (qid,),
                          QUARANTINE_COLUMNS)
        return rows[0] if rows else None

    def lift_quarantine(self, qid: str, by: str) -> bool:
        return self._exec(("UPDATE quarantines SET lifted_at = ?, lifted_by = ? WHERE id = ? AND lifted_at IS NULL",
                           (time.time(), by, qid))) == 1

    # -- what the console last put into the registry --------------------------------------

    def registry_owned(self) -> dict[str, list]:
        """The revoked passes and quarantines the console published last time; the rest of
        those lists came from elsewhere (the API, a registry file) and is left alone."""
        row = self._one("SELECT value FROM console_meta WHERE key = 'registry_owned'")
        return json.loads(row["value"]) if row else {"revoked": [], "quarantine": []}

    def set_registry_owned(self, owned: dict[str, list]) -> None:
        self._exec(("INSERT INTO console_meta (key, value) VALUES ('registry_owned', ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (json.dumps(owned, ensure_ascii=False, sort_keys=True),)))

    # -- entries, as the console pages them ----------------------------------------------

    def entries_page(self, query: EntryQuery, *, limit: int, after: tuple | None = None,
                     before: tuple | None = None, offset: int = 0) -> list[dict]:
        """One page of entries, newest first, by keyset: the page after the key ``after``
        (the next page), the page before ``before`` (the previous one), or the page that
        starts ``offset`` entries down (a jump). The key is (ts, site, gate, seq), the
        order of the ts index, so a page costs the same at any depth; a jump walks only
        the index to find where its page starts."""
        where, params = query.where()
        cols = ", ".join(ENTRY_COLUMNS) + ", body"
        order = "ts DESC, site DESC, gate DESC, seq DESC"
        if before is not None:
            where, params = _and(where, params, f"{KEY} > (?, ?, ?, ?)", before)
            order = "ts, site, gate, seq"
        elif after is not None:
            where, params = _and(where, params, f"{KEY} < (?, ?, ?, ?)", after)
        elif offset > 0:
            first = (f"SELECT ts, site, gate, seq FROM entries{where} ORDER BY ts DESC, site DESC, gate DESC, "
                     f"seq DESC LIMIT 1 OFFSET {int(offset)}")
            where, params = _and(where, params, f"{KEY} <= ({first})", ())
            params = [*params, *query.where()[1]]
        rows = self._rows(f"SELECT {cols} FROM entries{where} ORDER BY {order} LIMIT {int(limit)}",
                          params, ENTRY_COLUMNS + ("body",))
        if before is not None:
            rows.reverse()
        for r in rows:
            r["entry"] = json.loads(r.pop("body"))
        return rows

    def visits_to(self, household: str, since_iso: str, limit: int = 200) -> list[dict]:
        """Visitors' entries (day passes) whose visitor said they came to ``household``,
        newest first. The household is only in the entry's body: the LIKE narrows the
        rows, the parsed body decides."""
        where = " WHERE ts >= ? AND credential_kind = 'day_pass' AND body LIKE ?"
        cols = ", ".join(ENTRY_COLUMNS) + ", body"
        rows = self._rows(f"SELECT {cols} FROM entries{where} ORDER BY ts DESC LIMIT {int(limit) * 4}",
                          (since_iso, f"%{household}%"), ENTRY_COLUMNS + ("body",))
        out = []
        for r in rows:
            r["entry"] = json.loads(r.pop("body"))
            visitor = r["entry"].get("visitor") if isinstance(r["entry"].get("visitor"), dict) else {}
            if visitor.get("going_to") == household:
                out.append(r)
        return out[:limit]

    def count_entries(self, query: EntryQuery) -> int:
        """How many entries the filters match; with none, the gates' own tallies (no scan)."""
        if not query.where()[0]:
            row = self._one("SELECT COALESCE(SUM(entry_count), 0) AS n FROM gates")
            return int(row["n"]) if row else 0
        return self.storage.count_entries(query)

    def entry(self, site: str, gate: str, seq: int) -> dict | None:
        cols = ", ".join(ENTRY_COLUMNS) + ", body"
        rows = self._rows(f"SELECT {cols} FROM entries WHERE site = ? AND gate = ? AND seq = ?",
                          (site, gate, seq), ENTRY_COLUMNS + ("body",))
        if not rows:
            return None
        row = rows[0]
        row["entry"] = json.loads(row.pop("body"))
        return row

    def alerts(self, *, include_acked: bool = False, limit: int = 200) -> list[dict]:
        """Entries with an alert reason, and the admitted ``in`` entries of visitors who
        overstayed (sync/server/overstay.py) with the reason ``overstay``; newest first."""
        like = " OR ".join("(',' || e.reasons || ',') LIKE ?" for _ in ALERT_REASONS)
        params: list[Any] = [f"%,{r},%" for r in ALERT_REASONS]
        acked = "" if include_acked else " AND a.seq IS NULL"
        cols = ", ".join(f"e.{c}" for c in ALERT_COLUMNS[:-3])
        join = "LEFT JOIN alert_acks a ON a.site = e.site AND a.gate = e.gate AND a.seq = e.seq"
        tail = f"{acked} ORDER BY e.ts DESC LIMIT {int(limit)}"
        found = self._rows(f"SELECT {cols}, a.acked_by, a.acked_at, a.note FROM entries e {join} "
                           f"WHERE ({like}){tail}", params, ALERT_COLUMNS)
        overstays = self._rows(f"SELECT {cols}, a.acked_by, a.acked_at, a.note FROM overstays o JOIN entries e "
                               f"ON e.site = o.site AND e.gate = o.gate AND e.seq = o.seq {join} WHERE 1 = 1{tail}",
                               (), ALERT_COLUMNS)
        for row in overstays:
            row.update(reasons=overstay.REASON, temperature_c=None)   # the reading at the gate is not the point
        return sorted(found + overstays, key=lambda r: r["ts"], reverse=True)[:limit]

    def ack_alert(self, site: str, gate: str, seq: int, by: str, note: str = "") -> bool:
        return self.ack_alerts([(site, gate, seq)], by, note) == 1

    def ack_alerts(self, keys: list[tuple[str, str, int]], by: str, note: str = "") -> int:
        """Acknowledge alerts in one transaction, each with the same note; returns how many
        were still open (one already acknowledged keeps its first acknowledgement)."""
        now, done = time.time(), 0
        with self.storage._write() as cur:
            for site, gate, seq in keys:
                cur.execute(self.storage._sql("INSERT INTO alert_acks (site, gate, seq, acked_by, acked_at, note) "
                                              "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (site, gate, seq) DO NOTHING"),
                            (site, gate, seq, by, now, note or None))
                done += cur.rowcount
        return done

    def hourly_counts(self, since_iso: str) -> list[dict]:
        """Entries per gate per hour (UTC) since a time: ``hour`` is 'YYYY-MM-DDTHH'."""
        return self._rows("SELECT site, gate, substr(ts, 1, 13) AS hour, COUNT(*) AS n FROM entries "
                          "WHERE ts >= ? GROUP BY site, gate, substr(ts, 1, 13) ORDER BY site, gate, hour",
                          (since_iso,), ("site", "gate", "hour", "n"))
