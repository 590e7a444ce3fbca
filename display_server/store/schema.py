"""Schema migrations, applied in order; `PRAGMA user_version` records how far a file has come.

Append a new entry to change the schema; never edit one that has shipped.
"""

MIGRATIONS: list[str] = [
    # 1: tickets, the event journal (its rowid is the event `seq`), and replies for idempotency
    """
    CREATE TABLE tickets (
        id TEXT PRIMARY KEY,
        service_date TEXT NOT NULL,
        origin_service TEXT NOT NULL,
        service TEXT NOT NULL,
        sequence INTEGER NOT NULL,
        number TEXT NOT NULL,
        priority INTEGER NOT NULL,
        status TEXT NOT NULL,
        issued_at TEXT NOT NULL,
        queued_at TEXT NOT NULL,
        called_at TEXT,
        finished_at TEXT,
        counter TEXT,
        recalls INTEGER NOT NULL DEFAULT 0,
        transferred_from TEXT,
        token TEXT NOT NULL UNIQUE,
        UNIQUE (service_date, origin_service, sequence)
    );
    CREATE INDEX tickets_by_date ON tickets (service_date);
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        service_date TEXT NOT NULL,
        ticket_id TEXT NOT NULL,
        counter TEXT,
        at TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX events_by_date ON events (service_date, kind);
    CREATE TABLE replies (
        scope TEXT NOT NULL,
        request_id TEXT NOT NULL,
        reply TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (scope, request_id)
    );
    """,
    # 2: people at the counters. The journal takes events that are about a counter, not a
    # ticket (ticket_id NULL), and records who did each; tickets record who called them;
    # desks hold each counter's state and officer; staff secrets hold argon2 hashes only.
    """
    CREATE TABLE events_v2 (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        service_date TEXT NOT NULL,
        ticket_id TEXT,
        counter TEXT,
        officer TEXT,
        at TEXT NOT NULL,
        data TEXT NOT NULL
    );
    INSERT INTO events_v2 (seq, kind, service_date, ticket_id, counter, at, data)
        SELECT seq, kind, service_date, ticket_id, counter, at, data FROM events ORDER BY seq;
    DROP TABLE events;
    ALTER TABLE events_v2 RENAME TO events;
    CREATE INDEX events_by_date ON events (service_date, kind);
    ALTER TABLE tickets ADD COLUMN officer TEXT;
    CREATE TABLE desks (
        counter TEXT PRIMARY KEY,
        state TEXT NOT NULL,
        reason TEXT,
        since TEXT,
        officer TEXT UNIQUE,
        officer_since TEXT
    );
    CREATE TABLE staff_secrets (
        staff_id TEXT PRIMARY KEY,
        hash TEXT NOT NULL,
        set_at TEXT NOT NULL,
        wrong_attempts INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT
    );
    """,
    # 3: reports. A ticket's channel (kiosk; online booking later), and one row per visit of a
    # ticket to a service ("leg": a transfer starts the next), kept exact by the store's one
    # commit path, so a year of reports reads one narrow, indexed table. Older tickets get one
    # leg each from their row (a transfer made before this version counts in its last service).
    """
    ALTER TABLE tickets ADD COLUMN channel TEXT NOT NULL DEFAULT 'kiosk';
    CREATE TABLE visits (
        ticket_id TEXT NOT NULL,
        leg INTEGER NOT NULL,
        service_date TEXT NOT NULL,
        service TEXT NOT NULL,
        priority INTEGER NOT NULL,
        channel TEXT NOT NULL,
        queued_at TEXT NOT NULL,
        called_at TEXT,
        last_called_at TEXT,
        finished_at TEXT,
        outcome TEXT NOT NULL,
        counter TEXT,
        officer TEXT,
        recalls INTEGER NOT NULL DEFAULT 0,
        transferred_in INTEGER NOT NULL DEFAULT 0,
        wait_seconds REAL,
        service_seconds REAL,
        PRIMARY KEY (ticket_id, leg)
    );
    CREATE INDEX visits_by_date ON visits (service_date, service);
    CREATE INDEX visits_counting ON visits (service_date, service, outcome, leg, priority, channel);
    INSERT INTO visits (ticket_id, leg, service_date, service, priority, channel, queued_at, called_at,
            last_called_at, finished_at, outcome, counter, officer, recalls, transferred_in, wait_seconds,
            service_seconds)
        SELECT id, 0, service_date, service, priority, 'kiosk', queued_at, called_at, called_at,
            finished_at, status, counter, officer, recalls, transferred_from IS NOT NULL,
            CASE WHEN called_at IS NOT NULL THEN (julianday(called_at) - julianday(queued_at)) * 86400 END,
            CASE WHEN status = 'served' AND called_at IS NOT NULL
                THEN (julianday(finished_at) - julianday(called_at)) * 86400 END
        FROM tickets;
    """,
    # 4: the public satisfaction survey (SKM). One response per served ticket, keyed by a hash of
    # the ticket's token: the answers carry no ticket id, number, counter or time of day.
    """
    CREATE TABLE survey_responses (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ticket_key TEXT NOT NULL UNIQUE,
        service_date TEXT NOT NULL,
        service TEXT NOT NULL,
        channel TEXT NOT NULL,
        answers TEXT NOT NULL,
        age_group TEXT,
        sex TEXT,
        education TEXT,
        occupation TEXT,
        suggestion TEXT,
        published INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX survey_by_date ON survey_responses (service_date, service);
    """,
    # 5: booking ahead. A booking is not a ticket until it checks in (then ticket_id names it);
    # a booked ticket keeps its session's start (booked_for): its place in line.
    """
    ALTER TABLE tickets ADD COLUMN booked_for TEXT;
    CREATE TABLE bookings (
        code TEXT PRIMARY KEY,
        token TEXT NOT NULL UNIQUE,
        service TEXT NOT NULL,
        service_date TEXT NOT NULL,
        start TEXT NOT NULL,
        end TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        holder TEXT NOT NULL,
        phone TEXT,
        ticket_id TEXT,
        checked_in_at TEXT,
        reason TEXT
    );
    CREATE INDEX bookings_by_slot ON bookings (service, service_date, start, status);
    CREATE INDEX bookings_by_holder ON bookings (holder, status);
    """,
]
