//! The replicated store on PostgreSQL: several kordon servers on one ledger, on a cluster that
//! keeps every acknowledged commit on two machines.
//!
//! The schema is `postgres.sql` beside this file. An append is one transaction: it moves the
//! head row from the expected size to the new one (`UPDATE … WHERE size = expected`; no row
//! updated is a `Conflict`, and the row's lock orders concurrent appenders), inserts the
//! entries and their tree nodes, and notifies the servers that listen. The unique index on
//! event ids is shared by every server.
//!
//! **What "acknowledged" means.** With `synchronous_commit = on` and a synchronous standby
//! (README, "More than one machine"), PostgreSQL answers a COMMIT only once the standby has the
//! commit on disk. Two things can still make a commit visible that no standby has: a wait for
//! the standby that is cancelled (the server warns "the transaction has already committed
//! locally"), and a primary that crashed and restarted in place with the commit in its own
//! WAL. So this store never takes a size it read for acknowledged: before a snapshot reports a
//! size larger than any this process saw acknowledged, it commits a transaction of its own (a
//! barrier), whose COMMIT returns only when the standby holds the WAL up to and past the
//! commit that made that size visible. Reading from a hot standby needs no barrier: what a
//! standby replays is on two machines already.
//!
//! **Unknown outcomes.** A connection lost while its COMMIT is in flight leaves the outcome
//! unknown, and so does any warning on the COMMIT. The append then finds out before it answers:
//! on a fresh connection (to whichever node is primary now) it locks the head row
//! (`SELECT … FOR UPDATE`, which waits for a transaction still finishing on the server), reads
//! whether its own entries sit at the expected size, and commits, which waits for the standby.
//! Only then does it say `Ok` (the batch is durable), or that nothing was written. If it cannot
//! find out within `Options::outcome_timeout` it says so (`StoreError::Backend` naming the
//! unknown outcome), never that the batch failed.
//!
//! The trait is blocking and kordon's HTTP handlers call it from async workers, so the store
//! runs its connections on a small tokio runtime of its own and each call waits for its
//! answer on a channel: that works from any thread, where the blocking `postgres` crate
//! would panic inside another runtime.

use super::*;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use futures_util::FutureExt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver};
use tokio_postgres::error::{Severity, SqlState};
use tokio_postgres::{AsyncMessage, Client, Config, NoTls};

/// The schema, applied when a writer opens the database.
pub const SCHEMA: &str = include_str!("postgres.sql");
/// The schema version this kordon reads and writes (`kordon_schema.version`).
pub const SCHEMA_VERSION: i64 = 1;
/// The channel every append notifies, with the new size as the payload.
pub const CHANNEL: &str = "kordon_appended";

/// A transaction that writes, so that its COMMIT waits for the synchronous standby to hold the
/// WAL up to it: past the commit of everything this session saw before. On a standby (a
/// read-only server) it writes nothing: what a standby replays is on the primary too.
const BARRIER: &str = "BEGIN; SET LOCAL statement_timeout = 0; \
    DO $$ BEGIN IF NOT pg_is_in_recovery() THEN \
    UPDATE kordon_barrier SET n = n + 1 WHERE id = 0; END IF; END $$; COMMIT";

/// Why opening failed: no primary reached yet (worth waiting for), or anything else.
enum Opening {
    Unreachable(StoreError),
    Refused(StoreError),
}
use Opening::{Refused, Unreachable};

/// How the store talks to the cluster.
#[derive(Debug, Clone)]
pub struct Options {
    /// How long an append whose COMMIT got no clear answer keeps trying to find out whether it
    /// landed (a failover takes seconds to tens of seconds) before it reports the outcome as
    /// unknown.
    pub outcome_timeout: Duration,
    /// Connections for reads.
    pub read_connections: usize,
    /// How long opening waits for a reachable server (a failover in progress) before it fails.
    pub open_timeout: Duration,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            outcome_timeout: Duration::from_secs(60),
            read_connections: 4,
            open_timeout: Duration::from_secs(30),
        }
    }
}

/// A ledger in a PostgreSQL database.
pub struct PostgresStore {
    /// The runtime, shared with the store's `PgSnapshots`: it stops when the last of them goes.
    rt: Arc<Runtime>,
    handle: tokio::runtime::Handle,
    config: Config,
    /// Where, for messages: hosts, ports and database, never the password.
    place: String,
    options: Options,
    pool: Pool,
    /// The connection appends use, opened on first use and dropped after any failure.
    writer: Mutex<Option<Conn>>,
    /// The connection that listens for other writers' appends (`wait_for_growth`), and whether
    /// it reaches a standby.
    listener: Mutex<Option<(Conn, bool)>>,
    /// The largest size known to be acknowledged by the cluster (written by this process, or
    /// read and then confirmed by a barrier).
    acked: AtomicU64,
}

/// A connection with the messages the server sent on it outside any answer.
struct Conn {
    client: Client,
    messages: UnboundedReceiver<AsyncMessage>,
}

/// The warnings a connection received since the last call.
fn warnings(messages: &mut UnboundedReceiver<AsyncMessage>) -> Vec<String> {
    let mut out = Vec::new();
    while let Ok(m) = messages.try_recv() {
        if let AsyncMessage::Notice(n) = m {
            if n.parsed_severity() == Some(Severity::Warning) {
                out.push(n.message().to_string());
            }
        }
    }
    out
}

/// Opens a connection and drives it on the current runtime, forwarding notices and
/// notifications to the receiver.
async fn connect(config: &Config) -> Result<Conn, tokio_postgres::Error> {
    let (client, mut connection) = config.connect(NoTls).await?;
    let (tx, messages) = unbounded_channel();
    tokio::spawn(async move {
        while let Some(Ok(m)) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
            // The receiver may be gone; the connection still has to be driven to its end.
            let _ = tx.send(m);
        }
    });
    Ok(Conn { client, messages })
}

fn be(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// A database error's text with its detail (PostgreSQL's own message), else the client's.
fn pg(e: tokio_postgres::Error) -> StoreError {
    match e.as_db_error() {
        Some(d) => StoreError::Backend(match d.detail() {
            Some(detail) => format!("{} ({detail})", d.message()),
            None => d.message().to_string(),
        }),
        None => StoreError::Backend(e.to_string()),
    }
}

/// The batch, owned, in the column layout the inserts take.
struct Rows {
    expected: i64,
    new_size: i64,
    checkpoint: String,
    seqs: Vec<i64>,
    leaves: Vec<Vec<u8>>,
    bytes: Vec<Vec<u8>>,
    ids: Vec<String>,
    levels: Vec<i16>,
    idxs: Vec<i64>,
    hashes: Vec<Vec<u8>>,
}

/// How a transaction's COMMIT ended.
enum Commit {
    /// Committed and acknowledged.
    Done,
    /// Refused before COMMIT: the transaction rolled back, nothing was written.
    Refused(StoreError),
    /// COMMIT was sent and no clear answer came back.
    Unknown(String),
}

/// `postgres://USER@HOST[,HOST…]/DB?…` (or `postgresql://…`): libpq's connection URL, taken
/// whole; an empty database gets kordon's tables. Errors name the address without its
/// password.
pub const BACKEND: Backend = Backend {
    scheme: "postgres",
    also: &["postgresql"],
    rest: "//USER@HOST/DB",
    is_path: false,
    about: "PostgreSQL (also postgresql://), libpq's URL, several hosts allowed: several \
            servers on one replicated ledger; an empty database gets kordon's tables",
    open: |rest, address| {
        if !rest.starts_with("//") {
            return Err(StoreError::Address {
                address: shown(address),
                why: "write a PostgreSQL URL: postgres://USER@HOST:PORT/DB".into(),
            });
        }
        // The scheme as libpq spells it, whatever case the address used.
        let scheme = &address[..address.len() - rest.len() - 1];
        let url = format!("{}:{rest}", scheme.to_ascii_lowercase());
        Ok(Arc::new(PostgresStore::open(&url)?))
    },
};

fn to_i64(n: u64, what: &str) -> Result<i64, StoreError> {
    i64::try_from(n)
        .map_err(|_| StoreError::Backend(format!("{what} {n} is beyond PostgreSQL's bigint")))
}

fn to_u64(n: i64, what: &str) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("{what} is negative: {n}")))
}

impl PostgresStore {
    /// Opens the ledger in the database at `url` (`postgres://user@host:port/db`, several
    /// hosts allowed, with libpq's parameters such as `target_session_attrs=read-write`),
    /// creating the schema if a writer finds none.
    pub fn open(url: &str) -> Result<PostgresStore, StoreError> {
        PostgresStore::open_with(url, Options::default())
    }

    pub fn open_with(url: &str, options: Options) -> Result<PostgresStore, StoreError> {
        let mut config: Config = url
            .parse()
            .map_err(|e| StoreError::Backend(format!("not a PostgreSQL connection URL ({e})")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(5));
        }
        if config.get_application_name().is_none() {
            config.application_name("kordon");
        }
        // A primary that vanished without closing its connections is noticed in seconds.
        config.keepalives(true);
        config.keepalives_idle(Duration::from_secs(5));
        config.keepalives_interval(Duration::from_secs(2));
        config.keepalives_retries(3);
        let place = describe(&config);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("kordon-postgres")
            .enable_all()
            .build()
            .map_err(|e| be(format!("cannot start the PostgreSQL client: {e}")))?;
        let handle = rt.handle().clone();
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = {
            let _in_rt = handle.enter();
            Pool::builder(manager)
                .max_size(options.read_connections.max(1))
                .runtime(deadpool_postgres::Runtime::Tokio1)
                .wait_timeout(Some(Duration::from_secs(10)))
                .create_timeout(Some(Duration::from_secs(10)))
                .recycle_timeout(Some(Duration::from_secs(5)))
                .build()
                .map_err(be)?
        };
        let store = PostgresStore {
            rt: Arc::new(Runtime(Some(rt))),
            handle,
            config,
            place,
            options,
            pool,
            writer: Mutex::new(None),
            listener: Mutex::new(None),
            acked: AtomicU64::new(0),
        };
        // A server that starts while the cluster fails over waits for a primary a little.
        let until = Instant::now() + store.options.open_timeout;
        loop {
            match store.prepare_schema() {
                Err(Unreachable(e)) if Instant::now() < until => {
                    tracing::warn!(error = %e, "waiting for PostgreSQL");
                    std::thread::sleep(Duration::from_millis(500));
                }
                Err(Unreachable(e)) | Err(Refused(e)) => return Err(e),
                Ok(()) => break,
            }
        }
        Ok(store)
    }

    /// Hosts, ports and database of the connection, for messages.
    pub fn place(&self) -> &str {
        &self.place
    }

    /// Runs `f` on the store's runtime and waits for it, from any thread.
    fn block<T: Send + 'static>(
        &self,
        f: impl Future<Output = T> + Send + 'static,
    ) -> Result<T, StoreError> {
        block_on(&self.handle, f)
    }

    /// Creates the schema (on a primary) and checks its version (anywhere).
    fn prepare_schema(&self) -> Result<(), Opening> {
        let pool = self.pool.clone();
        let place = self.place.clone();
        let c = self
            .block(async move { pool.get().await })
            .map_err(Refused)?
            .map_err(|e| {
                Unreachable(StoreError::Backend(format!(
                    "cannot reach PostgreSQL at {}: {e}",
                    self.place
                )))
            })?;
        self.block(async move {
            let mut c = c;
            let standby: bool = c
                .query_one("SELECT pg_is_in_recovery()", &[])
                .await
                .map_err(pg)?
                .get(0);
            if !standby {
                // Two servers opening a new database at once must not both create tables.
                let tx = c.transaction().await.map_err(pg)?;
                tx.execute("SELECT pg_advisory_xact_lock(7269727065)", &[])
                    .await
                    .map_err(pg)?;
                tx.batch_execute(SCHEMA).await.map_err(pg)?;
                tx.commit().await.map_err(pg)?;
            }
            let version = c
                .query_opt("SELECT version FROM kordon_schema WHERE id = 0", &[])
                .await
                .map_err(|e| match e.code() {
                    Some(&SqlState::UNDEFINED_TABLE) => StoreError::Backend(format!(
                        "{place} holds no kordon ledger (and is a standby, where kordon cannot create one)"
                    )),
                    _ => pg(e),
                })?
                .map(|r| r.get::<_, i64>(0));
            match version {
                Some(SCHEMA_VERSION) => Ok(()),
                Some(v) => Err(StoreError::Backend(format!(
                    "{place} holds kordon schema version {v}; this kordon reads version {SCHEMA_VERSION}"
                ))),
                None => Err(StoreError::Corrupt(format!("{place}: kordon_schema has no row"))),
            }
        })
        .and_then(|r| r)
        .map_err(Refused)
    }

    /// Makes sure `size` is acknowledged by the cluster before anyone is told of it.
    fn confirm(&self, size: u64) -> Result<(), StoreError> {
        if size <= self.acked.load(Ordering::Acquire) {
            return Ok(());
        }
        let pool = self.pool.clone();
        self.block(async move {
            let c = pool.get().await.map_err(be)?;
            c.batch_execute(BARRIER).await.map_err(pg)
        })??;
        self.acked.fetch_max(size, Ordering::AcqRel);
        Ok(())
    }

    fn read_head(&self) -> Result<(u64, Option<String>), StoreError> {
        let pool = self.pool.clone();
        let (size, cp) = self.block(async move {
            let c = pool.get().await.map_err(be)?;
            let row = c
                .query_one("SELECT size, checkpoint FROM kordon_head WHERE id = 0", &[])
                .await
                .map_err(pg)?;
            Ok::<_, StoreError>((row.get::<_, i64>(0), row.get::<_, Option<String>>(1)))
        })??;
        Ok((to_u64(size, "the head's size")?, cp))
    }
}

/// Runs `f` on a store's runtime and waits for it, from any thread.
fn block_on<T: Send + 'static>(
    handle: &tokio::runtime::Handle,
    f: impl Future<Output = T> + Send + 'static,
) -> Result<T, StoreError> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    handle.spawn(f.map(move |v| {
        let _ = tx.send(v);
    }));
    rx.recv().map_err(|_| be("the PostgreSQL client stopped"))
}

/// How long saving a snapshot may take before it is given up (the next one will be written),
/// plus a second for every 8 MiB it holds (the projections of a large ledger are hundreds).
pub const SNAPSHOT_SAVE_TIMEOUT: Duration = Duration::from_secs(15);

/// How many snapshots of each name `kordon_snapshots` keeps (the newest sizes): a server
/// falls back to an older one when the newest does not check.
pub const SNAPSHOTS_KEPT: i64 = 3;

/// Snapshots of state derived from the ledger (`crate::snapshot`) as rows of
/// `kordon_snapshots`, one per (name, size, root), shared by every server on the database.
///
/// Who writes them: every server that appends (a primary's), each from the state it follows,
/// every `ledger::SNAPSHOT_EVERY` entries and when it stops; a server skips the write when the
/// table already holds one of that name at its size or beyond (another server was first), and
/// each write keeps only the `SNAPSHOTS_KEPT` newest sizes. A server on a standby writes none.
/// A reader takes the newest that checks against the ledger (`snapshot::check`): a row written
/// by a release with another schema, damaged, or of another ledger is passed over with a
/// warning, never trusted.
pub struct PgSnapshots {
    _rt: Arc<Runtime>,
    handle: tokio::runtime::Handle,
    pool: Pool,
}

impl crate::snapshot::SnapshotStore for PgSnapshots {
    fn load(&self, name: &str, skip: usize) -> Result<Option<Vec<u8>>, String> {
        let pool = self.pool.clone();
        let name = name.to_string();
        let skip = skip as i64;
        block_on(&self.handle, async move {
            let c = pool.get().await.map_err(be)?;
            let row = c
                .query_opt(
                    "SELECT bytes FROM kordon_snapshots WHERE name = $1 \
                     ORDER BY size DESC, saved_at DESC OFFSET $2 LIMIT 1",
                    &[&name, &skip],
                )
                .await
                .map_err(pg)?;
            Ok::<_, StoreError>(row.map(|r| r.get::<_, Vec<u8>>(0)))
        })
        .and_then(|r| r)
        .map_err(|e| format!("the snapshots in PostgreSQL: {e}"))
    }

    fn save(&self, name: &str, size: u64, root: Hash, bytes: &[u8]) -> Result<(), String> {
        let pool = self.pool.clone();
        let name = name.to_string();
        let size = to_i64(size, "snapshot size").map_err(|e| e.to_string())?;
        let root = root.0.to_vec();
        let timeout = SNAPSHOT_SAVE_TIMEOUT + Duration::from_secs(bytes.len() as u64 >> 23);
        let bytes = bytes.to_vec();
        let save = async move {
            let mut c = pool.get().await.map_err(be)?;
            let standby: bool = c
                .query_one("SELECT pg_is_in_recovery()", &[])
                .await
                .map_err(pg)?
                .get(0);
            if standby {
                // The servers on the primary write them; a standby replays their rows.
                return Ok(());
            }
            let tx = c.transaction().await.map_err(pg)?;
            tx.execute(
                "INSERT INTO kordon_snapshots (name, size, root, bytes) \
                 SELECT $1, $2, $3, $4 WHERE NOT EXISTS \
                 (SELECT 1 FROM kordon_snapshots WHERE name = $1 AND size >= $2) \
                 ON CONFLICT DO NOTHING",
                &[&name, &size, &root, &bytes],
            )
            .await
            .map_err(pg)?;
            tx.execute(
                "DELETE FROM kordon_snapshots WHERE name = $1 AND size < ALL \
                 (SELECT DISTINCT size FROM kordon_snapshots WHERE name = $1 \
                  ORDER BY size DESC LIMIT $2)",
                &[&name, &SNAPSHOTS_KEPT],
            )
            .await
            .map_err(pg)?;
            tx.commit().await.map_err(pg)
        };
        // A cache is not worth waiting for: a commit held up by a missing synchronous standby
        // must not hold up the follower (or a clean stop) that writes it.
        block_on(&self.handle, async move {
            tokio::time::timeout(timeout, save)
                .await
                .unwrap_or_else(|_| Err(be("it took longer than the time a cache is given")))
        })
        .and_then(|r| r)
        .map_err(|e| format!("saving a snapshot in PostgreSQL: {e}"))
    }
}

/// Hosts, ports and database of a connection configuration.
fn describe(c: &Config) -> String {
    use tokio_postgres::config::Host;
    let hosts: Vec<String> = c
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = match h {
                Host::Tcp(h) => h.clone(),
                #[cfg(unix)]
                Host::Unix(p) => p.display().to_string(),
            };
            match c.get_ports().get(i).or(c.get_ports().first()) {
                Some(p) => format!("{h}:{p}"),
                None => h,
            }
        })
        .collect();
    format!(
        "postgres://{}/{}",
        hosts.join(","),
        c.get_dbname().unwrap_or("")
    )
}

/// One append transaction on `conn`.
async fn try_append(conn: &mut Conn, rows: &Rows) -> Commit {
    let refused = |e: tokio_postgres::Error| {
        Commit::Refused(match e.code() {
            Some(&SqlState::READ_ONLY_SQL_TRANSACTION) => StoreError::Backend(
                "this server's store is a read-only standby: it serves reads, and takes writes \
                 only through a server connected to the primary"
                    .into(),
            ),
            _ => pg(e),
        })
    };
    let tx = match conn.client.transaction().await {
        Ok(tx) => tx,
        Err(e) => return refused(e),
    };
    let moved = tx
        .execute(
            "UPDATE kordon_head SET size = $1, checkpoint = $2 WHERE id = 0 AND size = $3",
            &[&rows.new_size, &rows.checkpoint, &rows.expected],
        )
        .await;
    match moved {
        Ok(1) => {}
        Ok(_) => {
            let actual = match tx
                .query_one("SELECT size FROM kordon_head WHERE id = 0", &[])
                .await
            {
                Ok(r) => r.get::<_, i64>(0),
                Err(e) => return refused(e),
            };
            return Commit::Refused(StoreError::Conflict {
                expected: rows.expected as u64,
                actual: actual.max(0) as u64,
            });
        }
        Err(e) => return refused(e),
    }
    let inserted = tx
        .execute(
            "INSERT INTO kordon_entries (seq, leaf, bytes, event_id) \
             SELECT * FROM unnest($1::bigint[], $2::bytea[], $3::bytea[], $4::text[])",
            &[&rows.seqs, &rows.leaves, &rows.bytes, &rows.ids],
        )
        .await;
    if let Err(e) = inserted {
        let constraint = e
            .as_db_error()
            .and_then(|d| d.constraint())
            .map(str::to_string);
        drop(tx);
        return Commit::Refused(match constraint.as_deref() {
            Some("kordon_entries_event_id") => duplicate(&conn.client, &rows.ids).await,
            Some("kordon_entries_pkey") => StoreError::Corrupt(format!(
                "entries are stored beyond the head's size {}",
                rows.expected
            )),
            _ => pg(e),
        });
    }
    if !rows.levels.is_empty() {
        let nodes = tx
            .execute(
                "INSERT INTO kordon_nodes (level, idx, hash) \
                 SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])",
                &[&rows.levels, &rows.idxs, &rows.hashes],
            )
            .await;
        if let Err(e) = nodes {
            return Commit::Refused(match e.code() {
                Some(&SqlState::UNIQUE_VIOLATION) => StoreError::Corrupt(format!(
                    "tree nodes are stored beyond the head's size {}",
                    rows.expected
                )),
                _ => pg(e),
            });
        }
    }
    if let Err(e) = tx
        .execute(
            "SELECT pg_notify($1, $2)",
            &[&CHANNEL, &rows.new_size.to_string()],
        )
        .await
    {
        return refused(e);
    }
    // Warnings so far belong to the statements above, which succeeded.
    warnings(&mut conn.messages);
    match tx.commit().await {
        Ok(()) => match warnings(&mut conn.messages).as_slice() {
            [] => Commit::Done,
            w => Commit::Unknown(format!("the server warned on COMMIT: {}", w.join("; "))),
        },
        Err(e) => Commit::Unknown(pg(e).to_string()),
    }
}

/// The id of the batch that the store already holds, for the error.
async fn duplicate(client: &Client, ids: &[String]) -> StoreError {
    match client
        .query_opt(
            "SELECT event_id FROM kordon_entries WHERE event_id = ANY($1) LIMIT 1",
            &[&ids],
        )
        .await
    {
        Ok(Some(r)) => StoreError::Backend(format!(
            "event id {} is already stored",
            r.get::<_, String>(0)
        )),
        _ => StoreError::Backend("an event id of the batch is already stored".into()),
    }
}

/// After an unknown outcome: whether the batch is in the store, asked so that the answer stays
/// true. `Ok(Ok(()))`: durable; `Ok(Err(_))`: not written (or another writer's entries are
/// there); `Err(_)`: could not find out this time.
async fn settle(config: &Config, rows: &Rows) -> Result<Result<(), StoreError>, StoreError> {
    let mut conn = connect(config).await.map_err(pg)?;
    conn.client
        .batch_execute("SET statement_timeout = 0")
        .await
        .map_err(pg)?;
    let tx = conn.client.transaction().await.map_err(pg)?;
    // FOR UPDATE waits for a transaction that still holds the row (a COMMIT still waiting for
    // the standby), so what follows sees its outcome, whichever it is.
    let size: i64 = tx
        .query_one("SELECT size FROM kordon_head WHERE id = 0 FOR UPDATE", &[])
        .await
        .map_err(pg)?
        .get(0);
    let verdict = if size == rows.expected {
        Err(StoreError::Backend(
            "the connection was lost during the commit, and the batch was not written".into(),
        ))
    } else if size >= rows.new_size {
        let stored = tx
            .query(
                "SELECT leaf FROM kordon_entries WHERE seq >= $1 AND seq < $2 ORDER BY seq",
                &[&rows.expected, &rows.new_size],
            )
            .await
            .map_err(pg)?;
        let ours = stored.len() == rows.leaves.len()
            && stored
                .iter()
                .zip(&rows.leaves)
                .all(|(r, l)| r.get::<_, &[u8]>(0) == l.as_slice());
        if ours {
            Ok(())
        } else {
            Err(StoreError::Conflict {
                expected: rows.expected as u64,
                actual: size as u64,
            })
        }
    } else {
        Err(StoreError::Conflict {
            expected: rows.expected as u64,
            actual: size.max(0) as u64,
        })
    };
    // COMMIT returns once the standby holds everything this transaction saw.
    tx.execute("UPDATE kordon_barrier SET n = n + 1 WHERE id = 0", &[])
        .await
        .map_err(pg)?;
    warnings(&mut conn.messages);
    tx.commit().await.map_err(pg)?;
    if let [w, ..] = warnings(&mut conn.messages).as_slice() {
        return Err(StoreError::Backend(format!(
            "the server warned on COMMIT: {w}"
        )));
    }
    Ok(verdict)
}

impl Store for PostgresStore {
    fn append(&self, batch: Batch<'_>) -> Result<(), StoreError> {
        let n = batch.entries.len() as u64;
        let new_size = batch
            .expected_size
            .checked_add(n)
            .ok_or_else(|| be("the ledger's size overflows"))?;
        let mut fresh = std::collections::HashSet::with_capacity(batch.entries.len());
        for e in batch.entries {
            if !fresh.insert(e.event_id.as_str()) {
                return Err(StoreError::Backend(format!(
                    "event id {} is already stored",
                    e.event_id
                )));
            }
        }
        let mut rows = Rows {
            expected: to_i64(batch.expected_size, "size")?,
            new_size: to_i64(new_size, "size")?,
            checkpoint: batch.checkpoint.to_string(),
            seqs: Vec::with_capacity(batch.entries.len()),
            leaves: Vec::with_capacity(batch.entries.len()),
            bytes: Vec::with_capacity(batch.entries.len()),
            ids: Vec::with_capacity(batch.entries.len()),
            levels: Vec::with_capacity(batch.nodes.len()),
            idxs: Vec::with_capacity(batch.nodes.len()),
            hashes: Vec::with_capacity(batch.nodes.len()),
        };
        for (i, e) in batch.entries.iter().enumerate() {
            rows.seqs.push(rows.expected + i as i64);
            rows.leaves.push(e.leaf.0.to_vec());
            rows.bytes.push(e.bytes.clone());
            rows.ids.push(e.event_id.clone());
        }
        for (id, h) in batch.nodes {
            if id.level == 0 {
                continue;
            }
            rows.levels.push(i16::from(id.level));
            rows.idxs.push(to_i64(id.index, "node index")?);
            rows.hashes.push(h.0.to_vec());
        }
        let mut slot = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let conn = slot.take();
        let config = self.config.clone();
        let timeout = self.options.outcome_timeout;
        let place = self.place.clone();
        let (conn, result) = self.block(async move {
            let mut conn = match conn {
                Some(c) if !c.client.is_closed() => c,
                _ => match connect(&config).await {
                    Ok(c) => {
                        // A COMMIT must wait for the standby however long it takes: a timeout
                        // that cancels the wait would commit locally only.
                        if let Err(e) = c
                            .client
                            .batch_execute("SET statement_timeout = 0; SET idle_in_transaction_session_timeout = '60s'")
                            .await
                        {
                            return (None, Err(pg(e)));
                        }
                        c
                    }
                    Err(e) => {
                        return (
                            None,
                            Err(StoreError::Backend(format!(
                                "cannot reach a PostgreSQL primary at {place}: {}",
                                pg(e)
                            ))),
                        )
                    }
                },
            };
            match try_append(&mut conn, &rows).await {
                Commit::Done => (Some(conn), Ok(())),
                Commit::Refused(e @ (StoreError::Conflict { .. } | StoreError::Corrupt(_))) => {
                    (Some(conn), Err(e))
                }
                Commit::Refused(e) => {
                    let keep = !conn.client.is_closed();
                    (keep.then_some(conn), Err(e))
                }
                Commit::Unknown(why) => {
                    drop(conn);
                    let deadline = Instant::now() + timeout;
                    let mut last;
                    loop {
                        match tokio::time::timeout(Duration::from_secs(10), settle(&config, &rows)).await {
                            Ok(Ok(verdict)) => return (None, verdict),
                            Ok(Err(e)) => last = e.to_string(),
                            Err(_) => last = "no answer within 10 s".into(),
                        }
                        if Instant::now() >= deadline {
                            return (
                                None,
                                Err(StoreError::Unknown(format!(
                                    "the commit got no clear answer ({why}), and finding out \
                                     failed for {}s (last: {last})",
                                    timeout.as_secs()
                                ))),
                            );
                        }
                        tokio::time::sleep(Duration::from_millis(250)).await;
                    }
                }
            }
        })?;
        *slot = conn;
        drop(slot);
        if result.is_ok() {
            self.acked.fetch_max(new_size, Ordering::AcqRel);
        }
        result
    }

    /// Waits for a notification from an append's transaction (any server's), delivered by
    /// PostgreSQL when it commits; after a reconnection the head is read once, so an append
    /// made while no connection listened is not missed.
    fn wait_for_growth(&self, size: u64, timeout: Duration) -> Result<Option<u64>, StoreError> {
        let mut slot = self.listener.lock().unwrap_or_else(|p| p.into_inner());
        let conn = slot.take();
        let (conn, heard) = self.block(listen(
            self.config.clone(),
            conn,
            to_i64(size, "size")?,
            timeout,
        ))?;
        *slot = conn;
        heard
    }

    fn snapshot_store(&self) -> Option<Arc<dyn crate::snapshot::SnapshotStore>> {
        Some(Arc::new(PgSnapshots {
            _rt: Arc::clone(&self.rt),
            handle: self.handle.clone(),
            pool: self.pool.clone(),
        }))
    }

    fn snapshot(&self) -> Result<Box<dyn Snapshot + '_>, StoreError> {
        let (size, checkpoint) = self.read_head()?;
        self.confirm(size)?;
        Ok(Box::new(PgSnapshot {
            store: self,
            size,
            checkpoint,
        }))
    }
}

/// Waits on a listening connection (opening it, and reading the head once, if it is new) for a
/// notification of a size beyond `size`. A hot standby cannot LISTEN: there the head is read
/// every `STANDBY_POLL` instead. The connection and the size heard of.
async fn listen(
    config: Config,
    conn: Option<(Conn, bool)>,
    size: i64,
    timeout: Duration,
) -> (Option<(Conn, bool)>, Result<Option<u64>, StoreError>) {
    let deadline = tokio::time::Instant::now() + timeout;
    let (mut conn, standby) = match conn {
        Some((c, standby)) if !c.client.is_closed() => (c, standby),
        _ => {
            let c = match connect(&config).await {
                Ok(c) => c,
                Err(e) => return (None, Err(pg(e))),
            };
            // Listen first, then read the head: an append between the two is seen either way.
            let opened = async {
                let standby: bool = c
                    .client
                    .query_one("SELECT pg_is_in_recovery()", &[])
                    .await?
                    .get(0);
                if !standby {
                    c.client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
                }
                let row = c
                    .client
                    .query_one("SELECT size FROM kordon_head WHERE id = 0", &[])
                    .await?;
                Ok::<_, tokio_postgres::Error>((standby, row.get::<_, i64>(0)))
            };
            match opened.await {
                Ok((standby, now)) if now > size => {
                    return (Some((c, standby)), Ok(Some(now as u64)))
                }
                Ok((standby, _)) => (c, standby),
                Err(e) => return (None, Err(pg(e))),
            }
        }
    };
    if standby {
        loop {
            let now = conn
                .client
                .query_one("SELECT size FROM kordon_head WHERE id = 0", &[])
                .await;
            match now {
                Ok(row) => {
                    let now: i64 = row.get(0);
                    if now > size {
                        return (Some((conn, true)), Ok(Some(now as u64)));
                    }
                }
                Err(e) => return (None, Err(pg(e))),
            }
            if tokio::time::Instant::now() + STANDBY_POLL > deadline {
                return (Some((conn, true)), Ok(Some(size.max(0) as u64)));
            }
            tokio::time::sleep(STANDBY_POLL).await;
        }
    }
    loop {
        match tokio::time::timeout_at(deadline, conn.messages.recv()).await {
            Err(_) => return (Some((conn, false)), Ok(Some(size.max(0) as u64))),
            // The connection ended: the next call opens a new one and reads the head.
            Ok(None) => return (None, Err(be("the listening connection closed"))),
            Ok(Some(AsyncMessage::Notification(n))) => {
                if let Ok(heard) = n.payload().parse::<i64>() {
                    if heard > size {
                        return (Some((conn, false)), Ok(Some(heard as u64)));
                    }
                }
            }
            Ok(Some(_)) => {}
        }
    }
}

/// How often a server reading from a hot standby looks for new entries.
pub const STANDBY_POLL: Duration = Duration::from_millis(200);

/// The store's tokio runtime. `None` only while dropping: it is shut down in the background,
/// which may happen on an async worker.
struct Runtime(Option<tokio::runtime::Runtime>);

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// A view at one acknowledged size. Rows below the head are never changed or deleted, so
/// reading them later, filtered to the snapshot's size, reads what the snapshot saw.
struct PgSnapshot<'a> {
    store: &'a PostgresStore,
    size: u64,
    checkpoint: Option<String>,
}

impl PgSnapshot<'_> {
    fn query<T: Send + 'static>(
        &self,
        sql: &'static str,
        run: impl FnOnce(Vec<tokio_postgres::Row>) -> Result<T, StoreError> + Send + 'static,
        params: Vec<Box<dyn tokio_postgres::types::ToSql + Send + Sync>>,
    ) -> Result<T, StoreError> {
        let pool = self.store.pool.clone();
        self.store.block(async move {
            let c = pool.get().await.map_err(be)?;
            let refs: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> =
                params.iter().map(|p| &**p as _).collect();
            let rows = c.query(sql, &refs).await.map_err(pg)?;
            run(rows)
        })?
    }
}

impl Snapshot for PgSnapshot<'_> {
    fn size(&self) -> u64 {
        self.size
    }

    fn entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        if end > self.size || start > end {
            return Err(StoreError::Missing(end.saturating_sub(1).max(start)));
        }
        if start == end {
            return Ok(Vec::new());
        }
        let (s, e) = (to_i64(start, "seq")?, to_i64(end, "seq")?);
        self.query(
            "SELECT seq, leaf, bytes FROM kordon_entries WHERE seq >= $1 AND seq < $2 ORDER BY seq",
            move |rows| {
                let mut out = Vec::with_capacity(rows.len());
                for (i, r) in rows.into_iter().enumerate() {
                    let seq: i64 = r.get(0);
                    if seq != s + i as i64 {
                        return Err(StoreError::Missing((s + i as i64) as u64));
                    }
                    // The entry's bytes must hash to the leaf stored beside them (and written
                    // with them): a row changed in the database is named, never served.
                    let bytes: Vec<u8> = r.get(2);
                    if crate::core::entry::entry_hash(&bytes).0[..] != *r.get::<_, &[u8]>(1) {
                        return Err(StoreError::Corrupt(format!(
                            "entry {seq} does not match its stored leaf hash: the kordon_entries row was changed or damaged"
                        )));
                    }
                    out.push(bytes);
                }
                if out.len() as i64 != e - s {
                    return Err(StoreError::Missing(start + out.len() as u64));
                }
                Ok(out)
            },
            vec![Box::new(s), Box::new(e)],
        )
    }

    fn node(&self, id: NodeId) -> Result<Hash, StoreError> {
        if !node_within(id, self.size) {
            return Err(StoreError::MissingNode(id));
        }
        let index = to_i64(id.index, "node index")?;
        let to_hash = move |rows: Vec<tokio_postgres::Row>| match rows.first() {
            None => Err(StoreError::MissingNode(id)),
            Some(r) => Hash::from_slice(r.get::<_, &[u8]>(0)).ok_or_else(|| {
                StoreError::Corrupt(format!("node {}/{} is not 32 bytes", id.level, id.index))
            }),
        };
        if id.level == 0 {
            self.query(
                "SELECT leaf FROM kordon_entries WHERE seq = $1",
                to_hash,
                vec![Box::new(index)],
            )
        } else {
            self.query(
                "SELECT hash FROM kordon_nodes WHERE level = $1 AND idx = $2",
                to_hash,
                vec![Box::new(i16::from(id.level)), Box::new(index)],
            )
        }
    }

    fn seq_of_event(&self, id: &str) -> Result<Option<u64>, StoreError> {
        let size = self.size;
        self.query(
            "SELECT seq FROM kordon_entries WHERE event_id = $1",
            move |rows| {
                Ok(rows
                    .first()
                    .map(|r| r.get::<_, i64>(0))
                    .and_then(|s| u64::try_from(s).ok())
                    .filter(|s| *s < size))
            },
            vec![Box::new(id.to_string())],
        )
    }

    fn checkpoint(&self) -> Result<Option<String>, StoreError> {
        Ok(self.checkpoint.clone())
    }
}
