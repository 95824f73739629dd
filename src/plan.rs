//! Action plans from spreadsheets: a table in the layout of the Cabinet's orders (task, measure,
//! indicator, baseline, target, executors, funding, source, deadline; see the README) read from
//! CSV or XLSX into `commitment.assigned` bodies, with every problem of every row found before
//! anything is signed. `kordon plan import` and `POST /plans/parse` (the workspace's import)
//! both call `parse`, so the command line and the browser read a file the same way.
//!
//! Reading changes nothing and needs no key: it only turns cells into bodies and says what is
//! wrong with them (an unknown body, a missing target, a date that is not one).

use crate::core::event::{CommitmentFields, Funding, FundingSource, Indicator, Role};
use crate::core::projection::History;
use crate::core::types::{BodyId, CommitmentId, Date, Decimal, IndicatorId, ObjectiveId};
use serde::Serialize;
use std::collections::HashSet;

/// The columns of the Cabinet's layout, and the header texts each is recognized by (the start
/// of the header, in lower case, Ukrainian or English).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    Id,
    Task,
    Measure,
    Indicator,
    Unit,
    Baseline,
    Target,
    Executors,
    Funding,
    Source,
    Deadline,
    Objective,
}

impl Column {
    pub const ALL: [Column; 12] = [
        Column::Id,
        Column::Task,
        Column::Measure,
        Column::Indicator,
        Column::Unit,
        Column::Baseline,
        Column::Target,
        Column::Executors,
        Column::Funding,
        Column::Source,
        Column::Deadline,
        Column::Objective,
    ];

    fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::Id => &["№", "номер", "ідентифікатор", "id", "no.", "number"],
            Column::Task => &["завдання", "task"],
            Column::Measure => &["захід", "найменування заходу", "measure"],
            Column::Indicator => &["індикатор", "показник", "indicator"],
            Column::Unit => &["одиниця", "unit"],
            Column::Baseline => &["базов", "baseline"],
            Column::Target => &["цільов", "target"],
            Column::Executors => &["відповідальн", "виконавц", "executor", "responsible"],
            Column::Funding => &[
                "обсяг",
                "прогнозний обсяг",
                "фінансування",
                "funding",
                "amount",
            ],
            Column::Source => &["джерел", "source"],
            Column::Deadline => &["строк", "термін", "deadline"],
            Column::Objective => &["стратегічна ціль", "ціль", "objective"],
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Column::Id => "id",
            Column::Task => "task",
            Column::Measure => "measure",
            Column::Indicator => "indicator",
            Column::Unit => "unit",
            Column::Baseline => "baseline",
            Column::Target => "target",
            Column::Executors => "executors",
            Column::Funding => "funding",
            Column::Source => "source",
            Column::Deadline => "deadline",
            Column::Objective => "objective",
        }
    }

    fn of_header(h: &str) -> Option<Column> {
        let h = h.trim().to_lowercase();
        if h.is_empty() {
            return None;
        }
        Column::ALL
            .into_iter()
            .find(|c| c.aliases().iter().any(|a| h.starts_with(a)))
    }
}

/// The columns a plan cannot do without.
pub const REQUIRED: [Column; 4] = [
    Column::Id,
    Column::Measure,
    Column::Executors,
    Column::Deadline,
];

/// What is wrong with a row (or the file). `Error`s stop the import; `Warning`s are shown and
/// may be signed as they are (the ledger accepts them; oversight will see what is missing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    NotATable,
    NoHeader,
    MissingColumn,
    MissingId,
    BadId,
    DuplicateId,
    IdExists,
    MissingMeasure,
    MissingExecutor,
    UnknownBody,
    NotExecutor,
    MissingDeadline,
    BadDate,
    BadNumber,
    UnknownObjective,
    UnknownSource,
    MissingIndicator,
    MissingTarget,
    MissingBaseline,
    MissingAmount,
}

impl ProblemKind {
    pub fn severity(self) -> Severity {
        match self {
            ProblemKind::UnknownSource
            | ProblemKind::MissingIndicator
            | ProblemKind::MissingTarget
            | ProblemKind::MissingBaseline
            | ProblemKind::MissingAmount => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// What to say, in Ukrainian and English; `{v}` is the value in question.
    fn texts(self) -> (&'static str, &'static str) {
        match self {
            ProblemKind::NotATable => (
                "Файл не є таблицею CSV чи XLSX: {v}",
                "The file is not a CSV or XLSX table: {v}",
            ),
            ProblemKind::NoHeader => (
                "Не знайдено рядка заголовків (номер, захід, виконавці, строк…)",
                "No header row found (number, measure, executors, deadline…)",
            ),
            ProblemKind::MissingColumn => ("Немає стовпця «{v}»", "The column \"{v}\" is missing"),
            ProblemKind::MissingId => ("Немає номера заходу", "The measure has no number"),
            ProblemKind::BadId => (
                "Номер «{v}» не є ідентифікатором зобов’язання (літери, цифри, . _ / -)",
                "\"{v}\" is not a commitment id (letters, digits, . _ / -)",
            ),
            ProblemKind::DuplicateId => (
                "Номер «{v}» трапляється в таблиці більше одного разу",
                "The number \"{v}\" appears more than once in the table",
            ),
            ProblemKind::IdExists => (
                "Зобов’язання «{v}» уже є в реєстрі",
                "Commitment \"{v}\" is already in the ledger",
            ),
            ProblemKind::MissingMeasure => ("Немає назви заходу", "The measure has no title"),
            ProblemKind::MissingExecutor => (
                "Не вказано відповідального виконавця",
                "No responsible executor is given",
            ),
            ProblemKind::UnknownBody => (
                "Орган «{v}» не зареєстрований у реєстрі",
                "Body \"{v}\" is not registered in the ledger",
            ),
            ProblemKind::NotExecutor => (
                "Орган «{v}» не має ролі виконавця і не може бути відповідальним",
                "Body \"{v}\" has no executor role and cannot lead",
            ),
            ProblemKind::MissingDeadline => ("Не вказано строк", "No deadline is given"),
            ProblemKind::BadDate => (
                "«{v}» не є датою (2026-12-31, 31.12.2026, «IV квартал 2026» або рік)",
                "\"{v}\" is not a date (2026-12-31, 31.12.2026, \"IV квартал 2026\" or a year)",
            ),
            ProblemKind::BadNumber => ("«{v}» не є числом", "\"{v}\" is not a number"),
            ProblemKind::UnknownObjective => (
                "Ціль «{v}» не визначена в реєстрі",
                "Objective \"{v}\" is not defined in the ledger",
            ),
            ProblemKind::UnknownSource => (
                "Джерело фінансування «{v}» не розпізнано; буде записано як «інше»",
                "Funding source \"{v}\" is not recognized; it will be recorded as \"other\"",
            ),
            ProblemKind::MissingIndicator => (
                "Немає індикатора виконання: виконання не можна буде виміряти",
                "No indicator: completion cannot be measured",
            ),
            ProblemKind::MissingTarget => (
                "Індикатор без цільового значення",
                "The indicator has no target",
            ),
            ProblemKind::MissingBaseline => (
                "Індикатор без базового значення",
                "The indicator has no baseline",
            ),
            ProblemKind::MissingAmount => (
                "Джерело фінансування без обсягу: фінансування не буде записано",
                "A funding source without an amount: no funding will be recorded",
            ),
        }
    }
}

/// One problem, with the column it is in (if any) and its text in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub kind: ProblemKind,
    pub severity: Severity,
    pub column: Option<Column>,
    pub value: String,
    pub text_uk: String,
    pub text_en: String,
}

impl Problem {
    fn new(kind: ProblemKind, column: Option<Column>, value: &str) -> Problem {
        let (uk, en) = kind.texts();
        Problem {
            kind,
            severity: kind.severity(),
            column,
            value: value.to_string(),
            text_uk: uk.replace("{v}", value),
            text_en: en.replace("{v}", value),
        }
    }
}

/// A row of the plan: its line in the file, the cells as read, the body it makes (if it makes
/// one), and its problems.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub line: usize,
    pub cells: Vec<(Column, String)>,
    pub body: Option<CommitmentFields>,
    pub problems: Vec<Problem>,
}

/// A parsed plan: the file's own problems, then its rows.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub columns: Vec<Column>,
    pub problems: Vec<Problem>,
    pub rows: Vec<Row>,
}

impl Plan {
    /// Errors anywhere: nothing may be signed until they are fixed.
    pub fn errors(&self) -> usize {
        self.problems
            .iter()
            .chain(self.rows.iter().flat_map(|r| &r.problems))
            .filter(|p| p.severity == Severity::Error)
            .count()
    }
}

/// How a plan is read: the prefix of its numbers (`AP-2026/` for "2.1") and the act it cites.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub id_prefix: String,
    pub act: Option<String>,
    pub currency: Option<String>,
}

/// Reads the cells of a CSV (UTF-8, or Windows-1251 as older spreadsheets save it; `,` or `;`
/// between cells) or XLSX (its first sheet) file.
pub fn cells(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    if bytes.starts_with(b"PK\x03\x04") {
        return xlsx_cells(bytes);
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.to_string(),
        Err(_) => {
            let (t, _, bad) = encoding_rs::WINDOWS_1251.decode(bytes);
            if bad {
                return Err("neither UTF-8 nor Windows-1251 text".into());
            }
            t.into_owned()
        }
    };
    let text = text.trim_start_matches('\u{feff}');
    if text.contains('\0') {
        return Err("binary data".into());
    }
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| e.to_string())?;
        out.push(rec.iter().map(|c| c.trim().to_string()).collect());
    }
    Ok(out)
}

fn xlsx_cells(bytes: &[u8]) -> Result<Vec<Vec<String>>, String> {
    use calamine::{Data, Reader};
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| format!("not a readable XLSX workbook: {e}"))?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or("the workbook has no sheet")?
        .map_err(|e| format!("the first sheet cannot be read: {e}"))?;
    Ok(range
        .rows()
        .map(|row| {
            row.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    Data::String(s) => s.trim().to_string(),
                    Data::Int(i) => i.to_string(),
                    Data::Float(f) => number_text(*f),
                    Data::Bool(b) => b.to_string(),
                    Data::DateTime(d) => excel_date(d.as_f64()).unwrap_or_else(|| d.to_string()),
                    Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_string(),
                    Data::DurationIso(s) => s.clone(),
                    Data::Error(e) => format!("#{e:?}"),
                })
                .collect()
        })
        .collect())
}

/// A spreadsheet's number as a decimal text: integers without a fraction.
fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// An Excel date serial (days since 1899-12-30) as `YYYY-MM-DD`.
fn excel_date(serial: f64) -> Option<String> {
    if !serial.is_finite() {
        return None;
    }
    let epoch = jiff::civil::date(1899, 12, 30);
    // `try_days`: a damaged or hostile cell may hold any number, and `days` panics out of range.
    let span = jiff::Span::new().try_days(serial.floor() as i64).ok()?;
    let d = epoch.checked_add(span).ok()?;
    Some(d.to_string())
}

/// A decimal from a cell: spaces (thousands) removed, a decimal comma read as a point.
fn decimal(s: &str) -> Result<Decimal, ()> {
    let mut t: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{202f}' && *c != '\u{a0}')
        .collect();
    if !t.contains('.') && t.matches(',').count() == 1 {
        t = t.replace(',', ".");
    }
    Decimal::parse(&t).map_err(|_| ())
}

/// A deadline: `2026-12-31`, `31.12.2026`, "IV квартал 2026" (the quarter's last day), or a
/// year alone ("2026", "2026 рік": its last day).
pub fn deadline(s: &str) -> Option<Date> {
    let t = s.trim();
    if let Ok(d) = Date::parse(t) {
        return Some(d);
    }
    let parts: Vec<&str> = t.split('.').collect();
    if parts.len() == 3 && parts[2].len() == 4 {
        let iso = format!("{}-{:0>2}-{:0>2}", parts[2], parts[1], parts[0]);
        // A day that does not exist (31.02.2026) is a bad date, not the end of its year.
        return Date::parse(&iso).ok();
    }
    let lower = t.to_lowercase();
    let year: Option<i16> = lower
        .split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 4)
        .and_then(|y| y.parse().ok());
    let year = year?;
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == '.' || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let quarter = if words
        .iter()
        .any(|w| w.starts_with("квартал") || *w == "quarter" || *w == "q")
    {
        words.iter().find_map(|w| match *w {
            "i" | "1" | "q1" => Some(1),
            "ii" | "2" | "q2" => Some(2),
            "iii" | "3" | "q3" => Some(3),
            "iv" | "4" | "q4" => Some(4),
            _ => None,
        })
    } else {
        None
    };
    let numbers = words
        .iter()
        .filter(|w| w.chars().all(|c| c.is_ascii_digit()))
        .count();
    let rest_is_year = numbers == 1
        && words.iter().all(|w| {
            w.chars().all(|c| c.is_ascii_digit())
                || w.starts_with("рік")
                || *w == "р"
                || *w == "year"
        });
    let (m, d) = match quarter {
        Some(1) => (3, 31),
        Some(2) => (6, 30),
        Some(3) => (9, 30),
        Some(_) => (12, 31),
        None if rest_is_year => (12, 31),
        None => return None,
    };
    jiff::civil::Date::new(year, m, d).ok().map(Date)
}

fn source(s: &str) -> Option<FundingSource> {
    let t = s.trim().to_lowercase();
    let has = |w: &[&str]| w.iter().any(|x| t.contains(x));
    if has(&["державн", "state budget"]) {
        Some(FundingSource::StateBudget)
    } else if has(&["місцев", "local budget"]) {
        Some(FundingSource::LocalBudget)
    } else if has(&[
        "міжнародн",
        "технічн",
        "international",
        "technical assistance",
    ]) {
        Some(FundingSource::InternationalTechnicalAssistance)
    } else if has(&["не потреб", "не передбач", "none", "not needed"]) {
        Some(FundingSource::NoneNeeded)
    } else if has(&["інш", "other"]) {
        Some(FundingSource::Other)
    } else {
        None
    }
}

/// The bodies named in an executors cell: by id, or by name in either language.
fn find_body<'a>(h: &'a History, name: &str) -> Option<&'a crate::core::projection::BodyRec> {
    let n = name.trim();
    let lower = n.to_lowercase();
    h.bodies.values().find(|b| {
        b.succeeded.is_none()
            && (b.id.as_str() == n
                || b.name_uk.to_lowercase() == lower
                || b.name_en.to_lowercase() == lower)
    })
}

/// Reads a plan: finds the header row, then makes a `commitment.assigned` body of every row,
/// judged against the ledger as `h` shows it (bodies, objectives, commitments that exist).
pub fn parse(bytes: &[u8], h: &History, opts: &Options) -> Plan {
    let table = match cells(bytes) {
        Ok(t) => t,
        Err(e) => {
            return Plan {
                columns: vec![],
                problems: vec![Problem::new(ProblemKind::NotATable, None, &e)],
                rows: vec![],
            }
        }
    };
    // The header is the first row that names at least three of the layout's columns (an
    // order's table often has a title above it).
    let header = table.iter().position(|r| {
        let found: HashSet<Column> = r.iter().filter_map(|c| Column::of_header(c)).collect();
        found.len() >= 3
    });
    let Some(hi) = header else {
        return Plan {
            columns: vec![],
            problems: vec![Problem::new(ProblemKind::NoHeader, None, "")],
            rows: vec![],
        };
    };
    let mut index: Vec<Option<Column>> = Vec::new();
    let mut seen = HashSet::new();
    for c in &table[hi] {
        let col = Column::of_header(c).filter(|c| seen.insert(*c));
        index.push(col);
    }
    let columns: Vec<Column> = Column::ALL
        .into_iter()
        .filter(|c| index.contains(&Some(*c)))
        .collect();
    let mut problems = Vec::new();
    for c in REQUIRED {
        if !columns.contains(&c) {
            problems.push(Problem::new(ProblemKind::MissingColumn, Some(c), c.name()));
        }
    }
    let mut ids = HashSet::new();
    let mut rows = Vec::new();
    for (i, r) in table.iter().enumerate().skip(hi + 1) {
        let cells: Vec<(Column, String)> = r
            .iter()
            .enumerate()
            .filter_map(|(j, v)| index.get(j).copied().flatten().map(|c| (c, v.clone())))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        let get = |c: Column| {
            cells
                .iter()
                .find(|(k, _)| *k == c)
                .map(|(_, v)| v.as_str())
                .unwrap_or("")
        };
        // Rows with nothing of a measure (blank lines, section headings) are not measures.
        if get(Column::Measure).is_empty()
            && get(Column::Executors).is_empty()
            && get(Column::Deadline).is_empty()
        {
            continue;
        }
        let mut p = Vec::new();
        let body = row_body(h, opts, &get, &mut ids, &mut p);
        rows.push(Row {
            line: i + 1,
            cells,
            body: if p.iter().any(|x| x.severity == Severity::Error) {
                None
            } else {
                body
            },
            problems: p,
        });
    }
    Plan {
        columns,
        problems,
        rows,
    }
}

fn row_body<'a>(
    h: &History,
    opts: &Options,
    get: &dyn Fn(Column) -> &'a str,
    ids: &mut HashSet<String>,
    p: &mut Vec<Problem>,
) -> Option<CommitmentFields> {
    let bad = |p: &mut Vec<Problem>, k: ProblemKind, c: Column, v: &str| {
        p.push(Problem::new(k, Some(c), v));
    };
    // The number: the act's numbering, under the prefix.
    let raw_id = get(Column::Id).trim_end_matches('.');
    let id = if raw_id.is_empty() {
        bad(p, ProblemKind::MissingId, Column::Id, "");
        None
    } else {
        let full = format!("{}{raw_id}", opts.id_prefix);
        match CommitmentId::parse(&full) {
            Err(_) => {
                bad(p, ProblemKind::BadId, Column::Id, &full);
                None
            }
            Ok(id) => {
                if !ids.insert(full.clone()) {
                    bad(p, ProblemKind::DuplicateId, Column::Id, &full);
                } else if h.commitments.contains_key(&id) {
                    bad(p, ProblemKind::IdExists, Column::Id, &full);
                }
                Some(id)
            }
        }
    };
    let measure = get(Column::Measure);
    if measure.is_empty() {
        bad(p, ProblemKind::MissingMeasure, Column::Measure, "");
    }
    // Executors: the first named is the lead, the others co-executors.
    let mut executors: Vec<BodyId> = Vec::new();
    for name in get(Column::Executors)
        .split([';', '\n', ','])
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        match find_body(h, name) {
            None => bad(p, ProblemKind::UnknownBody, Column::Executors, name),
            Some(b) => {
                if executors.is_empty() && !b.roles.contains(&Role::Executor) {
                    bad(p, ProblemKind::NotExecutor, Column::Executors, name);
                }
                if !executors.contains(&b.id) {
                    executors.push(b.id.clone());
                }
            }
        }
    }
    if get(Column::Executors).is_empty() {
        bad(p, ProblemKind::MissingExecutor, Column::Executors, "");
    }
    let due = get(Column::Deadline);
    let deadline_date = if due.is_empty() {
        bad(p, ProblemKind::MissingDeadline, Column::Deadline, "");
        None
    } else {
        let d = deadline(due);
        if d.is_none() {
            bad(p, ProblemKind::BadDate, Column::Deadline, due);
        }
        d
    };
    let number = |p: &mut Vec<Problem>, c: Column| -> Option<Decimal> {
        let v = get(c);
        if v.is_empty() {
            return None;
        }
        match decimal(v) {
            Ok(d) => Some(d),
            Err(()) => {
                bad(p, ProblemKind::BadNumber, c, v);
                None
            }
        }
    };
    let indicator_name = get(Column::Indicator);
    let baseline = number(p, Column::Baseline);
    let target = number(p, Column::Target);
    let indicators = if indicator_name.is_empty() {
        bad(p, ProblemKind::MissingIndicator, Column::Indicator, "");
        vec![]
    } else {
        if target.is_none() && get(Column::Target).is_empty() {
            bad(p, ProblemKind::MissingTarget, Column::Target, "");
        }
        if baseline.is_none() && get(Column::Baseline).is_empty() {
            bad(p, ProblemKind::MissingBaseline, Column::Baseline, "");
        }
        let unit = get(Column::Unit);
        vec![Indicator {
            id: IndicatorId::parse("i1").ok()?,
            name_uk: indicator_name.to_string(),
            name_en: None,
            unit: (!unit.is_empty()).then(|| unit.to_string()),
            baseline,
            target,
            milestones: vec![],
        }]
    };
    let amount = number(p, Column::Funding);
    let source_text = get(Column::Source);
    let src = if source_text.is_empty() {
        None
    } else {
        let s = source(source_text);
        if s.is_none() {
            bad(p, ProblemKind::UnknownSource, Column::Source, source_text);
        }
        Some(s.unwrap_or(FundingSource::Other))
    };
    let funding = match (amount, src) {
        (Some(amount), src) => Some(Funding {
            amount,
            currency: opts.currency.clone().unwrap_or_else(|| "UAH".into()),
            source: src.unwrap_or(FundingSource::Other),
        }),
        (None, Some(FundingSource::NoneNeeded)) => Some(Funding {
            amount: Decimal::parse("0").ok()?,
            currency: opts.currency.clone().unwrap_or_else(|| "UAH".into()),
            source: FundingSource::NoneNeeded,
        }),
        (None, Some(_)) => {
            bad(p, ProblemKind::MissingAmount, Column::Funding, "");
            None
        }
        (None, None) => None,
    };
    let objective = match get(Column::Objective) {
        "" => None,
        o => match ObjectiveId::parse(o) {
            Ok(id) if h.objectives.contains_key(&id) => Some(id),
            _ => {
                bad(p, ProblemKind::UnknownObjective, Column::Objective, o);
                None
            }
        },
    };
    let task = get(Column::Task);
    let mut executors = executors.into_iter();
    let lead = executors.next();
    Some(CommitmentFields {
        id: id?,
        lead: Some(lead?),
        objective,
        title_uk: if measure.is_empty() {
            return None;
        } else {
            measure.to_string()
        },
        title_en: None,
        description: (!task.is_empty()).then(|| task.to_string()),
        co_executors: executors.collect(),
        deadline: deadline_date?,
        indicators,
        funding,
        act: opts.act.clone().filter(|a| !a.trim().is_empty()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_in_the_forms_orders_use() {
        let d = |s: &str| deadline(s).map(|d| d.to_string());
        assert_eq!(d("2026-12-31").as_deref(), Some("2026-12-31"));
        assert_eq!(d("31.03.2026").as_deref(), Some("2026-03-31"));
        assert_eq!(d("1.7.2026").as_deref(), Some("2026-07-01"));
        assert_eq!(d("IV квартал 2026 р.").as_deref(), Some("2026-12-31"));
        assert_eq!(d("II квартал 2026").as_deref(), Some("2026-06-30"));
        assert_eq!(d("2027 рік").as_deref(), Some("2027-12-31"));
        assert_eq!(d("2027").as_deref(), Some("2027-12-31"));
        assert_eq!(d("31.02.2026"), None);
        assert_eq!(d("31 02 2026"), None);
        assert_eq!(d("скоро"), None);
        assert_eq!(d("постійно 2026 і далі"), None);
    }

    #[test]
    fn numbers_with_spaces_and_commas() {
        assert_eq!(decimal("1 250 000,50").unwrap().as_str(), "1250000.50");
        assert_eq!(decimal("74").unwrap().as_str(), "74");
        assert!(decimal("сім").is_err());
        assert_eq!(number_text(74.0), "74");
        assert_eq!(number_text(0.5), "0.5");
        assert_eq!(excel_date(46387.0).as_deref(), Some("2026-12-31"));
    }

    #[test]
    fn a_date_cell_out_of_every_calendar_is_no_date_not_a_panic() {
        // A damaged workbook's date cell can hold any number; jiff's spans stop at about
        // 20,000 years and its dates at 9999-12-31.
        for serial in [
            1e12,
            -1e12,
            3e6,
            f64::MAX,
            f64::MIN,
            f64::NAN,
            f64::INFINITY,
        ] {
            assert_eq!(excel_date(serial), None, "{serial}");
        }
        assert_eq!(excel_date(0.0).as_deref(), Some("1899-12-30"));
    }

    #[test]
    fn headers_in_both_languages() {
        assert_eq!(
            Column::of_header("Найменування заходу"),
            Some(Column::Measure)
        );
        assert_eq!(
            Column::of_header("Джерело фінансування"),
            Some(Column::Source)
        );
        assert_eq!(
            Column::of_header("Прогнозний обсяг фінансування, тис. грн"),
            Some(Column::Funding)
        );
        assert_eq!(
            Column::of_header("Відповідальні за виконання"),
            Some(Column::Executors)
        );
        assert_eq!(Column::of_header("Target"), Some(Column::Target));
        assert_eq!(Column::of_header("Примітка"), None);
    }
}
