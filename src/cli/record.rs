//! Commands that sign and record events, and `init` and `key`, which make what signing needs.

use super::{InitArgs, KeyCommand, EXIT_OK};
use crate::author::{new_event_id, Author};
use crate::core::event::*;
use crate::core::hash::Hash;
use crate::core::keys::{self, KeyId};
use crate::core::types::*;
use crate::datadir;
use crate::ledger::{system_clock, AppendError};
use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};

/// Who signs: the body and its private key.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// Id of the body that signs this event.
    #[arg(long = "as", env = "KORDON_AS", value_name = "BODY")]
    pub author: String,
    /// The signing body's private key (PKCS#8 PEM).
    #[arg(long, env = "KORDON_KEY", value_name = "FILE")]
    pub key: PathBuf,
    /// The event's id (default: 128 random bits in hex). Ids are unique in the ledger.
    #[arg(long, value_name = "ID")]
    pub event_id: Option<String>,
    /// Submit to a kordon server (`kordon serve`) instead of the local data directory: the
    /// event is signed here, the server's receipt is checked and kept (see --receipts).
    #[arg(long, env = "KORDON_SERVER", value_name = "URL", value_parser = super::server_url)]
    pub server: Option<String>,
    /// Where to keep receipts from --server [default: receipts/ beside the key].
    #[arg(long, value_name = "DIR")]
    pub receipts: Option<PathBuf>,
    /// The ledger's published verifier key (name+id+key). With --server, events are signed
    /// only for this ledger: a server that serves another is refused before anything is
    /// signed, and receipts are checked with it. Without it, the key recorded in the receipts
    /// directory (ledger.vkey) is used, or on first use the server's, which is then recorded.
    #[arg(long, env = "KORDON_LEDGER_KEY", value_name = "VKEY")]
    pub ledger_key: Option<String>,
    /// Bearer token for a server that protects its reads (--server only).
    #[arg(
        long,
        env = "KORDON_READ_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub read_token: Option<String>,
}

fn parse<T>(what: &str, r: Result<T, String>) -> Result<T> {
    r.map_err(|e| anyhow!("{what}: {e}"))
}

fn body_id(s: &str) -> Result<BodyId> {
    parse("body", BodyId::parse(s))
}

fn commitment_id(s: &str) -> Result<CommitmentId> {
    parse("commitment", CommitmentId::parse(s))
}

fn date(s: &str) -> Result<Date> {
    parse("date", Date::parse(s))
}

fn event_id(s: &str) -> Result<EventId> {
    parse("event id", EventId::parse(s))
}

fn text(s: String) -> String {
    s
}

/// Parses `--evidence SHA256=LOCATION` or `--evidence file:PATH=LOCATION` (hashes the file).
fn evidence(items: &[String], cites: &Option<String>) -> Result<Vec<Evidence>> {
    items
        .iter()
        .map(|item| {
            let (h, location) = item.split_once('=').ok_or_else(|| {
                anyhow!("evidence {item:?}: write SHA256=LOCATION or file:PATH=LOCATION")
            })?;
            let sha = if let Some(path) = h.strip_prefix("file:") {
                hash_file(Path::new(path)).with_context(|| format!("evidence file {path}"))?
            } else {
                h.to_string()
            };
            Ok(Evidence {
                sha256: parse("evidence", Sha256Hex::parse(&sha))?,
                location: location.to_string(),
                cites: cites.clone(),
            })
        })
        .collect()
}

/// SHA-256 of a file, hex, read a block at a time (evidence documents can be large).
fn hash_file(path: &Path) -> std::io::Result<String> {
    use sha2::Digest;
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(Hash(h.finalize().into()).to_hex())
}

/// The largest `--body @FILE` read: an event is at most 65,422 bytes.
const MAX_BODY_FILE: u64 = 256 * 1024;

/// Signs `body` as the given author and records it in the data directory's ledger.
pub fn sign_and_record(data: &Path, who: &SignArgs, body: Body) -> Result<u8> {
    let key = datadir::read_key(&who.key)?;
    let author = Author::new(body_id(&who.author)?, key);
    if let Some(url) = &who.server {
        let client = crate::server::client::Client::new(url, who.read_token.clone());
        let dir = super::receipt::receipts_dir(&who.receipts, &who.key);
        // The origin signed comes from the pinned ledger, never from what a server says.
        let pinned = super::receipt::pin_ledger(&client, url, who.ledger_key.as_deref(), &dir)?;
        let id = match &who.event_id {
            Some(s) => event_id(s)?,
            None => new_event_id(),
        };
        let sub = author.sign_with_id(&pinned.origin, id, system_clock()(), &body)?;
        return super::receipt::submit_remote(
            &client,
            &sub,
            &pinned,
            &dir,
            body.kind().name(),
            &who.author,
        );
    }
    let ledger = datadir::open(data, system_clock())?;
    let origin = ledger
        .with_state(|s| s.origin().map(str::to_string))
        .ok_or_else(|| anyhow!("the ledger has no genesis"))?;
    let id = match &who.event_id {
        Some(s) => event_id(s)?,
        None => new_event_id(),
    };
    let kind = body.kind();
    let sub = author.sign_with_id(&origin, id.clone(), system_clock()(), &body)?;
    match ledger.submit(sub) {
        Ok(r) => {
            println!(
                "recorded entry {}: {kind} by {} (event {id})",
                r.seq, who.author
            );
            println!("leaf hash {}", r.leaf);
            let cp = crate::core::checkpoint::parse_unverified(r.checkpoint.as_bytes())?;
            println!("checkpoint: size {} root {}", cp.size, cp.root.to_base64());
            println!(
                "{}",
                super::query::fingerprint_line(&cp.origin, cp.size, cp.root)
            );
            Ok(EXIT_OK)
        }
        Err(AppendError::Rejected(f)) => {
            bail!("the ledger refused this {kind}: {f}\nnothing was written")
        }
        Err(e) => bail!("{e}"),
    }
}

pub fn init(data: &Path, a: InitArgs) -> Result<u8> {
    let key = datadir::read_key(&a.key)?;
    let params = datadir::InitParams {
        origin: a.origin.clone(),
        time_zone: a.time_zone,
        registrar: BodyInfo {
            id: body_id(&a.registrar)?,
            name_uk: a.name_uk,
            name_en: a.name_en,
            kind: a.kind,
        },
        registrar_key: key,
        policy: Policy {
            max_age_seconds: a.max_age_seconds,
            max_future_seconds: a.max_future_seconds,
        },
    };
    let ledger = datadir::init_at(data, a.store.as_deref(), params, system_clock())?;
    println!("created ledger {} in {}", a.origin, data.display());
    println!(
        "registrar {} signs with key {}",
        a.registrar,
        KeyId::of(&datadir::read_key(&a.key)?.verifying_key().to_bytes())
    );
    println!("verifier key (publish it; verifiers pin it with --key):");
    println!("{}", ledger.verifier_key());
    Ok(EXIT_OK)
}

pub fn key(k: KeyCommand) -> Result<u8> {
    match k {
        KeyCommand::New { out, encrypt } => {
            if out.exists() {
                bail!("{} exists; refusing to overwrite a key", out.display());
            }
            let key = keys::generate_key(&mut rand_core::OsRng);
            let pass = if encrypt {
                Some(crate::keyfile::passphrase_for(&out, true)?)
            } else {
                None
            };
            crate::keyfile::write(&out, &key, pass.as_ref().map(|p| p.as_bytes()))?;
            print_key(&out, &key);
            if encrypt {
                println!("encrypted:   yes (PBES2, PBKDF2-SHA256, AES-256-CBC)");
            }
        }
        KeyCommand::Show { file, public: true } => {
            let pk = datadir::read_key(&file)?.verifying_key().to_bytes();
            println!("{}", keys::public_key_base64(&pk));
        }
        KeyCommand::Show {
            file,
            public: false,
        } => print_key(&file, &datadir::read_key(&file)?),
    }
    Ok(EXIT_OK)
}

fn print_key(path: &Path, key: &ed25519_dalek::SigningKey) {
    let pk = key.verifying_key().to_bytes();
    println!("private key: {}", path.display());
    println!("key id:      {}", KeyId::of(&pk));
    println!("public key:  {}", keys::public_key_base64(&pk));
}

// ---------------------------------------------------------------------------------------------

#[derive(Debug, Subcommand)]
pub enum BodyCommand {
    /// Register a body with its roles and first public key (signed by a registrar).
    ///
    /// Example: kordon body register --id sbgs --name-uk "ДПСУ" --name-en "State Border Guard
    ///   Service" --kind agency --role executor --public-key BASE64 --as registry --key registry.pem
    Register {
        /// The body's stable id, e.g. sbgs (lowercase letters, digits, - and _).
        #[arg(long)]
        id: String,
        /// The body's name in Ukrainian.
        #[arg(long)]
        name_uk: String,
        /// The body's name in English.
        #[arg(long)]
        name_en: String,
        /// Free text, e.g. ministry, agency, committee, hromada, ngo.
        #[arg(long, default_value = "agency")]
        kind: String,
        /// executor, coordinator, overseer, observer or registrar; repeat for several.
        #[arg(long = "role", required = true, value_parser = parse_role)]
        roles: Vec<Role>,
        /// The body's Ed25519 public key in base64 (from `kordon key show`); repeatable.
        #[arg(long = "public-key")]
        public_keys: Vec<String>,
        #[command(flatten)]
        sign: SignArgs,
    },
    /// Record that a body was succeeded by another (reorganisation); the old body signs nothing more.
    Succeed {
        /// The body that is succeeded.
        #[arg(long)]
        id: String,
        /// The registered body that takes over its commitments.
        #[arg(long)]
        successor: String,
        /// Why, e.g. the act that reorganised it.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        sign: SignArgs,
    },
    /// Add a public key to a body (a registrar, or the body itself with a valid key).
    AddKey {
        /// The body the key is added to.
        #[arg(long)]
        body: String,
        /// The new Ed25519 public key in base64 (from `kordon key show --public`).
        #[arg(long)]
        public_key: String,
        #[command(flatten)]
        sign: SignArgs,
    },
    /// Revoke a body's key (a registrar, or the body itself with another valid key).
    RevokeKey {
        /// The body whose key is revoked.
        #[arg(long)]
        body: String,
        /// The key id (16 hex digits, as `kordon key show` prints it).
        #[arg(long)]
        key_id: String,
        /// Why, e.g. "lost laptop"; entries it signed before stay valid.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        sign: SignArgs,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|_| {
        format!("{s:?} is not a role: executor, coordinator, overseer, observer, registrar")
    })
}

fn parse_enum<T: serde::de::DeserializeOwned>(what: &str, s: &str, all: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(s.to_string()))
        .map_err(|_| anyhow!("{s:?} is not a {what}; one of: {all}"))
}

pub fn body(data: &Path, c: BodyCommand) -> Result<u8> {
    match c {
        BodyCommand::Register {
            id,
            name_uk,
            name_en,
            kind,
            roles,
            public_keys,
            sign,
        } => sign_and_record(
            data,
            &sign,
            Body::BodyRegistered(BodyRegistered {
                id: body_id(&id)?,
                name_uk,
                name_en,
                kind,
                roles,
                public_keys,
            }),
        ),
        BodyCommand::Succeed {
            id,
            successor,
            reason,
            sign,
        } => sign_and_record(
            data,
            &sign,
            Body::BodySucceeded(BodySucceeded {
                id: body_id(&id)?,
                successor: body_id(&successor)?,
                reason,
            }),
        ),
        BodyCommand::AddKey {
            body,
            public_key,
            sign,
        } => sign_and_record(
            data,
            &sign,
            Body::KeyAdded(KeyAdded {
                body: body_id(&body)?,
                public_key,
            }),
        ),
        BodyCommand::RevokeKey {
            body,
            key_id,
            reason,
            sign,
        } => sign_and_record(
            data,
            &sign,
            Body::KeyRevoked(KeyRevoked {
                body: body_id(&body)?,
                key: KeyId::try_from(key_id).map_err(|e| anyhow!(e))?,
                reason,
            }),
        ),
    }
}

#[derive(Debug, Subcommand)]
pub enum ObjectiveCommand {
    /// Define a strategic objective, optionally under a parent, mapped to EU IBM components.
    Define {
        /// The objective's stable id, e.g. SO-1.
        #[arg(long)]
        id: String,
        /// The title in Ukrainian.
        #[arg(long)]
        title_uk: String,
        /// The title in English.
        #[arg(long)]
        title_en: Option<String>,
        /// The id of the objective this one is part of.
        #[arg(long)]
        parent: Option<String>,
        /// An EU IBM component, e.g. border_control, risk_analysis, technology; repeatable.
        #[arg(long = "component")]
        components: Vec<String>,
        #[command(flatten)]
        sign: SignArgs,
    },
}

const COMPONENTS: &str = "border_control, search_and_rescue, risk_analysis, information_exchange, inter_agency_cooperation, cooperation_among_eu_bodies, cooperation_with_third_countries, schengen_measures, return, technology, quality_control, solidarity_mechanisms, fundamental_rights, education_and_training, research_and_innovation";

pub fn objective(data: &Path, c: ObjectiveCommand) -> Result<u8> {
    let ObjectiveCommand::Define {
        id,
        title_uk,
        title_en,
        parent,
        components,
        sign,
    } = c;
    let components = components
        .iter()
        .map(|s| parse_enum("EU IBM component", s, COMPONENTS))
        .collect::<Result<Vec<Component>>>()?;
    sign_and_record(
        data,
        &sign,
        Body::ObjectiveDefined(ObjectiveDefined {
            id: parse("objective", ObjectiveId::parse(&id))?,
            parent: parent
                .map(|p| parse("objective", ObjectiveId::parse(&p)))
                .transpose()?,
            title_uk,
            title_en,
            components,
        }),
    )
}

/// The fields of a new commitment.
#[derive(Debug, Args)]
pub struct CommitmentArgs {
    /// Stable id following the act's numbering, e.g. AP-2026/2.1.
    #[arg(long)]
    id: String,
    /// The title in Ukrainian, as the act words it.
    #[arg(long)]
    title_uk: String,
    /// The title in English.
    #[arg(long)]
    title_en: Option<String>,
    /// A longer description.
    #[arg(long)]
    description: Option<String>,
    /// The id of the strategic objective it serves.
    #[arg(long)]
    objective: Option<String>,
    /// Deadline, YYYY-MM-DD (read in the ledger's time zone).
    #[arg(long)]
    deadline: String,
    /// A co-executor body id; repeatable.
    #[arg(long = "co-executor")]
    co_executors: Vec<String>,
    /// An indicator as JSON: {"id":"i1","name_uk":"...","unit":"...","baseline":"0","target":"74",
    /// "milestones":[{"date":"2026-12-31","value":"39"}]}; repeatable.
    #[arg(long = "indicator")]
    indicators: Vec<String>,
    /// Forecast funding amount (decimal string), with --funding-source.
    #[arg(long, requires = "funding_source")]
    funding_amount: Option<String>,
    /// state_budget, local_budget, international_technical_assistance, none_needed or other.
    #[arg(long)]
    funding_source: Option<String>,
    /// The currency of --funding-amount (ISO 4217).
    #[arg(long, default_value = "UAH")]
    currency: String,
    /// The act the commitment comes from, e.g. "Cabinet order 1409-r, item 2.1".
    #[arg(long)]
    act: Option<String>,
}

impl CommitmentArgs {
    fn fields(self, lead: Option<BodyId>) -> Result<CommitmentFields> {
        let indicators = self
            .indicators
            .iter()
            .map(|j| {
                serde_json::from_str::<Indicator>(j).map_err(|e| anyhow!("indicator {j}: {e}"))
            })
            .collect::<Result<Vec<_>>>()?;
        let funding = match (self.funding_amount, self.funding_source) {
            (Some(a), Some(s)) => Some(Funding {
                amount: parse("funding amount", Decimal::parse(&a))?,
                currency: self.currency,
                source: parse_enum(
                    "funding source",
                    &s,
                    "state_budget, local_budget, international_technical_assistance, none_needed, other",
                )?,
            }),
            (None, Some(_)) => bail!("--funding-source needs --funding-amount"),
            _ => None,
        };
        Ok(CommitmentFields {
            id: commitment_id(&self.id)?,
            lead,
            objective: self
                .objective
                .map(|o| parse("objective", ObjectiveId::parse(&o)))
                .transpose()?,
            title_uk: self.title_uk,
            title_en: self.title_en,
            description: self.description,
            co_executors: self
                .co_executors
                .iter()
                .map(|b| body_id(b))
                .collect::<Result<_>>()?,
            deadline: date(&self.deadline)?,
            indicators,
            funding,
            act: self.act,
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum CommitmentCommand {
    /// Assign a commitment to a lead (coordinator); the lead is responsible once it accepts.
    Assign {
        /// The lead executor.
        #[arg(long)]
        lead: String,
        #[command(flatten)]
        fields: CommitmentArgs,
        #[command(flatten)]
        sign: SignArgs,
    },
    /// Commit the signing body itself to an item, effective at once.
    Make {
        #[command(flatten)]
        fields: CommitmentArgs,
        #[command(flatten)]
        sign: SignArgs,
    },
    /// Accept an assignment (the assigned lead).
    Accept {
        /// The commitment id, e.g. AP-2026/2.1.
        #[arg(long)]
        id: String,
        #[command(flatten)]
        sign: SignArgs,
    },
    /// Reject an assignment with a reason (the assigned lead).
    Reject {
        /// The commitment id.
        #[arg(long)]
        id: String,
        /// Why the assignment is rejected.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        sign: SignArgs,
    },
    /// Cancel a commitment with a reason (coordinator). Nothing is deleted.
    Cancel {
        /// The commitment id.
        #[arg(long)]
        id: String,
        /// Why it is cancelled.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        sign: SignArgs,
    },
    /// Mark a commitment superseded by another (coordinator).
    Supersede {
        /// The commitment id.
        #[arg(long)]
        id: String,
        /// The commitment that replaces it.
        #[arg(long)]
        successor: String,
        /// Why it is superseded.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        sign: SignArgs,
    },
    /// Move the lead at once, without the receiver's acceptance (coordinator; reason required).
    Reassign {
        /// The commitment id.
        #[arg(long)]
        id: String,
        /// The body that becomes the lead.
        #[arg(long)]
        to: String,
        /// Why the lead moves without its acceptance.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        sign: SignArgs,
    },
}

pub fn commitment(data: &Path, c: CommitmentCommand) -> Result<u8> {
    let (sign, body) = match c {
        CommitmentCommand::Assign { lead, fields, sign } => {
            let f = fields.fields(Some(body_id(&lead)?))?;
            (sign, Body::CommitmentAssigned(f))
        }
        CommitmentCommand::Make { fields, sign } => {
            (sign, Body::CommitmentMade(fields.fields(None)?))
        }
        CommitmentCommand::Accept { id, sign } => (
            sign,
            Body::CommitmentAccepted(CommitmentRef {
                commitment: commitment_id(&id)?,
            }),
        ),
        CommitmentCommand::Reject { id, reason, sign } => (
            sign,
            Body::CommitmentRejected(CommitmentReason {
                commitment: commitment_id(&id)?,
                reason,
            }),
        ),
        CommitmentCommand::Cancel { id, reason, sign } => (
            sign,
            Body::CommitmentCancelled(CommitmentReason {
                commitment: commitment_id(&id)?,
                reason,
            }),
        ),
        CommitmentCommand::Supersede {
            id,
            successor,
            reason,
            sign,
        } => (
            sign,
            Body::CommitmentSuperseded(CommitmentSuperseded {
                commitment: commitment_id(&id)?,
                successor: commitment_id(&successor)?,
                reason,
            }),
        ),
        CommitmentCommand::Reassign {
            id,
            to,
            reason,
            sign,
        } => (
            sign,
            Body::CommitmentReassigned(Transfer {
                commitment: commitment_id(&id)?,
                to: body_id(&to)?,
                reason,
            }),
        ),
    };
    sign_and_record(data, &sign, body)
}

#[derive(Debug, Subcommand)]
pub enum HandoverCommand {
    /// Offer a commitment to another body (its lead or a coordinator). The lead changes only
    /// when the receiver accepts. Prints the event id the answer must name.
    Propose {
        /// The commitment id.
        #[arg(long)]
        commitment: String,
        /// The body offered the lead.
        #[arg(long)]
        to: String,
        /// Why it should take the item over.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        sign: SignArgs,
    },
    /// Accept a proposed handover (only the receiving body).
    Accept {
        /// The commitment id.
        #[arg(long)]
        commitment: String,
        /// The event id of the handover.proposed.
        #[arg(long)]
        proposal: String,
        #[command(flatten)]
        sign: SignArgs,
    },
    /// Decline a proposed handover with a reason (only the receiving body).
    Decline {
        /// The commitment id.
        #[arg(long)]
        commitment: String,
        /// The event id of the handover.proposed.
        #[arg(long)]
        proposal: String,
        /// Why the handover is declined.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        sign: SignArgs,
    },
    /// Withdraw a proposed handover (only the proposer).
    Withdraw {
        /// The commitment id.
        #[arg(long)]
        commitment: String,
        /// The event id of the handover.proposed.
        #[arg(long)]
        proposal: String,
        /// Why it is withdrawn (optional).
        #[arg(long)]
        reason: Option<String>,
        #[command(flatten)]
        sign: SignArgs,
    },
}

pub fn handover(data: &Path, c: HandoverCommand) -> Result<u8> {
    let answer =
        |commitment: &str, proposal: &str, reason: Option<String>| -> Result<HandoverAnswer> {
            Ok(HandoverAnswer {
                commitment: commitment_id(commitment)?,
                proposal: event_id(proposal)?,
                reason,
            })
        };
    let (sign, body) = match c {
        HandoverCommand::Propose {
            commitment,
            to,
            reason,
            sign,
        } => (
            sign,
            Body::HandoverProposed(Transfer {
                commitment: commitment_id(&commitment)?,
                to: body_id(&to)?,
                reason,
            }),
        ),
        HandoverCommand::Accept {
            commitment,
            proposal,
            sign,
        } => (
            sign,
            Body::HandoverAccepted(answer(&commitment, &proposal, None)?),
        ),
        HandoverCommand::Decline {
            commitment,
            proposal,
            reason,
            sign,
        } => (
            sign,
            Body::HandoverDeclined(answer(&commitment, &proposal, Some(reason))?),
        ),
        HandoverCommand::Withdraw {
            commitment,
            proposal,
            reason,
            sign,
        } => (
            sign,
            Body::HandoverWithdrawn(answer(&commitment, &proposal, reason)?),
        ),
    };
    sign_and_record(data, &sign, body)
}

/// Evidence for a claim.
#[derive(Debug, Args)]
pub struct EvidenceArgs {
    /// SHA256=LOCATION, or file:PATH=LOCATION to hash a local document; repeatable.
    #[arg(long = "evidence", value_name = "SHA256=LOCATION")]
    evidence: Vec<String>,
    /// The act or minutes the evidence cites.
    #[arg(long)]
    cites: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum StatusCommand {
    /// Report a commitment's status (its lead). A claim: an overseer's assessment is kept
    /// beside it.
    Report {
        /// The commitment id, e.g. AP-2026/2.1.
        #[arg(long)]
        commitment: String,
        /// not_started, in_progress, at_risk, blocked, implemented, partially_implemented or
        /// not_implemented.
        #[arg(long)]
        status: String,
        /// What was done, in a sentence, e.g. "39 of 74 connected".
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        evidence: EvidenceArgs,
        #[command(flatten)]
        sign: SignArgs,
    },
}

pub fn status(data: &Path, c: StatusCommand) -> Result<u8> {
    let StatusCommand::Report {
        commitment,
        status,
        note,
        evidence: ev,
        sign,
    } = c;
    let status: Status = parse_enum(
        "status",
        &status,
        "not_started, in_progress, at_risk, blocked, implemented, partially_implemented, not_implemented",
    )?;
    let body = Body::StatusReported(StatusReported {
        commitment: commitment_id(&commitment)?,
        status,
        note: note.map(text),
        evidence: evidence(&ev.evidence, &ev.cites)?,
    });
    sign_and_record(data, &sign, body)
}

#[derive(Debug, Subcommand)]
pub enum IndicatorCommand {
    /// Record a measured value of an indicator as of a date.
    Measure {
        /// The commitment id.
        #[arg(long)]
        commitment: String,
        /// The indicator's id within the commitment, e.g. i1.
        #[arg(long)]
        indicator: String,
        /// Decimal string, e.g. 39 or 12.5.
        #[arg(long)]
        value: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        as_of: String,
        #[command(flatten)]
        evidence: EvidenceArgs,
        #[command(flatten)]
        sign: SignArgs,
    },
}

pub fn indicator(data: &Path, c: IndicatorCommand) -> Result<u8> {
    let IndicatorCommand::Measure {
        commitment,
        indicator,
        value,
        as_of,
        evidence: ev,
        sign,
    } = c;
    let body = Body::IndicatorMeasured(IndicatorMeasured {
        commitment: commitment_id(&commitment)?,
        indicator: parse("indicator", IndicatorId::parse(&indicator))?,
        value: parse("value", Decimal::parse(&value))?,
        as_of: date(&as_of)?,
        evidence: evidence(&ev.evidence, &ev.cites)?,
    });
    sign_and_record(data, &sign, body)
}

#[derive(Debug, Subcommand)]
pub enum DeadlineCommand {
    /// Ask the coordinator for a later deadline (the lead).
    Request {
        /// The commitment id.
        #[arg(long)]
        commitment: String,
        /// The deadline asked for, YYYY-MM-DD.
        #[arg(long)]
        deadline: String,
        /// Why more time is needed.
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        sign: SignArgs,
    },
    /// Change a deadline (coordinator; reason required; the original stays in the history).
    Change {
        /// The commitment id.
        #[arg(long)]
        commitment: String,
        /// The new deadline, YYYY-MM-DD.
        #[arg(long)]
        deadline: String,
        /// Why it changes.
        #[arg(long)]
        reason: String,
        /// The event id of the extension request this grants, if any.
        #[arg(long)]
        request: Option<String>,
        #[command(flatten)]
        sign: SignArgs,
    },
}

pub fn deadline(data: &Path, c: DeadlineCommand) -> Result<u8> {
    let (sign, body) = match c {
        DeadlineCommand::Request {
            commitment,
            deadline,
            reason,
            sign,
        } => (
            sign,
            Body::DeadlineExtensionRequested(DeadlineRequest {
                commitment: commitment_id(&commitment)?,
                deadline: date(&deadline)?,
                reason,
            }),
        ),
        DeadlineCommand::Change {
            commitment,
            deadline,
            reason,
            request,
            sign,
        } => (
            sign,
            Body::DeadlineChanged(DeadlineChanged {
                commitment: commitment_id(&commitment)?,
                deadline: date(&deadline)?,
                reason,
                request: request.map(|r| event_id(&r)).transpose()?,
            }),
        ),
    };
    sign_and_record(data, &sign, body)
}

#[derive(Debug, Args)]
pub struct AssessArgs {
    /// The commitment id.
    #[arg(long)]
    commitment: String,
    /// confirmed, partially_confirmed, not_confirmed or contested.
    #[arg(long)]
    verdict: String,
    /// The event id of the status report assessed.
    #[arg(long)]
    claim: Option<String>,
    /// The grounds of the verdict, in a sentence.
    #[arg(long)]
    note: Option<String>,
    #[command(flatten)]
    evidence: EvidenceArgs,
    #[command(flatten)]
    sign: SignArgs,
}

pub fn assess(data: &Path, a: AssessArgs) -> Result<u8> {
    let verdict: Verdict = parse_enum(
        "verdict",
        &a.verdict,
        "confirmed, partially_confirmed, not_confirmed, contested",
    )?;
    let body = Body::AssessmentRecorded(AssessmentRecorded {
        commitment: commitment_id(&a.commitment)?,
        verdict,
        claim: a.claim.map(|c| event_id(&c)).transpose()?,
        note: a.note,
        evidence: evidence(&a.evidence.evidence, &a.evidence.cites)?,
    });
    sign_and_record(data, &a.sign, body)
}

#[derive(Debug, Subcommand)]
pub enum NoteCommand {
    /// Add a note, e.g. an observer contesting a claim.
    Add {
        /// The note.
        #[arg(long)]
        text: String,
        /// The commitment it concerns.
        #[arg(long)]
        commitment: Option<String>,
        /// The event id the note is about.
        #[arg(long)]
        about: Option<String>,
        #[command(flatten)]
        evidence: EvidenceArgs,
        #[command(flatten)]
        sign: SignArgs,
    },
}

pub fn note(data: &Path, c: NoteCommand) -> Result<u8> {
    let NoteCommand::Add {
        text,
        commitment,
        about,
        evidence: ev,
        sign,
    } = c;
    let body = Body::NoteAdded(NoteAdded {
        commitment: commitment.map(|c| commitment_id(&c)).transpose()?,
        about: about.map(|a| event_id(&a)).transpose()?,
        text,
        evidence: evidence(&ev.evidence, &ev.cites)?,
    });
    sign_and_record(data, &sign, body)
}

#[derive(Debug, Subcommand)]
pub enum InquiryCommand {
    /// Raise an inquiry to a body with a response due date (overseer).
    Raise {
        /// The inquiry's id, unique in the ledger, e.g. INQ-2026-01.
        #[arg(long)]
        id: String,
        /// The body asked.
        #[arg(long)]
        to: String,
        /// The question.
        #[arg(long)]
        question: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        due: String,
        /// The commitment it concerns.
        #[arg(long)]
        commitment: Option<String>,
        #[command(flatten)]
        sign: SignArgs,
    },
    /// Answer an inquiry (only the body it was raised to).
    Answer {
        /// The inquiry's id.
        #[arg(long)]
        id: String,
        /// The answer.
        #[arg(long)]
        answer: String,
        #[command(flatten)]
        evidence: EvidenceArgs,
        #[command(flatten)]
        sign: SignArgs,
    },
}

pub fn inquiry(data: &Path, c: InquiryCommand) -> Result<u8> {
    let (sign, body) = match c {
        InquiryCommand::Raise {
            id,
            to,
            question,
            due,
            commitment,
            sign,
        } => (
            sign,
            Body::InquiryRaised(InquiryRaised {
                inquiry: parse("inquiry", InquiryId::parse(&id))?,
                to: body_id(&to)?,
                commitment: commitment.map(|c| commitment_id(&c)).transpose()?,
                question,
                due: date(&due)?,
            }),
        ),
        InquiryCommand::Answer {
            id,
            answer,
            evidence: ev,
            sign,
        } => (
            sign,
            Body::InquiryAnswered(InquiryAnswered {
                inquiry: parse("inquiry", InquiryId::parse(&id))?,
                answer,
                evidence: evidence(&ev.evidence, &ev.cites)?,
            }),
        ),
    };
    sign_and_record(data, &sign, body)
}

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// The event type, e.g. coexecutor.added (all types: events/SPEC.md).
    #[arg(long = "type", value_name = "TYPE")]
    kind: String,
    /// The body as JSON, or @FILE to read it from a file.
    #[arg(long, value_name = "JSON|@FILE")]
    body: String,
    #[command(flatten)]
    sign: SignArgs,
}

pub fn generic(data: &Path, a: RecordArgs) -> Result<u8> {
    let json = match a.body.strip_prefix('@') {
        Some(path) => crate::datadir::read_small(Path::new(path), MAX_BODY_FILE)
            .with_context(|| format!("reading {path}"))?,
        None => a.body.clone(),
    };
    let value: serde_json::Value = serde_json::from_str(&json).context("--body is not JSON")?;
    let Some(kind) = EventKind::from_name(&a.kind) else {
        bail!(
            "unknown event type {:?}; the types are: {}",
            a.kind,
            EVENT_TYPES.join(", ")
        );
    };
    if kind == EventKind::Genesis {
        bail!("the genesis is written by `kordon init`");
    }
    let body = Body::from_value(&a.kind, value)?;
    sign_and_record(data, &a.sign, body)
}
