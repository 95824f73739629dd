-- kordon's PostgreSQL schema (src/store/postgres.rs applies it, idempotently, when a writer
-- opens the database; every statement can run again without changing what is there).
--
-- One database holds one ledger. The store keeps bytes at sequence numbers, like every other
-- backend: it knows nothing of events, signatures or rules. Rows of the ledger are only ever
-- inserted, never updated or deleted, except the single head row, which every append moves
-- forward; kordon_snapshots, a cache, keeps only the newest few rows of each name.

-- The version of this schema and of the data in it; a kordon that does not know the version
-- refuses to open the database rather than misread it.
CREATE TABLE IF NOT EXISTS kordon_schema (
  id      SMALLINT PRIMARY KEY CHECK (id = 0),
  version BIGINT NOT NULL
);
INSERT INTO kordon_schema (id, version) VALUES (0, 1) ON CONFLICT (id) DO NOTHING;

-- The ledger's size and the signed checkpoint (a C2SP signed note) of the tree of that size.
-- Every append starts with
--   UPDATE kordon_head SET size = <new>, checkpoint = <note> WHERE id = 0 AND size = <expected>
-- which takes the row's lock, so appenders run one after another, and updates no row when
-- another writer appended first: the append is then refused as a conflict and writes nothing.
CREATE TABLE IF NOT EXISTS kordon_head (
  id         SMALLINT PRIMARY KEY CHECK (id = 0),
  size       BIGINT NOT NULL CHECK (size >= 0),
  checkpoint TEXT
);
INSERT INTO kordon_head (id, size, checkpoint) VALUES (0, 0, NULL) ON CONFLICT (id) DO NOTHING;

-- Entry `seq` (0-based): its bytes (events/SPEC.md, "Entries"), its leaf hash
-- SHA-256(0x00 ‖ bytes), and the id of the event it carries. The unique index on event_id is
-- the one event-id index every kordon server shares.
CREATE TABLE IF NOT EXISTS kordon_entries (
  seq      BIGINT PRIMARY KEY CHECK (seq >= 0),
  leaf     BYTEA NOT NULL CHECK (length(leaf) = 32),
  bytes    BYTEA NOT NULL,
  event_id TEXT NOT NULL,
  CONSTRAINT kordon_entries_event_id UNIQUE (event_id)
);

-- The hash of every complete subtree of the Merkle tree above the leaves: node (level, idx)
-- covers leaves [idx · 2^level, (idx + 1) · 2^level). Leaves (level 0) are kordon_entries.leaf.
CREATE TABLE IF NOT EXISTS kordon_nodes (
  level SMALLINT NOT NULL CHECK (level BETWEEN 1 AND 63),
  idx   BIGINT NOT NULL CHECK (idx >= 0),
  hash  BYTEA NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (level, idx)
);

-- A row a reader updates to learn that what it read is on the synchronous standby too: a
-- transaction that wrote something waits at COMMIT until the standby holds the WAL up to its
-- commit, which lies after every commit the reader saw (one that wrote nothing does not wait).
CREATE TABLE IF NOT EXISTS kordon_barrier (
  id SMALLINT PRIMARY KEY CHECK (id = 0),
  n  BIGINT NOT NULL
);
INSERT INTO kordon_barrier (id, n) VALUES (0, 0) ON CONFLICT (id) DO NOTHING;

-- Each append's transaction also runs  SELECT pg_notify('kordon_appended', '<new size>'):
-- PostgreSQL delivers it at commit to every server listening, which then reads the new range.

-- Snapshots of state derived from the first `size` entries (src/snapshot.rs: the rules' state
-- with which a server resumes appending), so that a server joining the ledger starts from one
-- and replays only the entries after it. `bytes` carries its own header (kind, schema, size,
-- root, digest of the body) and is checked against the ledger before use; `size` and `root`
-- repeat the header's for ordering and uniqueness. Any server on the primary writes one every
-- so many entries unless one at its size or beyond is there; each write keeps the three newest
-- sizes. A cache: deleting every row costs only a replay. Earlier releases of schema version 1
-- ignore this table, so adding it did not change the version.
CREATE TABLE IF NOT EXISTS kordon_snapshots (
  name     TEXT NOT NULL,
  size     BIGINT NOT NULL CHECK (size >= 0),
  root     BYTEA NOT NULL CHECK (length(root) = 32),
  saved_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  bytes    BYTEA NOT NULL,
  PRIMARY KEY (name, size, root)
);
