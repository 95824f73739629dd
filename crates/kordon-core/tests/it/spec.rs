//! events/SPEC.md must describe what the core implements: every rule code, every event type
//! and every enumeration, and nothing the core does not have.

use kordon_core::event::{Component, EventKind, FundingSource, Role, Status, Verdict};
use kordon_core::rules::Rule;

fn spec() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events/SPEC.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The text from the heading that starts with `heading` to the next heading of its level or
/// above.
fn section<'a>(spec: &'a str, heading: &str) -> &'a str {
    let start = spec
        .find(&format!("\n{heading}"))
        .unwrap_or_else(|| panic!("SPEC.md has no heading {heading:?}"))
        + 1;
    let level = heading.chars().take_while(|c| *c == '#').count();
    let rest = &spec[start + heading.len()..];
    let end = rest
        .match_indices("\n#")
        .find(|(i, _)| {
            let hashes = rest[i + 1..].chars().take_while(|c| *c == '#').count();
            hashes <= level
        })
        .map(|(i, _)| start + heading.len() + i)
        .unwrap_or(spec.len());
    &spec[start..end]
}

/// The names written as `code` in `text`.
fn quoted(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// The first column of the table rows in `text`, unquoted.
fn table_keys(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .collect()
}

#[test]
fn the_spec_lists_every_rule_code_and_no_other() {
    let spec = spec();
    let codes = section(&spec, "### 13.4");
    let list = &codes[codes
        .find("The rule names are:")
        .expect("§13.4 lists the rule names")..];
    let list = &list[..list.find("\n\n").unwrap_or(list.len())];
    let listed: Vec<&str> = quoted(list);
    let ours: Vec<&str> = Rule::ALL.iter().map(|r| r.code()).collect();
    for code in &ours {
        assert!(listed.contains(code), "SPEC.md §13.4 does not list {code}");
    }
    for code in &listed {
        assert!(
            Rule::from_code(code).is_some(),
            "SPEC.md §13.4 lists {code}, which is no rule"
        );
    }
    assert_eq!(listed.len(), ours.len(), "a rule listed twice");
    // And each is stated in §12, where the rules are.
    let rules = section(&spec, "## 12.");
    for code in ours {
        assert!(
            rules.contains(&format!("`{code}`")),
            "SPEC.md §12 does not state the rule {code}"
        );
    }
}

#[test]
fn the_spec_lists_every_event_type() {
    let spec = spec();
    let ours: Vec<&str> = EventKind::ALL.iter().map(|k| k.name()).collect();
    let types = section(&spec, "### 5.3");
    assert_eq!(table_keys(types), ours, "SPEC.md §5.3, the types' bodies");
    assert!(
        types.contains(&format!("There are {} types.", ours.len())),
        "§5.3 counts the types"
    );
    // Every type but the genesis (§12.3) has its row of rules in §12.4 (in an order of its own).
    let mut rules = table_keys(section(&spec, "### 12.4"));
    let mut want = ours[1..].to_vec();
    rules.sort_unstable();
    want.sort_unstable();
    assert_eq!(rules, want, "SPEC.md §12.4, the per-type rules");
    assert!(section(&spec, "### 12.3").contains("`ledger.genesis`"));
}

#[test]
fn the_spec_lists_every_enumeration() {
    let spec = spec();
    let enums = section(&spec, "### 5.2");
    let line = |name: &str| -> Vec<&str> {
        let start = enums
            .find(&format!("* **{name}**"))
            .unwrap_or_else(|| panic!("§5.2 has no enumeration {name}"));
        let text = &enums[start..];
        let end = text[1..].find("\n*").map(|i| i + 1).unwrap_or(text.len());
        let text = &text[..end];
        // The values follow the colon (a component's line names the regulation first).
        quoted(&text[text.find(':').unwrap_or(0)..])
    };
    fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<&'static str> {
        all.iter().map(|v| name(*v)).collect()
    }
    assert_eq!(line("role"), names(Role::ALL, Role::name));
    assert_eq!(line("component"), names(Component::ALL, Component::name));
    assert_eq!(line("status"), names(Status::ALL, Status::name));
    assert_eq!(line("verdict"), names(Verdict::ALL, Verdict::name));
    assert_eq!(
        line("funding source"),
        names(FundingSource::ALL, FundingSource::name)
    );
}
