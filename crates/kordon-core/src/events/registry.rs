//! The registry: the genesis, bodies and their keys (SPEC.md §5.3, §12.3, §12.4).

use super::{About, Before, Effect, EventType, Section};
use crate::event::{ty, BodyInfo, Event, Policy, Role};
use crate::keys::{self, KeyId};
use crate::l10n::Lang;
use crate::note::NoteVerifier;
use crate::rules::{check_time, ensure, fail, non_empty, valid_origin, Rule, RuleError, State};
use crate::types::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Genesis {
    pub origin: String,
    pub time_zone: String,
    pub registrar: BodyInfo,
    pub registrar_key: String,
    pub ledger_key: String,
    pub policy: Policy,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BodyRegistered {
    pub id: BodyId,
    pub name_uk: String,
    pub name_en: String,
    pub kind: String,
    pub roles: Vec<Role>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub public_keys: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BodyUpdated {
    pub id: BodyId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_uk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<Role>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BodySucceeded {
    pub id: BodyId,
    pub successor: BodyId,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct KeyAdded {
    pub body: BodyId,
    pub public_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct KeyRevoked {
    pub body: BodyId,
    pub key: KeyId,
    pub reason: String,
}

/// `body.roles`: at least one role, none twice.
fn check_roles(roles: &[Role]) -> Result<(), RuleError> {
    ensure(!roles.is_empty(), Rule::BodyRoles, || {
        "a body needs at least one role".into()
    })?;
    let distinct: BTreeSet<&Role> = roles.iter().collect();
    ensure(distinct.len() == roles.len(), Rule::BodyRoles, || {
        "a role is listed twice".into()
    })
}

/// A genesis time zone is a name of the IANA database release kordon lists, exactly as listed.
fn check_time_zone(name: &str) -> Result<(), RuleError> {
    ensure(
        crate::timezone::is_valid(name),
        Rule::GenesisTimeZone,
        || {
            let hint = match crate::timezone::suggestion(name) {
                Some(s) => format!("names are case-sensitive: write {s}"),
                None => format!(
                    "use a name of the IANA time zone database {}, such as Europe/Kyiv",
                    crate::timezone::TZDATA_RELEASE
                ),
            };
            format!("unknown time zone {name:?} ({hint})")
        },
    )
}

/// `key.invalid` and `key.exists` for each key, in order.
fn check_new_keys(s: &State, pks: &[String]) -> Result<(), RuleError> {
    let mut seen = HashSet::new();
    for pk in pks {
        let bytes = match keys::parse_public_key(pk) {
            Ok(b) => b,
            Err(e) => return fail(Rule::KeyInvalid, format!("public key {pk}: {e}")),
        };
        let id = KeyId::of(&bytes);
        ensure(
            !s.keys.contains_key(&id) && seen.insert(id.clone()),
            Rule::KeyExists,
            || format!("key {id} is already registered"),
        )?;
    }
    Ok(())
}

impl EventType for ty::Genesis {
    type Body = Genesis;
    const SECTION: Section = Section::Other;

    fn check(
        g: &Genesis,
        s: &State,
        ev: &Event,
        seq: u64,
        recorded_at: Millis,
    ) -> Result<(), RuleError> {
        ensure(seq == 0 && s.size == 0, Rule::GenesisOnce, || {
            "ledger.genesis may only be the first entry".into()
        })?;
        ensure(ev.ledger == g.origin, Rule::LedgerOrigin, || {
            format!(
                "genesis names origin {:?} but the event is for ledger {:?}",
                g.origin, ev.ledger
            )
        })?;
        ensure(valid_origin(&g.origin), Rule::GenesisOrigin, || {
            format!(
                "origin {:?} must be 1-255 printable ASCII characters without spaces or '+'",
                g.origin
            )
        })?;
        ensure(ev.author == g.registrar.id, Rule::GenesisAuthor, || {
            format!(
                "genesis must be signed by the founding registrar {}",
                g.registrar.id
            )
        })?;
        let pk = match keys::parse_public_key(&g.registrar_key) {
            Ok(pk) => pk,
            Err(e) => return fail(Rule::KeyInvalid, format!("registrar key: {e}")),
        };
        ensure(KeyId::of(&pk) == ev.key, Rule::KeyNotAuthors, || {
            format!(
                "genesis must be signed with the registrar key {}",
                KeyId::of(&pk)
            )
        })?;
        match NoteVerifier::parse(&g.ledger_key) {
            Ok(v) => {
                ensure(v.name() == g.origin, Rule::GenesisLedgerKey, || {
                    format!(
                        "ledger key is named {:?}; it must be named after the origin {:?}",
                        v.name(),
                        g.origin
                    )
                })?;
                if let Err(e) = keys::check_public_key(&v.public_key()) {
                    return fail(Rule::GenesisLedgerKey, format!("ledger key: {e}"));
                }
            }
            // Not a verifier key at all (SPEC.md, "Verifier key"): the same fault as a malformed
            // verifier key given to the verifier.
            Err(e) => {
                return fail(
                    Rule::KeyInvalid,
                    format!("ledger key {:?}: {e}", g.ledger_key),
                )
            }
        }
        check_time_zone(&g.time_zone)?;
        non_empty(&g.registrar.name_uk, "name_uk")?;
        non_empty(&g.registrar.name_en, "name_en")?;
        non_empty(&g.registrar.kind, "kind")?;
        check_time(&g.policy, recorded_at, ev.at)
    }

    fn effects<'a>(g: &'a Genesis, _: &'a Event, out: &mut impl FnMut(Effect<'a>)) {
        out(Effect::Founded(g));
        out(Effect::BodyJoined {
            id: &g.registrar.id,
            name_uk: &g.registrar.name_uk,
            name_en: &g.registrar.name_en,
            kind: &g.registrar.kind,
            roles: &[Role::Registrar],
        });
        out(Effect::KeyAdded {
            body: &g.registrar.id,
            public_key: &g.registrar_key,
        });
    }

    fn about(_: &Genesis) -> About<'_> {
        About::Nothing
    }

    fn summary(_: &Genesis, _: &Event, _: &Before<'_>, _: Lang) -> String {
        String::new()
    }

    fn introduced_keys(g: &Genesis) -> &[String] {
        std::slice::from_ref(&g.registrar_key)
    }
}

impl EventType for ty::BodyRegistered {
    type Body = BodyRegistered;
    const SECTION: Section = Section::Other;

    fn check(
        b: &BodyRegistered,
        s: &State,
        ev: &Event,
        _: u64,
        _: Millis,
    ) -> Result<(), RuleError> {
        s.require_role(&ev.author, Role::Registrar, ev.kind())?;
        ensure(!s.bodies.contains_key(&b.id), Rule::BodyExists, || {
            format!("body {} is already registered", b.id)
        })?;
        non_empty(&b.name_uk, "name_uk")?;
        non_empty(&b.name_en, "name_en")?;
        non_empty(&b.kind, "kind")?;
        check_roles(&b.roles)?;
        check_new_keys(s, &b.public_keys)
    }

    fn effects<'a>(b: &'a BodyRegistered, _: &'a Event, out: &mut impl FnMut(Effect<'a>)) {
        out(Effect::BodyJoined {
            id: &b.id,
            name_uk: &b.name_uk,
            name_en: &b.name_en,
            kind: &b.kind,
            roles: &b.roles,
        });
        for pk in &b.public_keys {
            out(Effect::KeyAdded {
                body: &b.id,
                public_key: pk,
            });
        }
    }

    fn about(_: &BodyRegistered) -> About<'_> {
        About::Nothing
    }

    fn summary(_: &BodyRegistered, _: &Event, _: &Before<'_>, _: Lang) -> String {
        String::new()
    }

    fn introduced_keys(b: &BodyRegistered) -> &[String] {
        &b.public_keys
    }
}

impl EventType for ty::BodyUpdated {
    type Body = BodyUpdated;
    const SECTION: Section = Section::Other;

    fn check(b: &BodyUpdated, s: &State, ev: &Event, _: u64, _: Millis) -> Result<(), RuleError> {
        let author = &ev.author;
        s.active_body(&b.id)?;
        ensure(
            b.name_uk.is_some() || b.name_en.is_some() || b.kind.is_some() || b.roles.is_some(),
            Rule::BodyUpdateEmpty,
            || "body.updated must change at least one field".into(),
        )?;
        for (v, f) in [
            (&b.name_uk, "name_uk"),
            (&b.name_en, "name_en"),
            (&b.kind, "kind"),
        ] {
            if let Some(v) = v {
                non_empty(v, f)?;
            }
        }
        let registrar = s.has_role(author, Role::Registrar);
        ensure(registrar || *author == b.id, Rule::BodyUpdateWho, || {
            format!("only a registrar or {} itself may update {}", b.id, b.id)
        })?;
        ensure(
            b.roles.is_none() || registrar,
            Rule::BodyUpdateRoles,
            || "only a registrar may change a body's roles".into(),
        )?;
        if let Some(r) = &b.roles {
            check_roles(r)?;
        }
        Ok(())
    }

    fn effects<'a>(b: &'a BodyUpdated, _: &'a Event, out: &mut impl FnMut(Effect<'a>)) {
        out(Effect::BodyChanged(b));
    }

    fn about(_: &BodyUpdated) -> About<'_> {
        About::Nothing
    }

    fn summary(_: &BodyUpdated, _: &Event, _: &Before<'_>, _: Lang) -> String {
        String::new()
    }

    fn introduced_keys(_: &BodyUpdated) -> &[String] {
        &[]
    }
}

impl EventType for ty::BodySucceeded {
    type Body = BodySucceeded;
    const SECTION: Section = Section::Other;

    fn check(b: &BodySucceeded, s: &State, ev: &Event, _: u64, _: Millis) -> Result<(), RuleError> {
        s.require_role(&ev.author, Role::Registrar, ev.kind())?;
        s.active_body(&b.id)?;
        s.active_body(&b.successor)?;
        ensure(b.id != b.successor, Rule::BodySuccessor, || {
            "a body cannot succeed itself".into()
        })?;
        non_empty(&b.reason, "reason")
    }

    fn effects<'a>(b: &'a BodySucceeded, _: &'a Event, out: &mut impl FnMut(Effect<'a>)) {
        out(Effect::BodySucceeded {
            id: &b.id,
            successor: &b.successor,
        });
    }

    fn about(_: &BodySucceeded) -> About<'_> {
        About::Nothing
    }

    fn summary(_: &BodySucceeded, _: &Event, _: &Before<'_>, _: Lang) -> String {
        String::new()
    }

    fn introduced_keys(_: &BodySucceeded) -> &[String] {
        &[]
    }
}

impl EventType for ty::KeyAdded {
    type Body = KeyAdded;
    const SECTION: Section = Section::Other;

    fn check(k: &KeyAdded, s: &State, ev: &Event, _: u64, _: Millis) -> Result<(), RuleError> {
        s.active_body(&k.body)?;
        ensure(
            s.has_role(&ev.author, Role::Registrar) || ev.author == k.body,
            Rule::KeyAddWho,
            || {
                format!(
                    "only a registrar or {} itself may add a key for {}",
                    k.body, k.body
                )
            },
        )?;
        check_new_keys(s, std::slice::from_ref(&k.public_key))
    }

    fn effects<'a>(k: &'a KeyAdded, _: &'a Event, out: &mut impl FnMut(Effect<'a>)) {
        out(Effect::KeyAdded {
            body: &k.body,
            public_key: &k.public_key,
        });
    }

    fn about(_: &KeyAdded) -> About<'_> {
        About::Nothing
    }

    fn summary(_: &KeyAdded, _: &Event, _: &Before<'_>, _: Lang) -> String {
        String::new()
    }

    fn introduced_keys(k: &KeyAdded) -> &[String] {
        std::slice::from_ref(&k.public_key)
    }
}

impl EventType for ty::KeyRevoked {
    type Body = KeyRevoked;
    const SECTION: Section = Section::Other;

    fn check(k: &KeyRevoked, s: &State, ev: &Event, _: u64, _: Millis) -> Result<(), RuleError> {
        s.body(&k.body)?;
        let Some(ks) = s.keys.get(&k.key) else {
            return fail(Rule::KeyUnknown, format!("key {} is not registered", k.key));
        };
        ensure(ks.body == k.body, Rule::KeyNotAuthors, || {
            format!("key {} belongs to {}, not {}", k.key, ks.body, k.body)
        })?;
        ensure(ks.revoked_at.is_none(), Rule::KeyRevoked, || {
            format!("key {} is already revoked", k.key)
        })?;
        let registrar = s.has_role(&ev.author, Role::Registrar);
        ensure(registrar || ev.author == k.body, Rule::KeyRevokeWho, || {
            format!("only a registrar or {} itself may revoke its key", k.body)
        })?;
        ensure(
            registrar || ev.key != k.key,
            Rule::KeyRevokeSelfSigned,
            || {
                "a body revokes its key with another of its valid keys, not with the key being revoked"
                .into()
            },
        )?;
        non_empty(&k.reason, "reason")
    }

    fn effects<'a>(k: &'a KeyRevoked, _: &'a Event, out: &mut impl FnMut(Effect<'a>)) {
        out(Effect::KeyRevoked { key: &k.key });
    }

    fn about(_: &KeyRevoked) -> About<'_> {
        About::Nothing
    }

    fn summary(_: &KeyRevoked, _: &Event, _: &Before<'_>, _: Lang) -> String {
        String::new()
    }

    fn introduced_keys(_: &KeyRevoked) -> &[String] {
        &[]
    }
}
