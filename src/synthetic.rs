//! Synthetic ledgers of any size, for benchmarks: a deterministic, rule-abiding year of
//! integrated border management with many bodies and commitments and a realistic mix of event
//! types (mostly status reports, indicator measurements and notes; some handovers, co-executor
//! changes, deadline changes, assessments, inquiries, key rotations, cancellations).
//!
//! For a benchmark:
//!
//! - [`generate`] fills an empty [`Store`] through [`Ledger::submit_many`] (so every rule is
//!   enforced) and returns a [`Summary`] (size, root, verifier key);
//!   [`generate_export`] writes an export bundle (built in memory, then
//!   [`crate::export::write`]); [`generate_data_dir`] builds a data directory on the embedded
//!   store that `kordon` can open.
//! - [`Generator`] yields the signed submissions batch by batch, each with the `recorded_at` the
//!   ledger's clock must show when it is submitted (see [`SignedBatch`]), for a benchmark that
//!   drives its own ledger.
//!
//! The same [`Params`] (seed included) always give the same bytes. Signing runs on all cores
//! (rayon), overlapped with the ledger's own checks of the previous batch. Every key is a demo
//! key (`fixture::demo_key`, labels `synthetic:BODY` and `synthetic:BODY:N`): for benchmarks only.

use crate::core::event::*;
use crate::core::hash::Hash;
use crate::core::keys;
use crate::core::note::NoteSigner;
use crate::core::stage::{SeededRng, Unwatched, Watch};
use crate::core::types::*;
use crate::datadir::{self, KEY_FILE, STORE_FILE};
use crate::fixture::{demo_key, ManualClock};
use crate::ledger::{Ledger, Submission};
use crate::store::memory::MemoryStore;
use crate::store::redb::RedbStore;
use crate::store::Store;
use ed25519_dalek::SigningKey;
use rand_core::RngCore;
use rayon::prelude::*;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Params {
    /// Entries in the ledger, the genesis included.
    pub entries: u64,
    /// Commitments (each one `commitment.assigned` or `commitment.made`).
    pub commitments: u64,
    /// Seed of every choice.
    pub seed: u64,
    /// Executor bodies (leads and co-executors).
    pub executors: usize,
    /// Observer bodies (civil society, partners).
    pub observers: usize,
    /// The ledger's origin.
    pub origin: String,
    /// The first event's time.
    pub start: Millis,
    /// Days the events are spread over.
    pub span_days: u64,
    /// The most submissions per `submit_many` (one store commit each; at most 8192). `None`:
    /// 8192, except in [`generate_export`], which builds in a [`MemoryStore`] and uses 1024
    /// (that store's duplicate-id check costs O(batch²)). Entries of one batch share a
    /// `recorded_at`, so the batch size is part of what the bytes depend on.
    pub batch: Option<usize>,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            entries: 1_000_000,
            commitments: 20_000,
            seed: 1,
            executors: 40,
            observers: 8,
            origin: "kordon.synthetic/ibm".into(),
            // 2026-01-05T07:00:00Z
            start: Millis(1_767_596_400_000),
            span_days: 350,
            batch: None,
        }
    }
}

/// A synthetic ledger's size and seed as the tools' command lines take them (`clap`).
#[derive(Debug, Clone, clap::Args)]
pub struct SizeArgs {
    /// Entries in the synthetic ledger, the genesis included.
    #[arg(long, default_value_t = 1_000_000)]
    pub entries: u64,
    /// Commitments in it (each one assigned or made).
    #[arg(long, default_value_t = 20_000)]
    pub commitments: u64,
    /// Seed of its deterministic choices.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// A synthetic ledger in a data directory, as the benchmarks' command lines take it: its size
/// and the directory it is generated into once and reused from.
#[derive(Debug, Clone, clap::Args)]
pub struct DataDirArgs {
    #[command(flatten)]
    pub size: SizeArgs,
    /// The data directory the ledger is generated into, or reused from if it holds one
    /// [default: a directory in /tmp named after the tool and the number of entries].
    #[arg(long)]
    pub dir: Option<PathBuf>,
}

/// A ledger that [`DataDirArgs::open`] generated, and how long that took.
pub struct Generated {
    pub summary: Summary,
    pub secs: f64,
}

impl std::fmt::Display for Generated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "generated {} entries, {} commitments in {:.1} s",
            self.summary.entries, self.summary.commitments, self.secs
        )
    }
}

impl DataDirArgs {
    /// The data directory (`--dir`, else `/tmp/TOOL-ENTRIES`) holding the ledger, generated
    /// into it now unless it holds one (then `Generated` says what was made).
    pub fn open(&self, tool: &str) -> Result<(PathBuf, Option<Generated>), SyntheticError> {
        let dir = self
            .dir
            .clone()
            .unwrap_or_else(|| std::env::temp_dir().join(format!("{tool}-{}", self.size.entries)));
        let t = std::time::Instant::now();
        let made = data_dir(&self.size.params(), &dir)?.map(|summary| Generated {
            summary,
            secs: t.elapsed().as_secs_f64(),
        });
        Ok((dir, made))
    }
}

impl SizeArgs {
    /// The parameters: this size and seed, the other defaults.
    pub fn params(&self) -> Params {
        Params {
            entries: self.entries,
            commitments: self.commitments,
            seed: self.seed,
            ..Params::default()
        }
    }
}

/// What was generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub origin: String,
    pub entries: u64,
    pub commitments: u64,
    /// Total bytes of the entries (the export is this plus 2 bytes per entry and its header).
    pub entry_bytes: u64,
    pub root: Hash,
    pub verifier_key: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SyntheticError {
    #[error("{0}")]
    Params(String),
    #[error("the ledger refused generated event {index}: {msg} (a bug in the generator)")]
    Refused { index: u64, msg: String },
    #[error("{0}")]
    Io(String),
}

/// A batch of signed events and the time the ledger must record it at: set the ledger's clock
/// to `recorded_at` before `submit_many(submissions)` (every event's `at` is within the time
/// policy of it). A batch is never larger than `Params::batch`.
pub struct SignedBatch {
    pub recorded_at: Millis,
    pub submissions: Vec<Submission>,
}

/// The demo key that signs a synthetic ledger's checkpoints.
pub fn ledger_signer(params: &Params) -> Result<NoteSigner, SyntheticError> {
    NoteSigner::new(
        &params.origin,
        demo_key(&format!("synthetic-ledger:{}", params.origin)),
    )
    .map_err(|e| SyntheticError::Params(format!("origin: {e}")))
}

/// Fills `store` (which must be empty) with the synthetic ledger.
pub fn generate(params: &Params, store: Arc<dyn Store>) -> Result<Summary, SyntheticError> {
    generate_with(params, store, crate::ledger::Options::default())
}

/// `generate` through a ledger opened with `options` (snapshots, batching).
pub fn generate_with(
    params: &Params,
    store: Arc<dyn Store>,
    options: crate::ledger::Options,
) -> Result<Summary, SyntheticError> {
    let signer = ledger_signer(params)?;
    let verifier_key = signer.verifier().to_vkey();
    let mut gen = Generator::new(params)?;
    let clock = ManualClock::new(params.start.0);
    let ledger = Ledger::open_with(store, signer, clock.clock(), options)
        .map_err(|e| SyntheticError::Io(e.to_string()))?;
    if ledger.size() != 0 {
        return Err(SyntheticError::Params(
            "the store must be empty".to_string(),
        ));
    }
    let mut entry_bytes = 0u64;
    // Sign the next batch on a second thread while the ledger checks and writes this one.
    let (tx, rx) = std::sync::mpsc::sync_channel::<SignedBatch>(1);
    let result = std::thread::scope(|scope| {
        scope.spawn(move || {
            while let Some(b) = gen.next_batch() {
                if tx.send(b).is_err() {
                    break;
                }
            }
        });
        let mut index = 0u64;
        for b in rx {
            clock
                .0
                .store(b.recorded_at.0, std::sync::atomic::Ordering::SeqCst);
            let n = b.submissions.len() as u64;
            entry_bytes += b
                .submissions
                .iter()
                .map(|s| (crate::core::entry::HEADER_LEN + s.event.len()) as u64)
                .sum::<u64>();
            for (i, r) in ledger.submit_many(b.submissions).into_iter().enumerate() {
                if let Err(e) = r {
                    return Err(SyntheticError::Refused {
                        index: index + i as u64,
                        msg: e.to_string(),
                    });
                }
            }
            index += n;
        }
        Ok(())
    });
    result?;
    let entries = ledger.size();
    let root = ledger
        .root_at(entries)
        .map_err(|e| SyntheticError::Io(e.to_string()))?;
    Ok(Summary {
        origin: params.origin.clone(),
        entries,
        commitments: params.commitments,
        entry_bytes,
        root,
        verifier_key,
    })
}

/// The default batch of [`generate_export`].
pub const EXPORT_BATCH: usize = 1024;

/// Generates the ledger in memory and writes its export bundle to `out`.
pub fn generate_export(
    params: &Params,
    out: &mut dyn std::io::Write,
) -> Result<Summary, SyntheticError> {
    let store = MemoryStore::new();
    let params = Params {
        batch: Some(params.batch.unwrap_or(EXPORT_BATCH)),
        ..params.clone()
    };
    let summary = generate(&params, Arc::new(store.clone()))?;
    crate::export::write(&store, &summary.verifier_key, out)
        .map_err(|e| SyntheticError::Io(e.to_string()))?;
    Ok(summary)
}

/// The data directory `dir` holding the synthetic ledger of `params`: generated into it
/// (`generate_data_dir`) unless it already holds a ledger, which is kept as it is. Returns what
/// was generated, `None` if the ledger was there.
pub fn data_dir(params: &Params, dir: &Path) -> Result<Option<Summary>, SyntheticError> {
    if dir.join(STORE_FILE).exists() {
        return Ok(None);
    }
    generate_data_dir(params, dir).map(Some)
}

/// Generates the ledger into a new data directory (`ledger.redb` and the demo `ledger.key`).
pub fn generate_data_dir(params: &Params, dir: &Path) -> Result<Summary, SyntheticError> {
    let io = |e: &dyn std::fmt::Display| SyntheticError::Io(format!("{}: {e}", dir.display()));
    if datadir::has_ledger(dir) || dir.join(KEY_FILE).exists() {
        return Err(io(&"already holds a ledger"));
    }
    std::fs::create_dir_all(dir).map_err(|e| io(&e))?;
    let key = demo_key(&format!("synthetic-ledger:{}", params.origin));
    datadir::write_private(&dir.join(KEY_FILE), &keys::private_key_pem(&key))
        .map_err(|e| io(&e))?;
    let store: Arc<dyn Store> =
        Arc::new(RedbStore::open(&dir.join(STORE_FILE)).map_err(|e| io(&e))?);
    let snapshots = datadir::snapshots(dir, &*store);
    generate_with(
        params,
        store,
        crate::ledger::Options {
            snapshots: Some(snapshots),
            ..crate::ledger::Options::default()
        },
    )
}

// ---------------------------------------------------------------------------------------------
// The model: just enough state to keep every generated event within the rules.

/// The generator's choices: the core's SplitMix64, small, fast and the same everywhere.
struct Rng(SeededRng);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(SeededRng(seed))
    }
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Assigned,
    Rejected,
    Active,
    Closed,
}

struct Com {
    id: CommitmentId,
    phase: Phase,
    /// Executor index of the lead (or assignee).
    lead: usize,
    co: Vec<usize>,
    /// (proposal event, proposer body index, receiver executor index)
    pending: Option<(EventId, usize, usize)>,
    claim: Option<EventId>,
    request: Option<(EventId, Date)>,
    deadline: Date,
    indicators: u8,
    created: EventId,
}

const REGISTRY: usize = 0;
const COORDINATORS: [usize; 2] = [1, 2];
const OVERSEER: usize = 3;
const FIRST_OBSERVER: usize = 4;

const PHRASES: &[&str] = &[
    "Пункт пропуску обладнано новим сканером вантажів.",
    "Joint patrol with the customs service completed on schedule.",
    "Training on risk analysis finished for forty officers of the western region.",
    "Документи щодо фінансування передано до Кабінету Міністрів.",
    "Interoperability tests of the border data exchange gateway passed.",
    "Запит на технічну допомогу погоджено з міжнародним партнером.",
    "Two of five planned mobile units are operating; procurement continues.",
    "Протокол спільного контролю підписано обома сторонами.",
    "Waiting times at the crossing point fell after the new lanes opened.",
    "Громадські спостерігачі відвідали три пункти пропуску.",
];

const STATUSES: &[Status] = &[
    Status::InProgress,
    Status::InProgress,
    Status::InProgress,
    Status::AtRisk,
    Status::PartiallyImplemented,
    Status::Blocked,
    Status::Implemented,
    Status::NotStarted,
];

const VERDICTS: &[Verdict] = &[
    Verdict::Confirmed,
    Verdict::PartiallyConfirmed,
    Verdict::NotConfirmed,
    Verdict::Contested,
];

/// A note of 40 to about 300 bytes, Ukrainian and English phrases.
fn text(rng: &mut Rng) -> String {
    let want = 40 + rng.below(200);
    let mut s = String::new();
    while s.len() < want {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(PHRASES[rng.below(PHRASES.len())]);
    }
    s
}

/// One event to sign: author body, key index, id, time, body.
struct Draft {
    key: usize,
    author: usize,
    id: EventId,
    at: Millis,
    body: Body,
}

/// Yields the synthetic ledger's signed events, batch by batch (see [`SignedBatch`]).
pub struct Generator {
    p: Params,
    rng: Rng,
    /// Body ids by index: registry, 2 coordinators, the overseer, observers, executors.
    bodies: Vec<BodyId>,
    first_executor: usize,
    /// Every demo key generated; `current[body]` indexes the body's signing key.
    keys: Vec<SigningKey>,
    key_ids: Vec<keys::KeyId>,
    current: Vec<usize>,
    rotations: Vec<u32>,
    coms: Vec<Com>,
    active: Vec<usize>,
    unaccepted: VecDeque<usize>,
    rejected: Vec<usize>,
    handovers: Vec<usize>,
    requests: Vec<usize>,
    inquiries: VecDeque<(InquiryId, usize)>,
    inquiry_count: u64,
    /// Events emitted so far.
    n: u64,
    step_ms: u64,
    batch_len: usize,
    setup: VecDeque<Draft>,
    creation_p: f64,
    objectives: Vec<ObjectiveId>,
    dates: Vec<Date>,
}

fn parse<T>(r: Result<T, String>) -> Result<T, SyntheticError> {
    r.map_err(SyntheticError::Params)
}

impl Generator {
    pub fn new(params: &Params) -> Result<Generator, SyntheticError> {
        let p = params.clone();
        if p.executors < 3 || p.observers < 1 {
            return Err(SyntheticError::Params(
                "at least 3 executors and 1 observer".into(),
            ));
        }
        let mut bodies = vec![
            parse(BodyId::parse("registry"))?,
            parse(BodyId::parse("coord-1"))?,
            parse(BodyId::parse("coord-2"))?,
            parse(BodyId::parse("committee"))?,
        ];
        for i in 0..p.observers {
            bodies.push(parse(BodyId::parse(&format!("observer-{i}")))?);
        }
        let first_executor = bodies.len();
        for i in 0..p.executors {
            bodies.push(parse(BodyId::parse(&format!("exec-{i:03}")))?);
        }
        let keys: Vec<SigningKey> = bodies
            .par_iter()
            .map(|b| demo_key(&format!("synthetic:{b}")))
            .collect();
        let current: Vec<usize> = (0..bodies.len()).collect();
        let objectives: Vec<ObjectiveId> = (1..=6)
            .map(|i| ObjectiveId::parse(&format!("SO-{i}")))
            .collect::<Result<_, _>>()
            .map_err(SyntheticError::Params)?;
        let setup_len = 1 + (bodies.len() as u64 - 1) + objectives.len() as u64;
        if p.entries < setup_len + p.commitments {
            return Err(SyntheticError::Params(format!(
                "{} entries cannot hold {} bodies, {} objectives and {} commitments: give at least {}",
                p.entries,
                bodies.len(),
                objectives.len(),
                p.commitments,
                setup_len + p.commitments
            )));
        }
        let span = p.span_days.max(1) * 24 * 3600 * 1000;
        let step_ms = (span / p.entries.max(1)).max(1);
        // A batch is recorded after its last event: keep its first event within 6 days of
        // that (the default policy allows 7).
        let six_days = 6 * 24 * 3600 * 1000;
        let batch_len = p
            .batch
            .unwrap_or(crate::ledger::MAX_BATCH)
            .clamp(1, crate::ledger::MAX_BATCH)
            .min(((six_days / step_ms) as usize).max(1));
        let bulk = p.entries - setup_len;
        let creation_p = if bulk == 0 {
            1.0
        } else {
            (p.commitments as f64 / (0.4 * bulk as f64)).min(1.0)
        };
        let dates = [
            "2026-03-31",
            "2026-06-30",
            "2026-09-30",
            "2026-11-30",
            "2026-12-31",
            "2027-03-31",
            "2027-06-30",
            "2027-12-31",
        ]
        .iter()
        .map(|d| Date::parse(d))
        .collect::<Result<_, _>>()
        .map_err(SyntheticError::Params)?;
        let mut g = Generator {
            rng: Rng::new(p.seed ^ 0x6b6f_7264_6f6e),
            rotations: vec![0; bodies.len()],
            bodies,
            first_executor,
            key_ids: keys
                .iter()
                .map(|k| keys::KeyId::of(&k.verifying_key().to_bytes()))
                .collect(),
            keys,
            current,
            coms: Vec::new(),
            active: Vec::new(),
            unaccepted: VecDeque::new(),
            rejected: Vec::new(),
            handovers: Vec::new(),
            requests: Vec::new(),
            inquiries: VecDeque::new(),
            inquiry_count: 0,
            n: 0,
            step_ms,
            batch_len,
            setup: VecDeque::new(),
            creation_p,
            objectives,
            dates,
            p,
        };
        g.setup = g.setup_drafts()?;
        Ok(g)
    }

    /// The verifier key of the ledger these events are for.
    pub fn verifier_key(&self) -> Result<String, SyntheticError> {
        Ok(ledger_signer(&self.p)?.verifier().to_vkey())
    }

    fn executor(&self, i: usize) -> BodyId {
        self.bodies[self.first_executor + i].clone()
    }

    fn public_key(&self, key: usize) -> String {
        keys::public_key_base64(&self.keys[key].verifying_key().to_bytes())
    }

    fn next_id(&mut self) -> EventId {
        let n = self.n;
        self.n += 1;
        EventId::parse(&format!("s{n:07}")).unwrap_or_else(|e| unreachable!("{e}"))
    }

    fn at(&self, n: u64) -> Millis {
        Millis(self.p.start.0 + n * self.step_ms)
    }

    fn draft(&mut self, author: usize, body: Body) -> Draft {
        let at = self.at(self.n);
        let id = self.next_id();
        Draft {
            key: self.current[author],
            author,
            id,
            at,
            body,
        }
    }

    fn setup_drafts(&mut self) -> Result<VecDeque<Draft>, SyntheticError> {
        let mut out = VecDeque::new();
        let vkey = self.verifier_key()?;
        let genesis = Body::Genesis(Genesis {
            origin: self.p.origin.clone(),
            time_zone: "Europe/Kyiv".into(),
            registrar: BodyInfo {
                id: self.bodies[REGISTRY].clone(),
                name_uk: "Реєстратор (синтетичний)".into(),
                name_en: "Registrar (synthetic)".into(),
                kind: "secretariat".into(),
            },
            registrar_key: self.public_key(self.current[REGISTRY]),
            ledger_key: vkey,
            policy: Policy::default(),
        });
        out.push_back(self.draft(REGISTRY, genesis));
        for i in 1..self.bodies.len() {
            let roles = match i {
                1 | 2 => vec![Role::Coordinator],
                OVERSEER => vec![Role::Overseer],
                i if i < self.first_executor => vec![Role::Observer],
                _ => vec![Role::Executor],
            };
            let body = Body::BodyRegistered(BodyRegistered {
                id: self.bodies[i].clone(),
                name_uk: format!("Орган {} (синтетичний)", self.bodies[i]),
                name_en: format!("Body {} (synthetic)", self.bodies[i]),
                kind: if i >= self.first_executor {
                    "agency".into()
                } else {
                    "body".into()
                },
                roles,
                public_keys: vec![self.public_key(self.current[i])],
            });
            out.push_back(self.draft(REGISTRY, body));
        }
        for (k, o) in self.objectives.clone().into_iter().enumerate() {
            let body = Body::ObjectiveDefined(ObjectiveDefined {
                id: o,
                parent: None,
                title_uk: format!("Стратегічна ціль {} (синтетична)", k + 1),
                title_en: Some(format!("Strategic objective {} (synthetic)", k + 1)),
                components: vec![
                    [
                        Component::BorderControl,
                        Component::InformationExchange,
                        Component::RiskAnalysis,
                        Component::InterAgencyCooperation,
                        Component::CooperationWithThirdCountries,
                        Component::FundamentalRights,
                    ][k % 6],
                ],
            });
            out.push_back(self.draft(COORDINATORS[0], body));
        }
        Ok(out)
    }

    fn text(&mut self) -> String {
        text(&mut self.rng)
    }

    fn evidence(n: u64) -> Vec<Evidence> {
        let digest = Hash::sha256(&n.to_be_bytes()).to_hex();
        match Sha256Hex::parse(&digest) {
            Ok(sha256) => vec![Evidence {
                sha256,
                location: format!("https://docs.example.org/ibm/2026/{n}.pdf"),
                cites: None,
            }],
            Err(_) => Vec::new(),
        }
    }

    /// The UTC day of an instant.
    fn day(&self, t: Millis) -> Date {
        Date(
            jiff::Timestamp::from_millisecond(t.0 as i64)
                .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date())
                .unwrap_or_default(),
        )
    }

    fn dec(n: u64) -> Decimal {
        Decimal::parse(&n.to_string()).unwrap_or_else(|e| unreachable!("{e}"))
    }

    fn create_commitment(&mut self) -> Draft {
        let lead = self.rng.below(self.p.executors);
        self.commitment(lead, None)
    }

    /// A new commitment led by executor `lead`: made by it (`Some(true)`), assigned to it by a
    /// coordinator (`Some(false)`), or one of the two at random (one in five made).
    fn commitment(&mut self, lead: usize, made: Option<bool>) -> Draft {
        let k = self.coms.len();
        let objective = k % self.objectives.len();
        let id = CommitmentId::parse(&format!("AP-2026/{}.{}", objective + 1, k + 1))
            .unwrap_or_else(|e| unreachable!("{e}"));
        let execs = self.p.executors;
        let mut co = Vec::new();
        for _ in 0..self.rng.below(3) {
            let c = self.rng.below(execs);
            if c != lead && !co.contains(&c) {
                co.push(c);
            }
        }
        let indicators = 1 + self.rng.below(2) as u8;
        let deadline = self.dates[self.rng.below(self.dates.len())];
        let made = made.unwrap_or_else(|| self.rng.chance(0.2));
        let fields = CommitmentFields {
            id: id.clone(),
            lead: (!made).then(|| self.executor(lead)),
            objective: Some(self.objectives[objective].clone()),
            title_uk: format!("Захід {} плану дій (синтетичний)", k + 1),
            title_en: Some(format!("Action plan measure {} (synthetic)", k + 1)),
            description: None,
            co_executors: co.iter().map(|&c| self.executor(c)).collect(),
            deadline,
            indicators: (1..=indicators)
                .map(|i| Indicator {
                    id: IndicatorId::parse(&format!("i{i}"))
                        .unwrap_or_else(|e| unreachable!("{e}")),
                    name_uk: format!("Показник {i}"),
                    name_en: Some(format!("Indicator {i}")),
                    unit: Some("units".into()),
                    baseline: Some(Self::dec(0)),
                    target: Some(Self::dec(10 + (k as u64 % 90))),
                    milestones: Vec::new(),
                })
                .collect(),
            funding: Some(Funding {
                amount: Self::dec(100_000 * (1 + (k as u64 % 500))),
                currency: "UAH".into(),
                source: FundingSource::StateBudget,
            }),
            act: Some(format!("Synthetic action plan, item {} (fictional)", k + 1)),
        };
        let (author, body) = if made {
            (self.first_executor + lead, Body::CommitmentMade(fields))
        } else {
            let c = COORDINATORS[k % 2];
            (c, Body::CommitmentAssigned(fields))
        };
        let d = self.draft(author, body);
        self.coms.push(Com {
            id,
            phase: if made { Phase::Active } else { Phase::Assigned },
            lead,
            co,
            pending: None,
            claim: None,
            request: None,
            deadline,
            indicators,
            created: d.id.clone(),
        });
        if made {
            self.active.push(k);
        } else {
            self.unaccepted.push_back(k);
        }
        d
    }

    /// A random active commitment.
    fn pick_active(&mut self) -> Option<usize> {
        if self.active.is_empty() {
            return None;
        }
        let i = self.rng.below(self.active.len());
        Some(self.active[i])
    }

    fn close(&mut self, k: usize) {
        self.coms[k].phase = Phase::Closed;
        self.coms[k].pending = None;
        self.active.retain(|&x| x != k);
        self.handovers.retain(|&x| x != k);
        self.requests.retain(|&x| x != k);
    }

    fn note(&mut self, n: u64) -> Draft {
        let author = FIRST_OBSERVER + self.rng.below(self.p.observers);
        let (commitment, about) = if self.coms.is_empty() {
            (None, None)
        } else {
            let k = self.rng.below(self.coms.len());
            let about = self.rng.chance(0.3).then(|| {
                self.coms[k]
                    .claim
                    .clone()
                    .unwrap_or(self.coms[k].created.clone())
            });
            (Some(self.coms[k].id.clone()), about)
        };
        let text = self.text();
        let evidence = if self.rng.chance(0.3) {
            Self::evidence(n)
        } else {
            Vec::new()
        };
        self.draft(
            author,
            Body::NoteAdded(NoteAdded {
                commitment,
                about,
                text,
                evidence,
            }),
        )
    }

    /// The next event, chosen so that the rules accept it.
    fn bulk_event(&mut self) -> Draft {
        let n = self.n;
        let remaining = self.p.entries - n;
        let to_create = self.p.commitments - self.coms.len() as u64;
        if to_create > 0 && (remaining <= to_create || self.rng.chance(self.creation_p)) {
            return self.create_commitment();
        }
        if !self.unaccepted.is_empty() && self.rng.chance(0.5) {
            let k = self.unaccepted.pop_front().unwrap_or_default();
            let author = self.first_executor + self.coms[k].lead;
            let commitment = self.coms[k].id.clone();
            if self.rng.chance(0.03) {
                self.coms[k].phase = Phase::Rejected;
                self.rejected.push(k);
                return self.draft(
                    author,
                    Body::CommitmentRejected(CommitmentReason {
                        commitment,
                        reason: "Outside our mandate; please reassign.".into(),
                    }),
                );
            }
            self.coms[k].phase = Phase::Active;
            self.active.push(k);
            return self.draft(
                author,
                Body::CommitmentAccepted(CommitmentRef { commitment }),
            );
        }
        let roll = self.rng.below(1000);
        let Some(k) = self.pick_active() else {
            return self.note(n);
        };
        let lead = self.coms[k].lead;
        let lead_body = self.first_executor + lead;
        let commitment = self.coms[k].id.clone();
        match roll {
            // status.reported, 28%
            0..=279 => {
                let status = STATUSES[self.rng.below(STATUSES.len())];
                let note = Some(self.text());
                let evidence = if self.rng.chance(0.6) {
                    Self::evidence(n)
                } else {
                    Vec::new()
                };
                let d = self.draft(
                    lead_body,
                    Body::StatusReported(StatusReported {
                        commitment,
                        status,
                        note,
                        evidence,
                    }),
                );
                self.coms[k].claim = Some(d.id.clone());
                d
            }
            // indicator.measured, 26%
            280..=539 => {
                let c = &self.coms[k];
                let by = if !c.co.is_empty() && self.rng.chance(0.25) {
                    self.first_executor + c.co[self.rng.below(c.co.len())]
                } else {
                    lead_body
                };
                let indicator = IndicatorId::parse(&format!(
                    "i{}",
                    1 + self.rng.below(self.coms[k].indicators as usize)
                ))
                .unwrap_or_else(|e| unreachable!("{e}"));
                let value = Self::dec(self.rng.below(100) as u64);
                let as_of = self.day(self.at(n));
                let evidence = if self.rng.chance(0.4) {
                    Self::evidence(n)
                } else {
                    Vec::new()
                };
                self.draft(
                    by,
                    Body::IndicatorMeasured(IndicatorMeasured {
                        commitment,
                        indicator,
                        value,
                        as_of,
                        evidence,
                    }),
                )
            }
            // assessment.recorded, 5%
            540..=589 => {
                let claim = self.coms[k].claim.clone();
                let verdict = VERDICTS[self.rng.below(VERDICTS.len())];
                let by = if self.rng.chance(0.7) {
                    OVERSEER
                } else {
                    COORDINATORS[self.rng.below(2)]
                };
                let note = Some(self.text());
                self.draft(
                    by,
                    Body::AssessmentRecorded(AssessmentRecorded {
                        commitment,
                        verdict,
                        claim,
                        note,
                        evidence: Vec::new(),
                    }),
                )
            }
            // handovers, 6%: answer a pending one, or propose one
            590..=649 => {
                if let Some(pos) =
                    (!self.handovers.is_empty()).then(|| self.rng.below(self.handovers.len()))
                {
                    let h = self.handovers.swap_remove(pos);
                    let (proposal, proposer, to) = self.coms[h]
                        .pending
                        .take()
                        .unwrap_or_else(|| unreachable!());
                    let commitment = self.coms[h].id.clone();
                    let r = self.rng.below(10);
                    if r < 7 {
                        self.coms[h].lead = to;
                        self.coms[h].co.retain(|&c| c != to);
                        self.draft(
                            self.first_executor + to,
                            Body::HandoverAccepted(HandoverAnswer {
                                commitment,
                                proposal,
                                reason: None,
                            }),
                        )
                    } else if r < 9 {
                        self.draft(
                            self.first_executor + to,
                            Body::HandoverDeclined(HandoverAnswer {
                                commitment,
                                proposal,
                                reason: Some("Not within our mandate this year.".into()),
                            }),
                        )
                    } else {
                        self.draft(
                            proposer,
                            Body::HandoverWithdrawn(HandoverAnswer {
                                commitment,
                                proposal,
                                reason: Some("Agreed to keep the lead.".into()),
                            }),
                        )
                    }
                } else if self.coms[k].pending.is_none() {
                    let to = (lead + 1 + self.rng.below(self.p.executors - 1)) % self.p.executors;
                    let proposer = if self.rng.chance(0.8) {
                        lead_body
                    } else {
                        COORDINATORS[self.rng.below(2)]
                    };
                    let d = self.draft(
                        proposer,
                        Body::HandoverProposed(Transfer {
                            commitment,
                            to: self.executor(to),
                            reason: "The receiving body runs the systems this item needs.".into(),
                        }),
                    );
                    self.coms[k].pending = Some((d.id.clone(), proposer, to));
                    self.handovers.push(k);
                    d
                } else {
                    self.note(n)
                }
            }
            // co-executors, 3%
            650..=679 => {
                let by = if self.rng.chance(0.5) {
                    lead_body
                } else {
                    COORDINATORS[self.rng.below(2)]
                };
                let c = &self.coms[k];
                if !c.co.is_empty() && self.rng.chance(0.4) {
                    let i = self.rng.below(c.co.len());
                    let body = self.coms[k].co.swap_remove(i);
                    self.draft(
                        by,
                        Body::CoExecutorRemoved(CoExecutorChange {
                            commitment,
                            body: self.executor(body),
                            reason: Some("Its part is done.".into()),
                        }),
                    )
                } else {
                    let body = self.rng.below(self.p.executors);
                    if body == lead || self.coms[k].co.contains(&body) {
                        return self.note(n);
                    }
                    self.coms[k].co.push(body);
                    self.draft(
                        by,
                        Body::CoExecutorAdded(CoExecutorChange {
                            commitment,
                            body: self.executor(body),
                            reason: Some("Its data is needed.".into()),
                        }),
                    )
                }
            }
            // deadline requests and changes, 5%
            680..=729 => {
                if let Some(pos) = (!self.requests.is_empty() && self.rng.chance(0.6))
                    .then(|| self.rng.below(self.requests.len()))
                {
                    let r = self.requests.swap_remove(pos);
                    let (request, deadline) = self.coms[r]
                        .request
                        .take()
                        .unwrap_or_else(|| unreachable!());
                    self.coms[r].deadline = deadline;
                    let commitment = self.coms[r].id.clone();
                    let by = COORDINATORS[self.rng.below(2)];
                    self.draft(
                        by,
                        Body::DeadlineChanged(DeadlineChanged {
                            commitment,
                            deadline,
                            reason: "Granted by the working group.".into(),
                            request: Some(request),
                        }),
                    )
                } else if self.coms[k].request.is_none() {
                    let deadline = Date(
                        self.coms[k]
                            .deadline
                            .0
                            .checked_add(jiff::Span::new().days(90))
                            .unwrap_or(self.coms[k].deadline.0),
                    );
                    let d = self.draft(
                        lead_body,
                        Body::DeadlineExtensionRequested(DeadlineRequest {
                            commitment,
                            deadline,
                            reason: "Deliveries slipped by a quarter.".into(),
                        }),
                    );
                    self.coms[k].request = Some((d.id.clone(), deadline));
                    self.requests.push(k);
                    d
                } else {
                    self.note(n)
                }
            }
            // inquiries, 4%
            730..=769 => {
                if !self.inquiries.is_empty() && self.rng.chance(0.5) {
                    let (inquiry, to) =
                        self.inquiries.pop_front().unwrap_or_else(|| unreachable!());
                    let answer = self.text();
                    self.draft(
                        to,
                        Body::InquiryAnswered(InquiryAnswered {
                            inquiry,
                            answer,
                            evidence: Vec::new(),
                        }),
                    )
                } else {
                    self.inquiry_count += 1;
                    let inquiry = InquiryId::parse(&format!("Q-{:06}", self.inquiry_count))
                        .unwrap_or_else(|e| unreachable!("{e}"));
                    self.inquiries.push_back((inquiry.clone(), lead_body));
                    let due = self.dates[self.rng.below(self.dates.len())];
                    self.draft(
                        OVERSEER,
                        Body::InquiryRaised(InquiryRaised {
                            inquiry,
                            to: self.executor(lead),
                            commitment: Some(commitment),
                            question: "When will this item be completed, and on what evidence?"
                                .into(),
                            due,
                        }),
                    )
                }
            }
            // reassignment of rejected items, cancellations and supersessions, 0.6%
            770..=775 => {
                if let Some(r) = self.rejected.pop() {
                    let to = (self.coms[r].lead + 1) % self.p.executors;
                    self.coms[r].lead = to;
                    self.coms[r].co.retain(|&c| c != to);
                    self.coms[r].phase = Phase::Active;
                    self.active.push(r);
                    let commitment = self.coms[r].id.clone();
                    self.draft(
                        COORDINATORS[0],
                        Body::CommitmentReassigned(Transfer {
                            commitment,
                            to: self.executor(to),
                            reason: "Reassigned after the assignee declined.".into(),
                        }),
                    )
                } else if self.rng.chance(0.5) || self.active.len() < 2 {
                    self.close(k);
                    self.draft(
                        COORDINATORS[1],
                        Body::CommitmentCancelled(CommitmentReason {
                            commitment,
                            reason: "No longer needed after the strategy review.".into(),
                        }),
                    )
                } else {
                    let successor = self.active[self.rng.below(self.active.len())];
                    if successor == k {
                        return self.note(n);
                    }
                    let successor = self.coms[successor].id.clone();
                    self.close(k);
                    self.draft(
                        COORDINATORS[0],
                        Body::CommitmentSuperseded(CommitmentSuperseded {
                            commitment,
                            successor,
                            reason: "Merged into a wider item.".into(),
                        }),
                    )
                }
            }
            // key rotation of an executor, 0.1%: the new key signs the revocation of the old
            776 => {
                let body = self.first_executor + self.rng.below(self.p.executors);
                self.rotate_key(body)
            }
            // notes, the rest (about 22%)
            _ => self.note(n),
        }
    }

    /// `key.added` now; the body signs with the new key from its next event, the first of
    /// which is the revocation of the old key (queued as the next setup draft).
    fn rotate_key(&mut self, body: usize) -> Draft {
        self.rotations[body] += 1;
        let label = format!("synthetic:{}:{}", self.bodies[body], self.rotations[body]);
        let key = demo_key(&label);
        self.key_ids
            .push(keys::KeyId::of(&key.verifying_key().to_bytes()));
        self.keys.push(key);
        let new = self.keys.len() - 1;
        let old = self.current[body];
        let d = self.draft(
            body,
            Body::KeyAdded(KeyAdded {
                body: self.bodies[body].clone(),
                public_key: self.public_key(new),
            }),
        );
        self.current[body] = new;
        let old_id = keys::KeyId::of(&self.keys[old].verifying_key().to_bytes());
        let revoke = Body::KeyRevoked(KeyRevoked {
            body: self.bodies[body].clone(),
            key: old_id,
            reason: "Scheduled rotation.".into(),
        });
        // Emitted right after, if an entry is left for it.
        if self.n < self.p.entries {
            let r = self.draft(body, revoke);
            self.setup.push_back(r);
        }
        d
    }

    /// Encodes and signs drafts, on all cores.
    fn sign(&self, drafts: Vec<Draft>) -> Vec<Submission> {
        let origin = &self.p.origin;
        let keys = &self.keys;
        let bodies = &self.bodies;
        let key_ids = &self.key_ids;
        drafts
            .into_par_iter()
            .map(|d| {
                // The envelope as `event::encode` builds it, without its parse-back check: the
                // ledger parses every submission anyway, and refuses any that is malformed.
                let mut m = serde_json::Map::new();
                m.insert("at".into(), d.at.to_rfc3339().into());
                m.insert("author".into(), bodies[d.author].as_str().into());
                m.insert("body".into(), d.body.to_value());
                m.insert("id".into(), d.id.as_str().into());
                m.insert("key".into(), key_ids[d.key].as_str().into());
                m.insert("ledger".into(), origin.as_str().into());
                m.insert("type".into(), d.body.kind().name().into());
                m.insert("v".into(), FORMAT_VERSION.into());
                let event = canonical(&serde_json::Value::Object(m))
                    .unwrap_or_else(|e| unreachable!("a generated event does not encode: {e}"));
                let signature = keys::sign_event(&keys[d.key], &event);
                Submission { event, signature }
            })
            .collect()
    }

    /// The next batch of signed events, or `None` at the end.
    pub fn next_batch(&mut self) -> Option<SignedBatch> {
        if self.n >= self.p.entries && self.setup.is_empty() {
            return None;
        }
        let mut drafts = Vec::with_capacity(self.batch_len);
        while drafts.len() < self.batch_len {
            if let Some(d) = self.setup.pop_front() {
                drafts.push(d);
            } else if self.n < self.p.entries {
                let d = self.bulk_event();
                drafts.push(d);
            } else {
                break;
            }
        }
        let last_at = drafts.last().map(|d| d.at).unwrap_or(self.p.start);
        let submissions = self.sign(drafts);
        Some(SignedBatch {
            recorded_at: Millis(last_at.0 + 1000),
            submissions,
        })
    }
}

impl Iterator for Generator {
    type Item = SignedBatch;
    fn next(&mut self) -> Option<SignedBatch> {
        self.next_batch()
    }
}

/// Signed events that the rules accept in any order, for benchmarks that submit from many
/// threads at once, made by the same bodies and keys as [`Generator`]'s.
///
/// [`Workload::setup`] holds the genesis, the bodies, the objectives and one commitment made by
/// each executor (so it is active at once). After it, event `n` of a run is a note by an
/// observer about commitment `n / 4 % executors` (half of the events; some refer to its
/// creation, half carry evidence), or a status report or an indicator measurement by that
/// commitment's lead (a quarter each, with evidence): about 500 bytes, in Ukrainian and
/// English. Every event claims `Params::start`: open the ledger with [`Workload::open`], whose
/// clock stays there. The run's name prefixes the event ids (`RUN-00000042`), so runs never
/// collide in one ledger. The same parameters always give the same bytes.
pub struct Workload {
    gen: Generator,
    setup: Vec<Submission>,
}

/// The statuses the workload's reports cycle through.
const WORKLOAD_STATUSES: [Status; 4] = [
    Status::InProgress,
    Status::AtRisk,
    Status::InProgress,
    Status::PartiallyImplemented,
];

impl Workload {
    /// The benchmarks' workload: `executors` executors (one commitment each) and `observers`
    /// observers sign, on a ledger named `origin`; the other parameters are the defaults.
    pub fn of(
        origin: &str,
        executors: usize,
        observers: usize,
    ) -> Result<Workload, SyntheticError> {
        Workload::new(&Params {
            executors,
            observers,
            origin: origin.into(),
            ..Params::default()
        })
    }

    /// The workload of `params` (`executors`, `observers`, `origin`, `start` and `seed` count;
    /// `entries`, `commitments`, `span_days` and `batch` do not).
    pub fn new(params: &Params) -> Result<Workload, SyntheticError> {
        let mut gen = Generator::new(&Params {
            entries: 1 << 40,
            commitments: params.executors as u64,
            ..params.clone()
        })?;
        let mut drafts: Vec<Draft> = gen.setup.drain(..).collect();
        for lead in 0..params.executors {
            let d = gen.commitment(lead, Some(true));
            drafts.push(d);
        }
        for d in &mut drafts {
            d.at = params.start;
        }
        let setup = gen.sign(drafts);
        Ok(Workload { gen, setup })
    }

    /// The events to submit, in order, before any run.
    pub fn setup(&self) -> &[Submission] {
        &self.setup
    }

    /// The ledger's checkpoint key (a demo key).
    pub fn ledger_signer(&self) -> Result<NoteSigner, SyntheticError> {
        ledger_signer(&self.gen.p)
    }

    /// The time every event claims; a ledger of this workload records at it.
    pub fn at(&self) -> Millis {
        self.gen.p.start
    }

    /// Opens a ledger of this workload on `store`, its clock fixed at [`Workload::at`], and
    /// submits the setup if the store is empty.
    pub fn open(&self, store: Arc<dyn Store>) -> Result<Ledger, SyntheticError> {
        self.open_watched(store, Arc::new(Unwatched))
    }

    /// `open`, with the ledger's stages watched (`Ledger::open_watched`); the setup is too.
    pub fn open_watched(
        &self,
        store: Arc<dyn Store>,
        watch: Arc<dyn Watch + Send>,
    ) -> Result<Ledger, SyntheticError> {
        let clock = ManualClock::new(self.at().0);
        let ledger = Ledger::open_watched(store, self.ledger_signer()?, clock.clock(), watch)
            .map_err(|e| SyntheticError::Io(e.to_string()))?;
        if ledger.size() == 0 {
            for (i, r) in ledger
                .submit_many(self.setup.clone())
                .into_iter()
                .enumerate()
            {
                r.map_err(|e| SyntheticError::Refused {
                    index: i as u64,
                    msg: e.to_string(),
                })?;
            }
        }
        Ok(ledger)
    }

    /// Event `n` of run `run` (a run name is letters and digits).
    pub fn event(&self, run: &str, n: u64) -> Submission {
        let g = &self.gen;
        let k = (n as usize / 4) % g.p.executors;
        let c = &g.coms[k];
        let lead = g.first_executor + c.lead;
        let run_seed = Hash::sha256(run.as_bytes()).0[..8]
            .iter()
            .fold(0u64, |a, b| (a << 8) | u64::from(*b));
        let mut rng = Rng::new(g.p.seed ^ run_seed ^ n.wrapping_mul(0x2545_f491_4f6c_dd1d));
        let commitment = c.id.clone();
        let (author, body) = match n % 4 {
            0 | 1 => (
                FIRST_OBSERVER + (n as usize / 2) % g.p.observers,
                Body::NoteAdded(NoteAdded {
                    commitment: Some(commitment),
                    about: (n & 7 == 0).then(|| c.created.clone()),
                    text: text(&mut rng),
                    evidence: if n & 1 == 0 {
                        Generator::evidence(n)
                    } else {
                        Vec::new()
                    },
                }),
            ),
            2 => (
                lead,
                Body::StatusReported(StatusReported {
                    commitment,
                    status: WORKLOAD_STATUSES[(n as usize / 4) % WORKLOAD_STATUSES.len()],
                    note: Some(text(&mut rng)),
                    evidence: Generator::evidence(n),
                }),
            ),
            _ => (
                lead,
                Body::IndicatorMeasured(IndicatorMeasured {
                    commitment,
                    indicator: IndicatorId::parse("i1").unwrap_or_else(|e| unreachable!("{e}")),
                    value: Generator::dec(n % 75),
                    as_of: g.day(g.p.start),
                    evidence: Generator::evidence(n),
                }),
            ),
        };
        let id = EventId::parse(&format!("{run}-{n:08}"))
            .unwrap_or_else(|e| panic!("run name {run:?} makes no event id: {e}"));
        let draft = Draft {
            key: g.current[author],
            author,
            id,
            at: g.p.start,
            body,
        };
        let mut signed = g.sign(vec![draft]);
        signed.pop().unwrap_or_else(|| unreachable!())
    }

    /// Events `start..end` of `run`, signed on all cores.
    pub fn sign(&self, run: &str, start: u64, end: u64) -> Vec<Submission> {
        (start..end)
            .into_par_iter()
            .map(|n| self.event(run, n))
            .collect()
    }

    /// Appends events `0..` of `run` to `ledger` (opened with [`Workload::open`]) until it
    /// holds `size` entries: signed on all cores 65,536 at a time, then submitted in batches of
    /// up to `ledger::MAX_BATCH`, one store commit each. A batch ends early at each size in
    /// `stops`, so the ledger holds exactly that many entries once; after every batch `after`
    /// hears the ledger and what was spent so far (an error from it ends the fill).
    pub fn fill(
        &self,
        ledger: &Ledger,
        run: &str,
        size: u64,
        stops: &[u64],
        mut after: impl FnMut(&Ledger, &Filled) -> Result<(), String>,
    ) -> Result<Filled, SyntheticError> {
        const SIGN_SLICE: u64 = 65_536;
        let mut done = Filled::default();
        while ledger.size() < size {
            let want = (size - ledger.size()).min(SIGN_SLICE);
            let t = std::time::Instant::now();
            let subs = self.sign(run, done.signed, done.signed + want);
            done.signed += want;
            done.sign_secs += t.elapsed().as_secs_f64();
            let mut subs = subs.into_iter();
            loop {
                let at = ledger.size();
                let stop = stops.iter().find(|s| **s > at).map_or(u64::MAX, |s| s - at);
                let take = stop.min(crate::ledger::MAX_BATCH as u64) as usize;
                let batch: Vec<Submission> = subs.by_ref().take(take).collect();
                if batch.is_empty() {
                    break;
                }
                let t = std::time::Instant::now();
                for (i, r) in ledger.submit_many(batch).into_iter().enumerate() {
                    r.map_err(|e| SyntheticError::Refused {
                        index: at + i as u64,
                        msg: e.to_string(),
                    })?;
                }
                done.append_secs += t.elapsed().as_secs_f64();
                after(ledger, &done).map_err(SyntheticError::Io)?;
            }
        }
        Ok(done)
    }
}

/// What [`Workload::fill`] did: events signed, and the seconds spent signing and appending.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filled {
    pub signed: u64,
    pub sign_secs: f64,
    pub append_secs: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small(entries: u64, commitments: u64) -> Params {
        Params {
            entries,
            commitments,
            executors: 6,
            observers: 2,
            ..Params::default()
        }
    }

    #[test]
    fn a_small_synthetic_ledger_is_valid_deterministic_and_mixed() {
        let p = small(5_000, 300);
        let mut a = Vec::new();
        let s = generate_export(&p, &mut a).unwrap();
        assert_eq!(s.entries, 5_000);
        let mut b = Vec::new();
        generate_export(&p, &mut b).unwrap();
        assert_eq!(a, b, "same params, same bytes");
        let report = crate::verify::verify(
            &s.verifier_key,
            &crate::export::ExportReader::open(&a[..])
                .unwrap()
                .checkpoint,
            &mut crate::verify::ExportSource(crate::export::ExportReader::open(&a[..]).unwrap()),
            &crate::verify::Options {
                trusted: None,
                progress: &|_| {},
            },
        );
        assert!(report.valid, "{:?}", report.failure);
        // The mix: count event types.
        let mut r = crate::export::ExportReader::open(&a[..]).unwrap();
        let mut counts = std::collections::BTreeMap::new();
        let mut i = 0;
        while let Some(e) = r.next_entry().unwrap() {
            let p = crate::core::chain::prepare(e, i).unwrap();
            *counts.entry(p.event.kind().name()).or_insert(0u32) += 1;
            i += 1;
        }
        for t in [
            "status.reported",
            "indicator.measured",
            "note.added",
            "handover.proposed",
            "handover.accepted",
            "deadline.changed",
            "assessment.recorded",
            "inquiry.answered",
            "coexecutor.added",
            "commitment.assigned",
            "commitment.made",
        ] {
            assert!(counts.get(t).copied().unwrap_or(0) > 0, "{t}: {counts:?}");
        }
        assert_eq!(
            counts["commitment.assigned"] + counts["commitment.made"],
            300,
            "{counts:?}"
        );
        assert!(counts["status.reported"] > counts["handover.proposed"] * 3);
    }

    #[test]
    fn a_seed_changes_the_ledger_and_too_few_entries_are_refused() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        generate_export(&small(500, 50), &mut a).unwrap();
        generate_export(
            &Params {
                seed: 2,
                ..small(500, 50)
            },
            &mut b,
        )
        .unwrap();
        assert_ne!(a, b);
        assert!(matches!(
            generate_export(&small(20, 50), &mut Vec::new()),
            Err(SyntheticError::Params(_))
        ));
    }

    #[test]
    fn the_workload_is_accepted_in_any_order() {
        let w = Workload::new(&Params {
            executors: 4,
            observers: 2,
            ..Params::default()
        })
        .unwrap();
        assert_eq!(w.event("r", 5), w.event("r", 5), "same n, same bytes");
        assert_ne!(w.event("r", 5), w.event("q", 5));
        let store = MemoryStore::new();
        let ledger = w.open(Arc::new(store.clone())).unwrap();
        let setup = ledger.size();
        assert_eq!(setup, w.setup().len() as u64);
        // Backwards, then one at a time from two threads: every event is accepted.
        let mut subs = w.sign("r", 0, 400);
        subs.reverse();
        for r in ledger.submit_many(subs) {
            r.unwrap();
        }
        std::thread::scope(|s| {
            for t in 0..2u64 {
                let (w, ledger) = (&w, &ledger);
                s.spawn(move || {
                    for n in (t..40).step_by(2) {
                        ledger.submit(w.event("c", n)).unwrap();
                    }
                });
            }
        });
        assert_eq!(ledger.size(), setup + 440);
        let mut kinds = std::collections::BTreeMap::new();
        for s in w.sign("k", 0, 400) {
            let e = crate::core::event::parse(&s.event).unwrap();
            *kinds.entry(e.kind()).or_insert(0) += 1;
        }
        assert_eq!(kinds[&EventKind::NoteAdded], 200, "{kinds:?}");
        assert_eq!(kinds[&EventKind::StatusReported], 100, "{kinds:?}");
        assert_eq!(kinds[&EventKind::IndicatorMeasured], 100, "{kinds:?}");
        // Filling to a size stops exactly at each stop on the way.
        let mut seen = Vec::new();
        let f = w
            .fill(&ledger, "f", setup + 1_000, &[setup + 777], |l, _| {
                seen.push(l.size());
                Ok(())
            })
            .unwrap();
        assert_eq!(ledger.size(), setup + 1_000);
        assert_eq!(f.signed, 560);
        assert!(seen.contains(&(setup + 777)), "{seen:?}");
    }
}
