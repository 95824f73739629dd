//! PostgreSQL started by the tests themselves: Debian's server binaries, a data directory under
//! the temp dir, a port of kordon's test range (18850-18899), loopback only; never a system
//! service. PostgreSQL refuses to run as root, so when the tests run as root (CI) every
//! PostgreSQL process runs as the `postgres` user that Debian's package creates.
//!
//! Every process started here gets the parent-death signal, so a test binary that dies takes
//! its servers with it; servers that outlive their test are started from a thread that lives
//! as long as the process.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The user PostgreSQL runs as: `postgres` when the tests run as root, else the tests' own.
pub const SUPERUSER: &str = "kordon";

/// The directory of the newest installed PostgreSQL's binaries. Panics (the test fails, it is
/// never skipped) when none is installed.
pub fn bin_dir() -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|d| {
            let v = d.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = d.path().join("bin");
            bin.join("postgres").exists().then_some((v, bin))
        })
        .collect();
    found.sort();
    match found.pop() {
        Some((_, bin)) => bin,
        None => panic!(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres): \
             `apt-get install postgresql` (.ci/run does it)"
        ),
    }
}

/// The uid and gid PostgreSQL's processes run as, if not ours.
fn account() -> Option<(u32, u32)> {
    // SAFETY: getuid has no preconditions.
    if unsafe { libc::getuid() } != 0 {
        return None;
    }
    let name = std::ffi::CString::new("postgres").unwrap();
    // SAFETY: a NUL-terminated name; the returned record is read at once, on this thread.
    let pw = unsafe { libc::getpwnam(name.as_ptr()) };
    assert!(
        !pw.is_null(),
        "running as root, and there is no `postgres` user to run PostgreSQL as \
         (Debian's postgresql package creates it)"
    );
    // SAFETY: checked non-null above.
    Some(unsafe { ((*pw).pw_uid, (*pw).pw_gid) })
}

/// A command that runs as PostgreSQL's account and dies with the thread that started it.
pub fn command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    use std::os::unix::process::CommandExt;
    let mut c = Command::new(program);
    let who = account();
    if who.is_some() {
        // Tools look for the user's home (patroni, psql's history): give them one they can use.
        c.env("HOME", std::env::temp_dir());
    }
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        c.pre_exec(move || {
            if let Some((uid, gid)) = who {
                if libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(gid) != 0
                    || libc::setuid(uid) != 0
                {
                    return Err(std::io::Error::last_os_error());
                }
            }
            // After the change of user, which clears it.
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    c
}

/// Gives `path` (and everything under it) to PostgreSQL's account.
pub fn own(path: &Path) {
    if let Some((uid, gid)) = account() {
        let out = Command::new("chown")
            .arg("-R")
            .arg(format!("{uid}:{gid}"))
            .arg(path)
            .output()
            .expect("chown");
        assert!(out.status.success(), "chown {}: {out:?}", path.display());
    }
}

/// Runs a command to its end and panics with its output unless it succeeded.
pub fn run(mut c: Command, what: &str) -> Output {
    let out = c
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A fresh directory for one server or cluster, under `<temp>/kordon-it-pg/<pid>-<n>`. Left by
/// a test binary that died are removed when a later one starts.
pub fn scratch(label: &str) -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    static SWEPT: OnceLock<()> = OnceLock::new();
    let base = std::env::temp_dir().join("kordon-it-pg");
    SWEPT.get_or_init(|| {
        for d in std::fs::read_dir(&base).into_iter().flatten().flatten() {
            let name = d.file_name().to_string_lossy().to_string();
            let pid = name.split('-').next().and_then(|p| p.parse::<i32>().ok());
            // SAFETY: signal 0 only checks that the process exists.
            if pid.is_some_and(|p| unsafe { libc::kill(p, 0) } != 0) {
                // Servers a cluster's Patroni started outlive it: stop them first.
                for node in std::fs::read_dir(d.path()).into_iter().flatten().flatten() {
                    if let Some(pm) = postmaster_pid(&node.path().join("data")) {
                        kill(pm, libc::SIGKILL);
                    }
                }
                let _ = std::fs::remove_dir_all(d.path());
            }
        }
    });
    let dir = base.join(format!(
        "{}-{}-{label}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    // The parent must be reachable by PostgreSQL's account.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o755)).unwrap();
    own(&dir);
    dir
}

/// A loopback port of the range kordon's PostgreSQL tests use that nobody listens on now.
pub fn free_port() -> u16 {
    static NEXT: AtomicU16 = AtomicU16::new(0);
    for _ in 0..200 {
        let p = 18850 + NEXT.fetch_add(1, Ordering::SeqCst) % 50;
        if std::net::TcpListener::bind(("127.0.0.1", p)).is_ok() {
            return p;
        }
    }
    panic!("no free port in 18850-18899");
}

/// Waits until something accepts connections on `port`.
pub fn wait_for_port(port: u16, timeout: Duration) -> bool {
    let until = Instant::now() + timeout;
    while Instant::now() < until {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// `initdb` of a data directory: superuser `kordon`, trust on loopback, data checksums (which
/// pg_rewind needs after a failover).
pub fn initdb(data: &Path) {
    let mut c = command(bin_dir().join("initdb"));
    c.arg("-D")
        .arg(data)
        .args(["-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--locale=C"])
        .args(["--data-checksums", "--no-sync"]);
    run(c, "initdb");
}

/// Starts `c` from a thread that waits on it for as long as it runs: the parent-death signal
/// follows the thread that started a process, so that thread must outlive the test that
/// started it. The process id.
pub fn spawn_kept(mut c: Command, log: &Path) -> u32 {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    c.stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("kept-process".into())
        .spawn(move || match c.spawn() {
            Ok(mut child) => {
                tx.send(Ok(child.id())).unwrap();
                let _ = child.wait();
            }
            Err(e) => tx.send(Err(e)).unwrap(),
        })
        .unwrap();
    rx.recv()
        .unwrap()
        .unwrap_or_else(|e| panic!("cannot start a process: {e}"))
}

/// The postmaster's process id from a data directory's postmaster.pid.
pub fn postmaster_pid(data: &Path) -> Option<u32> {
    std::fs::read_to_string(data.join("postmaster.pid"))
        .ok()?
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()
}

/// One PostgreSQL server.
pub struct Postgres {
    pub dir: PathBuf,
    pub port: u16,
    pid: u32,
}

impl Postgres {
    /// Initialises and starts a server in a fresh directory, with `settings` (`name=value`)
    /// added to the command line. The server stops with the process (or `stop`).
    pub fn start(settings: &[&str]) -> Postgres {
        let dir = scratch("pg");
        let data = dir.join("data");
        initdb(&data);
        let port = free_port();
        let mut c = command(bin_dir().join("postgres"));
        c.arg("-D").arg(&data);
        c.args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1"]);
        c.arg("-k").arg(&dir);
        for s in settings {
            c.args(["-c", s]);
        }
        let pid = spawn_kept(c, &dir.join("postgres.log"));
        let pg = Postgres { dir, port, pid };
        pg.wait_ready(Duration::from_secs(60));
        pg
    }

    /// The server shared by the tests of this process (started on first use).
    pub fn shared() -> &'static Postgres {
        static SHARED: OnceLock<Postgres> = OnceLock::new();
        SHARED.get_or_init(|| Postgres::start(&[]))
    }

    fn wait_ready(&self, timeout: Duration) {
        let until = Instant::now() + timeout;
        loop {
            let ok = self.psql("postgres", "SELECT 1").is_ok();
            if ok {
                return;
            }
            assert!(
                Instant::now() < until,
                "PostgreSQL on port {} did not start; its log:\n{}",
                self.port,
                std::fs::read_to_string(self.dir.join("postgres.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Runs SQL with psql; the output rows, unaligned, one a line.
    pub fn psql(&self, db: &str, sql: &str) -> Result<String, String> {
        psql(self.port, db, sql)
    }

    /// A new, empty database; its URL.
    pub fn create_db(&self) -> String {
        static N: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "kordon_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        self.psql("postgres", &format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("create database: {e}"));
        self.url(&name)
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{db}", self.port)
    }

    /// The postmaster's process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }
}

/// Runs SQL with psql against the server on `port`.
pub fn psql(port: u16, db: &str, sql: &str) -> Result<String, String> {
    let out = Command::new(bin_dir().join("psql"))
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-U",
            SUPERUSER,
            "-d",
            db,
        ])
        .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .env("PGCONNECT_TIMEOUT", "3")
        .output()
        .map_err(|e| format!("cannot run psql: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// Sends `signal` to a process.
pub fn kill(pid: u32, signal: i32) {
    // SAFETY: plain kill(2).
    unsafe {
        libc::kill(pid as i32, signal);
    }
}

/// Where a `Proxy` cuts the next connection that sends COMMIT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// Pass everything through.
    Never = 0,
    /// Close the connection instead of passing COMMIT on: the server rolls back.
    BeforeCommit = 1,
    /// Pass COMMIT on to the server, then close the connection before its answer comes back.
    AfterCommit = 2,
}

/// A loopback TCP proxy in front of a server that can lose a connection at the worst moment.
pub struct Proxy {
    pub port: u16,
    mode: std::sync::Arc<std::sync::atomic::AtomicU8>,
    cuts: std::sync::Arc<AtomicU64>,
}

impl Proxy {
    pub fn start(target: u16) -> Proxy {
        use std::sync::atomic::AtomicU8;
        use std::sync::Arc;
        let port = free_port();
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
        let mode = Arc::new(AtomicU8::new(Cut::Never as u8));
        let cuts = Arc::new(AtomicU64::new(0));
        let (m, n) = (Arc::clone(&mode), Arc::clone(&cuts));
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = std::net::TcpStream::connect(("127.0.0.1", target)) else {
                    continue;
                };
                let (m, n) = (Arc::clone(&m), Arc::clone(&n));
                let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || pump_up(client, server, &m, &n));
                std::thread::spawn(move || {
                    let (mut from, mut to) = (s2, c2);
                    let _ = std::io::copy(&mut from, &mut to);
                    let _ = to.shutdown(std::net::Shutdown::Both);
                });
            }
        });
        Proxy { port, mode, cuts }
    }

    /// Arms the cut for the next COMMIT.
    pub fn cut(&self, how: Cut) {
        self.mode.store(how as u8, Ordering::SeqCst);
    }

    /// How many connections were cut.
    pub fn cuts(&self) -> u64 {
        self.cuts.load(Ordering::SeqCst)
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{db}", self.port)
    }
}

/// Client → server: passes bytes on, and cuts at a COMMIT when armed.
fn pump_up(
    mut client: std::net::TcpStream,
    mut server: std::net::TcpStream,
    mode: &std::sync::atomic::AtomicU8,
    cuts: &AtomicU64,
) {
    use std::io::{Read, Write};
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match client.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let chunk = &buf[..n];
        let commit = chunk.windows(7).any(|w| w == b"COMMIT\0");
        let armed = mode.load(Ordering::SeqCst);
        if commit && armed != Cut::Never as u8 {
            mode.store(Cut::Never as u8, Ordering::SeqCst);
            cuts.fetch_add(1, Ordering::SeqCst);
            // The client hears nothing more, whichever way.
            let _ = client.shutdown(std::net::Shutdown::Both);
            if armed == Cut::AfterCommit as u8 {
                let _ = server.write_all(chunk);
                // Let the server read and run it before the socket closes.
                std::thread::sleep(Duration::from_millis(300));
            }
            let _ = server.shutdown(std::net::Shutdown::Both);
            return;
        }
        if server.write_all(chunk).is_err() {
            break;
        }
    }
    let _ = server.shutdown(std::net::Shutdown::Both);
}
