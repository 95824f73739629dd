//! The dashboard's words, in Ukrainian (the default) and English. Every label is a variant of
//! `M`, so a label without a translation does not compile; the names of statuses, verdicts,
//! phases, roles, EU IBM components and event types have their own functions below, each an
//! exhaustive match on the core's enum, so a new status or event type without its label does
//! not compile either. (The functions that take a name are for values the views hand over as
//! text.)

use crate::core::event::{
    Component, EventKind, FundingSource, How, Outcome, Phase, Role, Status, Verdict,
};
use crate::core::events::Section;

/// The reader's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Uk,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Uk => "uk",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim() {
            "uk" | "ua" | "uk-UA" => Some(Lang::Uk),
            "en" | "en-GB" | "en-US" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language, for the switch.
    pub fn other(self) -> Lang {
        match self {
            Lang::Uk => Lang::En,
            Lang::En => Lang::Uk,
        }
    }

    pub fn t(self, m: M) -> &'static str {
        match self {
            Lang::Uk => m.uk(),
            Lang::En => m.en(),
        }
    }

    /// Picks the text for this language from a pair.
    pub fn pick<'a>(self, uk: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Uk => uk,
            Lang::En => en,
        }
    }
}

macro_rules! messages {
    ($($id:ident = $uk:literal, $en:literal;)*) => {
        /// A label of the dashboard.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[allow(non_camel_case_types)]
        pub enum M { $($id,)* }

        impl M {
            pub const ALL: &'static [M] = &[$(M::$id,)*];
            pub fn uk(self) -> &'static str { match self { $(M::$id => $uk,)* } }
            pub fn en(self) -> &'static str { match self { $(M::$id => $en,)* } }
            pub fn name(self) -> &'static str { match self { $(M::$id => stringify!($id),)* } }
        }
    };
}

messages! {
    app_name = "kordon — реєстр підзвітності", "kordon — accountability ledger";
    skip = "Перейти до змісту", "Skip to content";
    nav_label = "Розділи", "Sections";
    overview = "Огляд", "Overview";
    commitments = "Зобов’язання", "Commitments";
    commitment = "Зобов’язання", "Commitment";
    bodies = "Органи", "Bodies";
    body = "Орган", "Body";
    changes = "Зміни", "Changes";
    briefing = "Тижнева довідка", "Weekly briefing";
    integrity = "Цілісність", "Integrity";
    switch_lang = "English", "Українською";
    as_of = "Станом на", "As of";
    show = "Показати", "Show";
    latest = "Поточний стан", "Latest";
    shown_at = "Показано станом на", "Shown as of";
    shown_latest = "Показано поточний стан", "Showing the latest state";
    checkpoint = "Контрольна точка", "Checkpoint";
    tree_size = "Розмір дерева", "Tree size";
    entries = "записів", "entries";
    root_hash = "Кореневий геш (SHA-256)", "Root hash (SHA-256)";
    checkpoint_time = "Час контрольної точки", "Checkpoint time";
    today_is = "День для строків", "Day deadlines are compared with";
    fingerprint = "Відбиток реєстру", "Ledger fingerprint";
    fingerprint_help = "Процитуйте ці три значення в протоколі комітету: будь-хто з копією реєстру щонайменше такого розміру може їх перевірити.", "Quote these three values in a committee record: anyone with an export of at least this size can check them.";
    quote = "Для цитування", "To quote";
    status_by_objective = "Стан за стратегічними цілями", "Status by strategic objective";
    status_by_body = "Стан за відповідальними органами", "Status by responsible body";
    status_by_component = "Стан за компонентами ІУК ЄС", "Status by EU IBM component";
    chart_help = "Кожна смуга — зобов’язання однієї групи за останнім заявленим станом. Наведіть або сфокусуйте сегмент, щоб побачити кількість; натисніть, щоб відкрити ці зобов’язання.", "Each bar is one group's commitments by their latest claimed status. Hover or focus a segment for its count; follow it to open those commitments.";
    chart_data = "Дані діаграми", "Chart data";
    legend = "Легенда", "Legend";
    total = "Усього", "Total";
    key_figures = "Основні показники", "Key figures";
    overdue_items = "Прострочені зобов’язання", "Overdue commitments";
    at_risk_items = "Під загрозою", "At risk";
    unanswered_inquiries = "Запити без відповіді", "Unanswered inquiries";
    late_inquiries = "З них прострочені", "Of which past due";
    never_accepted = "Доручення, не прийняті до виконання", "Assignments not accepted";
    open_commitments = "Відкриті зобов’язання", "Open commitments";
    last_7_days = "Що змінилося за останні 7 днів", "What changed in the last 7 days";
    no_changes = "Змін немає.", "No changes.";
    more_items = "Ще записів", "More entries";
    all_changes = "Усі зміни за цей період", "All changes in this period";
    id = "Ідентифікатор", "ID";
    title = "Назва", "Title";
    lead = "Відповідальний", "Lead";
    co_executors = "Співвиконавці", "Co-executors";
    objective = "Ціль", "Objective";
    component = "Компонент ІУК ЄС", "EU IBM component";
    status = "Стан", "Status";
    latest_status = "Останній заявлений стан", "Latest claimed status";
    assessment = "Оцінка", "Assessment";
    deadline = "Строк", "Deadline";
    overdue = "Прострочено", "Overdue";
    overdue_days = "Днів прострочення", "Days overdue";
    days = "дн.", "days";
    phase = "Етап", "Phase";
    evidence = "Докази", "Evidence";
    no_evidence = "Без доказів", "No evidence";
    claimed_without_evidence = "Заявлено виконання без доказів", "Claimed without evidence";
    claimed_without_evidence_help = "останній звіт — «виконано» або «виконано частково» без жодного доказу", "the latest report says implemented or partially implemented, with no evidence";
    filters = "Фільтри", "Filters";
    any = "Будь-який", "Any";
    search = "Пошук (ідентифікатор або назва)", "Search (ID or title)";
    overdue_only = "Лише прострочені", "Overdue only";
    on_track = "У строк", "On track";
    deadlines = "Строки", "Deadlines";
    verify_insecure = "Web Crypto доступний лише на сторінках HTTPS або localhost: відкрийте дашборд через HTTPS.", "Web Crypto is only available on HTTPS or localhost pages: open the dashboard over HTTPS.";
    yes = "так", "yes";
    no = "ні", "no";
    apply = "Застосувати", "Apply";
    reset = "Скинути", "Reset";
    download_csv = "Завантажити показані рядки (CSV)", "Download the rows shown (CSV)";
    download_all_csv = "Усі відібрані рядки (CSV)", "All matching rows (CSV)";
    rows_shown = "Показано рядків", "Rows shown";
    of = "з", "of";
    page = "Сторінка", "Page";
    previous = "Попередня", "Previous";
    next = "Наступна", "Next";
    sort_by = "Сортувати за", "Sort by";
    no_rows = "Немає зобов’язань, що відповідають фільтрам.", "No commitment matches the filters.";
    description = "Опис", "Description";
    act = "Нормативний акт", "Legal act";
    funding = "Фінансування", "Funding";
    created = "Створено", "Created";
    created_by = "Ким створено", "Created by";
    superseded_by = "Замінено на", "Superseded by";
    responsibility = "Відповідальність", "Responsibility";
    lead_history = "Хто відповідав", "Who was responsible";
    from = "З", "From";
    to = "До", "To";
    until_now = "досі", "to date";
    how = "Як", "How";
    pending_assignment = "Доручення очікує прийняття", "Assignment awaiting acceptance";
    pending_handover = "Передача очікує рішення", "Handover awaiting an answer";
    handovers = "Передачі відповідальності", "Handovers";
    proposed_by = "Запропонував", "Proposed by";
    reason = "Причина", "Reason";
    outcome = "Результат", "Outcome";
    pending = "очікує", "pending";
    deadline_changes = "Зміни строку", "Deadline changes";
    original_deadline = "Початковий строк", "Original deadline";
    current_deadline = "Поточний строк", "Current deadline";
    days_slipped = "Зсув, днів", "Days slipped";
    changed_by = "Ким змінено", "Changed by";
    extension_requests = "Запити на продовження", "Extension requests";
    requested = "Запитано", "Requested";
    claim_vs_assessment = "Заява виконавця і оцінка", "The claim beside the assessment";
    claim = "Заява (звіт виконавця)", "Claim (the lead's report)";
    all_reports = "Усі звіти та оцінки", "Every report and assessment";
    no_claim = "Звітів ще немає.", "No report yet.";
    no_assessment = "Оцінок ще немає.", "No assessment yet.";
    assessed_claim = "Оцінено звіт", "Assesses the report";
    note = "Примітка", "Note";
    indicators = "Показники", "Indicators";
    indicator = "Показник", "Indicator";
    baseline = "Базове значення", "Baseline";
    target = "Цільове значення", "Target";
    milestones = "Проміжні значення", "Milestones";
    measurements = "Виміри", "Measurements";
    measured = "Виміряно", "Measured";
    unit = "Одиниця", "Unit";
    no_indicators = "Показників не визначено.", "No indicator is defined.";
    no_measurements = "Вимірів ще немає.", "No measurement yet.";
    value = "Значення", "Value";
    date = "Дата", "Date";
    history = "Історія підписаних записів", "Signed history";
    history_help = "Кожен запис підписав орган своїм ключем; «перевірити» перевіряє підпис і доказ включення у вашому браузері.", "Every record was signed by a body with its own key; \"verify\" checks the signature and the inclusion proof in your browser.";
    seq = "№ запису", "Entry";
    recorded_at = "Записано", "Recorded";
    signed_at = "Підписано (за автором)", "Signed (author's time)";
    event_type = "Тип", "Type";
    signed_by = "Підписав", "Signed by";
    key = "Ключ", "Key";
    summary = "Зміст", "Summary";
    verify = "Перевірити", "Verify";
    open_inquiries = "Запити без відповіді", "Open inquiries";
    inquiries = "Запити", "Inquiries";
    inquiry = "Запит", "Inquiry";
    question = "Питання", "Question";
    due = "Відповісти до", "Due";
    raised_by = "Хто запитує", "Raised by";
    addressee = "Адресат", "To";
    answered = "Відповідь", "Answered";
    answered_on_time = "вчасно", "on time";
    answered_late = "із запізненням", "late";
    not_answered = "без відповіді", "not answered";
    at_risk_reason = "Під загрозою", "At risk";
    scorecard = "Показники органу", "Scorecard";
    portfolio = "Портфель", "Portfolio";
    held = "Відповідає за", "Leads";
    co_executing = "Співвиконавець у", "Co-executes";
    awaiting_acceptance = "Очікують прийняття", "Awaiting acceptance";
    claimed_implemented = "Заявлено виконаними", "Claimed implemented";
    confirmed_by_overseer = "Підтверджено наглядом", "Confirmed by oversight";
    redated = "Змін строків", "Deadline changes";
    handovers_in = "Передачі до органу", "Handovers in";
    handovers_out = "Передачі від органу", "Handovers out";
    inquiries_received = "Отримано запитів", "Inquiries received";
    inq_on_time = "Запити: відповідь вчасно", "Inquiries answered on time";
    inq_late = "Запити: відповідь із запізненням", "Inquiries answered late";
    inq_open = "Запити без відповіді", "Inquiries not answered";
    roles = "Ролі", "Roles";
    kind = "Вид", "Kind";
    registered = "Зареєстровано", "Registered";
    succeeded_by = "Правонаступник", "Succeeded by";
    former_names = "Попередні назви", "Former names";
    no_items = "Немає.", "None.";
    role_lead = "відповідальний", "lead";
    role_co = "співвиконавець", "co-executor";
    role_assignee = "призначений (не прийняв)", "assignee (not accepted)";
    role_in_item = "Роль", "Role";
    direction = "Напрям", "Direction";
    incoming = "до органу", "in";
    outgoing = "від органу", "out";
    between = "Зміни між двома точками", "Changes between two points";
    since = "Від", "Since";
    until = "До", "Until";
    hearings = "Засідання та загальні записи органу нагляду", "Hearings and other general records of the overseers";
    hearings_help = "Оберіть два засідання, щоб побачити, що змінилося між ними.", "Pick two hearings to see what changed between them.";
    compare = "Порівняти", "Compare";
    since_required = "Оберіть дату початку.", "Pick a start date.";
    section_added = "Нові та прийняті зобов’язання", "New and accepted commitments";
    section_handed_over = "Передачі та перепризначення", "Handovers and reassignments";
    section_redated = "Строки", "Deadlines";
    section_reported = "Звіти та виміри", "Reports and measurements";
    section_assessed = "Оцінки та примітки", "Assessments and notes";
    section_closed = "Закриті зобов’язання", "Closed commitments";
    section_inquiries = "Запити", "Inquiries";
    section_other = "Інше", "Other";
    author = "Автор", "Author";
    week = "Тиждень", "Week";
    previous_week = "Попередній тиждень", "Previous week";
    next_week = "Наступний тиждень", "Next week";
    print = "Друкувати", "Print";
    briefing_for = "Довідка за тиждень", "Briefing for the week";
    new_commitments = "Нові зобов’язання", "New commitments";
    status_changes = "Звіти про стан", "Status reports";
    newly_overdue = "Прострочені протягом тижня", "Newly overdue";
    detail = "Подробиці", "Detail";
    signed_checkpoint = "Підписана контрольна точка", "Signed checkpoint";
    signed_checkpoint_help = "Останню контрольну точку реєстр підписав своїм ключем у форматі C2SP signed note. Вона фіксує всі записи: зміна будь-якого байта змінює кореневий геш.", "The ledger signed its latest checkpoint with its key, as a C2SP signed note. It commits to every entry: changing any byte changes the root hash.";
    verifier_key = "Ключ перевірки реєстру", "The ledger's verifier key";
    verifier_key_help = "Порівняйте його з ключем, опублікованим під час створення реєстру. Ви можете вставити тут ключ, якому довіряєте.", "Compare it with the key published when the ledger was created. You may paste here a key you trust.";
    as_of_note = "Підписується лише поточна контрольна точка; для дати в минулому показано розмір і корінь дерева на той момент, а перевірка йде за поточною точкою.", "Only the latest checkpoint is signed; for a past date the size and root at that point are shown, and verification uses the latest checkpoint.";
    verify_title = "Перевірити запис у цьому браузері", "Verify a record in this browser";
    verify_help = "Сторінка завантажує запис, доказ включення й контрольну точку через API і перевіряє їх засобами Web Crypto вашого браузера (Ed25519, SHA-256): не потрібно вірити серверу на слово.", "The page fetches the entry, its inclusion proof and the checkpoint from the API and checks them with your browser's own Web Crypto (Ed25519, SHA-256): you need not take the server's word.";
    record_seq = "Номер запису або ідентифікатор події", "Entry number or event ID";
    verify_button = "Перевірити в цьому браузері", "Verify in this browser";
    needs_js = "Для перевірки в браузері потрібен JavaScript. Без нього перевірте експорт офлайн командою нижче.", "Verifying in the browser needs JavaScript. Without it, verify an export offline with the command below.";
    offline = "Перевірка офлайн", "Offline verification";
    offline_help = "Завантажте експорт і перевірте кожен запис, підпис і правило:", "Download the export and check every entry, signature and rule:";
    entry_details = "Запис", "Entry";
    leaf_hash = "Геш листа", "Leaf hash";
    event_id = "Ідентифікатор події", "Event ID";
    download_export = "Завантажити експорт", "Download the export";
    not_found = "Не знайдено", "Not found";
    bad_request = "Неправильний запит", "Bad request";
    back_to_overview = "Повернутися до огляду", "Back to the overview";
    choose_commitment = "Оберіть зобов’язання у списку.", "Choose a commitment from the list.";
    footer = "Дані — підписані записи реєстру; стани обчислено з них на вказану контрольну точку. API описано в", "The data are the ledger's signed records; statuses are computed from them at the checkpoint named. The API is described in";
    step_checkpoint = "Підпис контрольної точки ключем реєстру", "The checkpoint's signature with the ledger key";
    step_leaf = "Геш листа: SHA-256(0x00 ‖ байти запису)", "Leaf hash: SHA-256(0x00 ‖ entry bytes)";
    step_proof = "Доказ включення до кореня контрольної точки (RFC 9162)", "Inclusion proof up to the checkpoint's root (RFC 9162)";
    step_signature = "Підпис автора над «kordon/event/v1\\n» ‖ подія", "The author's signature over \"kordon/event/v1\\n\" ‖ event";
    step_key = "Відкритий ключ автора та його ідентифікатор", "The author's public key and its key id";
    verify_ok = "Запис справжній: його підписав автор, і він входить до підписаної контрольної точки.", "The record is genuine: its author signed it, and it is in the signed checkpoint.";
    verify_failed = "Перевірка НЕ пройшла: ці байти не відповідають підписаному реєстру.", "Verification FAILED: these bytes do not match the signed ledger.";
    verify_running = "Перевіряю…", "Verifying…";
    verify_unsupported = "Цей браузер не підтримує Ed25519 у Web Crypto (потрібні Chrome 137+, Firefox 129+ або Safari 17+).", "This browser's Web Crypto has no Ed25519 (Chrome 137+, Firefox 129+ or Safari 17+ have it).";
    verify_error = "Помилка", "Error";
    step_ok = "успішно", "passed";
    step_fail = "не пройдено", "failed";
    expected = "очікувалося", "expected";
    computed = "обчислено", "computed";
    sort_asc = "за зростанням", "ascending";
    sort_desc = "за спаданням", "descending";
    external_link = "зовнішнє посилання", "external link";
    sha256 = "SHA-256 документа", "Document SHA-256";
    location = "Де зберігається", "Location";
    cites = "Посилається на", "Cites";
    demo_notice = "Демонстраційний реєстр: усі значення вигадані, ключі — демонстраційні.", "Demo ledger: every value is fictional and the keys are demo keys.";
    records = "Записи", "Records";
    measured_value = "Виміряне значення", "Measured value";
    chart_of = "Діаграма показника", "Chart of indicator";
    source = "Джерело", "Source";
    witnesses = "Свідки", "Witnesses";
    witnesses_help = "Свідки — незалежні від оператора установи (комітет, місія партнерів, громадська організація). Кожен підписує контрольну точку лише тоді, коли перевірив, що вона продовжує все, що він бачив раніше: так оператор не може показати різним читачам різні історії, не попавшись. Свідок не перевіряє, чи правдиві самі записи.", "Witnesses are institutions independent of the operator (a committee, a partner mission, a civil-society organisation). Each cosigns a checkpoint only after checking that it extends everything it saw before, so the operator cannot show different readers different histories without being caught. A witness does not check whether the records themselves are true.";
    witness_policy = "Правило свідчення", "Witness policy";
    witness = "Свідок", "Witness";
    algorithm = "Алгоритм", "Algorithm";
    cosigned_at = "Засвідчено", "Cosigned at";
    in_browser = "Перевірка в цьому браузері", "Checked in this browser";
    not_cosigned = "не засвідчив цю контрольну точку", "has not cosigned this checkpoint";
    latest_cosigned = "останнє засвідчення: розмір", "last cosigned: size";
    no_witnesses = "Цей реєстр не налаштовано просити свідків (kordon serve --witness).", "This ledger is not configured to ask witnesses (kordon serve --witness).";
    mldsa_browser = "ML-DSA-44 у Web Crypto поки немає: перевірте через kordon verify --witness.", "Web Crypto has no ML-DSA-44 yet: check with kordon verify --witness.";
    witnessed_checkpoint = "Найновіша засвідчена контрольна точка: розмір", "Newest witnessed checkpoint: size";
    witness_failing = "недоступний", "unreachable";
}

/// The labels the page's script needs, by the name it looks them up with.
pub const JS_MESSAGES: &[M] = &[
    M::mldsa_browser,
    M::not_cosigned,
    M::step_checkpoint,
    M::step_leaf,
    M::step_proof,
    M::step_signature,
    M::step_key,
    M::verify_ok,
    M::verify_failed,
    M::verify_running,
    M::verify_unsupported,
    M::verify_insecure,
    M::verify_error,
    M::step_ok,
    M::step_fail,
    M::expected,
    M::computed,
    M::rows_shown,
    M::of,
    M::sort_asc,
    M::sort_desc,
    M::total,
];

/// A status's label; `None` is a commitment with no report yet.
pub fn status_label(l: Lang, s: Option<Status>) -> &'static str {
    let (uk, en) = match s {
        Some(Status::NotStarted) => ("не розпочато", "not started"),
        Some(Status::InProgress) => ("виконується", "in progress"),
        Some(Status::AtRisk) => ("під загрозою", "at risk"),
        Some(Status::Blocked) => ("заблоковано", "blocked"),
        Some(Status::Implemented) => ("виконано", "implemented"),
        Some(Status::PartiallyImplemented) => ("виконано частково", "partially implemented"),
        Some(Status::NotImplemented) => ("не виконано", "not implemented"),
        None => ("без звіту", "no report"),
    };
    l.pick(uk, en)
}

/// The name the views count commitments without a report under.
pub const NO_REPORT: &str = "no_report";

/// The status of the latest claim by its name ("no_report" when there is none), as the views
/// count them.
pub fn status(l: Lang, s: &str) -> &'static str {
    match Status::from_name(s) {
        Some(st) => status_label(l, Some(st)),
        None if s == NO_REPORT => status_label(l, None),
        None => l.pick("інше", "other"),
    }
}

/// Every status a chart shows, in the order of its segments (done first, then under way, then
/// trouble, then silence); the stylesheet colours each as `st-<name>`. A test checks that it
/// lists every status once.
pub const STATUSES: [&str; Status::ALL.len() + 1] = [
    Status::Implemented.name(),
    Status::PartiallyImplemented.name(),
    Status::InProgress.name(),
    Status::NotStarted.name(),
    Status::AtRisk.name(),
    Status::Blocked.name(),
    Status::NotImplemented.name(),
    NO_REPORT,
];

pub fn verdict_label(l: Lang, v: Option<Verdict>) -> &'static str {
    let (uk, en) = match v {
        Some(Verdict::Confirmed) => ("підтверджено", "confirmed"),
        Some(Verdict::PartiallyConfirmed) => ("підтверджено частково", "partially confirmed"),
        Some(Verdict::NotConfirmed) => ("не підтверджено", "not confirmed"),
        Some(Verdict::Contested) => ("оскаржено", "contested"),
        None => ("без оцінки", "not assessed"),
    };
    l.pick(uk, en)
}

/// A verdict by its name; anything else reads "not assessed".
pub fn verdict(l: Lang, s: &str) -> &'static str {
    verdict_label(l, Verdict::from_name(s))
}

pub fn phase_label(l: Lang, p: Phase) -> &'static str {
    let (uk, en) = match p {
        Phase::Assigned => ("доручено, не прийнято", "assigned, not accepted"),
        Phase::Active => ("виконується", "active"),
        Phase::Rejected => ("відхилено", "rejected"),
        Phase::Cancelled => ("скасовано", "cancelled"),
        Phase::Superseded => ("замінено", "superseded"),
    };
    l.pick(uk, en)
}

pub fn phase(l: Lang, s: &str) -> &'static str {
    match Phase::from_name(s) {
        Some(p) => phase_label(l, p),
        None => l.pick("інше", "other"),
    }
}

pub fn role_label(l: Lang, r: Role) -> &'static str {
    let (uk, en) = match r {
        Role::Executor => ("виконавець", "executor"),
        Role::Coordinator => ("координатор", "coordinator"),
        Role::Overseer => ("орган нагляду", "overseer"),
        Role::Observer => ("спостерігач", "observer"),
        Role::Registrar => ("реєстратор", "registrar"),
    };
    l.pick(uk, en)
}

pub fn role(l: Lang, s: &str) -> &'static str {
    match Role::from_name(s) {
        Some(r) => role_label(l, r),
        None => l.pick("інше", "other"),
    }
}

pub fn how_label(l: Lang, h: How) -> &'static str {
    let (uk, en) = match h {
        How::Accepted => ("прийняв доручення", "accepted the assignment"),
        How::Made => ("взяв зобов’язання сам", "committed itself"),
        How::Handover => ("прийняв передачу", "accepted a handover"),
        How::Reassigned => (
            "перепризначено координатором",
            "reassigned by a coordinator",
        ),
        How::Added => ("доданий співвиконавець", "added as co-executor"),
    };
    l.pick(uk, en)
}

pub fn how(l: Lang, s: &str) -> &'static str {
    match How::from_name(s) {
        Some(h) => how_label(l, h),
        None => l.pick("інше", "other"),
    }
}

/// How a handover ended; `None` is one still pending.
pub fn outcome_label(l: Lang, o: Option<Outcome>) -> &'static str {
    let (uk, en) = match o {
        Some(Outcome::Accepted) => ("прийнято", "accepted"),
        Some(Outcome::Declined) => ("відхилено", "declined"),
        Some(Outcome::Withdrawn) => ("відкликано", "withdrawn"),
        Some(Outcome::Superseded) => ("втратила чинність", "overtaken"),
        None => ("очікує", "pending"),
    };
    l.pick(uk, en)
}

/// An outcome by its name; anything else reads "pending".
pub fn outcome(l: Lang, s: &str) -> &'static str {
    outcome_label(l, Outcome::from_name(s))
}

pub fn funding_source_label(l: Lang, f: FundingSource) -> &'static str {
    let (uk, en) = match f {
        FundingSource::StateBudget => ("державний бюджет", "state budget"),
        FundingSource::LocalBudget => ("місцевий бюджет", "local budget"),
        FundingSource::InternationalTechnicalAssistance => (
            "міжнародна технічна допомога",
            "international technical assistance",
        ),
        FundingSource::NoneNeeded => ("не потрібне", "none needed"),
        FundingSource::Other => ("інше", "other"),
    };
    l.pick(uk, en)
}

pub fn funding_source(l: Lang, s: &str) -> &'static str {
    funding_source_label(
        l,
        FundingSource::from_name(s).unwrap_or(FundingSource::Other),
    )
}

/// The components of European IBM (Regulation (EU) 2019/1896, article 3), by name.
pub const COMPONENTS: [&str; Component::ALL.len()] = {
    let mut names = [""; Component::ALL.len()];
    let mut i = 0;
    while i < names.len() {
        names[i] = Component::ALL[i].name();
        i += 1;
    }
    names
};

pub fn component_label(l: Lang, c: Component) -> &'static str {
    let (uk, en) = match c {
        Component::BorderControl => ("прикордонний контроль", "border control"),
        Component::SearchAndRescue => ("пошук і рятування", "search and rescue"),
        Component::RiskAnalysis => ("аналіз ризиків", "risk analysis"),
        Component::InformationExchange => ("обмін інформацією", "information exchange"),
        Component::InterAgencyCooperation => ("міжвідомча співпраця", "inter-agency cooperation"),
        Component::CooperationAmongEuBodies => {
            ("співпраця між органами ЄС", "cooperation among EU bodies")
        }
        Component::CooperationWithThirdCountries => (
            "співпраця з третіми країнами",
            "cooperation with third countries",
        ),
        Component::SchengenMeasures => ("шенгенські заходи", "Schengen measures"),
        Component::Return => ("повернення", "return"),
        Component::Technology => ("технології", "technology"),
        Component::QualityControl => ("контроль якості", "quality control"),
        Component::SolidarityMechanisms => ("механізми солідарності", "solidarity mechanisms"),
        Component::FundamentalRights => ("основоположні права", "fundamental rights"),
        Component::EducationAndTraining => ("освіта і навчання", "education and training"),
        Component::ResearchAndInnovation => ("дослідження та інновації", "research and innovation"),
    };
    l.pick(uk, en)
}

pub fn component(l: Lang, s: &str) -> &'static str {
    match Component::from_name(s) {
        Some(c) => component_label(l, c),
        None => l.pick("інше", "other"),
    }
}

/// An event type's name for people.
pub fn event_type(l: Lang, k: EventKind) -> &'static str {
    let (uk, en) = match k {
        EventKind::Genesis => ("створення реєстру", "ledger created"),
        EventKind::BodyRegistered => ("реєстрація органу", "body registered"),
        EventKind::BodyUpdated => ("оновлено дані органу", "body updated"),
        EventKind::BodySucceeded => ("правонаступництво", "body succeeded"),
        EventKind::KeyAdded => ("додано ключ", "key added"),
        EventKind::KeyRevoked => ("відкликано ключ", "key revoked"),
        EventKind::ObjectiveDefined => ("визначено ціль", "objective defined"),
        EventKind::CommitmentAssigned => ("доручено зобов’язання", "commitment assigned"),
        EventKind::CommitmentAccepted => ("доручення прийнято", "assignment accepted"),
        EventKind::CommitmentRejected => ("доручення відхилено", "assignment rejected"),
        EventKind::CommitmentMade => ("взято зобов’язання", "commitment made"),
        EventKind::CommitmentCancelled => ("зобов’язання скасовано", "commitment cancelled"),
        EventKind::CommitmentSuperseded => ("зобов’язання замінено", "commitment superseded"),
        EventKind::CommitmentReassigned => ("перепризначено", "reassigned"),
        EventKind::HandoverProposed => ("запропоновано передачу", "handover proposed"),
        EventKind::HandoverAccepted => ("передачу прийнято", "handover accepted"),
        EventKind::HandoverDeclined => ("передачу відхилено", "handover declined"),
        EventKind::HandoverWithdrawn => ("передачу відкликано", "handover withdrawn"),
        EventKind::CoExecutorAdded => ("додано співвиконавця", "co-executor added"),
        EventKind::CoExecutorRemoved => ("вилучено співвиконавця", "co-executor removed"),
        EventKind::StatusReported => ("звіт про стан", "status reported"),
        EventKind::IndicatorMeasured => ("вимір показника", "indicator measured"),
        EventKind::DeadlineExtensionRequested => {
            ("запит на продовження строку", "extension requested")
        }
        EventKind::DeadlineChanged => ("строк змінено", "deadline changed"),
        EventKind::AssessmentRecorded => ("оцінка", "assessment"),
        EventKind::NoteAdded => ("примітка", "note"),
        EventKind::InquiryRaised => ("запит", "inquiry raised"),
        EventKind::InquiryAnswered => ("відповідь на запит", "inquiry answered"),
    };
    l.pick(uk, en)
}

/// The heading of a section of "what changed".
pub fn section(s: Section) -> M {
    match s {
        Section::Added => M::section_added,
        Section::HandedOver => M::section_handed_over,
        Section::Redated => M::section_redated,
        Section::Reported => M::section_reported,
        Section::Assessed => M::section_assessed,
        Section::Closed => M::section_closed,
        Section::Inquiries => M::section_inquiries,
        Section::Other => M::section_other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_has_two_texts() {
        for m in M::ALL {
            assert!(
                !m.uk().trim().is_empty(),
                "{} has no Ukrainian text",
                m.name()
            );
            assert!(
                !m.en().trim().is_empty(),
                "{} has no English text",
                m.name()
            );
        }
        let mut seen = std::collections::HashSet::new();
        for k in EventKind::ALL {
            for l in [Lang::Uk, Lang::En] {
                assert!(!event_type(l, *k).trim().is_empty(), "{k} has no label");
            }
            assert!(
                seen.insert(event_type(Lang::En, *k)),
                "{k}: a label used twice"
            );
        }
    }

    #[test]
    fn the_lists_name_every_status_and_component_once() {
        let mut want: Vec<&str> = Status::ALL.iter().map(|s| s.name()).collect();
        want.push(NO_REPORT);
        let mut got = STATUSES.to_vec();
        want.sort_unstable();
        got.sort_unstable();
        assert_eq!(got, want);
        for s in STATUSES {
            assert_ne!(status(Lang::Uk, s), "інше", "{s}");
        }
        assert_eq!(status(Lang::En, "blocked"), "blocked");
        assert_eq!(status(Lang::En, "bogus"), "other");
        let names: Vec<&str> = Component::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(COMPONENTS.to_vec(), names);
        for c in COMPONENTS {
            assert_ne!(component(Lang::En, c), "other", "{c}");
        }
    }

    #[test]
    fn the_stylesheet_colours_every_status_and_only_event_types_that_exist() {
        let css = include_str!("../../../assets/dashboard/dashboard.css");
        for s in STATUSES {
            assert!(
                css.contains(&format!(".st-{s}")),
                "no colour for status {s}"
            );
        }
        // Some event types are highlighted in a history (`k-` and the name, dots as dashes).
        let kinds: Vec<String> = EventKind::ALL
            .iter()
            .map(|k| k.name().replace('.', "-"))
            .collect();
        let mut highlighted = 0;
        for class in css.split(".k-").skip(1) {
            let name: String = class
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            assert!(
                kinds.contains(&name),
                "the stylesheet colours .k-{name}, no event type"
            );
            highlighted += 1;
        }
        assert!(highlighted > 0);
    }
}
