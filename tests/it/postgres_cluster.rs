//! The PostgreSQL store on a three-node Patroni cluster with a synchronous standby in strict
//! mode: primaries killed with SIGKILL while writers append lose no acknowledged entry.

use crate::common::patroni::Cluster;
use crate::common::pg;
use kordon::core::hash::Hash;
use kordon::core::merkle::Frontier;
use kordon::store::postgres::{Options, PostgresStore};
use kordon::store::{conformance, Batch, Nodes, Store, StoreError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Appends synthetic batches until `stop`, from the store's own size each time; returns every
/// batch the store acknowledged: (first seq, leaf hashes).
fn writer(store: Arc<PostgresStore>, id: usize, stop: Arc<AtomicBool>) -> Vec<(u64, Vec<Hash>)> {
    let mut acked = Vec::new();
    let mut n = 0u64;
    while !stop.load(Ordering::SeqCst) {
        let snap = match store.snapshot() {
            Ok(s) => s,
            Err(_) => {
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        let size = snap.size();
        // The frontier of what is stored, rebuilt from the leaves (small ledgers only).
        let mut f = Frontier::new();
        let leaves: Vec<Hash> = (0..size)
            .map(|i| snap.node(kordon::core::merkle::NodeId { level: 0, index: i }))
            .collect::<Result<_, _>>()
            .unwrap_or_default();
        if leaves.len() as u64 != size {
            continue;
        }
        for l in &leaves {
            f.push(*l, &mut Vec::new());
        }
        drop(snap);
        let (mut entries, nodes) = conformance::synthetic(&mut f, size, 5);
        for e in &mut entries {
            n += 1;
            e.event_id = format!("w{id}-{n}");
            e.bytes = format!("w{id}-{n}-{}", "x".repeat(100)).into_bytes();
            e.leaf = kordon::core::hash::leaf_hash(&e.bytes);
        }
        // Recompute the nodes for the bytes actually written.
        let mut f2 = Frontier::new();
        for l in &leaves {
            f2.push(*l, &mut Vec::new());
        }
        let mut nodes2 = Vec::new();
        for e in &entries {
            f2.push(e.leaf, &mut nodes2);
        }
        let _ = nodes;
        let cp = format!("checkpoint {}", f2.size());
        match store.append(Batch {
            expected_size: size,
            entries: &entries,
            nodes: &nodes2,
            checkpoint: &cp,
        }) {
            Ok(()) => acked.push((size, entries.iter().map(|e| e.leaf).collect())),
            Err(StoreError::Conflict { .. }) => {}
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    acked
}

#[test]
fn killing_primaries_loses_no_acknowledged_append_and_never_forks() {
    let mut cluster = Cluster::start(3);
    let db = cluster.create_db("kordon_failover");
    let url = cluster.url(&db);
    let opts = Options {
        outcome_timeout: Duration::from_secs(90),
        ..Options::default()
    };
    let stores: Vec<Arc<PostgresStore>> = (0..2)
        .map(|_| Arc::new(PostgresStore::open_with(&url, opts.clone()).unwrap()))
        .collect();
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = stores
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (s, stop) = (Arc::clone(s), Arc::clone(&stop));
            std::thread::spawn(move || writer(s, i, stop))
        })
        .collect();
    let progress = |what: &str| {
        let s = stores[0].snapshot().map(|s| s.size()).unwrap_or(0);
        eprintln!("{what}: size {s}");
        s
    };
    let kills = Mutex::new(Vec::new());
    for round in 0..3 {
        // Let the writers work, then kill the primary like a machine dies.
        let before = progress("writing");
        let until = Instant::now() + Duration::from_secs(60);
        while progress("writing") < before + 50 {
            assert!(Instant::now() < until, "writes did not resume");
            std::thread::sleep(Duration::from_millis(500));
        }
        cluster.wait_settled(Duration::from_secs(120));
        let leader = cluster.leader().expect("a leader");
        let t = Instant::now();
        // Twice a machine dies; once only PostgreSQL does, and Patroni restarts it in place
        // with whatever its WAL holds, acknowledged or not.
        let in_place = round == 1;
        if in_place {
            cluster.kill_postgres(leader);
        } else {
            cluster.kill_node(leader);
        }
        let at = progress("killed");
        // Writes resume on the new primary.
        let until = Instant::now() + Duration::from_secs(90);
        while progress("failing over") <= at {
            assert!(
                Instant::now() < until,
                "round {round}: writes did not resume after the kill"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        kills.lock().unwrap().push(t.elapsed());
        // The dead machine is replaced by a new one, cloned from the new primary.
        if !in_place {
            cluster.replace_node(leader);
        }
        cluster.wait_healthy(Duration::from_secs(120));
    }
    stop.store(true, Ordering::SeqCst);
    let acked: Vec<(u64, Vec<Hash>)> = writers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    eprintln!(
        "failover to the first acknowledged write: {:?}",
        kills.lock().unwrap()
    );
    // Every acknowledged batch is stored, at its place, with its leaf hashes; no two overlap.
    let check = PostgresStore::open(&url).unwrap();
    let snap = check.snapshot().unwrap();
    let mut covered = vec![false; snap.size() as usize];
    for (start, leaves) in &acked {
        for (i, l) in leaves.iter().enumerate() {
            let seq = start + i as u64;
            assert!(seq < snap.size(), "acknowledged entry {seq} is missing");
            let stored = snap
                .node(kordon::core::merkle::NodeId {
                    level: 0,
                    index: seq,
                })
                .unwrap();
            assert_eq!(
                stored, *l,
                "acknowledged entry {seq} has another leaf: a fork"
            );
            assert!(!covered[seq as usize], "entry {seq} acknowledged twice");
            covered[seq as usize] = true;
        }
    }
    assert!(
        acked.len() > 30,
        "the writers made progress: {}",
        acked.len()
    );
    // The stored tree is the tree of the stored leaves, on every node alike.
    let mut f = Frontier::new();
    for i in 0..snap.size() {
        f.push(
            snap.node(kordon::core::merkle::NodeId { level: 0, index: i })
                .unwrap(),
            &mut Vec::new(),
        );
    }
    let root = kordon::core::merkle::root_at(&Nodes(&*snap), snap.size()).unwrap();
    assert_eq!(root, f.root());
    let size = snap.size();
    // A reader on a hot standby sees the same ledger, hears of new appends by polling, and
    // takes no writes.
    let standby = cluster.sync_standby().expect("a synchronous standby");
    let reader = PostgresStore::open(&cluster.node_url(standby, &db)).unwrap();
    assert_eq!(reader.snapshot().unwrap().size(), size);
    let mut f = Frontier::new();
    for i in 0..size {
        f.push(
            snap.node(kordon::core::merkle::NodeId { level: 0, index: i })
                .unwrap(),
            &mut Vec::new(),
        );
    }
    let (entries, nodes) = conformance::synthetic(&mut f.clone(), size, 1);
    let refused = reader
        .append(Batch {
            expected_size: size,
            entries: &entries,
            nodes: &nodes,
            checkpoint: "x",
        })
        .unwrap_err();
    assert!(
        refused.to_string().contains("read-only standby"),
        "{refused}"
    );
    check
        .append(Batch {
            expected_size: size,
            entries: &entries,
            nodes: &nodes,
            checkpoint: "x",
        })
        .unwrap();
    let t = Instant::now();
    assert_eq!(
        reader
            .wait_for_growth(size, Duration::from_secs(10))
            .unwrap(),
        Some(size + 1)
    );
    eprintln!(
        "a standby reader heard of a new entry after {:?}",
        t.elapsed()
    );
    drop(snap);
    let size = size + 1;
    for i in 0..cluster.nodes.len() {
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            let s = cluster
                .psql(i, &db, "SELECT size FROM kordon_head")
                .unwrap_or_default();
            if s == size.to_string() {
                break;
            }
            assert!(
                Instant::now() < until,
                "node {i} never caught up: {s} of {size}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// What a client heard for one submission.
#[derive(Debug)]
enum Heard {
    /// 201 with a receipt: the entry at `seq` with this leaf hash.
    Recorded { id: String, seq: u64, leaf: String },
    /// A problem that says nothing was written.
    NotWritten { id: String, code: String },
    /// No answer, or an answer that says the outcome is unknown.
    Unknown,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(120)))
        .http_status_as_error(false)
        .build()
        .new_agent()
}

fn submit(agent: &ureq::Agent, port: u16, sub: &kordon::ledger::Submission, id: &str) -> Heard {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let body = serde_json::json!({
        "event": b64.encode(&sub.event),
        "signature": b64.encode(sub.signature),
    })
    .to_string();
    let resp = agent
        .post(&format!("http://127.0.0.1:{port}/entries"))
        .header("content-type", "application/json")
        .send(body.as_bytes());
    let Ok(mut resp) = resp else {
        return Heard::Unknown;
    };
    let status = resp.status().as_u16();
    let Ok(text) = resp.body_mut().read_to_string() else {
        return Heard::Unknown;
    };
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    if status == 201 {
        return Heard::Recorded {
            id: id.to_string(),
            seq: v["seq"].as_u64().expect("a receipt names its entry"),
            leaf: v["leaf_hash"]
                .as_str()
                .expect("and its leaf hash")
                .to_string(),
        };
    }
    let code = v["code"].as_str().unwrap_or("").to_string();
    if code == "server.outcome-unknown" || code.is_empty() {
        return Heard::Unknown;
    }
    Heard::NotWritten {
        id: id.to_string(),
        code,
    }
}

/// A kordon server on the cluster, started from the binary.
struct Server {
    dir: std::path::PathBuf,
    port: u16,
    url: String,
    pid: Option<u32>,
}

impl Server {
    fn start(&mut self) {
        use std::os::unix::process::CommandExt;
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_kordon"));
        c.arg("--data")
            .arg(&self.dir)
            .args(["serve", "--store", &self.url])
            .args(["--listen", &format!("127.0.0.1:{}", self.port)])
            .env_remove("KORDON_DATA")
            .env("RUST_LOG", "warn");
        // SAFETY: only prctl between fork and exec.
        unsafe {
            c.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        self.pid = Some(pg::spawn_kept(c, &self.dir.join("serve.log")));
        let until = Instant::now() + Duration::from_secs(60);
        loop {
            let ok = agent()
                .get(&format!("http://127.0.0.1:{}/readyz", self.port))
                .call()
                .is_ok_and(|r| r.status() == 200);
            if ok {
                return;
            }
            assert!(
                Instant::now() < until,
                "kordon serve did not become ready: {}",
                std::fs::read_to_string(self.dir.join("serve.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn kill(&mut self) {
        if let Some(p) = self.pid.take() {
            pg::kill(p, libc::SIGKILL);
        }
    }

    fn get(&self, path: &str) -> Option<String> {
        let mut r = agent()
            .get(&format!("http://127.0.0.1:{}{path}", self.port))
            .call()
            .ok()?;
        (r.status() == 200).then(|| r.body_mut().read_to_string().ok())?
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

#[test]
fn two_kordon_servers_on_a_patroni_cluster_lose_no_acknowledged_entry() {
    use kordon::core::event::{Body, NoteAdded, Role};
    const ORIGIN: &str = "kordon.cluster-test/ibm";
    let mut cluster = Cluster::start(3);
    let db = cluster.create_db("kordon_servers");
    let url = cluster.url(&db);

    // The ledger: a genesis and four bodies, signed with the fixture's demo keys, at today's time.
    let mut f = kordon::fixture::Fixture::new(ORIGIN);
    f.clock
        .0
        .store(kordon::ledger::system_clock()().0, Ordering::SeqCst);
    let bodies = ["sbgs", "customs", "police", "monitor"];
    {
        let ledger = kordon::ledger::Ledger::open(
            Arc::new(PostgresStore::open(&url).unwrap()),
            f.ledger_signer.clone(),
            kordon::ledger::system_clock(),
        )
        .unwrap();
        let mut subs = vec![f.genesis()];
        for b in bodies {
            subs.push(f.register(b, &[Role::Executor]));
        }
        for r in ledger.submit_many(subs) {
            r.unwrap();
        }
    }
    let key = kordon::core::keys::private_key_pem(&kordon::fixture::demo_key(&format!(
        "ledger:{ORIGIN}"
    )));
    let mut servers: Vec<Server> = (0..2)
        .map(|i| {
            let dir = cluster.dir.join(format!("kordon{i}"));
            std::fs::create_dir_all(&dir).unwrap();
            kordon::datadir::write_private(&dir.join("ledger.key"), &key).unwrap();
            let mut s = Server {
                dir,
                port: pg::free_port(),
                url: url.clone(),
                pid: None,
            };
            s.start();
            s
        })
        .collect();
    let ports: Vec<u16> = servers.iter().map(|s| s.port).collect();

    // Four clients, two on each server, each submitting signed notes one at a time.
    let stop = Arc::new(AtomicBool::new(false));
    let heard = Arc::new(Mutex::new(Vec::<Heard>::new()));
    let recorded = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let f = Arc::new(f);
    let clients: Vec<_> = bodies
        .iter()
        .enumerate()
        .map(|(i, who)| {
            let (stop, heard, recorded, f) = (
                Arc::clone(&stop),
                Arc::clone(&heard),
                Arc::clone(&recorded),
                Arc::clone(&f),
            );
            let (port, who) = (ports[i % 2], who.to_string());
            std::thread::spawn(move || {
                let agent = agent();
                let mut n = 0u64;
                while !stop.load(Ordering::SeqCst) {
                    n += 1;
                    let sub = f
                        .author(&who)
                        .sign(
                            ORIGIN,
                            kordon::ledger::system_clock()(),
                            &Body::NoteAdded(NoteAdded {
                                commitment: None,
                                about: None,
                                text: format!("{who} note {n}"),
                                evidence: vec![],
                            }),
                        )
                        .unwrap();
                    let id = kordon::core::event::parse(&sub.event)
                        .unwrap()
                        .id
                        .to_string();
                    let h = submit(&agent, port, &sub, &id);
                    match &h {
                        Heard::Recorded { .. } => {
                            recorded.fetch_add(1, Ordering::SeqCst);
                        }
                        _ => std::thread::sleep(Duration::from_millis(200)),
                    }
                    heard.lock().unwrap().push(h);
                }
            })
        })
        .collect();
    let logs = cluster.dir.clone();
    let wait_for_writes = |what: &str, more: u64| -> Duration {
        let t = Instant::now();
        let target = recorded.load(Ordering::SeqCst) + more;
        while recorded.load(Ordering::SeqCst) < target {
            assert!(
                t.elapsed() < Duration::from_secs(120),
                "{what}: writes did not resume (logs in {})",
                logs.display()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        t.elapsed()
    };
    wait_for_writes("start", 100);
    let mut failovers = Vec::new();
    for round in 0..3 {
        cluster.wait_settled(Duration::from_secs(120));
        let leader = cluster.leader().expect("a leader");
        if round == 2 {
            // A kordon server dies too, right before the primary.
            servers[1].kill();
        }
        if round == 1 {
            cluster.kill_postgres(leader);
        } else {
            cluster.kill_node(leader);
        }
        failovers.push(wait_for_writes("after killing the primary", 1));
        if round != 1 {
            cluster.replace_node(leader);
        }
        cluster.wait_healthy(Duration::from_secs(120));
        if round == 2 {
            servers[1].start();
        }
        wait_for_writes("between rounds", 50);
    }
    // Writes go on through both servers after everything.
    wait_for_writes("at the end", 50);
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        c.join().unwrap();
    }
    eprintln!("kill of the primary to the first acknowledged write: {failovers:?}");

    // Both servers settle on the same signed checkpoint.
    let until = Instant::now() + Duration::from_secs(30);
    let checkpoint = loop {
        let a = servers[0].get("/checkpoint");
        let b = servers[1].get("/checkpoint");
        if let Some(cp) = a.as_ref().filter(|_| a == b) {
            break cp.clone();
        }
        assert!(
            Instant::now() < until,
            "the servers never agreed: {a:?} / {b:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    // The export verifies offline with the ledger's key: every link, signature and rule.
    let export_path = cluster.dir.join("final.export");
    let mut resp = agent()
        .get(&format!("http://127.0.0.1:{}/export", servers[0].port))
        .call()
        .unwrap();
    let export = resp
        .body_mut()
        .with_config()
        .limit(1 << 30)
        .read_to_vec()
        .unwrap();
    std::fs::write(&export_path, &export).unwrap();
    let vkey = f.ledger_signer.verifier().to_vkey();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kordon"))
        .arg("verify")
        .arg(&export_path)
        .args(["--key", &vkey])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "kordon verify: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let mut reader = kordon::export::ExportReader::open(&export[..]).unwrap();
    assert_eq!(
        reader.checkpoint,
        checkpoint.as_bytes(),
        "the export is of the checkpoint both serve"
    );
    let mut by_id = std::collections::HashMap::new();
    let mut seq = 0u64;
    while let Some(bytes) = reader.next_entry().unwrap() {
        let p = kordon::core::chain::prepare(bytes, seq).unwrap();
        by_id.insert(p.event.id.to_string(), (seq, p.leaf.to_hex()));
        seq += 1;
    }
    // Every acknowledged entry is there with its leaf hash; nothing said "not written" was.
    let heard = heard.lock().unwrap();
    let (mut acked, mut refused, mut unknown) = (0, 0, 0);
    for h in heard.iter() {
        match h {
            Heard::Recorded { id, seq, leaf } => {
                acked += 1;
                assert_eq!(
                    by_id.get(id),
                    Some(&(*seq, leaf.clone())),
                    "acknowledged event {id} (entry {seq}) is missing or moved"
                );
            }
            Heard::NotWritten { id, code } => {
                refused += 1;
                assert!(
                    !by_id.contains_key(id),
                    "event {id} was answered {code} (not written), but it is entry {}",
                    by_id[id].0
                );
            }
            Heard::Unknown => unknown += 1,
        }
    }
    eprintln!("{acked} recorded, {refused} not written, {unknown} unknown; ledger size {seq}");
    assert!(acked >= 300, "the clients made progress: {acked}");
    // Every node holds the same ledger.
    for i in 0..cluster.nodes.len() {
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            let s = cluster
                .psql(i, &db, "SELECT size FROM kordon_head")
                .unwrap_or_default();
            if s == seq.to_string() {
                break;
            }
            assert!(
                Instant::now() < until,
                "node {i} holds {s} entries, not {seq}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}
