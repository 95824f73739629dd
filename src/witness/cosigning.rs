//! The ledger's side of witnessing: after commits, ask each configured witness to cosign the
//! newest checkpoint (C2SP tlog-witness `add-checkpoint`, with a consistency proof from the size
//! that witness last cosigned), keep the cosignatures, and know the newest checkpoint that meets
//! the witness policy.
//!
//! Off the write path, by construction: the ledger's commit hook (`offer`) only replaces the
//! newest checkpoint under a short lock and wakes the witness threads. One thread per witness
//! sends one request at a time, always for the newest checkpoint (checkpoints committed
//! meanwhile are skipped, not queued), at most one per `min_interval`, and backs off
//! exponentially (to `max_backoff`) while the witness fails. A dead or slow witness therefore
//! never blocks, slows or queues appends.
//!
//! `Cosigning` depends on the ledger only through `ProofSource` (consistency proofs) and is fed
//! through `offer(size, note)`, so it can follow any source of checkpoints.

use crate::core::checkpoint::{self, Checkpoint};
use crate::core::cosignature::{CosignatureVerifier, Cosigned, Policy, Witness};
use crate::core::hash::Hash;
use crate::core::note;
use crate::core::witness::AddCheckpoint;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, RwLock, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Where consistency proofs come from (the ledger).
pub trait ProofSource: Send + Sync {
    fn consistency_proof(&self, size1: u64, size2: u64) -> Result<Vec<Hash>, String>;
}

impl ProofSource for crate::ledger::Ledger {
    fn consistency_proof(&self, size1: u64, size2: u64) -> Result<Vec<Hash>, String> {
        crate::ledger::Ledger::consistency_proof(self, size1, size2).map_err(|e| e.to_string())
    }
}

/// Consistency proofs read from a store (what the ledger's own proofs read).
pub struct StoreProofs(pub Arc<dyn crate::store::Store>);

impl ProofSource for StoreProofs {
    fn consistency_proof(&self, size1: u64, size2: u64) -> Result<Vec<Hash>, String> {
        let snap = self.0.snapshot().map_err(|e| e.to_string())?;
        if size2 > snap.size() {
            return Err(format!(
                "size {size2} is beyond the ledger's {}",
                snap.size()
            ));
        }
        crate::core::merkle::consistency_proof(&crate::store::Nodes(&*snap), size1, size2)
            .map_err(|e| e.to_string())
    }
}

/// One witness the ledger asks: the policy's label for it, its key and its submission URL
/// prefix (`<url>/add-checkpoint`).
#[derive(Clone, Debug)]
pub struct WitnessEndpoint {
    pub label: String,
    pub key: CosignatureVerifier,
    pub url: String,
}

impl WitnessEndpoint {
    /// Parses `[NAME=]VKEY@URL` (the form of `kordon serve --witness`). The vkey's base64 holds
    /// no '@', so the URL starts after the last one; without `NAME=` the label is the key name.
    pub fn parse(s: &str) -> Result<WitnessEndpoint, String> {
        let (spec, url) = s
            .rsplit_once('@')
            .ok_or_else(|| format!("{s:?}: expected NAME=VKEY@URL"))?;
        let (label, vkey) = match spec.split_once('=') {
            Some((l, v)) if !l.contains('+') => (Some(l.to_string()), v),
            _ => (None, spec),
        };
        let key = CosignatureVerifier::parse(vkey).map_err(|e| format!("{vkey:?}: {e}"))?;
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!("{url:?}: the witness URL must start with http://"));
        }
        Ok(WitnessEndpoint {
            label: label.unwrap_or_else(|| key.name().to_string()),
            key,
            url: url.trim_end_matches('/').to_string(),
        })
    }
}

/// How often and how patiently witnesses are asked.
#[derive(Clone, Debug)]
pub struct Options {
    /// At least this long between two requests to one witness.
    pub min_interval: Duration,
    /// The first wait after a failure; it doubles up to `max_backoff`.
    pub backoff: Duration,
    pub max_backoff: Duration,
    /// How long one request may take.
    pub timeout: Duration,
    /// Where to keep the cosignatures (JSON, replaced whole, not fsynced: the witnesses are
    /// the durable copy); `None`: memory only.
    pub state: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            min_interval: Duration::from_millis(200),
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            timeout: Duration::from_secs(10),
            state: None,
        }
    }
}

/// A cosignature held for one size.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Held {
    pub size: u64,
    pub root: String,
    pub timestamp: u64,
    /// The signature line, as the witness sent it.
    pub line: String,
}

/// What one witness has done lately, for `/witnesses` and the dashboard.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct WitnessStatus {
    pub label: String,
    pub name: String,
    pub verifier_key: String,
    pub algorithm: String,
    pub url: String,
    /// Its latest cosignature.
    pub latest: Option<Held>,
    /// Consecutive failures, and the last one.
    pub failures: u32,
    pub last_error: Option<String>,
}

/// The newest checkpoint that met the policy, with every cosignature held for it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Witnessed {
    pub size: u64,
    pub note: String,
}

#[derive(Default, Serialize, Deserialize)]
struct Saved {
    /// Per witness vkey: its recent cosignatures by size.
    cosignatures: BTreeMap<String, BTreeMap<u64, Held>>,
    witnessed: Option<Witnessed>,
}

/// How many recent cosignatures are kept per witness (to find a size several witnesses share).
const KEEP: usize = 64;

struct Shared {
    endpoints: Vec<WitnessEndpoint>,
    policy: Policy,
    proofs: Arc<dyn ProofSource>,
    opts: Options,
    /// The newest checkpoint offered: (size, signed note), and a generation counter.
    head: Mutex<(u64, Arc<str>, u64)>,
    wake: Condvar,
    /// Notes offered recently, by size, to rebuild a cosigned note for a size.
    notes: Mutex<BTreeMap<u64, Arc<str>>>,
    saved: RwLock<Saved>,
    status: RwLock<Vec<WitnessStatus>>,
    /// Signalled when `witnessed` changes.
    witnessed_changed: (Mutex<u64>, Condvar),
    stop: std::sync::atomic::AtomicBool,
}

/// Witnessing for one ledger: ask, keep, aggregate. Dropping it stops the threads.
pub struct Cosigning {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Cosigning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cosigning")
            .field("witnesses", &self.shared.endpoints.len())
            .field("policy", &self.shared.policy.describe())
            .finish()
    }
}

impl Cosigning {
    /// Starts asking `endpoints` (quorum per `policy`, whose witnesses are the endpoints').
    pub fn start(
        endpoints: Vec<WitnessEndpoint>,
        policy: Policy,
        proofs: Arc<dyn ProofSource>,
        opts: Options,
    ) -> Result<Cosigning, String> {
        let saved: Saved = match &opts.state {
            Some(p) if p.exists() => std::fs::read(p)
                .map_err(|e| format!("{}: {e}", p.display()))
                .and_then(|b| {
                    serde_json::from_slice(&b).map_err(|e| format!("{}: {e}", p.display()))
                })?,
            _ => Saved::default(),
        };
        let status = endpoints
            .iter()
            .map(|e| WitnessStatus {
                label: e.label.clone(),
                name: e.key.name().to_string(),
                verifier_key: e.key.to_vkey(),
                algorithm: e.key.algorithm().to_string(),
                url: e.url.clone(),
                latest: saved
                    .cosignatures
                    .get(&e.key.to_vkey())
                    .and_then(|m| m.values().next_back().cloned()),
                failures: 0,
                last_error: None,
            })
            .collect();
        let shared = Arc::new(Shared {
            endpoints,
            policy,
            proofs,
            opts,
            head: Mutex::new((0, Arc::from(""), 0)),
            wake: Condvar::new(),
            notes: Mutex::new(BTreeMap::new()),
            saved: RwLock::new(saved),
            status: RwLock::new(status),
            witnessed_changed: (Mutex::new(0), Condvar::new()),
            stop: std::sync::atomic::AtomicBool::new(false),
        });
        let mut threads = Vec::new();
        for i in 0..shared.endpoints.len() {
            let s = Arc::clone(&shared);
            threads.push(
                std::thread::Builder::new()
                    .name(format!("kordon-witness-{i}"))
                    .spawn(move || ask_loop(&s, i))
                    .map_err(|e| format!("cannot start a witness thread: {e}"))?,
            );
        }
        Ok(Cosigning { shared, threads })
    }

    /// A commit hook that cannot keep the ledger alive (it holds a weak reference).
    pub fn hook(self: &Arc<Self>) -> impl Fn(u64, &str) + Send + Sync + 'static {
        let weak: Weak<Cosigning> = Arc::downgrade(self);
        move |size, note| {
            if let Some(c) = weak.upgrade() {
                c.offer(size, note);
            }
        }
    }

    /// A new checkpoint: witnesses will be asked to cosign it (or a newer one). Quick: it only
    /// swaps the newest checkpoint under a lock.
    pub fn offer(&self, size: u64, note: &str) {
        if note.is_empty() {
            return;
        }
        let note: Arc<str> = Arc::from(note);
        {
            let mut n = self.shared.notes.lock().unwrap_or_else(|p| p.into_inner());
            n.insert(size, Arc::clone(&note));
            while n.len() > KEEP {
                n.pop_first();
            }
        }
        let mut h = self.shared.head.lock().unwrap_or_else(|p| p.into_inner());
        if size >= h.0 {
            *h = (size, note, h.2 + 1);
            self.shared.wake.notify_all();
        }
    }

    pub fn policy(&self) -> &Policy {
        &self.shared.policy
    }

    /// The policy as a C2SP tlog-policy file (`log`, `witness`, `group`, `quorum` lines), which
    /// `kordon verify --witness-policy` reads.
    pub fn policy_file(&self, log_vkey: &str) -> String {
        let mut s = format!(
            "# Witness policy of {}: {}.\n# Compare these keys with those the witnesses publish before relying on them.\nlog {log_vkey}\n",
            log_vkey.split('+').next().unwrap_or(""),
            self.shared.policy.describe()
        );
        for e in &self.shared.endpoints {
            s.push_str(&format!(
                "witness {} {} {}\n",
                e.label,
                e.key.to_vkey(),
                e.url
            ));
        }
        match &self.shared.policy.quorum {
            crate::core::cosignature::Quorum::Group { k, .. } => {
                let names: Vec<&str> = self
                    .shared
                    .endpoints
                    .iter()
                    .map(|e| e.label.as_str())
                    .collect();
                s.push_str(&format!(
                    "group witnesses {k} {}\nquorum witnesses\n",
                    names.join(" ")
                ));
            }
            _ => s.push_str("quorum none\n"),
        }
        s
    }

    pub fn endpoints(&self) -> &[WitnessEndpoint] {
        &self.shared.endpoints
    }

    /// The cosignature lines held for exactly `size`, one per witness.
    pub fn lines_for(&self, size: u64) -> Vec<String> {
        let saved = self.shared.saved.read().unwrap_or_else(|p| p.into_inner());
        self.shared
            .endpoints
            .iter()
            .filter_map(|e| {
                saved
                    .cosignatures
                    .get(&e.key.to_vkey())
                    .and_then(|m| m.get(&size))
                    .map(|h| h.line.clone())
            })
            .collect()
    }

    /// `note` (a checkpoint of `size` signed by the ledger) with every cosignature held for
    /// that size appended.
    pub fn cosigned(&self, size: u64, note: &str) -> String {
        let mut n = note.to_string();
        for l in self.lines_for(size) {
            if !n.contains(l.trim_end()) {
                n.push_str(&l);
            }
        }
        n
    }

    /// The newest checkpoint that met the policy, with its cosignatures.
    pub fn witnessed(&self) -> Option<Witnessed> {
        self.shared
            .saved
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .witnessed
            .clone()
    }

    /// Each witness's state.
    pub fn status(&self) -> Vec<WitnessStatus> {
        self.shared
            .status
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Waits until a checkpoint of at least `size` met the policy, or `timeout` passed.
    pub fn wait_witnessed(&self, size: u64, timeout: Duration) -> Option<Witnessed> {
        let deadline = Instant::now() + timeout;
        let (m, cv) = &self.shared.witnessed_changed;
        let mut g = m.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(w) = self.witnessed().filter(|w| w.size >= size) {
                return Some(w);
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            g = cv
                .wait_timeout(g, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }
}

impl Drop for Cosigning {
    fn drop(&mut self) {
        self.shared
            .stop
            .store(true, std::sync::atomic::Ordering::SeqCst);
        {
            let _g = self.shared.head.lock().unwrap_or_else(|p| p.into_inner());
            self.shared.wake.notify_all();
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn stopping(s: &Shared) -> bool {
    s.stop.load(std::sync::atomic::Ordering::SeqCst)
}

/// Sleeps up to `d`, waking early when stopping.
fn nap(s: &Shared, d: Duration) {
    let deadline = Instant::now() + d;
    let mut g = s.head.lock().unwrap_or_else(|p| p.into_inner());
    while !stopping(s) {
        let now = Instant::now();
        if now >= deadline {
            return;
        }
        g = s
            .wake
            .wait_timeout(g, deadline - now)
            .unwrap_or_else(|p| p.into_inner())
            .0;
    }
}

/// What one request to a witness came to.
enum Reply {
    Cosigned(Held),
    /// 409: the witness's size.
    Conflict(u64),
    Failed(String),
}

fn ask_loop(s: &Shared, i: usize) {
    let ep = &s.endpoints[i];
    let vkey = ep.key.to_vkey();
    let agent = ureq::Agent::config_builder()
        .timeout_global(Some(s.opts.timeout))
        .http_status_as_error(false)
        .build()
        .new_agent();
    // The size this witness last cosigned, as far as we know (0: ask it).
    let mut known: u64 = s
        .saved
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .cosignatures
        .get(&vkey)
        .and_then(|m| m.keys().next_back().copied())
        .unwrap_or(0);
    let mut done_gen = 0u64;
    let mut backoff = s.opts.backoff;
    let mut last_request: Option<Instant> = None;
    while !stopping(s) {
        // Wait for a checkpoint newer than what this witness has.
        let (size, note, gen) = {
            let mut h = s.head.lock().unwrap_or_else(|p| p.into_inner());
            while !stopping(s) && (h.2 == done_gen || h.0 == 0) {
                h = s.wake.wait(h).unwrap_or_else(|p| p.into_inner());
            }
            if stopping(s) {
                return;
            }
            (h.0, Arc::clone(&h.1), h.2)
        };
        if let Some(t) = last_request {
            let since = t.elapsed();
            if since < s.opts.min_interval {
                nap(s, s.opts.min_interval - since);
            }
        }
        if known == size {
            done_gen = gen;
            continue;
        }
        last_request = Some(Instant::now());
        match ask(&agent, s, ep, known, size, &note) {
            Reply::Cosigned(h) => {
                known = h.size;
                done_gen = gen;
                backoff = s.opts.backoff;
                record(s, i, &vkey, h);
            }
            Reply::Conflict(theirs) if theirs <= size && theirs != known => {
                // Retry at once from the size the witness holds. If it already holds this very
                // size (we lost our copy of its cosignature, say in a restart without our state
                // file), fetch the cosignature from its monitoring URL instead.
                known = theirs;
                if theirs == size {
                    match recover(&agent, ep, &note) {
                        Ok(h) => {
                            done_gen = gen;
                            record(s, i, &vkey, h);
                        }
                        Err(e) => {
                            fail(s, i, e);
                            done_gen = gen;
                        }
                    }
                }
            }
            Reply::Conflict(theirs) => {
                let msg = if theirs > size {
                    format!("the witness holds size {theirs}, more than this ledger's {size}: it saw another history of this log")
                } else {
                    format!("the witness keeps answering 409 with size {theirs}")
                };
                fail(s, i, msg);
                nap(s, backoff);
                backoff = (backoff * 2).min(s.opts.max_backoff);
            }
            Reply::Failed(msg) => {
                fail(s, i, msg);
                nap(s, backoff);
                backoff = (backoff * 2).min(s.opts.max_backoff);
            }
        }
    }
}

fn ask(
    agent: &ureq::Agent,
    s: &Shared,
    ep: &WitnessEndpoint,
    old: u64,
    size: u64,
    note: &str,
) -> Reply {
    let proof = if old == 0 || old >= size {
        Vec::new()
    } else {
        match s.proofs.consistency_proof(old, size) {
            Ok(p) => p,
            Err(e) => return Reply::Failed(format!("building the consistency proof: {e}")),
        }
    };
    let body = AddCheckpoint {
        old_size: old.min(size),
        proof,
        note: note.as_bytes().to_vec(),
    }
    .to_body();
    let url = format!("{}/add-checkpoint", ep.url);
    let mut resp = match agent.post(&url).send(&body[..]) {
        Ok(r) => r,
        Err(e) => return Reply::Failed(format!("{url}: {e}")),
    };
    let status = resp.status().as_u16();
    let text = resp
        .body_mut()
        .with_config()
        .limit(1 << 20)
        .read_to_string()
        .unwrap_or_default();
    match status {
        200 => match verify_reply(ep, note, &text) {
            Ok(h) => Reply::Cosigned(h),
            Err(e) => Reply::Failed(e),
        },
        409 => match text.trim_end_matches('\n').parse::<u64>() {
            Ok(n) if text.ends_with('\n') => Reply::Conflict(n),
            _ => Reply::Failed(format!("409 with a body that is not a size: {text:?}")),
        },
        _ => Reply::Failed(format!("{url}: {status} {}", text.trim())),
    }
}

/// Fetches the witness's latest checkpoint of this log (tlog-witness "Monitor Retrieval
/// Mechanism", `GET <prefix>/<hex SHA-256 of origin>/checkpoint`) and takes its cosignature,
/// if that checkpoint is `note`'s.
fn recover(agent: &ureq::Agent, ep: &WitnessEndpoint, note: &str) -> Result<Held, String> {
    let origin = note.lines().next().unwrap_or_default();
    let url = format!("{}/{}/checkpoint", ep.url, super::dir::origin_hash(origin));
    let mut resp = agent.get(&url).call().map_err(|e| format!("{url}: {e}"))?;
    if resp.status().as_u16() != 200 {
        return Err(format!("{url}: {}", resp.status()));
    }
    let theirs = resp
        .body_mut()
        .with_config()
        .limit(1 << 20)
        .read_to_string()
        .map_err(|e| format!("{url}: {e}"))?;
    let ours = note::parse(note.as_bytes()).map_err(|e| e.to_string())?;
    let parsed = note::parse(theirs.as_bytes()).map_err(|e| format!("{url}: {e}"))?;
    if parsed.text != ours.text {
        return Err(format!("{url} holds another checkpoint of this size"));
    }
    let lines: String = theirs[parsed.text.len() + 1..]
        .split_inclusive('\n')
        .filter(|l| l.starts_with(&format!("\u{2014} {} ", ep.key.name())))
        .collect();
    verify_reply(ep, note, &lines)
}

/// Checks a witness's 200 answer: signature lines, of which the one by this witness's key must
/// verify over `note`'s text (tlog-witness: "The client MUST ignore any cosignatures from
/// unknown keys").
fn verify_reply(ep: &WitnessEndpoint, note: &str, body: &str) -> Result<Held, String> {
    let parsed = note::parse(note.as_bytes()).map_err(|e| e.to_string())?;
    let cp = Checkpoint::parse_text(&parsed.text).map_err(|e| e.to_string())?;
    for line in body.split_inclusive('\n') {
        if !line.ends_with('\n') || !line.starts_with('\u{2014}') {
            return Err(format!(
                "the answer holds a line that is not a signature: {line:?}"
            ));
        }
        let one = format!("{}\n{line}", parsed.text);
        let Ok(n) = note::parse(one.as_bytes()) else {
            return Err(format!("malformed signature line {line:?}"));
        };
        let sig = &n.signatures[0];
        if !ep.key.matches(sig) {
            continue;
        }
        let ts = ep
            .key
            .verify(&parsed.text, &cp, &sig.signature)
            .map_err(|e| format!("the witness's cosignature does not verify: {e}"))?;
        return Ok(Held {
            size: cp.size,
            root: cp.root.to_base64(),
            timestamp: ts,
            line: line.to_string(),
        });
    }
    Err("the answer holds no cosignature by the witness's key".into())
}

fn fail(s: &Shared, i: usize, msg: String) {
    tracing::warn!(witness = %s.endpoints[i].label, error = %msg, "witness request failed");
    let mut st = s.status.write().unwrap_or_else(|p| p.into_inner());
    st[i].failures = st[i].failures.saturating_add(1);
    st[i].last_error = Some(msg);
}

/// Keeps a cosignature, recomputes the newest witnessed checkpoint and saves the state.
fn record(s: &Shared, i: usize, vkey: &str, h: Held) {
    {
        let mut st = s.status.write().unwrap_or_else(|p| p.into_inner());
        st[i].failures = 0;
        st[i].last_error = None;
        st[i].latest = Some(h.clone());
    }
    let size = h.size;
    let changed;
    let snapshot;
    {
        let mut saved = s.saved.write().unwrap_or_else(|p| p.into_inner());
        let m = saved.cosignatures.entry(vkey.to_string()).or_default();
        m.insert(size, h);
        while m.len() > KEEP {
            m.pop_first();
        }
        changed = match &saved.witnessed {
            Some(w) if w.size >= size => None,
            _ => quorum_note(s, &saved, size),
        };
        if let Some(w) = &changed {
            saved.witnessed = Some(w.clone());
        }
        snapshot = s
            .opts
            .state
            .as_ref()
            .map(|_| serde_json::to_vec_pretty(&*saved).unwrap_or_default());
    }
    // The file is a cache, written without fsync so that it never competes with the ledger's
    // own commits for the disk: the witnesses keep their cosignatures durably, and a ledger
    // that lost the file takes them back (`recover`).
    if let (Some(path), Some(bytes)) = (&s.opts.state, snapshot) {
        if let Err(e) = super::write_replace(path, &bytes) {
            tracing::warn!(error = %e, path = %path.display(), "saving the cosignatures");
        }
    }
    if let Some(w) = changed {
        tracing::info!(
            size = w.size,
            "checkpoint witnessed: the quorum cosigned it"
        );
        let (m, cv) = &s.witnessed_changed;
        *m.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        cv.notify_all();
    }
}

/// The note of `size` with every cosignature held for it, if that meets the policy.
fn quorum_note(s: &Shared, saved: &Saved, size: u64) -> Option<Witnessed> {
    let note = s
        .notes
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&size)
        .cloned()?;
    let mut n = note.to_string();
    for e in &s.endpoints {
        if let Some(h) = saved
            .cosignatures
            .get(&e.key.to_vkey())
            .and_then(|m| m.get(&size))
        {
            n.push_str(&h.line);
        }
    }
    s.policy.check(n.as_bytes()).ok()?;
    // The ledger's signature is the note it offered; the check above covers the cosignatures.
    checkpoint::parse_unverified(n.as_bytes()).ok()?;
    Some(Witnessed { size, note: n })
}

/// Builds a policy from endpoints: `quorum` of them.
pub fn policy_of(endpoints: &[WitnessEndpoint], quorum: usize) -> Result<Policy, String> {
    Policy::k_of_n(
        endpoints
            .iter()
            .map(|e| Witness {
                label: e.label.clone(),
                key: e.key.clone(),
            })
            .collect(),
        quorum,
    )
    .map_err(|e| e.to_string())
}

/// The cosignatures found on a note under `policy`'s witnesses, without requiring the quorum
/// (for showing who witnessed a checkpoint).
pub fn who_cosigned(policy: &Policy, note: &str) -> Vec<Cosigned> {
    let Ok(parsed) = note::parse(note.as_bytes()) else {
        return Vec::new();
    };
    let Ok(cp) = Checkpoint::parse_text(&parsed.text) else {
        return Vec::new();
    };
    crate::core::cosignature::verify_cosignatures(&policy.witnesses, &parsed, &cp)
        .unwrap_or_default()
}

/// The file in a ledger's data directory where `kordon serve --witness` keeps cosignatures.
pub const STATE_FILE: &str = "witnesses.json";

fn read_saved(data: &std::path::Path) -> Option<Saved> {
    let b = std::fs::read(data.join(STATE_FILE)).ok()?;
    serde_json::from_slice(&b).ok()
}

/// `note` (the ledger's checkpoint of `size`) with the cosignatures for that size that
/// `kordon serve` kept in the data directory, for commands that read the directory.
pub fn saved_cosigned(data: &std::path::Path, size: u64, note: &str) -> String {
    let mut n = note.to_string();
    if let Some(saved) = read_saved(data) {
        for m in saved.cosignatures.values() {
            if let Some(h) = m.get(&size) {
                n.push_str(&h.line);
            }
        }
    }
    n
}

/// The newest witnessed checkpoint `kordon serve` kept in the data directory.
pub fn saved_witnessed(data: &std::path::Path) -> Option<Witnessed> {
    read_saved(data)?.witnessed
}
