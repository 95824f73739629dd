//! kordon's golden vectors (events/vectors): a small ledger built deterministically from
//! `kordon::fixture`, every byte of it that is signed or hashed, its export, and a list of
//! mutated ledgers that a verifier must reject (events/SPEC.md).
//!
//! Everything here is deterministic: demo keys derive from labels, event ids are counters,
//! times come from a manual clock and Ed25519 signing is deterministic. The only randomness
//! the library uses is the blinding of batch signature verification, which never changes a
//! verdict and never reaches an output.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use kordon::author::Author;
use kordon::core::checkpoint::Checkpoint;
use kordon::core::entry::{self, EntryRef};
use kordon::core::event::*;
use kordon::core::hash::{leaf_hash, node_hash, Hash};
use kordon::core::keys::{self, KeyId};
use kordon::core::merkle;
use kordon::core::note::NoteSigner;
use kordon::core::types::*;
use kordon::export::ExportReader;
use kordon::fixture::{b, c, demo_key, Fixture};
use kordon::ledger::{Ledger, Receipt, Submission};
use kordon::store::memory::MemoryStore;
use kordon::store::Store;
use kordon::verify::{self, ExportSource, Options, Report};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod decisions;
use decisions::{decision_cases, must_pass_cases, proof_cases};

/// The origin of the vector ledger.
pub const ORIGIN: &str = "kordon.example/ibm";

/// The files this generator owns in events/vectors, in the order it writes them.
pub const FILES: [&str; 8] = [
    "README.md",
    "ledger.json",
    "ledger.export",
    "must-fail.json",
    "must-pass.json",
    "proofs-must-fail.json",
    "time-zones.txt",
    "witness.json",
];

mod witness;

/// What `generate` produced: the file contents and the counts the tests assert on.
pub struct Vectors {
    pub files: Vec<(&'static str, Vec<u8>)>,
    pub entries: usize,
    pub cases: usize,
    /// Ledgers a verifier must accept (must-pass.json).
    pub passes: usize,
}

impl Vectors {
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, b)| b.as_slice())
    }
}

/// events/vectors in the repository this crate lives in.
pub fn default_dir() -> PathBuf {
    let tools_crate = Path::new(env!("CARGO_MANIFEST_DIR"));
    match tools_crate.parent().and_then(Path::parent) {
        Some(root) => root.join("events").join("vectors"),
        None => tools_crate.join("../../events/vectors"),
    }
}

/// Writes every vector file into `dir`.
pub fn write(dir: &Path) -> Result<Vectors, String> {
    let v = generate();
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    for (name, bytes) in &v.files {
        let p = dir.join(name);
        std::fs::write(&p, bytes).map_err(|e| format!("writing {}: {e}", p.display()))?;
    }
    Ok(v)
}

/// Regenerates the vectors in memory and compares them with the files in `dir`. Returns the
/// vectors when every file matches byte for byte, otherwise one line per differing file.
pub fn check(dir: &Path) -> Result<Vectors, Vec<String>> {
    let v = generate();
    let mut problems = Vec::new();
    for (name, bytes) in &v.files {
        let p = dir.join(name);
        match std::fs::read(&p) {
            Ok(on_disk) if on_disk == *bytes => {}
            Ok(on_disk) => problems.push(format!(
                "{} differs from what the generator produces ({} bytes on disk, {} generated)",
                p.display(),
                on_disk.len(),
                bytes.len()
            )),
            Err(e) => problems.push(format!("{} cannot be read: {e}", p.display())),
        }
    }
    if problems.is_empty() {
        Ok(v)
    } else {
        Err(problems)
    }
}

// ---------------------------------------------------------------------------------------------
// Output formats.

#[derive(Serialize)]
struct LedgerJson {
    description: &'static str,
    origin: String,
    verifier_key: String,
    ledger_public_key: String,
    keys: Vec<KeyJson>,
    entries: Vec<EntryJson>,
    tree: TreeJson,
    small_tree: SmallTreeJson,
    inclusion_proofs: Vec<InclusionJson>,
    consistency_proofs: Vec<ConsistencyJson>,
}

#[derive(Serialize)]
struct KeyJson {
    body: String,
    label: String,
    public_key: String,
    key_id: String,
}

#[derive(Serialize)]
struct EntryJson {
    seq: u64,
    #[serde(rename = "type")]
    kind: String,
    event_id: String,
    author: String,
    recorded_at: u64,
    recorded_at_rfc3339: String,
    prev_hex: String,
    event: String,
    event_hex: String,
    signing_message_hex: String,
    public_key: String,
    key_id: String,
    signature_hex: String,
    entry_hex: String,
    leaf_hash_hex: String,
}

#[derive(Serialize)]
struct TreeJson {
    size: u64,
    root_hex: String,
    root_base64: String,
    checkpoint: String,
    verifier_key: String,
}

#[derive(Serialize)]
struct SmallTreeJson {
    size: u64,
    leaf_hashes_hex: Vec<String>,
    node_0_1_hex: String,
    root_hex: String,
    root_base64: String,
    checkpoint: String,
}

#[derive(Serialize)]
struct InclusionJson {
    seq: u64,
    size: u64,
    leaf_hash_hex: String,
    root_hex: String,
    proof_hex: Vec<String>,
}

#[derive(Serialize)]
struct ConsistencyJson {
    size1: u64,
    size2: u64,
    root1_hex: String,
    root2_hex: String,
    proof_hex: Vec<String>,
}

#[derive(Serialize)]
struct MustFailJson {
    description: &'static str,
    base: &'static str,
    cases: Vec<CaseJson>,
}

#[derive(Serialize)]
struct CaseJson {
    name: &'static str,
    description: String,
    base_entries: usize,
    entries_hex: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signature_hex: Option<String>,
    verifier_key: String,
    checkpoint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    trusted_checkpoint: Option<String>,
    expected_code: String,
    expected_seq: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    export_key_line: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    export_tail_hex: Option<String>,
}

#[derive(Serialize)]
struct MustPassJson {
    description: &'static str,
    base: &'static str,
    cases: Vec<PassJson>,
}

/// A ledger a verifier must accept, in the layout of a must-fail case.
#[derive(Serialize)]
struct PassJson {
    name: &'static str,
    description: String,
    base_entries: usize,
    entries_hex: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signature_hex: Option<String>,
    verifier_key: String,
    checkpoint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    trusted_checkpoint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    export_key_line: Option<String>,
    entries_verified: u64,
    root_hex: String,
}

#[derive(Serialize)]
struct ProofsJson {
    description: &'static str,
    base: &'static str,
    cases: Vec<ProofCaseJson>,
}

/// A proof a verifier must refuse.
#[derive(Serialize)]
struct ProofCaseJson {
    name: &'static str,
    description: &'static str,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    seq: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    leaf_hash_hex: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    root_hex: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    size1: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    size2: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    root1_hex: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    root2_hex: Option<String>,
    proof_hex: Vec<String>,
}

const MUST_PASS_DESCRIPTION: &str = "Ledgers a verifier must accept, laid out as the cases of must-fail.json (`export_key_line`: the export's key line, while the reader verifies with `verifier_key`). `entries_verified` and `root_hex` are what kordon's verifier reports. Each pins down a decision of SPEC.md that a careful implementation could otherwise make the other way. Generated by `cargo run -p gen-vectors`; never edit by hand.";

const PROOFS_DESCRIPTION: &str = "Inclusion and consistency proofs a verifier must refuse (SPEC.md §9), over the leaves of ledger.json: a consistency proof from size 0, equal sizes with a proof or another root, sizes out of order, an altered proof, an index beyond the tree, a proof one hash too long. Generated by `cargo run -p gen-vectors`; never edit by hand.";

const LEDGER_DESCRIPTION: &str = "A small kordon ledger with every signed and hashed byte spelled out (events/SPEC.md). Generated by `cargo run -p gen-vectors`; never edit by hand.";

const MUST_FAIL_DESCRIPTION: &str = "Ledgers a verifier must reject. Each case is the first `base_entries` entries of ledger.json followed by `entries_hex`, with `verifier_key` and the signed `checkpoint` (and, when present, a `trusted_checkpoint` the reader trusted earlier). As an export (SPEC.md §14), the header's key line is `verifier_key`, or `export_key_line` when present (the reader then verifies with `verifier_key`, as kordon verify --key does), and `export_tail_hex`, when present, follows the last entry (a stream cut short). Apart from the named defect every case is consistent: mutated events are re-signed by their author's key and the checkpoint is re-signed by the ledger key over the mutated entries, unless the defect is in the checkpoint itself. `expected_code` is the failure code kordon's verifier reports (src/verify.rs), `expected_seq` the entry it blames. Generated by `cargo run -p gen-vectors`; never edit by hand.";

// ---------------------------------------------------------------------------------------------
// Small helpers.

fn ms(rfc3339: &str) -> u64 {
    Millis::parse_rfc3339(rfc3339)
        .unwrap_or_else(|e| panic!("{e}"))
        .0
}

fn id(s: &str) -> EventId {
    EventId::parse(s).unwrap_or_else(|e| panic!("{e}"))
}

fn dec(s: &str) -> Decimal {
    Decimal::parse(s).unwrap_or_else(|e| panic!("{e}"))
}

fn date(s: &str) -> Date {
    Date::parse(s).unwrap_or_else(|e| panic!("{e}"))
}

fn evidence(document: &str, location: &str, cites: Option<&str>) -> Evidence {
    Evidence {
        sha256: Sha256Hex::parse(&Hash::sha256(document.as_bytes()).to_hex())
            .unwrap_or_else(|e| panic!("{e}")),
        location: location.into(),
        cites: cites.map(String::from),
    }
}

fn public_key_of(label: &str) -> [u8; 32] {
    demo_key(label).verifying_key().to_bytes()
}

fn key_id_of(label: &str) -> KeyId {
    KeyId::of(&public_key_of(label))
}

fn hexes(hs: &[Hash]) -> Vec<String> {
    hs.iter().map(Hash::to_hex).collect()
}

/// The export layout of src/export.rs, assembled by hand.
pub fn assemble_export(vkey: &str, checkpoint: &str, entries: &[Vec<u8>]) -> Vec<u8> {
    let mut out = format!(
        "{}\n{vkey}\n{}\n{checkpoint}",
        kordon::export::MAGIC,
        checkpoint.len()
    )
    .into_bytes();
    for e in entries {
        let len = u16::try_from(e.len()).unwrap_or_else(|_| panic!("entry too long"));
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(e);
    }
    out
}

/// Runs kordon's verifier over an export held in memory.
pub fn verify_export(export: &[u8], trusted: Option<&[u8]>) -> Report {
    verify_export_with(export, None, trusted)
}

/// Runs kordon's verifier over an export held in memory, with the verifier key `pinned` (as
/// `kordon verify --key` does) or else the one in the export's header.
pub fn verify_export_with(export: &[u8], pinned: Option<&str>, trusted: Option<&[u8]>) -> Report {
    let reader = match ExportReader::open(export) {
        Ok(r) => r,
        Err(e) => panic!("the export header does not parse: {e}"),
    };
    let vkey = pinned.map_or_else(|| reader.vkey.clone(), str::to_string);
    let cp = reader.checkpoint.clone();
    let mut src = ExportSource(reader);
    verify::verify(
        &vkey,
        &cp,
        &mut src,
        &Options {
            trusted,
            progress: &|_| {},
        },
    )
}

// ---------------------------------------------------------------------------------------------
// The valid ledger.

struct Built {
    f: Fixture,
    store: MemoryStore,
    ledger: Ledger,
    receipts: Vec<Receipt>,
}

impl Built {
    fn set_clock(&self, t: u64) {
        let now = self.f.clock.now().0;
        assert!(t >= now, "the vector timeline runs backwards at {t}");
        self.f.clock.advance(t - now);
    }

    /// Signs an event at `at` (via `make`) and records it `delay_ms` later.
    fn step(&mut self, at: &str, delay_ms: u64, make: impl FnOnce(&mut Fixture) -> Submission) {
        self.set_clock(ms(at));
        let sub = make(&mut self.f);
        self.f.clock.advance(delay_ms);
        match self.ledger.submit(sub) {
            Ok(r) => self.receipts.push(r),
            Err(e) => panic!("the vector ledger refused its own event: {e}"),
        }
    }

    fn signed(&mut self, at: &str, delay_ms: u64, author: &str, body: Body) -> EventId {
        let next = self.f.next_event_id();
        self.step(at, delay_ms, |f| f.sign(author, body));
        next
    }
}

const COMMITMENT: &str = "AP-2026/2.1";

fn build() -> Built {
    let f = Fixture::new(ORIGIN);
    let store = MemoryStore::new();
    let ledger = Ledger::open(
        Arc::new(store.clone()) as Arc<dyn Store>,
        f.ledger_signer.clone(),
        f.clock.clock(),
    )
    .unwrap_or_else(|e| panic!("opening the vector ledger: {e}"));
    let mut l = Built {
        f,
        store,
        ledger,
        receipts: Vec::new(),
    };

    // 0-4: the genesis and the bodies.
    l.step("2026-01-05T08:00:00Z", 412, |f| f.genesis());
    l.step("2026-01-05T08:05:00Z", 388, |f| {
        f.register("cmu", &[Role::Coordinator])
    });
    l.step("2026-01-05T08:06:00Z", 295, |f| {
        f.register("sbgs", &[Role::Executor])
    });
    l.step("2026-01-05T08:07:00Z", 301, |f| {
        f.register("customs", &[Role::Executor])
    });
    l.step("2026-01-05T08:08:00Z", 317, |f| {
        f.register("committee", &[Role::Overseer, Role::Observer])
    });
    // 5: a body updates its own name.
    l.signed(
        "2026-01-06T09:00:00Z",
        1_204,
        "committee",
        Body::BodyUpdated(BodyUpdated {
            id: b("committee"),
            name_uk: None,
            name_en: Some("Parliamentary committee on national security".into()),
            kind: None,
            roles: None,
        }),
    );
    // 6: the objective the commitment serves.
    l.signed(
        "2026-01-12T10:00:00Z",
        870,
        "cmu",
        Body::ObjectiveDefined(ObjectiveDefined {
            id: ObjectiveId::parse("SO-2").unwrap_or_else(|e| panic!("{e}")),
            parent: None,
            title_uk: "Інтегроване управління кордонами".into(),
            title_en: Some("Integrated border management".into()),
            components: vec![
                Component::BorderControl,
                Component::InterAgencyCooperation,
                Component::InformationExchange,
            ],
        }),
    );
    // 7: the coordinator assigns a commitment to sbgs, with customs as co-executor.
    let mut fields = Fixture::commitment(COMMITMENT, Some("sbgs"), "2026-12-31");
    fields.objective = Some(ObjectiveId::parse("SO-2").unwrap_or_else(|e| panic!("{e}")));
    fields.co_executors = vec![b("customs")];
    fields.indicators[0].milestones = vec![Milestone {
        date: date("2026-06-30"),
        value: dec("37"),
    }];
    fields.funding = Some(Funding {
        amount: dec("1250000.50"),
        currency: "UAH".into(),
        source: FundingSource::StateBudget,
    });
    l.signed(
        "2026-01-12T10:30:00Z",
        2_113,
        "cmu",
        Body::CommitmentAssigned(fields),
    );
    // 8: sbgs accepts it (the worked example in SPEC.md).
    l.signed(
        "2026-01-14T07:45:00Z",
        1_250,
        "sbgs",
        Body::CommitmentAccepted(CommitmentRef {
            commitment: c(COMMITMENT),
        }),
    );
    // 9-10: sbgs adds a new key, then revokes the old one with the new one.
    l.signed(
        "2026-02-02T12:00:00Z",
        640,
        "sbgs",
        Body::KeyAdded(KeyAdded {
            body: b("sbgs"),
            public_key: Fixture::public_key_b64("sbgs/2026"),
        }),
    );
    l.f.add_author("sbgs", "sbgs/2026");
    l.signed(
        "2026-02-02T12:05:00Z",
        702,
        "sbgs",
        Body::KeyRevoked(KeyRevoked {
            body: b("sbgs"),
            key: key_id_of("sbgs"),
            reason: "rotated after the device was replaced".into(),
        }),
    );
    // 11-12: a status report (claimed time with milliseconds, text that JCS escapes) and a
    // measurement, both with evidence.
    let claim = l.signed(
        "2026-03-31T15:00:00.250Z",
        3_010,
        "sbgs",
        Body::StatusReported(StatusReported {
            commitment: c(COMMITMENT),
            status: Status::InProgress,
            note: Some(
                "39 з 74 пунктів пропуску підключено.\nRemaining: the \"Uzhhorod\" group.".into(),
            ),
            evidence: vec![evidence(
                "sbgs quarterly report 2026-Q1",
                "https://example.org/sbgs/2026-q1.pdf",
                Some("Cabinet order 1409-r"),
            )],
        }),
    );
    l.signed(
        "2026-03-31T15:10:00Z",
        1_402,
        "sbgs",
        Body::IndicatorMeasured(IndicatorMeasured {
            commitment: c(COMMITMENT),
            indicator: IndicatorId::parse("i1").unwrap_or_else(|e| panic!("{e}")),
            value: dec("39"),
            as_of: date("2026-03-31"),
            evidence: vec![evidence(
                "connection log 2026-03-31",
                "https://example.org/sbgs/connections-2026-03-31.csv",
                None,
            )],
        }),
    );
    // 13-14: an inquiry and its answer.
    l.signed(
        "2026-04-03T11:00:00Z",
        999,
        "committee",
        Body::InquiryRaised(InquiryRaised {
            inquiry: InquiryId::parse("Q-2026-01").unwrap_or_else(|e| panic!("{e}")),
            to: b("sbgs"),
            commitment: Some(c(COMMITMENT)),
            question: "Why are 35 crossing points not yet connected?".into(),
            due: date("2026-04-17"),
        }),
    );
    l.signed(
        "2026-04-06T08:20:00Z",
        1_001,
        "sbgs",
        Body::InquiryAnswered(InquiryAnswered {
            inquiry: InquiryId::parse("Q-2026-01").unwrap_or_else(|e| panic!("{e}")),
            answer: "The remaining points wait for the customs data link; see the handover.".into(),
            evidence: Vec::new(),
        }),
    );
    // 15-16: sbgs hands the lead over to customs, which accepts.
    let proposal = l.signed(
        "2026-04-10T09:00:00Z",
        1_500,
        "sbgs",
        Body::HandoverProposed(Transfer {
            commitment: c(COMMITMENT),
            to: b("customs"),
            reason: "customs runs the data exchange".into(),
        }),
    );
    l.signed(
        "2026-04-11T13:15:00Z",
        1_500,
        "customs",
        Body::HandoverAccepted(HandoverAnswer {
            commitment: c(COMMITMENT),
            proposal,
            reason: None,
        }),
    );
    // 17-18: the new lead asks for more time; the coordinator grants it.
    let request = l.signed(
        "2026-04-20T10:00:00Z",
        2_000,
        "customs",
        Body::DeadlineExtensionRequested(DeadlineRequest {
            commitment: c(COMMITMENT),
            deadline: date("2027-03-31"),
            reason: "equipment deliveries slipped by a quarter".into(),
        }),
    );
    l.signed(
        "2026-04-22T16:45:00Z",
        2_000,
        "cmu",
        Body::DeadlineChanged(DeadlineChanged {
            commitment: c(COMMITMENT),
            deadline: date("2027-03-31"),
            reason: "extension granted".into(),
            request: Some(request),
        }),
    );
    // 19-20: the overseer assesses the status report; the coordinator notes it.
    let assessment = l.signed(
        "2026-04-30T12:00:00Z",
        1_750,
        "committee",
        Body::AssessmentRecorded(AssessmentRecorded {
            commitment: c(COMMITMENT),
            verdict: Verdict::PartiallyConfirmed,
            claim: Some(claim),
            note: Some("31 connections confirmed on site, not 39".into()),
            evidence: vec![evidence(
                "committee site visit 2026-04-28",
                "https://example.org/committee/visit-2026-04-28.pdf",
                None,
            )],
        }),
    );
    l.signed(
        "2026-05-01T07:30:00Z",
        1_125,
        "cmu",
        Body::NoteAdded(NoteAdded {
            commitment: Some(c(COMMITMENT)),
            about: Some(assessment),
            text: "Discussed at the coordination meeting of 30 April.".into(),
            evidence: Vec::new(),
        }),
    );
    l
}

/// Labels of the demo keys the ledger registers, with their bodies.
const KEYS: [(&str, &str); 7] = [
    ("registry", "registry"),
    ("cmu", "cmu"),
    ("sbgs", "sbgs"),
    ("customs", "customs"),
    ("committee", "committee"),
    ("sbgs", "sbgs/2026"),
    // Not registered: signs the unknown-key cases.
    ("nobody", "stranger"),
];

// ---------------------------------------------------------------------------------------------
// Generation.

/// Builds the ledger and every vector file. Panics (loudly) if anything is inconsistent: a
/// vector ledger the verifier rejects, or a must-fail case it accepts or reports differently.
pub fn generate() -> Vectors {
    let l = build();
    let vkey = l.ledger.verifier_key();
    let snap = l.store.snapshot().unwrap_or_else(|e| panic!("{e}"));
    let size = snap.size();
    let entries = snap
        .entries(0, size)
        .unwrap_or_else(|e| panic!("reading entries: {e}"));
    let checkpoint = snap
        .checkpoint()
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no checkpoint"));
    drop(snap);
    let leaves: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();

    // The export, written by the library, must be the layout SPEC.md describes.
    let mut export = Vec::new();
    kordon::export::write(&l.store, &vkey, &mut export).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        export,
        assemble_export(&vkey, &checkpoint, &entries),
        "kordon::export::write disagrees with the layout the vectors describe"
    );
    let report = verify_export(&export, None);
    assert!(
        report.valid,
        "the vector ledger does not verify: {report:?}"
    );
    assert_eq!(report.entries_verified, size);

    let ledger_json = ledger_json(&l, &vkey, &entries, &leaves, &checkpoint);
    let cases = must_fail_cases(&l, &vkey, &entries, &leaves, &checkpoint);
    let n_cases = cases.len();
    let must_fail = MustFailJson {
        description: MUST_FAIL_DESCRIPTION,
        base: "ledger.json",
        cases,
    };
    let passes = must_pass_cases(&l, &vkey, &entries, &leaves, &checkpoint);
    let n_passes = passes.len();
    let must_pass = MustPassJson {
        description: MUST_PASS_DESCRIPTION,
        base: "ledger.json",
        cases: passes,
    };
    let proofs = ProofsJson {
        description: PROOFS_DESCRIPTION,
        base: "ledger.json",
        cases: proof_cases(&leaves),
    };

    // The checkpoint of the first three entries, signed by the ledger key, for the witness
    // case that attaches a cosignature of another size.
    let small = Checkpoint {
        origin: ORIGIN.to_string(),
        size: 3,
        root: merkle::root_of(&leaves[..3]),
        extensions: Vec::new(),
    }
    .sign(
        &NoteSigner::new(ORIGIN, demo_key(&format!("ledger:{ORIGIN}")))
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let files = vec![
        ("README.md", readme(size, n_cases, n_passes).into_bytes()),
        ("ledger.json", to_json(&ledger_json)),
        ("ledger.export", export),
        ("must-fail.json", to_json(&must_fail)),
        ("must-pass.json", to_json(&must_pass)),
        ("proofs-must-fail.json", to_json(&proofs)),
        (
            "time-zones.txt",
            kordon::core::timezone::NAMES_FILE.as_bytes().to_vec(),
        ),
        ("witness.json", witness::generate(&checkpoint, &small)),
    ];
    Vectors {
        files,
        entries: entries.len(),
        cases: n_cases,
        passes: n_passes,
    }
}

fn to_json<T: Serialize>(v: &T) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(v).unwrap_or_else(|e| panic!("{e}"));
    out.push(b'\n');
    out
}

fn ledger_json(
    l: &Built,
    vkey: &str,
    entries: &[Vec<u8>],
    leaves: &[Hash],
    checkpoint: &str,
) -> LedgerJson {
    let size = entries.len() as u64;
    let mut out = Vec::new();
    for (i, bytes) in entries.iter().enumerate() {
        let e = EntryRef::decode(bytes).unwrap_or_else(|e| panic!("{e}"));
        let ev = parse(e.event).unwrap_or_else(|e| panic!("{e}"));
        let pk = l
            .ledger
            .with_state(|s| s.public_key(&ev.key))
            .unwrap_or_else(|| panic!("entry {i} names an unknown key"));
        assert!(keys::verify_event(&pk, e.event, &e.signature));
        assert_eq!(e.seq, i as u64);
        out.push(EntryJson {
            seq: e.seq,
            kind: ev.kind().to_string(),
            event_id: ev.id.to_string(),
            author: ev.author.to_string(),
            recorded_at: e.recorded_at.0,
            recorded_at_rfc3339: e.recorded_at.to_rfc3339(),
            prev_hex: e.prev.to_hex(),
            event: String::from_utf8(e.event.to_vec()).unwrap_or_else(|e| panic!("{e}")),
            event_hex: hex::encode(e.event),
            signing_message_hex: hex::encode(keys::signing_message(e.event)),
            public_key: keys::public_key_base64(&pk),
            key_id: ev.key.to_string(),
            signature_hex: hex::encode(e.signature),
            entry_hex: hex::encode(bytes),
            leaf_hash_hex: leaves[i].to_hex(),
        });
    }

    let root = merkle::root_of(leaves);
    assert_eq!(
        root,
        l.ledger.root_at(size).unwrap_or_else(|e| panic!("{e}"))
    );
    let small = 3usize;
    let small_root = merkle::root_of(&leaves[..small]);
    assert_eq!(
        small_root,
        node_hash(&node_hash(&leaves[0], &leaves[1]), &leaves[2])
    );
    let small_cp = l.receipts[small - 1].checkpoint.to_string();
    assert_eq!(l.receipts[small - 1].size, small as u64);

    let inclusion = [(0u64, size), (8, size), (size - 1, size), (2, 3)]
        .into_iter()
        .map(|(seq, at)| {
            let proof = l
                .ledger
                .inclusion_proof(seq, at)
                .unwrap_or_else(|e| panic!("{e}"));
            let root_at = merkle::root_of(&leaves[..at as usize]);
            merkle::verify_inclusion(&leaves[seq as usize], seq, at, &proof, &root_at)
                .unwrap_or_else(|e| panic!("{e}"));
            InclusionJson {
                seq,
                size: at,
                leaf_hash_hex: leaves[seq as usize].to_hex(),
                root_hex: root_at.to_hex(),
                proof_hex: hexes(&proof),
            }
        })
        .collect();
    let consistency = [(3u64, size), (8, size), (13, 16)]
        .into_iter()
        .map(|(s1, s2)| {
            let proof = l
                .ledger
                .consistency_proof(s1, s2)
                .unwrap_or_else(|e| panic!("{e}"));
            let r1 = merkle::root_of(&leaves[..s1 as usize]);
            let r2 = merkle::root_of(&leaves[..s2 as usize]);
            merkle::verify_consistency(s1, s2, &r1, &r2, &proof).unwrap_or_else(|e| panic!("{e}"));
            ConsistencyJson {
                size1: s1,
                size2: s2,
                root1_hex: r1.to_hex(),
                root2_hex: r2.to_hex(),
                proof_hex: hexes(&proof),
            }
        })
        .collect();

    let ledger_pk = l.f.ledger_signer.verifier().public_key();
    LedgerJson {
        description: LEDGER_DESCRIPTION,
        origin: ORIGIN.into(),
        verifier_key: vkey.into(),
        ledger_public_key: BASE64.encode(ledger_pk),
        keys: KEYS
            .iter()
            .map(|(body, label)| KeyJson {
                body: (*body).into(),
                label: (*label).into(),
                public_key: keys::public_key_base64(&public_key_of(label)),
                key_id: key_id_of(label).to_string(),
            })
            .collect(),
        entries: out,
        tree: TreeJson {
            size,
            root_hex: root.to_hex(),
            root_base64: root.to_base64(),
            checkpoint: checkpoint.into(),
            verifier_key: vkey.into(),
        },
        small_tree: SmallTreeJson {
            size: small as u64,
            leaf_hashes_hex: hexes(&leaves[..small]),
            node_0_1_hex: node_hash(&leaves[0], &leaves[1]).to_hex(),
            root_hex: small_root.to_hex(),
            root_base64: small_root.to_base64(),
            checkpoint: small_cp,
        },
        inclusion_proofs: inclusion,
        consistency_proofs: consistency,
    }
}

// ---------------------------------------------------------------------------------------------
// Must-fail cases.

/// One mutated ledger, before it is verified.
struct Case {
    name: &'static str,
    description: String,
    base_entries: usize,
    entries: Vec<Vec<u8>>,
    /// The mutated event and its signature, shown separately for readability.
    event: Option<(Vec<u8>, [u8; 64])>,
    /// `None`: the ledger's own key.
    verifier_key: Option<String>,
    /// `None`: a checkpoint freshly signed by the ledger key over the case's entries.
    checkpoint: Option<String>,
    trusted: Option<String>,
    code: &'static str,
    /// Text the verifier's failure message must contain, when the code alone does not show
    /// that the case fails for its intended reason.
    message: Option<&'static str>,
    /// The export's key line when it is not `verifier_key`; the reader then pins
    /// `verifier_key`.
    export_key: Option<String>,
    /// Bytes after the last whole entry of the export: a stream cut short.
    tail: Vec<u8>,
}

impl Case {
    fn new(name: &'static str, code: &'static str, description: impl Into<String>) -> Case {
        Case {
            name,
            description: description.into(),
            base_entries: 0,
            entries: Vec::new(),
            event: None,
            verifier_key: None,
            checkpoint: None,
            trusted: None,
            code,
            message: None,
            export_key: None,
            tail: Vec::new(),
        }
    }

    /// Insists that the failure message contains `text`.
    fn saying(self, text: &'static str) -> Case {
        Case {
            message: Some(text),
            ..self
        }
    }

    /// Verifies with `vkey`, which is also the export's key line.
    fn with_key(self, vkey: String) -> Case {
        Case {
            verifier_key: Some(vkey),
            ..self
        }
    }

    /// Writes `line` as the export's key line; the reader verifies with the case's key.
    fn with_export_key(self, line: String) -> Case {
        Case {
            export_key: Some(line),
            ..self
        }
    }
}

/// What a case needs to know about the valid ledger.
struct Ctx<'a> {
    signer: &'a NoteSigner,
    vkey: &'a str,
    entries: &'a [Vec<u8>],
    leaves: &'a [Hash],
    /// `recorded_at` of the last entry.
    last_recorded: u64,
}

/// When the appended case entries claim to be signed, and are recorded.
const CASE_AT: &str = "2026-05-04T09:00:00Z";
const CASE_DELAY: u64 = 1_000;

impl Ctx<'_> {
    fn n(&self) -> usize {
        self.entries.len()
    }

    fn sign_checkpoint(&self, size: u64, root: Hash) -> String {
        sign_checkpoint(self.signer, size, root)
    }

    /// Insists that the valid ledger followed by `extra` verifies, under a fresh checkpoint.
    fn assert_valid(&self, extra: &[Vec<u8>], what: &str) {
        let mut all = self.entries.to_vec();
        all.extend_from_slice(extra);
        let leaves: Vec<Hash> = all.iter().map(|e| leaf_hash(e)).collect();
        let cp = self.sign_checkpoint(all.len() as u64, merkle::root_of(&leaves));
        let r = verify_export(&assemble_export(self.vkey, &cp, &all), None);
        assert!(r.valid, "{what} is itself invalid: {r:?}");
    }

    /// A signed event, as `author` with the demo key `label`.
    fn event(
        &self,
        ledger: &str,
        author: &str,
        label: &str,
        event_id: &str,
        at: u64,
        body: &Body,
    ) -> (Vec<u8>, [u8; 64]) {
        let a = Author::new(b(author), demo_key(label));
        let s = a
            .sign_with_id(ledger, id(event_id), Millis(at), body)
            .unwrap_or_else(|e| panic!("case event {event_id}: {e}"));
        (s.event, s.signature)
    }

    /// A case that appends one entry after the whole valid ledger.
    fn append(
        &self,
        name: &'static str,
        code: &'static str,
        description: &str,
        event: Vec<u8>,
        signature: [u8; 64],
    ) -> Case {
        self.append_all(name, code, description, vec![(event, signature)])
    }

    /// A case that appends signed events, in order, after the whole valid ledger; every entry
    /// is recorded at the same time. The last event is the one the case shows.
    fn append_all(
        &self,
        name: &'static str,
        code: &'static str,
        description: &str,
        events: Vec<(Vec<u8>, [u8; 64])>,
    ) -> Case {
        let rec = ms(CASE_AT) + CASE_DELAY;
        let mut prev = self.leaves[self.n() - 1];
        let mut out = Vec::new();
        for (i, (event, signature)) in events.iter().enumerate() {
            let e = entry::encode((self.n() + i) as u64, Millis(rec), &prev, signature, event)
                .unwrap_or_else(|e| panic!("{e}"));
            prev = leaf_hash(&e);
            out.push(e);
        }
        // Only the last entry is faulty: the ones before it extend the ledger validly.
        if out.len() > 1 {
            self.assert_valid(
                &out[..out.len() - 1],
                &format!("case {name} without its last entry"),
            );
        }
        Case {
            base_entries: self.n(),
            entries: out,
            event: events.last().cloned(),
            ..Case::new(name, code, description)
        }
    }

    /// An event by `author` with its current key, appended after the ledger.
    fn append_body(
        &self,
        name: &'static str,
        code: &'static str,
        description: &str,
        author: &str,
        label: &str,
        body: Body,
    ) -> Case {
        let (ev, sig) = self.event(
            ORIGIN,
            author,
            label,
            &format!("mf:{name}"),
            ms(CASE_AT),
            &body,
        );
        self.append(name, code, description, ev, sig)
    }

    /// A case whose event is `mutate(template)`, re-signed by customs.
    fn mutated(
        &self,
        name: &'static str,
        code: &'static str,
        description: &str,
        mutate: impl FnOnce(&str) -> String,
    ) -> Case {
        self.mutated_body(
            name,
            code,
            description,
            "customs",
            "customs",
            template_body(),
            mutate,
        )
    }

    /// A case whose event is `mutate(e)`, where `e` is the valid event `body` by `author`
    /// with the demo key `label`, re-signed with that key. For encodings the library refuses
    /// to write.
    #[allow(clippy::too_many_arguments)]
    fn mutated_body(
        &self,
        name: &'static str,
        code: &'static str,
        description: &str,
        author: &str,
        label: &str,
        body: Body,
        mutate: impl FnOnce(&str) -> String,
    ) -> Case {
        let (ev, sig) = self.event(
            ORIGIN,
            author,
            label,
            &format!("mf:{name}"),
            ms(CASE_AT),
            &body,
        );
        // Unmutated, the event is valid: the mutation is the case's only defect.
        let unmutated = self.append(name, code, description, ev.clone(), sig);
        self.assert_valid(
            &unmutated.entries,
            &format!("case {name} before its mutation"),
        );
        let t = String::from_utf8(ev).unwrap_or_else(|e| panic!("{e}"));
        let m = mutate(&t);
        assert_ne!(m, t, "case {name}: the mutation changed nothing");
        let sig = keys::sign_event(&demo_key(label), m.as_bytes());
        self.append(name, code, description, m.into_bytes(), sig)
    }

    /// The valid entries with entry `seq` re-recorded one millisecond later (still a valid
    /// entry, but a different leaf, so a different tree from `seq` on).
    fn rewritten(&self, seq: usize) -> Vec<Vec<u8>> {
        let mut out = self.entries.to_vec();
        let e = EntryRef::decode(&out[seq]).unwrap_or_else(|e| panic!("{e}"));
        let re = entry::encode(
            e.seq,
            Millis(e.recorded_at.0 + 1),
            &e.prev,
            &e.signature,
            e.event,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        out[seq] = re;
        // Re-link what follows.
        for i in seq + 1..out.len() {
            let prev = leaf_hash(&out[i - 1]);
            let e = EntryRef::decode(&out[i]).unwrap_or_else(|e| panic!("{e}"));
            out[i] = entry::encode(e.seq, e.recorded_at, &prev, &e.signature, e.event)
                .unwrap_or_else(|e| panic!("{e}"));
        }
        out
    }
}

fn sign_checkpoint(signer: &NoteSigner, size: u64, root: Hash) -> String {
    Checkpoint {
        origin: signer.name().to_string(),
        size,
        root,
        extensions: Vec::new(),
    }
    .sign(signer)
    .unwrap_or_else(|e| panic!("{e}"))
}

fn template_body() -> Body {
    Body::NoteAdded(NoteAdded {
        commitment: Some(c(COMMITMENT)),
        about: None,
        text: "Handover complete; customs leads AP-2026/2.1 from now on.".into(),
        evidence: Vec::new(),
    })
}

fn replace_once(s: &str, from: &str, to: &str) -> String {
    assert!(s.contains(from), "{from:?} not in {s}");
    s.replacen(from, to, 1)
}

fn ctx<'a>(l: &'a Built, vkey: &'a str, entries: &'a [Vec<u8>], leaves: &'a [Hash]) -> Ctx<'a> {
    let last = EntryRef::decode(&entries[entries.len() - 1]).unwrap_or_else(|e| panic!("{e}"));
    Ctx {
        signer: &l.f.ledger_signer,
        vkey,
        entries,
        leaves,
        last_recorded: last.recorded_at.0,
    }
}

fn must_fail_cases(
    l: &Built,
    vkey: &str,
    entries: &[Vec<u8>],
    leaves: &[Hash],
    checkpoint: &str,
) -> Vec<CaseJson> {
    let x = ctx(l, vkey, entries, leaves);
    let n = x.n();
    let at = ms(CASE_AT);
    let mut cases = Vec::new();

    // The template itself is valid: every mutation below is the only defect of its case.
    {
        let (ev, sig) = x.event(
            ORIGIN,
            "customs",
            "customs",
            "mf:template",
            at,
            &template_body(),
        );
        let ok = x.append("template", "", "", ev, sig);
        x.assert_valid(&ok.entries, "the must-fail template");
    }

    // --- Event bytes: canonical JSON and the event format.
    cases.push(x.mutated(
        "event-whitespace",
        "event.not-canonical",
        "A space after a colon: the bytes parse, but are not the RFC 8785 encoding of what they parse to. The signature is valid over these exact bytes.",
        |t| replace_once(t, "\"v\":1}", "\"v\": 1}"),
    ));
    cases.push(x.mutated(
        "event-member-order",
        "event.not-canonical",
        "Envelope member \"v\" moved first; JCS sorts members by their UTF-16 code units.",
        |t| {
            let without = replace_once(t, ",\"v\":1}", "}");
            replace_once(&without, "{\"at\"", "{\"v\":1,\"at\"")
        },
    ));
    cases.push(x.mutated(
        "event-escape",
        "event.not-canonical",
        "A character written as an escape (\\u002d for '-') where JCS writes the character itself.",
        |t| replace_once(t, "\"AP-2026/2.1\"", "\"AP\\u002d2026/2.1\""),
    ));
    cases.push(x.mutated(
        "event-duplicate-member",
        "event.not-canonical",
        "The member \"at\" appears twice with the same value; a canonical encoding has each member once.",
        |t| {
            let at_member = format!("\"at\":\"{}\",", Millis(at).to_rfc3339());
            replace_once(t, &at_member, &format!("{at_member}{at_member}"))
        },
    ));
    cases.push(x.mutated(
        "event-float",
        "event.format",
        "\"v\":1.5 — a number with a fraction; kordon events hold integers only.",
        |t| replace_once(t, "\"v\":1}", "\"v\":1.5}"),
    ));
    cases.push(x.mutated(
        "event-integer-too-large",
        "event.format",
        "\"v\":9007199254740993 — an integer beyond 2^53-1.",
        |t| replace_once(t, "\"v\":1}", "\"v\":9007199254740993}"),
    ));
    cases.push(x.mutated(
        "event-version",
        "event.format",
        "\"v\":2 — an unknown format version.",
        |t| replace_once(t, "\"v\":1}", "\"v\":2}"),
    ));
    cases.push(x.mutated(
        "event-unknown-member",
        "event.format",
        "An envelope member \"x\" that the format does not define (placed in canonical order).",
        |t| replace_once(t, "\"v\":1}", "\"v\":1,\"x\":\"\"}"),
    ));
    cases.push(x.mutated(
        "event-unknown-body-member",
        "event.format",
        "A body member \"x\" that note.added does not define.",
        |t| replace_once(t, "\"},\"id\":", "\",\"x\":\"\"},\"id\":"),
    ));
    cases.push(x.mutated(
        "event-unknown-type",
        "event.format",
        "An event type that is not in the list.",
        |t| replace_once(t, "\"note.added\"", "\"note.deleted\""),
    ));
    cases.push(x.mutated(
        "event-time-offset",
        "event.format",
        "\"at\" with a +03:00 offset; events carry UTC times ending in Z.",
        |t| {
            replace_once(
                t,
                "\"2026-05-04T09:00:00Z\"",
                "\"2026-05-04T12:00:00+03:00\"",
            )
        },
    ));
    cases.push(x.mutated(
        "event-bad-id",
        "event.format",
        "An invalid value grammar in the body: a commitment id with a space.",
        |t| replace_once(t, "\"AP-2026/2.1\"", "\"AP 2026/2.1\""),
    ));
    cases.push(
        x.mutated(
            "event-null-member",
            "event.format",
            "The optional body member \"about\" written as null instead of being omitted: a second encoding of the same event.",
            |t| replace_once(t, "\"body\":{\"commitment\":", "\"body\":{\"about\":null,\"commitment\":"),
        )
        .saying("about is null or an empty list"),
    );
    cases.push(
        x.mutated(
            "event-empty-list",
            "event.format",
            "The optional body member \"evidence\" written as an empty list instead of being omitted: a second encoding of the same event.",
            |t| replace_once(t, "\"AP-2026/2.1\",\"text\":", "\"AP-2026/2.1\",\"evidence\":[],\"text\":"),
        )
        .saying("evidence is null or an empty list"),
    );
    cases.push(
        x.mutated_body(
            "event-negative-zero",
            "event.format",
            "indicator.measured by the lead (customs) with the decimal value \"-0\": a second spelling of \"0\".",
            "customs",
            "customs",
            Body::IndicatorMeasured(IndicatorMeasured {
                commitment: c(COMMITMENT),
                indicator: IndicatorId::parse("i1").unwrap_or_else(|e| panic!("{e}")),
                value: dec("0"),
                as_of: date("2026-05-01"),
                evidence: Vec::new(),
            }),
            |t| replace_once(t, "\"value\":\"0\"", "\"value\":\"-0\""),
        )
        .saying("\"-0\""),
    );
    cases.push(
        x.mutated(
            "event-leap-second",
            "event.format",
            "\"at\" with a leap second, 2026-05-04T08:59:60Z: seconds run 00-59 (the time would otherwise be a second spelling of 08:59:59).",
            |t| {
                replace_once(
                    t,
                    "\"2026-05-04T09:00:00Z\"",
                    "\"2026-05-04T08:59:60Z\"",
                )
            },
        )
        .saying("08:59:60Z"),
    );

    // --- Entries and the chain.
    {
        let (ev, sig) = x.event(
            ORIGIN,
            "customs",
            "customs",
            "mf:signature-bit-flipped",
            at,
            &template_body(),
        );
        let mut bad = sig;
        bad[0] ^= 0x01;
        cases.push(x.append(
            "signature-bit-flipped",
            "signature.invalid",
            "The lowest bit of the signature's first byte flipped.",
            ev,
            bad,
        ));
    }
    {
        let (ev, _) = x.event(
            ORIGIN,
            "customs",
            "customs",
            "mf:signature-without-context",
            at,
            &template_body(),
        );
        use ed25519_dalek::Signer;
        let sig = demo_key("customs").sign(&ev).to_bytes();
        cases.push(x.append(
            "signature-without-context",
            "signature.invalid",
            "A valid Ed25519 signature over the event bytes alone, without the \"kordon/event/v1\\n\" prefix.",
            ev,
            sig,
        ));
    }
    {
        let mut c = x.append_body(
            "chain-wrong-prev",
            "chain.prev",
            "prev is the leaf hash of entry n-2 instead of entry n-1.",
            "customs",
            "customs",
            template_body(),
        );
        c.entries[0][17..49].copy_from_slice(&leaves[n - 2].0);
        cases.push(c);
    }
    {
        let mut c = x.append_body(
            "chain-wrong-seq",
            "chain.sequence",
            "seq is one more than the entry's position.",
            "customs",
            "customs",
            template_body(),
        );
        c.entries[0][1..9].copy_from_slice(&(n as u64 + 1).to_be_bytes());
        cases.push(c);
    }
    {
        let rec = x.last_recorded - 1;
        let (ev, sig) = x.event(
            ORIGIN,
            "customs",
            "customs",
            "mf:chain-time-backwards",
            rec - 1_000,
            &template_body(),
        );
        let mut c = x.append(
            "chain-time-backwards",
            "chain.time",
            "recorded_at is one millisecond before the previous entry's.",
            ev,
            sig,
        );
        c.entries[0][9..17].copy_from_slice(&rec.to_be_bytes());
        cases.push(c);
    }
    {
        let mut c = x.append_body(
            "entry-version",
            "entry.format",
            "The entry's version byte is 0x02.",
            "customs",
            "customs",
            template_body(),
        );
        c.entries[0][0] = 2;
        cases.push(c);
    }
    {
        let mut c = x.append_body(
            "entry-too-short",
            "entry.format",
            "An entry of 114 bytes: the 113-byte header and one byte of event (the minimum is 115).",
            "customs",
            "customs",
            template_body(),
        );
        c.entries[0].truncate(entry::HEADER_LEN + 1);
        c.event = None;
        cases.push(c);
    }

    // --- The envelope rules, in the order a verifier checks them.
    {
        let (ev, sig) = x.event(
            &l.f.origin,
            "registry",
            "registry",
            "mf:genesis-first",
            at,
            &Body::BodyRegistered(BodyRegistered {
                id: b("border-guard"),
                name_uk: "Прикордонна служба".into(),
                name_en: "Border guard".into(),
                kind: "agency".into(),
                roles: vec![Role::Executor],
                public_keys: Vec::new(),
            }),
        );
        let e = entry::encode(0, Millis(at + CASE_DELAY), &Hash::ZERO, &sig, &ev)
            .unwrap_or_else(|e| panic!("{e}"));
        cases.push(Case {
            base_entries: 0,
            entries: vec![e],
            event: Some((ev, sig)),
            ..Case::new(
                "genesis-first",
                "genesis.first",
                "A ledger whose first entry is not ledger.genesis.",
            )
        });
    }
    {
        let genesis = parse(&entries[0][entry::HEADER_LEN..]).unwrap_or_else(|e| panic!("{e}"));
        cases.push(x.append_body(
            "genesis-once",
            "genesis.once",
            "A second ledger.genesis (the first one's body, a new id), signed by the registrar.",
            "registry",
            "registry",
            genesis.body,
        ));
    }
    {
        let (ev, sig) = x.event(
            "kordon.example/other",
            "customs",
            "customs",
            "mf:ledger-origin",
            at,
            &template_body(),
        );
        cases.push(x.append(
            "ledger-origin",
            "ledger.origin",
            "A valid event signed for another ledger (\"ledger\":\"kordon.example/other\").",
            ev,
            sig,
        ));
    }
    {
        let e = EntryRef::decode(&entries[n - 1]).unwrap_or_else(|e| panic!("{e}"));
        let mut c = x.append(
            "event-replayed",
            "event.replayed",
            "The last entry's event and signature recorded again as a new entry.",
            e.event.to_vec(),
            e.signature,
        );
        // Recorded right after the original, so only the replay is wrong.
        let rec = x.last_recorded + 1_000;
        c.entries[0][9..17].copy_from_slice(&rec.to_be_bytes());
        cases.push(c);
    }
    {
        let (ev, sig) = x.event(ORIGIN, "customs", "customs", "ev-3", at, &template_body());
        cases.push(x.append(
            "event-id-reused",
            "event.replayed",
            "A new, validly signed event that reuses the id of entry 3.",
            ev,
            sig,
        ));
    }
    {
        let (ev, sig) = x.event(
            ORIGIN,
            "customs",
            "customs",
            "mf:time-too-old",
            at + CASE_DELAY - 604_801_000,
            &template_body(),
        );
        cases.push(x.append(
            "time-too-old",
            "time.too-old",
            "The event claims a time 604801 s before it is recorded; the genesis policy allows 604800.",
            ev,
            sig,
        ));
    }
    {
        let (ev, sig) = x.event(
            ORIGIN,
            "customs",
            "customs",
            "mf:time-in-future",
            at + CASE_DELAY + 301_000,
            &template_body(),
        );
        cases.push(x.append(
            "time-in-future",
            "time.in-future",
            "The event claims a time 301 s after it is recorded; the genesis policy allows 300.",
            ev,
            sig,
        ));
    }
    cases.push(x.append_body(
        "body-unknown",
        "body.unknown",
        "Signed by a body that was never registered.",
        "nobody",
        "stranger",
        template_body(),
    ));
    cases.push(x.append_body(
        "key-unknown",
        "key.unknown",
        "customs as author, but signed with (and naming) a key that was never registered.",
        "customs",
        "stranger",
        template_body(),
    ));
    cases.push(x.append_body(
        "key-not-authors",
        "key.not-authors",
        "sbgs as author, signed with (and naming) customs' registered key.",
        "sbgs",
        "customs",
        template_body(),
    ));
    cases.push(x.append_body(
        "key-revoked",
        "key.revoked",
        "sbgs signs with its first key, revoked by entry 10.",
        "sbgs",
        "sbgs",
        template_body(),
    ));

    // --- Body rules.
    cases.push(x.append_body(
        "role-required",
        "role.required",
        "objective.defined signed by sbgs, which has the executor role but not the coordinator role.",
        "sbgs",
        "sbgs/2026",
        Body::ObjectiveDefined(ObjectiveDefined {
            id: ObjectiveId::parse("SO-9").unwrap_or_else(|e| panic!("{e}")),
            parent: None,
            title_uk: "Ціль".into(),
            title_en: None,
            components: Vec::new(),
        }),
    ));
    cases.push(x.append_body(
        "status-lead-only",
        "status.lead-only",
        "sbgs reports status after it handed the lead over to customs (entries 15-16).",
        "sbgs",
        "sbgs/2026",
        Body::StatusReported(StatusReported {
            commitment: c(COMMITMENT),
            status: Status::Implemented,
            note: None,
            evidence: Vec::new(),
        }),
    ));
    cases.push(
        x.append_body(
            "body-update-empty",
            "body.update.empty",
            "body.updated by customs for itself that gives none of name_uk, name_en, kind or roles.",
            "customs",
            "customs",
            Body::BodyUpdated(BodyUpdated {
                id: b("customs"),
                name_uk: None,
                name_en: None,
                kind: None,
                roles: None,
            }),
        )
        .saying("at least one field"),
    );
    cases.push(
        x.append_body(
            "body-roles-duplicate",
            "body.roles",
            "body.registered by the registrar with the role executor listed twice.",
            "registry",
            "registry",
            Body::BodyRegistered(BodyRegistered {
                id: b("border-guard"),
                name_uk: "Прикордонна служба".into(),
                name_en: "Border guard".into(),
                kind: "agency".into(),
                roles: vec![Role::Executor, Role::Executor],
                public_keys: Vec::new(),
            }),
        )
        .saying("listed twice"),
    );
    {
        // The valid ledger has no commitment that is assigned and not yet accepted, so the
        // case appends one (a valid entry) before the faulty reassignment.
        let name = "reassign-to-assignee";
        let assigned = x.event(
            ORIGIN,
            "cmu",
            "cmu",
            &format!("mf:{name}:assign"),
            at,
            &Body::CommitmentAssigned(Fixture::commitment(
                "AP-2026/2.2",
                Some("sbgs"),
                "2026-12-31",
            )),
        );
        let reassigned = x.event(
            ORIGIN,
            "cmu",
            "cmu",
            &format!("mf:{name}"),
            at,
            &Body::CommitmentReassigned(Transfer {
                commitment: c("AP-2026/2.2"),
                to: b("sbgs"),
                reason: "sbgs is to deliver it".into(),
            }),
        );
        cases.push(
            x.append_all(
                name,
                "handover.same-lead",
                "Two entries: the coordinator assigns AP-2026/2.2 to sbgs (valid; sbgs has not accepted it), then reassigns it to sbgs, which would make sbgs responsible without its acceptance.",
                vec![assigned, reassigned],
            )
            .saying("already leads or is assigned"),
        );
    }
    let measured = entries
        .iter()
        .map(|e| parse(&e[entry::HEADER_LEN..]).unwrap_or_else(|e| panic!("{e}")))
        .position(|ev| ev.kind() == "indicator.measured")
        .unwrap_or_else(|| panic!("the ledger has no indicator.measured"));
    cases.push(x.append_body(
        "assessment-no-such-claim",
        "assessment.no-such-claim",
        &format!("An assessment whose claim names entry {measured} (ev-{measured}), an indicator.measured, not a status.reported."),
        "committee",
        "committee",
        Body::AssessmentRecorded(AssessmentRecorded {
            commitment: c(COMMITMENT),
            verdict: Verdict::Confirmed,
            claim: Some(id(&format!("ev-{measured}"))),
            note: None,
            evidence: Vec::new(),
        }),
    ));
    {
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let mut non_canonical = [0xffu8; 32];
        non_canonical[0] = 0xee;
        non_canonical[31] = 0x7f;
        let torsion = {
            use curve25519_dalek::constants::EIGHT_TORSION;
            let p = demo_key("stranger").verifying_key().to_edwards() + EIGHT_TORSION[1];
            p.compress().to_bytes()
        };
        let keyed = |name: &'static str, what: &str, key: String| {
            x.append_body(
                name,
                "key.invalid",
                &format!("body.registered with a public key that registration refuses: {what}."),
                "registry",
                "registry",
                Body::BodyRegistered(BodyRegistered {
                    id: b("border-guard"),
                    name_uk: "Прикордонна служба".into(),
                    name_en: "Border guard".into(),
                    kind: "agency".into(),
                    roles: vec![Role::Executor],
                    public_keys: vec![key],
                }),
            )
        };
        cases.push(keyed(
            "key-invalid-small-order",
            "the identity point (order 1), 0x01 followed by 31 zero bytes",
            BASE64.encode(identity),
        ));
        cases.push(keyed(
            "key-invalid-non-canonical",
            "y = p + 1, a non-canonical encoding (of the identity)",
            BASE64.encode(non_canonical),
        ));
        cases.push(keyed(
            "key-invalid-torsion",
            "a prime-order key plus a point of order 8 (a torsion component)",
            BASE64.encode(torsion),
        ));
        cases.push(keyed(
            "key-invalid-length",
            "31 bytes",
            BASE64.encode(&public_key_of("stranger")[..31]),
        ));
    }

    // --- The checkpoint and the trusted checkpoint.
    let other = NoteSigner::new(ORIGIN, demo_key(&format!("ledger:{ORIGIN}:impostor")))
        .unwrap_or_else(|e| panic!("{e}"));
    let root = merkle::root_of(leaves);
    {
        let forged = replace_once(
            checkpoint,
            &format!("\n{}\n", root.to_base64()),
            &format!("\n{}\n", leaves[0].to_base64()),
        );
        cases.push(Case {
            base_entries: n,
            checkpoint: Some(forged),
            ..Case::new(
                "checkpoint-tampered",
                "checkpoint.signature",
                "The valid ledger with the checkpoint's root line replaced; the signature no longer verifies.",
            )
        });
    }
    cases.push(Case {
        base_entries: n,
        checkpoint: Some(checkpoint.to_string()),
        verifier_key: Some(other.verifier().to_vkey()),
        ..Case::new(
            "checkpoint-other-key",
            "checkpoint.signature",
            "The valid ledger and checkpoint, verified with another key of the same name: the checkpoint carries no signature from it.",
        )
    });
    cases.push(Case {
        base_entries: n,
        checkpoint: Some(sign_checkpoint(&other, n as u64, root)),
        verifier_key: Some(other.verifier().to_vkey()),
        ..Case::new(
            "genesis-ledger-key",
            "genesis.ledger-key",
            "The valid entries under a checkpoint signed by another key named after the origin: every entry verifies, but the genesis names a different ledger key.",
        )
    });
    {
        let mut vk = x.vkey.to_string();
        let plus = vk.find('+').unwrap_or_else(|| panic!("vkey"));
        // Change the first hex digit of the key id.
        let digit = &vk[plus + 1..plus + 2];
        let swapped = if digit == "0" { "1" } else { "0" };
        vk.replace_range(plus + 1..plus + 2, swapped);
        cases.push(Case {
            base_entries: n,
            checkpoint: Some(checkpoint.to_string()),
            verifier_key: Some(vk),
            ..Case::new(
                "verifier-key-invalid",
                "key.invalid",
                "A verifier key whose key id does not match its name and public key.",
            )
        });
    }
    let rewritten = x.rewritten(n - 1);
    cases.push(Case {
        base_entries: n - 1,
        entries: vec![rewritten[n - 1].clone()],
        checkpoint: Some(checkpoint.to_string()),
        ..Case::new(
            "checkpoint-root",
            "checkpoint.root",
            "The last entry re-recorded one millisecond later (a valid entry on its own) under the original checkpoint: the root differs.",
        )
    });
    cases.push(Case::new(
        "ledger-empty",
        "ledger.empty",
        "No entries, under a checkpoint of size 0 (the empty tree) signed by the ledger key: a ledger starts with its genesis, so a checkpoint that covers nothing is refused.",
    ));
    cases.push(Case {
        base_entries: n - 1,
        checkpoint: Some(checkpoint.to_string()),
        ..Case::new(
            "ledger-truncated",
            "ledger.truncated",
            "The last entry removed; the checkpoint still covers it.",
        )
    });
    {
        let mut c = x.append_body(
            "checkpoint-size",
            "checkpoint.size",
            "A valid entry appended beyond what the checkpoint covers.",
            "customs",
            "customs",
            template_body(),
        );
        c.checkpoint = Some(checkpoint.to_string());
        cases.push(c);
    }
    {
        let fork_at = 10usize;
        let forked = x.rewritten(fork_at - 1);
        let forked_leaves: Vec<Hash> = forked.iter().map(|e| leaf_hash(e)).collect();
        let trusted = x.sign_checkpoint(fork_at as u64, merkle::root_of(&forked_leaves[..fork_at]));
        cases.push(Case {
            base_entries: n,
            checkpoint: Some(checkpoint.to_string()),
            trusted: Some(trusted),
            ..Case::new(
                "trusted-fork",
                "checkpoint.fork",
                "The valid ledger, and a trusted checkpoint of size 10 signed by the ledger key over a history in which entry 9 differs.",
            )
        });
    }
    {
        let rw_leaves: Vec<Hash> = rewritten.iter().map(|e| leaf_hash(e)).collect();
        let trusted = x.sign_checkpoint(n as u64, merkle::root_of(&rw_leaves));
        cases.push(Case {
            base_entries: n,
            checkpoint: Some(checkpoint.to_string()),
            trusted: Some(trusted),
            ..Case::new(
                "trusted-equivocation",
                "checkpoint.equivocation",
                "A trusted checkpoint of the same size as the current one, signed by the ledger key, naming another root.",
            )
        });
    }
    cases.push(Case {
        base_entries: n - 1,
        checkpoint: Some(l.receipts[n - 2].checkpoint.to_string()),
        trusted: Some(checkpoint.to_string()),
        ..Case::new(
            "trusted-truncated",
            "ledger.truncated",
            "A consistent ledger of n-1 entries with its own checkpoint, but the reader trusted the checkpoint of n entries.",
        )
    });
    {
        let forged = replace_once(
            checkpoint,
            &format!("\n{}\n", root.to_base64()),
            &format!("\n{}\n", leaves[0].to_base64()),
        );
        cases.push(Case {
            base_entries: n,
            checkpoint: Some(checkpoint.to_string()),
            trusted: Some(forged),
            ..Case::new(
                "trusted-bad-signature",
                "checkpoint.trusted-signature",
                "The valid ledger, with a trusted checkpoint whose root line was altered after signing.",
            )
        });
    }

    cases.extend(decision_cases(&x, checkpoint));
    cases.into_iter().map(|c| finish(&x, c)).collect()
}

/// A case laid out as an export and run through kordon's verifier.
struct Ran {
    all: Vec<Vec<u8>>,
    vkey: String,
    checkpoint: String,
    report: Report,
}

fn run_case(x: &Ctx<'_>, c: &Case) -> Ran {
    let mut all: Vec<Vec<u8>> = x.entries[..c.base_entries].to_vec();
    all.extend(c.entries.iter().cloned());
    let vkey = c.verifier_key.clone().unwrap_or_else(|| x.vkey.to_string());
    let checkpoint = c.checkpoint.clone().unwrap_or_else(|| {
        let leaves: Vec<Hash> = all.iter().map(|e| leaf_hash(e)).collect();
        x.sign_checkpoint(all.len() as u64, merkle::root_of(&leaves))
    });
    let header_key = c.export_key.as_deref().unwrap_or(&vkey);
    let mut export = assemble_export(header_key, &checkpoint, &all);
    export.extend_from_slice(&c.tail);
    let pinned = c.export_key.as_ref().map(|_| vkey.as_str());
    let report = verify_export_with(&export, pinned, c.trusted.as_deref().map(str::as_bytes));
    Ran {
        all,
        vkey,
        checkpoint,
        report,
    }
}

/// Verifies a case with kordon's verifier, insists it fails with the intended code, and turns
/// it into its JSON form.
fn finish(x: &Ctx<'_>, c: Case) -> CaseJson {
    let Ran {
        vkey,
        checkpoint,
        report,
        ..
    } = run_case(x, &c);
    let failure = match (&report.valid, &report.failure) {
        (false, Some(f)) => f,
        _ => panic!(
            "must-fail case {} was ACCEPTED by the verifier: {report:?}",
            c.name
        ),
    };
    assert_eq!(
        failure.code, c.code,
        "must-fail case {} fails with {} ({}) instead of {}",
        c.name, failure.code, failure.message, c.code
    );
    if let Some(text) = c.message {
        assert!(
            failure.message.contains(text),
            "must-fail case {} fails with {} for another reason: {}",
            c.name,
            failure.code,
            failure.message
        );
    }
    CaseJson {
        name: c.name,
        description: c.description,
        base_entries: c.base_entries,
        entries_hex: c.entries.iter().map(hex::encode).collect(),
        event: c
            .event
            .as_ref()
            .map(|(e, _)| String::from_utf8(e.clone()).unwrap_or_else(|e| panic!("{e}"))),
        signature_hex: c.event.as_ref().map(|(_, s)| hex::encode(s)),
        verifier_key: vkey,
        checkpoint,
        trusted_checkpoint: c.trusted,
        expected_code: failure.code.clone(),
        expected_seq: failure.seq,
        export_key_line: c.export_key,
        export_tail_hex: (!c.tail.is_empty()).then(|| hex::encode(&c.tail)),
    }
}

/// Verifies a case that must pass, insists kordon accepts it, and turns it into its JSON form.
fn finish_valid(x: &Ctx<'_>, c: Case) -> PassJson {
    assert!(c.tail.is_empty(), "a valid export has no tail");
    let Ran {
        all,
        vkey,
        checkpoint,
        report,
    } = run_case(x, &c);
    assert!(
        report.valid,
        "must-pass case {} was REJECTED by the verifier: {:?}",
        c.name, report.failure
    );
    assert_eq!(report.entries_verified, all.len() as u64, "{}", c.name);
    PassJson {
        name: c.name,
        description: c.description,
        base_entries: c.base_entries,
        entries_hex: c.entries.iter().map(hex::encode).collect(),
        event: c
            .event
            .as_ref()
            .map(|(e, _)| String::from_utf8(e.clone()).unwrap_or_else(|e| panic!("{e}"))),
        signature_hex: c.event.as_ref().map(|(_, s)| hex::encode(s)),
        verifier_key: vkey,
        checkpoint,
        trusted_checkpoint: c.trusted,
        export_key_line: c.export_key,
        entries_verified: report.entries_verified,
        root_hex: report.root.unwrap_or_else(|| panic!("{}: no root", c.name)),
    }
}

fn readme(entries: u64, cases: usize, passes: usize) -> String {
    let wcases = witness::MUST_FAIL_CASES;
    format!(
        r#"# kordon golden vectors

GENERATED FILES — DO NOT EDIT BY HAND. They are written by

    cargo run -p gen-vectors

(tools/gen-vectors) and checked by `cargo run -p gen-vectors -- --check` and by
`cargo test --test it golden_vectors::`, which fail if any byte differs from what the generator
produces. To change them, change the generator or the library and regenerate.

The format they exercise is specified in [../SPEC.md](../SPEC.md).

| file | what it is |
|------|------------|
| `ledger.json` | A ledger of {entries} entries built from `kordon::fixture` (origin `{ORIGIN}`). For each entry: the canonical event (as a string and in hex), the signing message (`"kordon/event/v1\n"` ‖ event) in hex, the signer's public key (base64) and key id, the signature, the whole entry in hex and its leaf hash. Then the tree: size, root, the signed checkpoint and the ledger's verifier key; a three-entry tree worked out node by node with its own checkpoint; inclusion proofs and consistency proofs (hex, lowest node first). |
| `ledger.export` | The same ledger as an export bundle (`kordon::export::write`), which `kordon verify` accepts. |
| `must-fail.json` | {cases} ledgers a verifier must reject. Each is the first `base_entries` entries of `ledger.json` followed by `entries_hex`, with `verifier_key`, a signed `checkpoint` and optionally a `trusted_checkpoint`; `expected_code` is the failure code kordon reports (SPEC.md, "Verification"). Every case has exactly one defect: mutated events are re-signed, and checkpoints re-signed over the mutated entries, unless the defect is the signature or the checkpoint. A case may give the export's own key line (`export_key_line`, when it differs from the key the reader verifies with) and bytes after the last entry (`export_tail_hex`, a stream cut short). |
| `must-pass.json` | {passes} ledgers a verifier must accept, in the same layout, with the entries and root kordon reports: the other side of the decisions that the last must-fail cases pin down (a Link time zone name, U+007F in a checkpoint line, the last second of the time grammar, a text with one visible character among invisible ones, an export whose own key line is ignored because the reader gives the key, …). |
| `proofs-must-fail.json` | Inclusion and consistency proofs over the tree of `ledger.json` that a verifier must refuse, among them a consistency proof from size 0. |
| `time-zones.txt` | The time zone names a genesis may give (SPEC.md §12.3): every Zone and Link name of the IANA time zone database release kordon lists, case-sensitive, one a line. |
| `witness.json` | The ledger's checkpoint cosigned by two demo witnesses, `witness.example/committee` (Ed25519, `cosignature/v1`, type 0x04) and `witness.example/ngo` (ML-DSA-44, type 0x06): each witness's seed, public key, key ID and vkey; each cosignature's signed message in hex, its bytes (key ID ‖ timestamp ‖ signature) and its note line; the cosigned checkpoint; the policy "2 of the two" as a C2SP tlog-policy file; `must_pass` checkpoints that meet a policy (`witnesses`, `quorum`) and {wcases} `must_fail` checkpoints a verifier must refuse with `expected_code` (`witness.quorum` or `witness.signature`, SPEC.md "Witness policy"). ML-DSA-44 signatures here are deterministic (rnd = 32 zero bytes); a witness's are hedged, and verify the same way. |

## How the ledger is made

* Keys are demo keys: the Ed25519 seed of the key labelled `L` is `SHA-256("kordon demo key\n" ‖ L)`
  (`kordon::fixture::demo_key`). `ledger.json` lists each label with its public key and key id.
  The ledger (checkpoint) key is the demo key labelled `ledger:{ORIGIN}`. Never use these keys
  for anything real.
* Event ids are `ev-0`, `ev-1`, … in signing order; must-fail events use `mf:<case name>` (and
  `mf:<case name>:<step>` for a valid entry a case appends before its faulty one).
* Times come from a manual clock starting 2026-01-05; each event is recorded a little after
  the time it claims.
* Ed25519 signatures are deterministic (RFC 8032), so every run writes the same bytes. The
  verifier's batch verification draws random blinding factors, which never change a verdict and
  never reach these files.
"#
    )
}
