//! Cases for the decisions of SPEC.md that a verifier written from the text alone could make
//! the other way: one spelling of a key and of a number, which time zone names are valid, how
//! deep an event may nest, where a cut-short export is blamed, a trusted checkpoint of size
//! 0, keys an event introduces that are malformed, control characters and white space in
//! notes, the last second of the time grammar, and which texts have a visible character.
//! Each must-fail case here has a must-pass counterpart where the decision has two sides.

use super::*;

/// `name+keyid+key` with the key ID in uppercase hex: the same key, spelled another way.
fn upper_key_id(vkey: &str) -> String {
    let (name, rest) = vkey.split_once('+').unwrap_or_else(|| panic!("{vkey}"));
    let (id, key) = rest.split_once('+').unwrap_or_else(|| panic!("{vkey}"));
    let upper = id.to_uppercase();
    assert_ne!(upper, id, "the key ID has no letter to change");
    format!("{name}+{upper}+{key}")
}

/// A signed note over `text` by the vector ledger's key, made without `NoteSigner`, which
/// refuses to sign a text that breaks the note rules.
fn signed_note(text: &str) -> String {
    use ed25519_dalek::Signer;
    let key = demo_key(&format!("ledger:{ORIGIN}"));
    let id = kordon::core::note::key_id(ORIGIN, key.verifying_key().as_bytes());
    let mut raw = id.to_vec();
    raw.extend_from_slice(&key.sign(text.as_bytes()).to_bytes());
    format!("{text}\n\u{2014} {ORIGIN} {}\n", BASE64.encode(raw))
}

/// A signature line shaped like a witness cosignature (key ID, timestamp, signature) under
/// another key name.
fn cosignature_line(name: &str) -> String {
    let mut raw = vec![0xAB, 0xCD, 0xEF, 0x01];
    raw.extend_from_slice(&1_779_000_000u64.to_be_bytes());
    raw.extend_from_slice(&[0x5A; 64]);
    format!("\u{2014} {name} {}\n", BASE64.encode(raw))
}

/// A public key that registration refuses: a prime-order key plus a point of order 8.
fn torsion_key(label: &str) -> [u8; 32] {
    use curve25519_dalek::constants::EIGHT_TORSION;
    let p = demo_key(label).verifying_key().to_edwards() + EIGHT_TORSION[1];
    p.compress().to_bytes()
}

/// A signature no verifier accepts: S = 2^256 − 1 is not below the group order.
const NO_SIGNATURE: [u8; 64] = [0xff; 64];

impl Ctx<'_> {
    /// The genesis entry of the vector ledger, and its event.
    fn genesis(&self) -> (EntryRef<'_>, Event, Genesis) {
        let e = EntryRef::decode(&self.entries[0]).unwrap_or_else(|e| panic!("{e}"));
        let ev = parse(e.event).unwrap_or_else(|e| panic!("{e}"));
        let Body::Genesis(g) = ev.body.clone() else {
            panic!("entry 0 is not a genesis")
        };
        (e, ev, g)
    }

    /// A one-entry ledger: the vector ledger's genesis changed by `mutate`, signed by the
    /// registrar and recorded as the genesis was.
    fn genesis_case(
        &self,
        name: &'static str,
        code: &'static str,
        description: &str,
        mutate: impl FnOnce(&mut Genesis),
    ) -> Case {
        let (e0, ev0, mut g) = self.genesis();
        mutate(&mut g);
        let (ev, sig) = self.event(
            ORIGIN,
            "registry",
            "registry",
            &format!("mf:{name}"),
            ev0.at.0,
            &Body::Genesis(g),
        );
        let e = entry::encode(0, e0.recorded_at, &Hash::ZERO, &sig, &ev)
            .unwrap_or_else(|e| panic!("{e}"));
        Case {
            base_entries: 0,
            entries: vec![e],
            event: Some((ev, sig)),
            ..Case::new(name, code, description)
        }
    }

    /// The valid ledger under `checkpoint`.
    fn under(&self, name: &'static str, code: &'static str, description: &str, cp: String) -> Case {
        Case {
            base_entries: self.n(),
            checkpoint: Some(cp),
            ..Case::new(name, code, description)
        }
    }

    fn note_text(&self, name: &'static str, code: &'static str, what: &str, text: &str) -> Case {
        self.append_body(
            name,
            code,
            &format!("note.added by customs whose text is {what}."),
            "customs",
            "customs",
            Body::NoteAdded(NoteAdded {
                commitment: Some(c(COMMITMENT)),
                about: None,
                text: text.into(),
                evidence: Vec::new(),
            }),
        )
    }
}

/// The must-fail cases for the decisions, appended after the others.
pub(crate) fn decision_cases(x: &Ctx<'_>, checkpoint: &str) -> Vec<Case> {
    let n = x.n();
    let at = ms(CASE_AT);
    let root = merkle::root_of(x.leaves);
    let mut cases = Vec::new();

    // --- One spelling of a key (§1, §10.3).
    cases.push(
        x.under(
            "verifier-key-uppercase",
            "key.invalid",
            "The valid ledger and checkpoint, with the ledger's verifier key written with its key ID in uppercase hex. Hex is lowercase (§1), so this is not a verifier key, whether it is the export's key line or the key the reader gives (kordon verify --key).",
            checkpoint.to_string(),
        )
        .with_key(upper_key_id(x.vkey))
        .saying("lowercase"),
    );
    cases.push(
        x.genesis_case(
            "genesis-ledger-key-uppercase",
            "key.invalid",
            "A one-entry ledger whose genesis names its ledger key with the key ID in uppercase hex, verified with the key in lowercase: the genesis's ledger_key is not a verifier key (§12.3 step 7).",
            |g| g.ledger_key = upper_key_id(&g.ledger_key),
        )
        .saying("lowercase"),
    );

    // --- Time zone names (§12.3 step 8): case-sensitive, from the listed release only.
    for (name, tz, what) in [
        (
            "genesis-time-zone-lowercase",
            "europe/kyiv",
            "Europe/Kyiv in lowercase; names are case-sensitive",
        ),
        (
            "genesis-time-zone-uppercase",
            "EUROPE/KYIV",
            "Europe/Kyiv in uppercase; names are case-sensitive",
        ),
        (
            "genesis-time-zone-utc-lowercase",
            "utc",
            "UTC in lowercase; names are case-sensitive",
        ),
        (
            "genesis-time-zone-unknown",
            "Etc/Unknown",
            "a name some libraries use for an unknown zone, not in the database",
        ),
        (
            "genesis-time-zone-factory",
            "Factory",
            "the database's placeholder for an unset local time, which the list leaves out",
        ),
    ] {
        cases.push(x.genesis_case(
            name,
            "genesis.time-zone",
            &format!("A one-entry ledger whose genesis names the time zone {tz:?}: {what} (vectors/time-zones.txt lists the valid names)."),
            |g| g.time_zone = tz.into(),
        ));
    }

    // --- Nesting (§4 step 1): 128 levels pass the depth check, 129 do not.
    let nest = |levels: usize| {
        move |t: &str| {
            let arrays = levels - 2;
            replace_once(
                t,
                "\"},\"id\":",
                &format!(
                    "\",\"x\":{} {}}},\"id\":",
                    "[".repeat(arrays),
                    "]".repeat(arrays)
                ),
            )
        }
    };
    cases.push(x.mutated(
        "nesting-128-levels",
        "event.not-canonical",
        "An event nested exactly 128 levels deep (the envelope, the body, and 126 arrays in an unknown body member \"x\"), with a space in the innermost array. 128 levels are allowed (§4 step 1), so the first fault is the space (step 3), before the unknown member (step 4).",
        nest(128),
    ));
    cases.push(
        x.mutated(
            "nesting-129-levels",
            "event.format",
            "The same event with 127 arrays, 129 levels deep: refused by the depth check (§4 step 1) before the space is seen.",
            nest(129),
        )
        .saying("129 levels"),
    );

    // --- The last second of the time grammar (§3) is a time, judged by the policy.
    {
        let far = ms("9999-12-31T23:59:59Z");
        let (ev, sig) = x.event(
            ORIGIN,
            "customs",
            "customs",
            "mf:time-last-second",
            far,
            &template_body(),
        );
        cases.push(x.append(
            "time-last-second",
            "time.in-future",
            "A note claiming 9999-12-31T23:59:59Z, the last second the time grammar can write, recorded on 2026-05-04: a valid time (§3), so the time policy refuses it, not the format.",
            ev,
            sig,
        ));
    }

    // --- Required texts need a visible character (§3).
    for (name, what, text) in [
        ("text-zero-width-space", "U+200B ZERO WIDTH SPACE alone (format, Cf)", "\u{200b}"),
        ("text-word-joiner", "U+2060 WORD JOINER alone (Cf)", "\u{2060}"),
        ("text-nul", "U+0000 alone (control, Cc)", "\u{0}"),
        ("text-information-separators", "U+001C-U+001F: not White_Space, but controls (Cc)", "\u{1c}\u{1d}\u{1e}\u{1f}"),
        ("text-white-space", "White_Space only: space, no-break space, ideographic space, line separator", " \u{a0}\u{3000}\u{2028}"),
        ("text-default-ignorable", "a byte order mark, a zero width joiner, a Hangul filler and a tag character (Default_Ignorable_Code_Point)", "\u{feff}\u{200d}\u{3164}\u{e0041}"),
        ("text-braille-blank", "U+2800 BRAILLE PATTERN BLANK twice, a symbol the table lists as invisible", "\u{2800}\u{2800}"),
    ] {
        cases.push(x.note_text(name, "text.required", what, text).saying("visible"));
    }
    cases.push(
        x.append_body(
            "text-name-invisible",
            "text.required",
            "body.registered by the registrar whose name_uk is U+200B ZERO WIDTH SPACE alone.",
            "registry",
            "registry",
            Body::BodyRegistered(BodyRegistered {
                id: b("border-guard"),
                name_uk: "\u{200b}".into(),
                name_en: "Border guard".into(),
                kind: "agency".into(),
                roles: vec![Role::Executor],
                public_keys: Vec::new(),
            }),
        )
        .saying("name_uk must hold a visible character"),
    );

    // --- A cut-short export is blamed where the stream broke, in the earliest-fault order.
    {
        let (ev, sig) = x.event(
            ORIGIN,
            "customs",
            "customs",
            "mf:export-cut-entry",
            at,
            &template_body(),
        );
        let whole = x
            .append("export-cut-entry", "", "", ev, sig)
            .entries
            .remove(0);
        let mut leaves = x.leaves.to_vec();
        leaves.push(leaf_hash(&whole));
        let mut tail = (whole.len() as u16).to_be_bytes().to_vec();
        tail.extend_from_slice(&whole[..100]);
        cases.push(Case {
            tail,
            ..x.under(
                "export-cut-entry",
                "export.format",
                &format!("The valid ledger, then entry {n} cut short: its length prefix and the first 100 of its {} bytes, under a checkpoint of {} entries that covers it. The fault is blamed on entry {n}, where the stream broke (§14).", whole.len(), n + 1),
                x.sign_checkpoint(n as u64 + 1, merkle::root_of(&leaves)),
            )
        });
    }
    cases.push(Case {
        tail: vec![0x01],
        ..x.under(
            "export-cut-length",
            "export.format",
            &format!("The valid ledger and its checkpoint, then one lone byte: half of a length prefix. Reading the stream comes before the checkpoint size is compared (§13.2 step 4.1), so this is export.format, blamed on entry {n}, not checkpoint.size."),
            checkpoint.to_string(),
        )
    });
    {
        let mut bad = x.entries[n - 1].clone();
        bad[49] ^= 0x01;
        let mut tail = 296u16.to_be_bytes().to_vec();
        tail.extend_from_slice(&x.entries[n - 1][..40]);
        cases.push(Case {
            base_entries: n - 1,
            entries: vec![bad],
            tail,
            checkpoint: Some(x.sign_checkpoint(n as u64 + 1, root)),
            ..Case::new(
                "export-cut-after-fault",
                "signature.invalid",
                format!("Entry {} with one bit of its signature flipped, then entry {n} cut short: the entry before the break is judged first, so its fault is the one reported (the earliest, §13.2).", n - 1),
            )
        });
    }

    // --- A trusted checkpoint of size 0 proves nothing (§13.2 step 3).
    cases.push(Case {
        trusted: Some(x.sign_checkpoint(0, merkle::root_of(&[]))),
        ..x.under(
            "trusted-empty",
            "ledger.empty",
            "The valid ledger and checkpoint, and a trusted checkpoint of size 0 (the empty tree) signed by the ledger key: it covers nothing, so it is refused rather than reported as a check that passed.",
            checkpoint.to_string(),
        )
    });

    // --- A malformed key that an event introduces is never used to check its signature
    // (§13.2 step 4.4): the rules name the fault, not the signature check.
    {
        let (e0, ev0, mut g) = x.genesis();
        let bad = torsion_key("stranger");
        g.registrar_key = BASE64.encode(bad);
        let ev = encode(
            ORIGIN,
            &id("mf:genesis-key-malformed"),
            &b("registry"),
            &KeyId::of(&bad),
            ev0.at,
            &Body::Genesis(g),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let e = entry::encode(0, e0.recorded_at, &Hash::ZERO, &NO_SIGNATURE, &ev)
            .unwrap_or_else(|e| panic!("{e}"));
        cases.push(Case {
            base_entries: 0,
            entries: vec![e],
            event: Some((ev, NO_SIGNATURE)),
            ..Case::new(
                "genesis-key-malformed",
                "key.invalid",
                "A genesis whose registrar_key has a torsion component, named by the event's key and \"signed\" with a signature that verifies under no key. The malformed key is no candidate for the signature check, so no key is found, the signature is not checked, and the genesis rules refuse the key (§12.3 step 5), not the signature.",
            )
        });
    }
    {
        let bad = torsion_key("customs/new");
        let ev = encode(
            ORIGIN,
            &id("mf:key-added-malformed"),
            &b("customs"),
            &KeyId::of(&bad),
            Millis(at),
            &Body::KeyAdded(KeyAdded {
                body: b("customs"),
                public_key: BASE64.encode(bad),
            }),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        cases.push(x.append(
            "key-added-malformed",
            "key.unknown",
            "key.added by customs introducing a key with a torsion component, naming that key as its signing key, with a signature that verifies under no key. The malformed key is no candidate for the signature check and no registered key has its id, so the rules refuse the entry with key.unknown (§12.2 step 7), not signature.invalid.",
            ev,
            NO_SIGNATURE,
        ));
    }

    // --- Notes: control characters, white space in names, one spelling of a size (§10).
    cases.push(
        x.under(
            "checkpoint-control-character",
            "checkpoint.signature",
            "The valid ledger under a checkpoint signed by the ledger key whose text has an extension line holding U+001F, a control character (below U+0020): not a valid note.",
            signed_note(&format!("{ORIGIN}\n{n}\n{}\nnote\u{1f}x\n", root.to_base64())),
        )
        .saying("control character"),
    );
    cases.push(
        x.under(
            "cosignature-name-white-space",
            "checkpoint.signature",
            "The valid ledger and checkpoint with a witness cosignature line whose key name holds U+00A0 NO-BREAK SPACE, which is White_Space: not a valid key name, so not a valid note.",
            format!("{checkpoint}{}", cosignature_line("witness.example/\u{a0}w1")),
        )
        .saying("invalid key name"),
    );
    cases.push(
        x.under(
            "checkpoint-size-leading-zero",
            "checkpoint.signature",
            &format!("The valid ledger under a checkpoint signed by the ledger key whose size line is 0{n}: a number has one spelling, without leading zeros."),
            signed_note(&format!("{ORIGIN}\n0{n}\n{}\n", root.to_base64())),
        )
        .saying("leading zero"),
    );
    cases
}

/// Ledgers a verifier must accept: the other side of the decisions.
pub(crate) fn must_pass_cases(
    l: &Built,
    vkey: &str,
    entries: &[Vec<u8>],
    leaves: &[Hash],
    checkpoint: &str,
) -> Vec<PassJson> {
    let x = ctx(l, vkey, entries, leaves);
    let n = x.n();
    let mut cases = Vec::new();

    cases.push(
        x.under(
            "export-key-line-ignored",
            "",
            "The valid ledger as an export whose own key line is the ledger key with an uppercase key ID (not a verifier key), read with the correct key given by the reader (kordon verify --key): the export's key line is then only a claim, and is ignored (§14).",
            checkpoint.to_string(),
        )
        .with_export_key(upper_key_id(vkey)),
    );
    for (name, tz, what) in [
        (
            "genesis-time-zone-link",
            "Europe/Kiev",
            "a Link (to Europe/Kyiv since tzdata 2022b); links are valid names",
        ),
        (
            "genesis-time-zone-utc",
            "UTC",
            "itself a Link to Etc/UTC in the database",
        ),
    ] {
        cases.push(x.genesis_case(
            name,
            "",
            &format!("A one-entry ledger whose genesis names the time zone {tz:?}: {what}."),
            |g| g.time_zone = tz.into(),
        ));
    }
    cases.push(
        x.under(
            "checkpoint-extension-del-and-c1",
            "",
            "The valid ledger under a checkpoint with an extension line holding U+007F DELETE and U+0085 NEXT LINE: \"control characters\" in notes are those below U+0020 only (§10).",
            Checkpoint {
                origin: ORIGIN.into(),
                size: n as u64,
                root: merkle::root_of(leaves),
                extensions: vec!["note\u{7f}\u{85}x".into()],
            }
            .sign(x.signer)
            .unwrap_or_else(|e| panic!("{e}")),
        ),
    );
    cases.push(x.under(
        "cosignature-name-zero-width-space",
        "",
        "The valid ledger and checkpoint with a witness cosignature line whose key name holds U+200B ZERO WIDTH SPACE, which is not White_Space: a valid name, so the line is parsed and, being another key's, ignored.",
        format!("{checkpoint}{}", cosignature_line("witness.example/\u{200b}w1")),
    ));
    {
        let far = ms("9999-12-31T23:59:59Z");
        let (ev, sig) = x.event(
            ORIGIN,
            "customs",
            "customs",
            "mf:time-last-second",
            far,
            &template_body(),
        );
        let e = entry::encode(n as u64, Millis(far), &x.leaves[n - 1], &sig, &ev)
            .unwrap_or_else(|e| panic!("{e}"));
        cases.push(Case {
            base_entries: n,
            entries: vec![e],
            event: Some((ev, sig)),
            ..Case::new(
                "time-last-second",
                "",
                "A note claiming 9999-12-31T23:59:59Z and recorded at that instant (253402300799000 ms): the last second of the time grammar is a time like any other (§3).",
            )
        });
    }
    cases.push(x.note_text(
        "text-visible-among-invisible",
        "",
        "one visible character (U+2713 CHECK MARK) between a zero width space and a word joiner",
        "\u{200b}\u{2713}\u{2060}",
    ));
    cases.push(x.note_text(
        "text-combining-mark",
        "",
        "U+0301 COMBINING ACUTE ACCENT alone: a mark (Mn), which is visible",
        "\u{301}",
    ));
    cases.into_iter().map(|c| finish_valid(&x, c)).collect()
}

/// Proofs a verifier must refuse, each checked here to be refused by kordon's own checks.
pub(crate) fn proof_cases(leaves: &[Hash]) -> Vec<ProofCaseJson> {
    let n = leaves.len() as u64;
    let root_at = |s: u64| merkle::root_of(&leaves[..s as usize]);
    let reader = merkle::MemoryNodes::from_leaves(leaves);
    let consistency = |s1: u64, s2: u64| {
        merkle::consistency_proof(&reader, s1, s2).unwrap_or_else(|e| panic!("{e:?}"))
    };
    let inclusion = |seq: u64, s: u64| {
        merkle::inclusion_proof(&reader, seq, s).unwrap_or_else(|e| panic!("{e:?}"))
    };
    let mut altered = consistency(8, n);
    let last = altered.len() - 1;
    altered[last] = Hash::sha256(altered[last].as_bytes());
    let mut long = inclusion(8, n);
    long.push(leaves[0]);
    let empty = merkle::root_of(&[]);

    type C = (&'static str, &'static str, u64, u64, Hash, Hash, Vec<Hash>);
    let cons: Vec<C> = vec![
        ("consistency-zero-zero", "From size 0 to size 0 with an empty proof: the empty tree is a prefix of every tree, so a proof from size 0 proves nothing and is refused.", 0, 0, empty, empty, vec![]),
        ("consistency-from-zero", "From size 0 to the whole tree with an empty proof.", 0, n, empty, root_at(n), vec![]),
        ("consistency-equal-sizes-with-proof", "From the whole tree to itself with a proof of one hash: equal sizes need an empty proof.", n, n, root_at(n), root_at(n), vec![leaves[0]]),
        ("consistency-equal-sizes-other-root", "From the whole tree to itself with an empty proof but two different roots.", n, n, root_at(n), leaves[0], vec![]),
        ("consistency-size-order", "From the whole tree to the tree of 8 entries: sizes out of order.", n, 8, root_at(n), root_at(8), consistency(8, n)),
        ("consistency-altered", "From 8 entries to the whole tree, with the proof's last hash altered.", 8, n, root_at(8), root_at(n), altered),
    ];
    let mut out = Vec::new();
    for (name, description, s1, s2, r1, r2, proof) in cons {
        assert!(
            merkle::verify_consistency(s1, s2, &r1, &r2, &proof).is_err(),
            "proof case {name} is accepted"
        );
        out.push(ProofCaseJson {
            name,
            description,
            kind: "consistency",
            seq: None,
            leaf_hash_hex: None,
            size: None,
            root_hex: None,
            size1: Some(s1),
            size2: Some(s2),
            root1_hex: Some(r1.to_hex()),
            root2_hex: Some(r2.to_hex()),
            proof_hex: hexes(&proof),
        });
    }
    type I = (&'static str, &'static str, u64, Hash, u64, Vec<Hash>);
    let incl: Vec<I> = vec![
        (
            "inclusion-beyond-size",
            "Entry n in a tree of n entries, with the path of entry n-1.",
            n,
            leaves[n as usize - 1],
            n,
            inclusion(n - 1, n),
        ),
        (
            "inclusion-extra-hash",
            "Entry 8 in the whole tree with one hash too many at the end of its path.",
            8,
            leaves[8],
            n,
            long,
        ),
    ];
    for (name, description, seq, leaf, size, proof) in incl {
        assert!(
            merkle::verify_inclusion(&leaf, seq, size, &proof, &root_at(n)).is_err(),
            "proof case {name} is accepted"
        );
        out.push(ProofCaseJson {
            name,
            description,
            kind: "inclusion",
            seq: Some(seq),
            leaf_hash_hex: Some(leaf.to_hex()),
            size: Some(size),
            root_hex: Some(root_at(n).to_hex()),
            size1: None,
            size2: None,
            root1_hex: None,
            root2_hex: None,
            proof_hex: hexes(&proof),
        });
    }
    out
}
