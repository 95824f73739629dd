//! Witnesses: a ledger asking three witnesses (one or two down), quorums a verifier requires,
//! a fork shown to a witness and its evidence, a witness killed with `kill -9`, a witness
//! cosigning a log that is not kordon, every refusal of the tlog-witness protocol, and receipts
//! upgraded once witnessed.

use crate::common::{World, ORIGIN};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use kordon::core::checkpoint;
use kordon::core::cosignature::{Algorithm, Policy, Witness as PolicyWitness};
use kordon::core::event::{Body, NoteAdded};
use kordon::core::hash::{leaf_hash, node_hash, Hash};
use kordon::core::witness::{AddCheckpoint, Evidence, LogKey};
use kordon::store::Store;
use kordon::witness::cosigning::{self, Cosigning, Options, StoreProofs, WitnessEndpoint};
use kordon::witness::{dir, server};
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// Witnesses served in this process on loopback ports.
struct Witnesses {
    rt: tokio::runtime::Runtime,
    dirs: Vec<tempfile::TempDir>,
}

impl Witnesses {
    fn new() -> Witnesses {
        Witnesses {
            rt: tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap(),
            dirs: Vec::new(),
        }
    }

    /// Starts a witness following `logs`; returns it and its endpoint.
    fn start(
        &mut self,
        label: &str,
        alg: Algorithm,
        logs: &[String],
    ) -> (Arc<server::Witness>, WitnessEndpoint) {
        let d = tempfile::tempdir().unwrap();
        let seed: [u8; 32] = Sha256::digest(label.as_bytes()).into();
        dir::init(d.path(), &format!("{label}.test/witness"), alg, seed).unwrap();
        let w = Arc::new(server::Witness::open(d.path(), logs).unwrap());
        let listener = self
            .rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        self.rt.spawn(server::serve(
            listener,
            Arc::clone(&w),
            std::future::pending(),
        ));
        self.dirs.push(d);
        let ep = WitnessEndpoint {
            label: label.to_string(),
            key: w.cosigner().verifier().clone(),
            url,
        };
        (w, ep)
    }

    /// A witness that is down: its key is known, nothing listens at its URL.
    fn dead(&mut self, label: &str) -> WitnessEndpoint {
        let (_, mut ep) = self.start(label, Algorithm::Ed25519, &[]);
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        ep.url = format!("http://{}", l.local_addr().unwrap());
        drop(l);
        ep
    }
}

fn fast() -> Options {
    Options {
        min_interval: Duration::from_millis(10),
        backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(200),
        timeout: Duration::from_secs(5),
        state: None,
    }
}

/// Starts witnessing for `w`'s ledger with `endpoints` and quorum `k`.
fn witnessing(w: &World, endpoints: Vec<WitnessEndpoint>, k: usize) -> Arc<Cosigning> {
    let policy = cosigning::policy_of(&endpoints, k).unwrap();
    let c = Arc::new(
        Cosigning::start(
            endpoints,
            policy,
            Arc::new(StoreProofs(Arc::new(w.store.clone()) as Arc<dyn Store>)),
            fast(),
        )
        .unwrap(),
    );
    let hook = c.hook();
    w.ledger.subscribe(move |x| hook(x.size, x.checkpoint));
    c.offer(w.ledger.size(), &w.ledger.checkpoint().unwrap().unwrap());
    c
}

fn note(w: &World, text: &str) {
    w.ok(w.sign(
        "monitor",
        Body::NoteAdded(NoteAdded {
            commitment: None,
            about: None,
            text: text.into(),
            evidence: vec![],
        }),
    ));
}

fn policy(endpoints: &[WitnessEndpoint], k: usize) -> Policy {
    Policy::k_of_n(
        endpoints
            .iter()
            .map(|e| PolicyWitness {
                label: e.label.clone(),
                key: e.key.clone(),
            })
            .collect(),
        k,
    )
    .unwrap()
}

fn export_with(w: &World, cp: &str) -> Vec<u8> {
    let mut out = Vec::new();
    kordon::export::write_at(&w.store, &w.ledger.verifier_key(), cp, &mut out).unwrap();
    out
}

fn verify_with(export: &[u8], p: &Policy) -> kordon::verify::Report {
    let r = kordon::export::ExportReader::open(export).unwrap();
    let vkey = r.vkey.clone();
    let cp = r.checkpoint.clone();
    kordon::verify::verify_witnessed(
        &vkey,
        &cp,
        &mut kordon::verify::ExportSource(r),
        &kordon::verify::Options {
            trusted: None,
            progress: &|_| {},
        },
        p,
    )
}

/// Waits until the witness labelled `label` has cosigned `size`.
fn wait_cosigned(c: &Cosigning, label: &str, size: u64) {
    for _ in 0..400 {
        let st = c.status();
        let s = st.iter().find(|s| s.label == label).unwrap();
        if s.latest.as_ref().is_some_and(|h| h.size >= size) {
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!(
        "witness {label} did not cosign size {size}: {:?}",
        c.status()
    );
}

#[test]
fn three_witnesses_with_one_down_reach_a_two_of_three_quorum_and_verify_accepts_it() {
    let w = World::new();
    let mut ws = Witnesses::new();
    let vkey = w.ledger.verifier_key();
    let (_, a) = ws.start("committee", Algorithm::Ed25519, std::slice::from_ref(&vkey));
    let (_, b) = ws.start("ngo", Algorithm::MlDsa44, std::slice::from_ref(&vkey));
    let down = ws.dead("mission");
    let endpoints = vec![a, b, down];
    let c = witnessing(&w, endpoints.clone(), 2);
    note(&w, "first");
    note(&w, "second");
    let size = w.ledger.size();
    let got = c
        .wait_witnessed(size, Duration::from_secs(20))
        .expect("the quorum cosigned the latest checkpoint");
    assert_eq!(got.size, size);
    // The dead witness is reported as failing, not forgotten.
    let st = c.status();
    let dead = st.iter().find(|s| s.label == "mission").unwrap();
    assert!(dead.latest.is_none() && dead.failures > 0 && dead.last_error.is_some());

    let report = verify_with(&export_with(&w, &got.note), &policy(&endpoints, 2));
    assert!(report.valid, "{:?}", report.failure);
    let mut names: Vec<_> = report.witnesses.iter().map(|x| x.witness.clone()).collect();
    names.sort();
    assert_eq!(names, ["committee", "ngo"]);
    assert!(report.witnesses.iter().all(|x| x.timestamp > 0));
    // Requiring all three fails: the third never cosigned.
    let r3 = verify_with(&export_with(&w, &got.note), &policy(&endpoints, 3));
    assert_eq!(r3.failure.unwrap().code, "witness.quorum");
    // The same cosignatures in a note of another size are not counted.
    let stale = w.ledger.checkpoint().unwrap().unwrap();
    note(&w, "third");
    let newer = w.ledger.checkpoint().unwrap().unwrap();
    let lines: String = got.note[stale.len()..].to_string();
    let mixed = format!("{newer}{lines}");
    let e = policy(&endpoints, 2).check(mixed.as_bytes()).unwrap_err();
    assert_eq!(e.code(), "witness.signature", "{e}");
}

#[test]
fn with_two_witnesses_down_verify_with_quorum_two_fails_with_its_code() {
    let w = World::new();
    let mut ws = Witnesses::new();
    let (_, a) = ws.start("committee", Algorithm::Ed25519, &[w.ledger.verifier_key()]);
    let endpoints = vec![a, ws.dead("ngo"), ws.dead("mission")];
    let c = witnessing(&w, endpoints.clone(), 2);
    note(&w, "one");
    let size = w.ledger.size();
    wait_cosigned(&c, "committee", size);
    assert_eq!(c.witnessed(), None, "one of three is no quorum of two");
    let head = c.cosigned(size, &w.ledger.checkpoint().unwrap().unwrap());
    let report = verify_with(&export_with(&w, &head), &policy(&endpoints, 2));
    assert!(!report.valid);
    let f = report.failure.unwrap();
    assert_eq!(f.code, "witness.quorum");
    assert!(f.message.contains("committee"), "{}", f.message);
    assert_eq!(
        report.entries_verified, 0,
        "refused before reading any entry"
    );
    // With a quorum of one the same export is valid.
    assert!(verify_with(&export_with(&w, &head), &policy(&endpoints, 1)).valid);
    // The CLI names the code and exits 1.
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("l.export");
    std::fs::write(&file, export_with(&w, &head)).unwrap();
    let mut args = vec!["verify".to_string(), file.display().to_string()];
    for e in &endpoints {
        args.push("--witness".into());
        args.push(e.key.to_vkey());
    }
    args.extend(["--quorum".into(), "2".into()]);
    let o = Command::new(env!("CARGO_BIN_EXE_kordon"))
        .args(&args)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("code: witness.quorum"));
    args.pop();
    args.push("1".into());
    let o = Command::new(env!("CARGO_BIN_EXE_kordon"))
        .args(&args)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("witnessed by committee"));
}

#[test]
fn a_hanging_witness_never_holds_up_appends() {
    let w = World::new();
    // A witness that accepts connections and never answers.
    let hang = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut ws = Witnesses::new();
    let (_, mut ep) = ws.start("slow", Algorithm::Ed25519, &[]);
    ep.url = format!("http://{}", hang.local_addr().unwrap());
    let c = witnessing(&w, vec![ep], 1);
    note(&w, "a");
    // The witness request is now in flight and will not be answered...
    let (conn, _) = hang.accept().unwrap();
    let before = w.ledger.size();
    // ...and appends go on regardless, each durable and acknowledged.
    for i in 0..20 {
        note(&w, &format!("while the witness hangs {i}"));
    }
    assert_eq!(w.ledger.size(), before + 20);
    assert_eq!(c.witnessed(), None);
    drop(conn);
}

fn post(url: &str, body: &[u8]) -> (u16, String, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent
        .post(format!("{url}/add-checkpoint"))
        .send(body)
        .unwrap();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (
        r.status().as_u16(),
        ct,
        r.body_mut().read_to_string().unwrap(),
    )
}

fn get(url: &str) -> (u16, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent.get(url).call().unwrap();
    (r.status().as_u16(), r.body_mut().read_to_vec().unwrap())
}

fn request(old: u64, proof: Vec<Hash>, note: &str) -> Vec<u8> {
    AddCheckpoint {
        old_size: old,
        proof,
        note: note.as_bytes().to_vec(),
    }
    .to_body()
}

#[test]
fn a_forked_ledger_shown_to_a_witness_is_refused_and_the_evidence_verifies() {
    // Two ledgers under one origin and one ledger key that part after the same prefix: the
    // operator shows one history to some readers and another to others.
    let honest = World::new();
    let forked = World::new();
    note(&honest, "the record as it happened");
    note(&forked, "a rewritten record");
    assert_eq!(honest.ledger.size(), forked.ledger.size());
    let vkey = honest.ledger.verifier_key();
    assert_eq!(vkey, forked.ledger.verifier_key());
    let mut ws = Witnesses::new();
    let (wit, ep) = ws.start("committee", Algorithm::MlDsa44, std::slice::from_ref(&vkey));
    let a = honest.ledger.checkpoint().unwrap().unwrap();
    let b = forked.ledger.checkpoint().unwrap().unwrap();
    let size = honest.ledger.size();
    let (s, _, line) = post(&ep.url, &request(0, vec![], &a));
    assert_eq!(s, 200, "{line}");
    let state = std::fs::read(dir::state_path(wit.dir(), ORIGIN)).unwrap();
    // The fork: the same size, another root.
    let (s, _, why) = post(&ep.url, &request(size, vec![], &b));
    assert_eq!(s, 422);
    assert!(why.contains("forked"), "{why}");
    assert_eq!(
        std::fs::read(dir::state_path(wit.dir(), ORIGIN)).unwrap(),
        state,
        "the refused checkpoint changed nothing"
    );
    // The evidence is listed and downloadable, and anyone can check it with the ledger key.
    let (s, list) = get(&format!("{}/evidence", ep.url));
    assert_eq!(s, 200);
    let list: serde_json::Value = serde_json::from_slice(&list).unwrap();
    let name = list["evidence"][0].as_str().unwrap().to_string();
    let (s, file) = get(&format!("{}/evidence/{name}", ep.url));
    assert_eq!(s, 200);
    let ev: Evidence = serde_json::from_slice(&file).unwrap();
    let fork = ev
        .verify(Some(&[LogKey::parse(&vkey).unwrap()]))
        .expect("the evidence proves the fork");
    assert_eq!(fork.sizes, [size, size]);
    assert_ne!(fork.roots[0], fork.roots[1]);
    // `kordon verify --evidence` says so (exit 0), and refuses evidence whose checkpoints agree.
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("fork.json");
    std::fs::write(&path, &file).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_kordon"))
        .args([
            "verify",
            "--evidence",
            path.to_str().unwrap(),
            "--key",
            &vkey,
        ])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("PROVEN"));
    let mut same = ev.clone();
    same.checkpoints[1] = same.checkpoints[0].clone();
    std::fs::write(&path, serde_json::to_vec(&same).unwrap()).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_kordon"))
        .args([
            "verify",
            "--evidence",
            path.to_str().unwrap(),
            "--key",
            &vkey,
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    // The witness goes on serving the honest history.
    note(&honest, "the next record");
    let proof = honest.ledger.consistency_proof(size, size + 1).unwrap();
    let next = honest.ledger.checkpoint().unwrap().unwrap();
    let (s, _, line) = post(&ep.url, &request(size, proof, &next));
    assert_eq!(s, 200, "{line}");
}

#[test]
fn every_refusal_of_the_protocol_changes_nothing_and_the_witness_serves_on() {
    let w = World::new();
    let mut ws = Witnesses::new();
    let vkey = w.ledger.verifier_key();
    let (wit, ep) = ws.start("committee", Algorithm::Ed25519, std::slice::from_ref(&vkey));
    let cp1 = w.ledger.checkpoint().unwrap().unwrap();
    let size1 = w.ledger.size();
    assert_eq!(post(&ep.url, &request(0, vec![], &cp1)).0, 200);
    let state = || std::fs::read(dir::state_path(wit.dir(), ORIGIN)).unwrap();
    let before = state();
    note(&w, "more");
    let cp2 = w.ledger.checkpoint().unwrap().unwrap();
    let size2 = w.ledger.size();
    let proof = w.ledger.consistency_proof(size1, size2).unwrap();
    let other = World::with_origin("kordon.test/other");
    let unknown = other.ledger.checkpoint().unwrap().unwrap();
    let mut bad_proof = proof.clone();
    bad_proof[0] = leaf_hash(b"nonsense");
    let tampered = cp2.replacen(&format!("\n{size2}\n"), &format!("\n{}\n", size2 + 1), 1);
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        ("garbage", b"hello".to_vec(), 400),
        (
            "leading zero",
            format!("old 0{size1}\n\n{cp2}").into_bytes(),
            400,
        ),
        ("unknown log", request(0, vec![], &unknown), 404),
        (
            "bad signature",
            request(size1, proof.clone(), &tampered),
            403,
        ),
        ("old size above size", request(size2 + 1, vec![], &cp2), 400),
        ("stale old size", request(0, vec![], &cp2), 409),
        ("bad proof", request(size1, bad_proof, &cp2), 422),
        (
            "short proof",
            request(size1, proof[..1].to_vec(), &cp2),
            422,
        ),
    ];
    for (what, body, want) in cases {
        let (s, ct, text) = post(&ep.url, &body);
        assert_eq!(s, want, "{what}: {text}");
        if want == 409 {
            assert_eq!(ct, "text/x.tlog.size", "{what}");
            assert_eq!(text, format!("{size1}\n"), "{what}");
        } else {
            assert!(!text.trim().is_empty(), "{what}: a reason is given");
        }
        assert_eq!(state(), before, "{what}: nothing written");
        assert!(
            dir::list_evidence(wit.dir()).is_empty(),
            "{what}: no evidence"
        );
    }
    // A body too large for the witness is refused before it is read whole.
    let huge = vec![b'a'; server::MAX_REQUEST + 1];
    assert_eq!(post(&ep.url, &huge).0, 413);
    // Still serving: the right request is cosigned and the monitoring URL shows it.
    let (s, _, line) = post(&ep.url, &request(size1, proof, &cp2));
    assert_eq!(s, 200, "{line}");
    let (s, body) = get(&format!(
        "{}/{}/checkpoint",
        ep.url,
        dir::origin_hash(ORIGIN)
    ));
    assert_eq!(s, 200);
    let body = String::from_utf8(body).unwrap();
    assert!(body.starts_with(&cp2) && body.ends_with(&line), "{body}");
    assert_eq!(get(&format!("{}/{}/checkpoint", ep.url, "00")).0, 404);
}

#[test]
fn a_witness_killed_with_sigkill_keeps_what_it_cosigned() {
    let w = World::new();
    note(&w, "entry");
    let vkey = w.ledger.verifier_key();
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("w");
    let out = Command::new(env!("CARGO_BIN_EXE_kordon"))
        .args([
            "witness",
            "init",
            "--dir",
            d.to_str().unwrap(),
            "--name",
            "w.test/k9",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("verifier key: w.test/k9+"));
    let spawn = || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kordon"))
            .args(["witness", "serve", "--dir", d.to_str().unwrap()])
            .args(["--listen", "127.0.0.1:0", "--log", &vkey])
            .env("KORDON_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let url = line
            .split(" on ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or_else(|| panic!("{line}"))
            .trim_end_matches('/')
            .to_string();
        (child, url, out)
    };
    let (mut child, url, _out) = spawn();
    let cp = w.ledger.checkpoint().unwrap().unwrap();
    let size = w.ledger.size();
    let (s, _, line) = post(&url, &request(0, vec![], &cp));
    assert_eq!(s, 200, "{line}");
    // kill -9 right after the answer.
    child.kill().unwrap();
    child.wait().unwrap();
    let (mut child, url, _out) = spawn();
    // It remembers: a request from size 0 is a conflict naming the size it cosigned.
    let (s, ct, text) = post(&url, &request(0, vec![], &cp));
    assert_eq!(
        (s, ct.as_str(), text),
        (409, "text/x.tlog.size", format!("{size}\n"))
    );
    let (s, body) = get(&format!("{url}/{}/checkpoint", dir::origin_hash(ORIGIN)));
    assert_eq!(s, 200);
    assert!(String::from_utf8(body).unwrap().ends_with(&line));
    child.kill().unwrap();
    child.wait().unwrap();
}

/// RFC 6962 §2.1, written out again for the hand-built log: MTH of leaf hashes.
fn mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Hash(Sha256::digest(b"").into()),
        1 => leaves[0],
        n => {
            // k: the largest power of two smaller than n.
            let mut k = 1;
            while k * 2 < n {
                k *= 2;
            }
            node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

#[test]
fn kordons_witness_cosigns_a_log_that_is_not_kordon() {
    // A C2SP log built here from the specifications alone: tlog-checkpoint text, a signed-note
    // Ed25519 signature with key ID SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[0..4].
    let origin = "example.org/hand-made-log";
    let key = ed25519_dalek::SigningKey::from_bytes(&[42; 32]);
    let public = key.verifying_key().to_bytes();
    let mut id_input = origin.as_bytes().to_vec();
    id_input.extend_from_slice(&[0x0A, 0x01]);
    id_input.extend_from_slice(&public);
    let key_id = &Sha256::digest(&id_input)[..4];
    let mut vkey_bytes = vec![0x01];
    vkey_bytes.extend_from_slice(&public);
    let vkey = format!(
        "{origin}+{}+{}",
        hex::encode(key_id),
        B64.encode(&vkey_bytes)
    );
    let leaves: Vec<Hash> = (0..7)
        .map(|i| {
            Hash(Sha256::digest([&[0u8][..], format!("record {i}").as_bytes()].concat()).into())
        })
        .collect();
    let sign = |n: usize| {
        let text = format!("{origin}\n{n}\n{}\n", B64.encode(mth(&leaves[..n]).0));
        let sig = ed25519_dalek::Signer::sign(&key, text.as_bytes()).to_bytes();
        let line = B64.encode([key_id, &sig[..]].concat());
        (text.clone(), format!("{text}\n\u{2014} {origin} {line}\n"))
    };
    let mut ws = Witnesses::new();
    let (_, ep) = ws.start("civil", Algorithm::Ed25519, std::slice::from_ref(&vkey));
    let (text3, note3) = sign(3);
    let (s, _, line) = post(&ep.url, &request(0, vec![], &note3));
    assert_eq!(s, 200, "{line}");
    // The cosignature, checked from the tlog-cosignature text: key ID with type 0x04, then
    // an 8-byte timestamp and Ed25519 over "cosignature/v1\ntime T\n" ‖ text.
    let (name, b64) = line
        .strip_prefix("\u{2014} ")
        .unwrap()
        .trim_end()
        .split_once(' ')
        .unwrap();
    assert_eq!(name, "civil.test/witness");
    let raw = B64.decode(b64).unwrap();
    let wpub = ep.key.public_key();
    let mut wid = name.as_bytes().to_vec();
    wid.extend_from_slice(&[0x0A, 0x04]);
    wid.extend_from_slice(wpub);
    assert_eq!(&raw[..4], &Sha256::digest(&wid)[..4]);
    let ts = u64::from_be_bytes(raw[4..12].try_into().unwrap());
    assert!(ts > 1_700_000_000);
    let msg = format!("cosignature/v1\ntime {ts}\n{text3}");
    let vk = ed25519_dalek::VerifyingKey::from_bytes(wpub.try_into().unwrap()).unwrap();
    let sig = ed25519_dalek::Signature::from_slice(&raw[12..]).unwrap();
    vk.verify_strict(msg.as_bytes(), &sig).unwrap();
    // It grows: a consistency proof from 3 to 7 by RFC 6962 §2.1.2's SUBPROOF, worked out:
    // SUBPROOF(3, D[0:7]) = SUBPROOF(3, D[0:4]) : MTH(D[4:7]);
    // SUBPROOF(3, D[0:4]) = SUBPROOF(1, D[2:4], false) : MTH(D[0:2]);
    // SUBPROOF(1, D[2:4], false) = MTH(D[2:3]) : MTH(D[3:4]).
    let proof = vec![leaves[2], leaves[3], mth(&leaves[..2]), mth(&leaves[4..7])];
    let (_, note7) = sign(7);
    let (s, _, line) = post(&ep.url, &request(3, proof, &note7));
    assert_eq!(s, 200, "{line}");
    assert!(checkpoint::parse_unverified(note7.as_bytes()).is_ok());
}

#[test]
fn receipts_carry_the_witnessed_checkpoint_and_upgrade() {
    use kordon::server::receipt;
    let w = World::new();
    let mut ws = Witnesses::new();
    let vkey = w.ledger.verifier_key();
    let (_, a) = ws.start("committee", Algorithm::Ed25519, std::slice::from_ref(&vkey));
    let (_, b) = ws.start("ngo", Algorithm::MlDsa44, std::slice::from_ref(&vkey));
    let endpoints = vec![a, b];
    let p = policy(&endpoints, 2);
    let c = Arc::new(
        Cosigning::start(
            endpoints.clone(),
            p.clone(),
            Arc::new(StoreProofs(Arc::new(w.store.clone()) as Arc<dyn Store>)),
            fast(),
        )
        .unwrap(),
    );
    let config = kordon::server::Config {
        witnessing: Some(Arc::clone(&c)),
        ..Default::default()
    };
    let st = kordon::server::AppState::new(Arc::clone(&w.ledger), config).unwrap();
    // The receipt a submission is answered with: the commit's own checkpoint, which no witness
    // has seen yet.
    let r = w.ok(w.sign(
        "monitor",
        Body::NoteAdded(NoteAdded {
            commitment: None,
            about: None,
            text: "kept".into(),
            evidence: vec![],
        }),
    ));
    let snap = w.store.snapshot().unwrap();
    let first = receipt::build(&*snap, r.seq, &r.checkpoint, &vkey).unwrap();
    drop(snap);
    let e = receipt::verify_witnessed(&first, Some(&vkey), &p).unwrap_err();
    assert!(
        matches!(
            e,
            receipt::ReceiptError::Witness {
                code: "witness.quorum",
                ..
            }
        ),
        "{e}"
    );
    // More commits, then the witnesses catch up.
    note(&w, "later");
    let size = w.ledger.size();
    c.wait_witnessed(size, Duration::from_secs(20))
        .expect("witnessed");
    // `/checkpoint` and a fresh receipt carry both cosignatures.
    let listener = ws
        .rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    ws.rt.spawn(kordon::server::serve(
        listener,
        st.clone(),
        std::future::pending(),
    ));
    let (s, body) = get(&format!("{url}/checkpoint"));
    assert_eq!(s, 200);
    assert_eq!(p.check(&body).unwrap().len(), 2);
    let (s, body) = get(&format!("{url}/witnesses"));
    assert_eq!(s, 200);
    let wj: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(wj["policy"], "2 of 2 witnesses");
    assert_eq!(wj["witnessed"]["size"], size);
    // `kordon receipt upgrade` replaces the first receipt by the witnessed one, with the
    // consistency proof from the old checkpoint.
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("r.json");
    std::fs::write(&file, serde_json::to_string(&first).unwrap()).unwrap();
    let mut args = vec![
        "receipt".to_string(),
        "upgrade".into(),
        file.display().to_string(),
        "--server".into(),
        url.clone(),
        "--key".into(),
        vkey.clone(),
    ];
    for e in &endpoints {
        args.extend(["--witness".to_string(), e.key.to_vkey()]);
    }
    args.extend(["--quorum".to_string(), "2".into()]);
    let o = Command::new(env!("CARGO_BIN_EXE_kordon"))
        .args(&args)
        .env_remove("KORDON_READ_TOKEN")
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let upgraded: receipt::Receipt =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let (v, cosigned) = receipt::verify_witnessed(&upgraded, Some(&vkey), &p).unwrap();
    assert_eq!(
        (v.seq, v.leaf),
        (first.seq, leaf_hash(&B64.decode(&first.entry).unwrap()))
    );
    assert_eq!(v.checkpoint.size, size);
    assert_eq!(cosigned.len(), 2);
    assert!(upgraded.upgraded_from.is_some());
    assert!(tmp.path().join("r.json.orig").exists());
    // A consistency proof that does not hold is caught.
    let mut bad = upgraded.clone();
    bad.upgraded_from.as_mut().unwrap().consistency[0] = leaf_hash(b"x").to_base64();
    assert!(matches!(
        receipt::verify(&bad, Some(&vkey)),
        Err(receipt::ReceiptError::Upgrade(_))
    ));
    // `kordon receipt verify` with the policy accepts the upgraded receipt.
    let mut args = vec![
        "receipt".to_string(),
        "verify".into(),
        file.display().to_string(),
        "--key".into(),
        vkey.clone(),
    ];
    for e in &endpoints {
        args.extend(["--witness".to_string(), e.key.to_vkey()]);
    }
    let o = Command::new(env!("CARGO_BIN_EXE_kordon"))
        .args(&args)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("witnessed by"));
}

#[test]
fn the_integrity_page_names_the_witnesses_of_the_checkpoint_shown() {
    let w = World::new();
    let mut ws = Witnesses::new();
    let vkey = w.ledger.verifier_key();
    let (_, a) = ws.start("committee", Algorithm::Ed25519, std::slice::from_ref(&vkey));
    let (_, b) = ws.start("ngo", Algorithm::MlDsa44, std::slice::from_ref(&vkey));
    let endpoints = vec![a, b, ws.dead("mission")];
    let c = Arc::new(
        Cosigning::start(
            endpoints.clone(),
            policy(&endpoints, 2),
            Arc::new(StoreProofs(Arc::new(w.store.clone()) as Arc<dyn Store>)),
            fast(),
        )
        .unwrap(),
    );
    let config = kordon::server::Config {
        witnessing: Some(Arc::clone(&c)),
        ..Default::default()
    };
    let st = kordon::server::AppState::new(Arc::clone(&w.ledger), config).unwrap();
    c.wait_witnessed(w.ledger.size(), Duration::from_secs(20))
        .expect("witnessed");
    let listener = ws
        .rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    ws.rt
        .spawn(kordon::server::serve(listener, st, std::future::pending()));
    let (s, page) = get(&format!("{url}/dashboard/integrity?lang=en"));
    assert_eq!(s, 200);
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains("id=\"witness-table\""), "{page}");
    assert!(page.contains("2 of 3 witnesses"));
    for e in &endpoints {
        assert!(page.contains(&format!("data-vkey=\"{}\"", e.key.to_vkey())));
    }
    assert_eq!(page.matches("data-cosigned=\"true\"").count(), 2);
    assert!(page.contains("has not cosigned this checkpoint"));
    assert!(page.contains("unreachable"), "the dead witness is marked");
    // The page's checkpoint carries the cosignatures, as /checkpoint does.
    let (_, cp) = get(&format!("{url}/checkpoint"));
    let cp = String::from_utf8(cp).unwrap();
    assert_eq!(cp.matches('\u{2014}').count(), 3);
    assert!(page.contains(&cp.lines().last().unwrap()[..40]));
    // The policy file the page points to reads back as the same policy, and accepts the
    // witnessed checkpoint.
    let (s, file) = get(&format!("{url}/witnesses/policy"));
    assert_eq!(s, 200);
    let (p, logs) = Policy::parse_tlog_policy(std::str::from_utf8(&file).unwrap()).unwrap();
    assert_eq!(logs, [vkey]);
    assert_eq!(p, policy(&endpoints, 2));
    assert_eq!(p.check(cp.as_bytes()).unwrap().len(), 2);
}

#[test]
fn the_demo_serves_checkpoints_cosigned_by_its_two_witnesses() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = tmp.path().join("demo");
    let mut child = Command::new(env!("CARGO_BIN_EXE_kordon"))
        .args(["serve", "--demo", "--demo-dir", demo.to_str().unwrap()])
        .args(["--listen", "127.0.0.1:0"])
        .env("KORDON_LOG", "warn")
        .env_remove("KORDON_DATA")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut url = None;
    let mut printed = String::new();
    while url.is_none() {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "serve ended: {printed}"
        );
        printed.push_str(&line);
        if let Some(rest) = line.strip_prefix("serving ledger ") {
            url = rest
                .split(" on ")
                .nth(1)
                .map(|u| u.trim().trim_end_matches('/').to_string());
        }
    }
    let url = url.unwrap();
    assert!(printed.contains("witness rada-eu (ed25519)"), "{printed}");
    assert!(printed.contains("witness monitor (ml-dsa-44)"), "{printed}");
    let mut witnessed = serde_json::Value::Null;
    for _ in 0..400 {
        let (_, b) = get(&format!("{url}/witnesses"));
        let v: serde_json::Value = serde_json::from_slice(&b).unwrap();
        if !v["witnessed"].is_null() {
            witnessed = v;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(witnessed["policy"], "2 of 2 witnesses", "{witnessed}");
    let (_, cp) = get(&format!("{url}/checkpoint"));
    let cp = String::from_utf8(cp).unwrap();
    let names: Vec<&str> = cp
        .lines()
        .filter_map(|l| l.strip_prefix("\u{2014} "))
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "kordon.demo/ibm",
            "witness.rada-eu.demo/committee",
            "witness.monitor.demo/ngo"
        ]
    );
    // The demo witnesses' keys are the documented demo keys.
    for (label, name, alg, seed) in kordon::demo::witnesses() {
        let c = kordon::core::cosignature::Cosigner::from_seed(name, alg, &seed).unwrap();
        assert!(
            witnessed["witnesses"]
                .as_array()
                .unwrap()
                .iter()
                .any(|w| w["label"] == label && w["verifier_key"] == c.verifier().to_vkey()),
            "{label}"
        );
    }
    // SAFETY: sending a signal to our own child process.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    assert!(child.wait().unwrap().success());
    // The data directory kept the cosignatures: an export up to the witnessed checkpoint
    // verifies with both demo witnesses required.
    let file = tmp.path().join("demo.export");
    let o = Command::new(env!("CARGO_BIN_EXE_kordon"))
        .args(["--data", demo.to_str().unwrap(), "export", "--witnessed"])
        .args(["--out", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut args = vec!["verify".to_string(), file.display().to_string()];
    for (_, name, alg, seed) in kordon::demo::witnesses() {
        let c = kordon::core::cosignature::Cosigner::from_seed(name, alg, &seed).unwrap();
        args.extend(["--witness".into(), c.verifier().to_vkey()]);
    }
    args.extend(["--quorum".into(), "2".into()]);
    let o = Command::new(env!("CARGO_BIN_EXE_kordon"))
        .args(&args)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("witnessed by rada-eu") || out.contains("witnessed by witness.rada-eu"),
        "{out}"
    );
}

#[test]
fn a_ledger_that_lost_its_cosignatures_recovers_them_from_the_witnesses() {
    let w = World::new();
    let mut ws = Witnesses::new();
    let vkey = w.ledger.verifier_key();
    let (_, a) = ws.start("committee", Algorithm::Ed25519, std::slice::from_ref(&vkey));
    let (_, b) = ws.start("ngo", Algorithm::MlDsa44, std::slice::from_ref(&vkey));
    let endpoints = vec![a, b];
    let first = witnessing(&w, endpoints.clone(), 2);
    let size = w.ledger.size();
    first.wait_witnessed(size, Duration::from_secs(20)).unwrap();
    drop(first);
    // A fresh start with no state: each witness answers 409 with the size it already holds,
    // and its cosignature is fetched from its monitoring URL.
    let second = witnessing(&w, endpoints.clone(), 2);
    let got = second
        .wait_witnessed(size, Duration::from_secs(20))
        .expect("recovered");
    assert_eq!(
        policy(&endpoints, 2)
            .check(got.note.as_bytes())
            .unwrap()
            .len(),
        2
    );
}
