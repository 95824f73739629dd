//! `kordon monitor`: a body watches a ledger for entries made with its keys that it did not
//! make (a stolen or misused key), for keys added to or revoked from it, and for any
//! inconsistency between the checkpoints the ledger showed it.
//!
//! It follows the ledger over the C2SP tlog-tiles API alone (`/checkpoint`, `/tile/entries/N`,
//! `/tile/L/N`), so it trusts the server for nothing it can check: every new checkpoint must
//! open with the ledger's key, and the entries fetched since the last one must hash, appended
//! to the tree it already holds (its compact range, kept on disk), to the new checkpoint's root.
//! That is a consistency check on every step. When they do not, the monitor builds fork
//! evidence from the server's hash tiles (`kordon verify --evidence` checks it).
//!
//! `scan` (judging one entry) and `findings_for_body` (a whole store) are the library functions
//! the dashboard's views call; `follow` adds the network and the state file.

use crate::core::chain;
use crate::core::checkpoint::{self, Checkpoint};
use crate::core::event::Body;
use crate::core::hash::{node_hash, Hash};
use crate::core::keys::{self, KeyId};
use crate::core::merkle::{self, Frontier, NodeId, NodeReader};
use crate::core::note::NoteVerifier;
use crate::core::tiles::{self, TilePath};
use crate::core::witness::{Evidence, LogKey};
use crate::server::client::Client;
use crate::store::Snapshot;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

/// Something the body should know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "finding", rename_all = "kebab-case")]
pub enum Finding {
    /// An entry signed with one of the body's keys that none of its receipts holds.
    UnexpectedEntry {
        seq: u64,
        event_id: String,
        event_type: String,
        key: String,
        recorded_at: String,
    },
    /// A key was added to the body (by `by`).
    KeyAdded { seq: u64, key: String, by: String },
    /// A key of the body was revoked (by `by`).
    KeyRevoked {
        seq: u64,
        key: String,
        by: String,
        reason: String,
    },
    /// The ledger showed two checkpoints that cannot both be true; `evidence` is the file
    /// written (or the reason no portable evidence could be built).
    Inconsistent {
        detail: String,
        evidence: Option<String>,
    },
}

impl Finding {
    /// Whether the finding needs attention (exit code 1): an entry the body did not make, or
    /// an inconsistency. Key changes are reported, and attention-worthy only through the
    /// entries that follow them.
    pub fn alarming(&self) -> bool {
        matches!(
            self,
            Finding::UnexpectedEntry { .. } | Finding::Inconsistent { .. }
        )
    }

    pub fn describe(&self) -> String {
        match self {
            Finding::UnexpectedEntry {
                seq,
                event_id,
                event_type,
                key,
                recorded_at,
            } => format!(
                "UNEXPECTED entry {seq}: {event_type} (event {event_id}) signed with this body's key {key} at {recorded_at}, and no receipt of this body holds it: was the key stolen or misused?"
            ),
            Finding::KeyAdded { seq, key, by } => {
                format!("key added: entry {seq} registered key {key} for this body (signed by {by})")
            }
            Finding::KeyRevoked {
                seq,
                key,
                by,
                reason,
            } => format!("key revoked: entry {seq} revoked key {key} (by {by}: {reason})"),
            Finding::Inconsistent { detail, evidence } => match evidence {
                Some(e) => format!("INCONSISTENT: {detail}; evidence in {e}"),
                None => format!("INCONSISTENT: {detail}"),
            },
        }
    }
}

/// The body's keys as the ledger's entries set them.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct BodyKeys {
    pub body: String,
    /// Key id → whether it was revoked.
    pub keys: BTreeMap<String, bool>,
}

/// Judges one entry for `keys.body`: updates the body's keys and returns what to report.
/// `receipts` holds the leaf hashes of the body's receipts.
pub fn scan(keys: &mut BodyKeys, p: &chain::Prepared, receipts: &HashSet<Hash>) -> Vec<Finding> {
    let mut out = Vec::new();
    let ev = &p.event;
    let by = ev.author.as_str().to_string();
    match &ev.body {
        Body::Genesis(g) if g.registrar.id.as_str() == keys.body => {
            if let Ok(pk) = keys::parse_public_key(&g.registrar_key) {
                keys.keys.insert(KeyId::of(&pk).to_string(), false);
            }
        }
        Body::BodyRegistered(b) if b.id.as_str() == keys.body => {
            for k in &b.public_keys {
                if let Ok(pk) = keys::parse_public_key(k) {
                    let id = KeyId::of(&pk).to_string();
                    keys.keys.insert(id.clone(), false);
                    out.push(Finding::KeyAdded {
                        seq: p.seq,
                        key: id,
                        by: by.clone(),
                    });
                }
            }
        }
        Body::KeyAdded(k) if k.body.as_str() == keys.body => {
            if let Ok(pk) = keys::parse_public_key(&k.public_key) {
                let id = KeyId::of(&pk).to_string();
                keys.keys.insert(id.clone(), false);
                out.push(Finding::KeyAdded {
                    seq: p.seq,
                    key: id,
                    by: by.clone(),
                });
            }
        }
        Body::KeyRevoked(k) if k.body.as_str() == keys.body => {
            keys.keys.insert(k.key.to_string(), true);
            out.push(Finding::KeyRevoked {
                seq: p.seq,
                key: k.key.to_string(),
                by: by.clone(),
                reason: k.reason.clone(),
            });
        }
        _ => {}
    }
    let mine = keys.keys.contains_key(ev.key.as_str()) || ev.author.as_str() == keys.body;
    if mine && !receipts.contains(&p.leaf) {
        out.insert(
            0,
            Finding::UnexpectedEntry {
                seq: p.seq,
                event_id: ev.id.to_string(),
                event_type: ev.kind().to_string(),
                key: ev.key.to_string(),
                recorded_at: p.recorded_at.to_rfc3339(),
            },
        );
    }
    out
}

/// The findings for `body` over a whole store (what the dashboard's "My body" view shows).
pub fn findings_for_body(
    snap: &dyn Snapshot,
    body: &str,
    receipts: &HashSet<Hash>,
) -> Result<Vec<Finding>, String> {
    let mut keys = BodyKeys {
        body: body.to_string(),
        ..BodyKeys::default()
    };
    let mut out = Vec::new();
    let size = snap.size();
    let mut start = 0;
    while start < size {
        let end = (start + 4096).min(size);
        for (i, bytes) in snap
            .entries(start, end)
            .map_err(|e| e.to_string())?
            .into_iter()
            .enumerate()
        {
            let p = chain::prepare(bytes, start + i as u64).map_err(|f| f.to_string())?;
            out.extend(scan(&mut keys, &p, receipts));
        }
        start = end;
    }
    Ok(out)
}

/// The leaf hashes of the receipts in `dir` (`*.json` files as `--server` keeps them). The
/// leaf hash is recomputed from each receipt's entry bytes; files that are not receipts are
/// skipped.
pub fn receipt_leaves(dir: &Path) -> Result<HashSet<Hash>, String> {
    let mut out = HashSet::new();
    let rd = match std::fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        let Ok(r) = serde_json::from_str::<crate::core::receipt::Receipt>(&text) else {
            continue;
        };
        if let Ok(bytes) = BASE64.decode(&r.entry) {
            out.insert(crate::core::entry::entry_hash(&bytes));
        }
    }
    Ok(out)
}

/// What the monitor keeps between runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct State {
    pub origin: String,
    pub verifier_key: String,
    pub keys: BodyKeys,
    /// The last checkpoint verified, and the compact range of its tree (base64 hashes).
    pub size: u64,
    pub checkpoint: String,
    pub frontier: Vec<String>,
}

impl State {
    pub fn new(verifier_key: &str, body: &str) -> Result<State, String> {
        let v = NoteVerifier::parse(verifier_key).map_err(|e| e.to_string())?;
        Ok(State {
            origin: v.name().to_string(),
            verifier_key: verifier_key.to_string(),
            keys: BodyKeys {
                body: body.to_string(),
                ..BodyKeys::default()
            },
            size: 0,
            checkpoint: String::new(),
            frontier: Vec::new(),
        })
    }

    fn frontier(&self) -> Result<Frontier, String> {
        let hashes: Vec<Hash> = self
            .frontier
            .iter()
            .map(|h| Hash::from_base64(h).ok_or_else(|| "a corrupt state file".to_string()))
            .collect::<Result<_, _>>()?;
        // The compact range's nodes, left to right: one perfect subtree per set bit of size.
        let mut nodes = HashMap::new();
        let mut start = 0u64;
        let mut it = hashes.iter();
        for bit in (0..64).rev() {
            if self.size & (1 << bit) != 0 {
                let h = it.next().ok_or("a corrupt state file (compact range)")?;
                nodes.insert(
                    NodeId {
                        level: bit as u8,
                        index: start >> bit,
                    },
                    *h,
                );
                start += 1 << bit;
            }
        }
        Frontier::from_reader(&MapNodes(nodes), self.size).map_err(|e| e.to_string())
    }
}

struct MapNodes(HashMap<NodeId, Hash>);

impl NodeReader for MapNodes {
    type Error = String;
    fn node(&self, id: NodeId) -> Result<Hash, String> {
        self.0
            .get(&id)
            .copied()
            .ok_or_else(|| format!("node {id:?} missing"))
    }
}

/// Reads tree nodes from a server's hash tiles, for a tree of `size` leaves.
struct TileNodes<'a> {
    client: &'a Client,
    size: u64,
    cache: std::cell::RefCell<HashMap<(u8, u64), Vec<Hash>>>,
}

impl TileNodes<'_> {
    fn tile(&self, level: u8, index: u64) -> Result<Vec<Hash>, String> {
        if let Some(t) = self.cache.borrow().get(&(level, index)) {
            return Ok(t.clone());
        }
        let at_level = self.size >> (8 * level as u32);
        let full = at_level / tiles::TILE_WIDTH;
        let width = if index < full {
            tiles::TILE_WIDTH
        } else {
            at_level % tiles::TILE_WIDTH
        };
        let path = tiles::encode_path(&TilePath {
            level: Some(level),
            index,
            width,
        });
        let bytes = self
            .client
            .get_bytes(&format!("/tile/{path}"))
            .map_err(|e| e.to_string())?;
        if bytes.len() as u64 != width * 32 {
            return Err(format!("tile {path} is {} bytes", bytes.len()));
        }
        let hashes: Vec<Hash> = bytes.chunks(32).filter_map(Hash::from_slice).collect();
        self.cache
            .borrow_mut()
            .insert((level, index), hashes.clone());
        Ok(hashes)
    }
}

impl NodeReader for TileNodes<'_> {
    type Error = String;
    fn node(&self, id: NodeId) -> Result<Hash, String> {
        // A node at level L is within the tile of level L / 8; below the tile's own level its
        // 2^(L mod 8) hashes are hashed up.
        let tl = id.level / 8;
        let r = id.level % 8;
        let first = id.index << r;
        let t = self.tile(tl, first / tiles::TILE_WIDTH)?;
        let off = (first % tiles::TILE_WIDTH) as usize;
        let mut layer: Vec<Hash> = t
            .get(off..off + (1usize << r))
            .ok_or_else(|| format!("tile too narrow for node {id:?}"))?
            .to_vec();
        while layer.len() > 1 {
            layer = layer.chunks(2).map(|c| node_hash(&c[0], &c[1])).collect();
        }
        Ok(layer[0])
    }
}

/// One step of following: what was found and the new state.
pub struct Step {
    pub findings: Vec<Finding>,
    pub checkpoint: Checkpoint,
    pub new_entries: u64,
}

/// Follows the ledger at `client` one step from `state`: verifies its checkpoint, fetches the
/// entries added since, checks they extend the tree `state` holds to the new root, and scans
/// them for the body. Evidence of an inconsistency is written into `evidence_dir`.
pub fn follow(
    client: &Client,
    state: &mut State,
    receipts: &HashSet<Hash>,
    evidence_dir: &Path,
) -> Result<Step, String> {
    let verifier = NoteVerifier::parse(&state.verifier_key).map_err(|e| e.to_string())?;
    let note = client.checkpoint().map_err(|e| e.to_string())?;
    let cp = checkpoint::open(note.as_bytes(), &verifier)
        .map_err(|e| format!("the ledger's checkpoint does not verify with its key: {e}"))?;
    let keys = [LogKey::Note(verifier.clone())];
    let mut findings = Vec::new();
    let old_root = state.frontier()?.root();
    let inconsistent = |detail: String, ev: Option<Evidence>| -> Finding {
        let evidence = ev.and_then(|ev| {
            let name = format!("fork-{}-{}.json", state.size, cp.size);
            let p = evidence_dir.join(&name);
            std::fs::create_dir_all(evidence_dir).ok()?;
            let json = serde_json::to_vec_pretty(&ev).ok()?;
            crate::witness::write_atomic(&p, &json).ok()?;
            Some(p.display().to_string())
        });
        Finding::Inconsistent { detail, evidence }
    };
    if cp.size < state.size {
        findings.push(inconsistent(
            format!(
                "the ledger's checkpoint went back from size {} to {}: entries were removed",
                state.size, cp.size
            ),
            None,
        ));
        return Ok(Step {
            findings,
            checkpoint: cp,
            new_entries: 0,
        });
    }
    if cp.size == state.size {
        if state.size > 0 && cp.root != old_root {
            let ev = Evidence {
                evidence: crate::core::witness::EVIDENCE_FORMAT.into(),
                origin: cp.origin.clone(),
                log_keys: vec![verifier.to_vkey()],
                checkpoints: [state.checkpoint.clone(), note.clone()],
                proof: Vec::new(),
                seen_by: format!("kordon monitor for {}", state.keys.body),
            };
            findings.push(inconsistent(
                format!("two checkpoints of size {} with different roots", cp.size),
                Some(ev),
            ));
        }
        return Ok(Step {
            findings,
            checkpoint: cp,
            new_entries: 0,
        });
    }
    // Fetch the new entries bundle by bundle and extend the tree we hold.
    let mut frontier = state.frontier()?;
    let mut keys_after = state.keys.clone();
    let mut scanned = Vec::new();
    let mut seq = state.size;
    while seq < cp.size {
        let bundle = seq / tiles::TILE_WIDTH;
        let width = (cp.size - bundle * tiles::TILE_WIDTH).min(tiles::TILE_WIDTH);
        let path = tiles::encode_path(&TilePath {
            level: None,
            index: bundle,
            width,
        });
        let bytes = client
            .get_bytes(&format!("/tile/{path}"))
            .map_err(|e| e.to_string())?;
        let mut at = 0usize;
        let mut i = bundle * tiles::TILE_WIDTH;
        while at < bytes.len() {
            let len = bytes
                .get(at..at + 2)
                .map(|b| u16::from_be_bytes([b[0], b[1]]) as usize)
                .ok_or("an entry bundle is cut short")?;
            let e = bytes
                .get(at + 2..at + 2 + len)
                .ok_or("an entry bundle is cut short")?;
            at += 2 + len;
            if i >= seq && i < cp.size {
                let mut sink = Vec::new();
                let p = chain::prepare(e.to_vec(), i)
                    .map_err(|f| format!("entry {i} from the server is not a valid entry: {f}"))?;
                frontier.push(p.leaf, &mut sink);
                scanned.push(p);
            }
            i += 1;
        }
        if i < (bundle * tiles::TILE_WIDTH + width).min(cp.size) {
            return Err(format!("entry bundle {path} holds too few entries"));
        }
        seq = (bundle + 1) * tiles::TILE_WIDTH;
    }
    if frontier.root() != cp.root {
        // Either the server's entries disagree with its own checkpoint, or the new tree does not
        // extend the old one. The hash tiles tell which, and prove the second.
        let tn = TileNodes {
            client,
            size: cp.size,
            cache: Default::default(),
        };
        let detail;
        let mut ev = None;
        if state.size == 0 {
            detail = "the entries the server sent do not hash to its checkpoint".to_string();
        } else {
            match merkle::consistency_evidence(&tn, state.size, cp.size) {
                Ok(path) => match merkle::consistency_roots(state.size, cp.size, &path) {
                    Ok((r1, r2)) if r2 == cp.root && r1 != old_root => {
                        detail = format!(
                            "the checkpoint of size {} does not extend the size {} this monitor verified: the ledger rewrote its history",
                            cp.size, state.size
                        );
                        ev = Some(Evidence::inconsistent(
                            &keys,
                            state.checkpoint.as_bytes(),
                            note.as_bytes(),
                            &path,
                            &format!("kordon monitor for {}", state.keys.body),
                        ));
                    }
                    _ => {
                        detail =
                            "the entries or tiles the server sent do not hash to its checkpoint"
                                .to_string()
                    }
                },
                Err(e) => detail = format!("the server's tiles: {e}"),
            }
        }
        findings.push(inconsistent(detail, ev));
        return Ok(Step {
            findings,
            checkpoint: cp,
            new_entries: 0,
        });
    }
    for p in &scanned {
        findings.extend(scan(&mut keys_after, p, receipts));
    }
    state.keys = keys_after;
    state.size = cp.size;
    state.checkpoint = note;
    state.frontier = compact_range(&frontier);
    Ok(Step {
        findings,
        checkpoint: cp,
        new_entries: scanned.len() as u64,
    })
}

/// The compact range's hashes, left to right (largest subtree first).
fn compact_range(f: &Frontier) -> Vec<String> {
    f.nodes().into_iter().map(|(_, h)| h.to_base64()).collect()
}
