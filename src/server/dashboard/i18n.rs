//! The dashboard's words, in Ukrainian (the default) and English. Every label is a variant of
//! `M`, so a label without a translation does not compile; the names of statuses, verdicts,
//! phases, roles, EU IBM components and event types have their own functions below.

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

/// The status of the latest claim ("no_report" when there is none).
pub fn status(l: Lang, s: &str) -> &'static str {
    let (uk, en) = match s {
        "not_started" => ("не розпочато", "not started"),
        "in_progress" => ("виконується", "in progress"),
        "at_risk" => ("під загрозою", "at risk"),
        "blocked" => ("заблоковано", "blocked"),
        "implemented" => ("виконано", "implemented"),
        "partially_implemented" => ("виконано частково", "partially implemented"),
        "not_implemented" => ("не виконано", "not implemented"),
        "no_report" => ("без звіту", "no report"),
        _ => ("інше", "other"),
    };
    l.pick(uk, en)
}

/// Every status a chart shows, in the order of its segments (done first, then under way, then
/// trouble, then silence).
pub const STATUSES: [&str; 8] = [
    "implemented",
    "partially_implemented",
    "in_progress",
    "not_started",
    "at_risk",
    "blocked",
    "not_implemented",
    "no_report",
];

pub fn verdict(l: Lang, s: &str) -> &'static str {
    let (uk, en) = match s {
        "confirmed" => ("підтверджено", "confirmed"),
        "partially_confirmed" => ("підтверджено частково", "partially confirmed"),
        "not_confirmed" => ("не підтверджено", "not confirmed"),
        "contested" => ("оскаржено", "contested"),
        _ => ("без оцінки", "not assessed"),
    };
    l.pick(uk, en)
}

pub fn phase(l: Lang, s: &str) -> &'static str {
    let (uk, en) = match s {
        "assigned" => ("доручено, не прийнято", "assigned, not accepted"),
        "active" => ("виконується", "active"),
        "rejected" => ("відхилено", "rejected"),
        "cancelled" => ("скасовано", "cancelled"),
        "superseded" => ("замінено", "superseded"),
        _ => ("інше", "other"),
    };
    l.pick(uk, en)
}

pub fn role(l: Lang, s: &str) -> &'static str {
    let (uk, en) = match s {
        "executor" => ("виконавець", "executor"),
        "coordinator" => ("координатор", "coordinator"),
        "overseer" => ("орган нагляду", "overseer"),
        "observer" => ("спостерігач", "observer"),
        "registrar" => ("реєстратор", "registrar"),
        _ => ("інше", "other"),
    };
    l.pick(uk, en)
}

pub fn how(l: Lang, s: &str) -> &'static str {
    let (uk, en) = match s {
        "accepted" => ("прийняв доручення", "accepted the assignment"),
        "made" => ("взяв зобов’язання сам", "committed itself"),
        "handover" => ("прийняв передачу", "accepted a handover"),
        "reassigned" => (
            "перепризначено координатором",
            "reassigned by a coordinator",
        ),
        "added" => ("доданий співвиконавець", "added as co-executor"),
        _ => ("інше", "other"),
    };
    l.pick(uk, en)
}

pub fn outcome(l: Lang, s: &str) -> &'static str {
    let (uk, en) = match s {
        "accepted" => ("прийнято", "accepted"),
        "declined" => ("відхилено", "declined"),
        "withdrawn" => ("відкликано", "withdrawn"),
        "superseded" => ("втратила чинність", "overtaken"),
        _ => ("очікує", "pending"),
    };
    l.pick(uk, en)
}

pub fn funding_source(l: Lang, s: &str) -> &'static str {
    let (uk, en) = match s {
        "state_budget" => ("державний бюджет", "state budget"),
        "local_budget" => ("місцевий бюджет", "local budget"),
        "international_technical_assistance" => (
            "міжнародна технічна допомога",
            "international technical assistance",
        ),
        "none_needed" => ("не потрібне", "none needed"),
        _ => ("інше", "other"),
    };
    l.pick(uk, en)
}

/// The components of European IBM (Regulation (EU) 2019/1896, article 3).
pub const COMPONENTS: [&str; 15] = [
    "border_control",
    "search_and_rescue",
    "risk_analysis",
    "information_exchange",
    "inter_agency_cooperation",
    "cooperation_among_eu_bodies",
    "cooperation_with_third_countries",
    "schengen_measures",
    "return",
    "technology",
    "quality_control",
    "solidarity_mechanisms",
    "fundamental_rights",
    "education_and_training",
    "research_and_innovation",
];

pub fn component(l: Lang, s: &str) -> &'static str {
    let (uk, en) = match s {
        "border_control" => ("прикордонний контроль", "border control"),
        "search_and_rescue" => ("пошук і рятування", "search and rescue"),
        "risk_analysis" => ("аналіз ризиків", "risk analysis"),
        "information_exchange" => ("обмін інформацією", "information exchange"),
        "inter_agency_cooperation" => ("міжвідомча співпраця", "inter-agency cooperation"),
        "cooperation_among_eu_bodies" => {
            ("співпраця між органами ЄС", "cooperation among EU bodies")
        }
        "cooperation_with_third_countries" => (
            "співпраця з третіми країнами",
            "cooperation with third countries",
        ),
        "schengen_measures" => ("шенгенські заходи", "Schengen measures"),
        "return" => ("повернення", "return"),
        "technology" => ("технології", "technology"),
        "quality_control" => ("контроль якості", "quality control"),
        "solidarity_mechanisms" => ("механізми солідарності", "solidarity mechanisms"),
        "fundamental_rights" => ("основоположні права", "fundamental rights"),
        "education_and_training" => ("освіта і навчання", "education and training"),
        "research_and_innovation" => ("дослідження та інновації", "research and innovation"),
        _ => ("інше", "other"),
    };
    l.pick(uk, en)
}

/// An event type's name for people.
pub fn event_type(l: Lang, s: &str) -> &'static str {
    let (uk, en) = match s {
        "ledger.genesis" => ("створення реєстру", "ledger created"),
        "body.registered" => ("реєстрація органу", "body registered"),
        "body.updated" => ("оновлено дані органу", "body updated"),
        "body.succeeded" => ("правонаступництво", "body succeeded"),
        "key.added" => ("додано ключ", "key added"),
        "key.revoked" => ("відкликано ключ", "key revoked"),
        "objective.defined" => ("визначено ціль", "objective defined"),
        "commitment.assigned" => ("доручено зобов’язання", "commitment assigned"),
        "commitment.accepted" => ("доручення прийнято", "assignment accepted"),
        "commitment.rejected" => ("доручення відхилено", "assignment rejected"),
        "commitment.made" => ("взято зобов’язання", "commitment made"),
        "commitment.cancelled" => ("зобов’язання скасовано", "commitment cancelled"),
        "commitment.superseded" => ("зобов’язання замінено", "commitment superseded"),
        "commitment.reassigned" => ("перепризначено", "reassigned"),
        "handover.proposed" => ("запропоновано передачу", "handover proposed"),
        "handover.accepted" => ("передачу прийнято", "handover accepted"),
        "handover.declined" => ("передачу відхилено", "handover declined"),
        "handover.withdrawn" => ("передачу відкликано", "handover withdrawn"),
        "coexecutor.added" => ("додано співвиконавця", "co-executor added"),
        "coexecutor.removed" => ("вилучено співвиконавця", "co-executor removed"),
        "status.reported" => ("звіт про стан", "status reported"),
        "indicator.measured" => ("вимір показника", "indicator measured"),
        "deadline.extension_requested" => ("запит на продовження строку", "extension requested"),
        "deadline.changed" => ("строк змінено", "deadline changed"),
        "assessment.recorded" => ("оцінка", "assessment"),
        "note.added" => ("примітка", "note"),
        "inquiry.raised" => ("запит", "inquiry raised"),
        "inquiry.answered" => ("відповідь на запит", "inquiry answered"),
        _ => ("інше", "other"),
    };
    l.pick(uk, en)
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
        for s in STATUSES {
            assert_ne!(status(Lang::Uk, s), "інше", "{s}");
        }
        for c in COMPONENTS {
            assert_ne!(component(Lang::En, c), "other", "{c}");
        }
        for t in crate::core::event::EVENT_TYPES {
            assert_ne!(event_type(Lang::En, t), "other", "{t}");
        }
    }
}
