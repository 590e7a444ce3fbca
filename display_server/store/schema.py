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
]
