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
use crate::core::l10n;

pub use crate::core::l10n::Lang;

/// The dashboard's labels in a language: `l.t(M::overview)`.
pub trait Say {
    fn t(self, m: M) -> &'static str;
}

impl Say for Lang {
    fn t(self, m: M) -> &'static str {
        match self {
            Lang::Uk => m.uk(),
            Lang::En => m.en(),
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
    tree_size = "Кількість записів", "Number of entries";
    root_short = "корінь", "root";
    entries = "записів", "entries";
    root_hash = "Кореневий геш (SHA-256)", "Root hash (SHA-256)";
    checkpoint_time = "Час контрольної точки", "Checkpoint time";
    today_is = "День для строків", "Day deadlines are compared with";
    fingerprint = "Відбиток реєстру", "Ledger fingerprint";
    fingerprint_help = "Процитуйте ці три значення в протоколі комітету: будь-хто з копією реєстру щонайменше такого розміру може їх перевірити.", "Quote these three values in a committee record: anyone with an export of at least this size can check them.";
    quote = "Для цитування", "To quote";
    copy_quote = "Копіювати рядок для цитування", "Copy the line to quote";
    copied = "Скопійовано", "Copied";
    bad_point = "{field}: «{value}» — не дата (РРРР-ММ-ДД) і не кількість записів.", "{field}: “{value}” is neither a date (YYYY-MM-DD) nor a number of entries.";
    point_beyond = "{field}: у реєстрі {size}, а {value} — більше.", "{field}: the ledger has {size}, and {value} is more.";
    bad_week = "{field}: «{value}» — не тиждень; оберіть його зі списку або запишіть як 2026-W37.", "{field}: “{value}” is not a week; pick one from the list or write it as 2026-W37.";
    then_after_now = "«Тоді» ({then}, {then_size}) пізніше, ніж «Тепер» ({now}, {now_size}): поміняйте їх місцями.", "“Then” ({then}, {then_size}) is after “Now” ({now}, {now_size}): swap the two.";
    bad_choice = "{field}: «{value}» — такого немає; можливі: {list}.", "{field}: “{value}” is not one of {list}.";
    unknown_body = "{field}: «{value}» — такого органу в реєстрі немає.", "{field}: “{value}” is not a body the ledger knows.";
    copy_select = "Рядок виділено: скопіюйте його (Ctrl+C)", "The line is selected: copy it (Ctrl+C)";
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
    any_f = "Будь-яка", "Any";
    any_pl = "Будь-які", "Any";
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
    inquiry_past_due = "строк відповіді минув", "past due";
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
    signed_checkpoint_help = "Останню контрольну точку реєстр підписав своїм ключем у форматі підписаної нотатки C2SP. Вона фіксує всі записи: зміна будь-якого байта змінює кореневий геш.", "The ledger signed its latest checkpoint with its key, as a C2SP signed note. It commits to every entry: changing any byte changes the root hash.";
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
    no_witnesses = "Цей реєстр не налаштовано просити свідків", "This ledger is not configured to ask witnesses";
    mldsa_browser = "ML-DSA-44 у Web Crypto поки немає: перевірте через kordon verify --witness.", "Web Crypto has no ML-DSA-44 yet: check with kordon verify --witness.";
    witnessed_checkpoint = "Найновіша засвідчена контрольна точка: розмір", "Newest witnessed checkpoint: size";
    witness_failing = "недоступний", "unreachable";
    // The bodies' workspace (workspace/*): recording, accepting and reporting from the browser.
    ws_my_body = "Мій орган", "My body";
    ws_choose_body = "Оберіть орган, від імені якого ви працюєте.", "Choose the body you work for.";
    ws_intro = "Тут орган записує до реєстру свої рішення і звіти. Підпис робиться у вашому браузері ключем органу; сервер ніколи не отримує ключ.", "Here a body records its decisions and reports in the ledger. Your browser signs them with the body's key; the server never receives the key.";
    ws_no_such_body = "Такого органу немає в реєстрі", "No such body in the ledger";
    ws_no_such_form = "Немає такої форми", "No such form";
    ws_needs_script = "Для підпису потрібен JavaScript: ключ органу зберігається і використовується лише у вашому браузері.", "Signing needs JavaScript: the body's key is kept and used only in your browser.";
    ws_key_checking = "Перевіряю ключ у цьому браузері…", "Checking for a key in this browser…";
    ws_key_none = "У цьому браузері немає ключа органу. Створіть або імпортуйте ключ.", "This browser holds no key of this body. Generate or import one.";
    ws_key_ready = "Ключ розблоковано: цей браузер може підписувати від імені органу.", "Key unlocked: this browser can sign for the body.";
    ws_key_unregistered = "Ключ є в цьому браузері, але ще не зареєстрований у реєстрі: передайте відкритий ключ реєстратору.", "This browser holds a key, but it is not registered in the ledger yet: give its public key to the registrar.";
    ws_key_revoked = "Ключ у цьому браузері відкликано: ним більше не можна підписувати.", "The key in this browser has been revoked: it can sign nothing more.";
    ws_key_unsupported = "Цей браузер не підтримує Ed25519 у Web Crypto (потрібні Chrome 137+, Firefox 129+ або Safari 17+) або сторінка відкрита не через HTTPS.", "This browser's Web Crypto has no Ed25519 (Chrome 137+, Firefox 129+ or Safari 17+), or the page is not served over HTTPS.";
    ws_key_made = "Ключ створено. Передайте відкритий ключ реєстратору.", "Key generated. Give its public key to the registrar.";
    ws_key_imported = "Ключ імпортовано; браузер зберігає його без можливості експорту. Файл PEM можна прибрати в сейф.", "Key imported; the browser keeps it so that it cannot be exported. Put the PEM file away safely.";
    ws_key_bad_pem = "Це не закритий ключ Ed25519 у форматі PKCS#8 PEM («-----BEGIN PRIVATE KEY-----»).", "This is not an Ed25519 private key in PKCS#8 PEM («-----BEGIN PRIVATE KEY-----»).";
    ws_key_forgotten = "Ключ видалено з цього браузера.", "The key was removed from this browser.";
    ws_forget_confirm = "Видалити ключ органу з цього браузера? Без копії ним більше не можна буде підписувати.", "Remove the body's key from this browser? Without a copy it can sign nothing more.";
    ws_keys = "Ключ органу", "The body's key";
    ws_keys_help = "Ключ органу — це ключ Ed25519, яким браузер підписує записи. Він не є кваліфікованим електронним підписом (КЕП): це вужчий ключ лише для цього реєстру.", "The body's key is an Ed25519 key the browser signs records with. It is not a qualified electronic signature (КЕП): it is a narrower key for this ledger only.";
    ws_key_here = "Ключ у цьому браузері", "The key in this browser";
    ws_public_key = "Відкритий ключ (для реєстратора)", "Public key (for the registrar)";
    ws_qr_alt = "QR-код відкритого ключа", "QR code of the public key";
    ws_gen_title = "Створити новий ключ у браузері", "Generate a new key in this browser";
    ws_gen_help = "Ключ створюється і зберігається в цьому браузері без можливості експорту: його не можна скопіювати, тож і вкрасти з файлу. Якщо браузер або комп’ютер буде втрачено, реєстратор відкличе ключ і додасть новий.", "The key is generated and kept in this browser and cannot be exported: it cannot be copied, so it cannot be stolen from a file either. If the browser or computer is lost, the registrar revokes it and adds a new one.";
    ws_gen_button = "Створити ключ", "Generate a key";
    ws_import_title = "Імпортувати ключ із файлу PEM", "Import a key from a PEM file";
    ws_import_help = "Файл, який створює «kordon key new» або «openssl genpkey -algorithm ed25519». Ключ імпортується один раз і далі зберігається без можливості експорту; вміст файлу нікуди не надсилається.", "The file «kordon key new» or «openssl genpkey -algorithm ed25519» writes. The key is imported once and then kept so that it cannot be exported; the file's content is sent nowhere.";
    ws_import_file = "Файл ключа", "Key file";
    ws_import_paste = "або вставте його вміст", "or paste its content";
    ws_import_button = "Імпортувати", "Import";
    ws_reg_title = "Реєстрація ключа", "Registering the key";
    ws_reg_1 = "Створіть або імпортуйте ключ вище.", "Generate or import a key above.";
    ws_reg_2 = "Передайте реєстратору відкритий ключ (текст або QR-код) офіційним каналом і звірте перші символи телефоном.", "Give the registrar the public key (text or QR code) through an official channel, and compare its first characters by phone.";
    ws_reg_3 = "Реєстратор записує «реєстрація органу» або «додано ключ»; після цього браузер може підписувати.", "The registrar records «body registered» or «key added»; then this browser can sign.";
    ws_rot_title = "Заміна ключа (ротація)", "Replacing the key (rotation)";
    ws_rot_1 = "На новому комп’ютері або в новому браузері створіть новий ключ.", "On the new computer or browser, generate a new key.";
    ws_rot_2 = "Старим ключем підпишіть додавання нового:", "With the old key, sign the addition of the new one:";
    ws_rot_3 = "Новим ключем відкличте старий:", "With the new key, revoke the old one:";
    ws_lost_title = "Я втратив ключ", "I lost my key";
    ws_lost_help = "Якщо ключ втрачено або ним міг скористатися хтось інший:", "If the key is lost, or someone else may have used it:";
    ws_lost_1 = "Негайно повідомте реєстратора: він відкличе старий ключ («відкликано ключ»).", "Tell the registrar at once: they revoke the old key («key revoked»).";
    ws_lost_2 = "Створіть новий ключ тут і передайте реєстратору відкритий ключ.", "Generate a new key here and give the registrar its public key.";
    ws_lost_3 = "Реєстратор додає новий ключ («додано ключ»). Записи, підписані старим ключем до відкликання, залишаються чинними.", "The registrar adds the new key («key added»). Records the old key signed before its revocation stay valid.";
    ws_forget = "Видалити ключ з цього браузера", "Remove the key from this browser";
    ws_trust_title = "Що може і чого не може ця сторінка", "What this page can and cannot do";
    ws_trust = "Браузер підписує лише те, що ви переглянули й підтвердили, і не може видати ключ назовні. Але сторінку надсилає сервер: скомпрометований сервер міг би попросити браузер підписати інше. Тому працюйте лише через HTTPS, звіряйте попередній перегляд, а для найважливіших записів користуйтеся командним рядком і ключем поза мережею.", "The browser signs only what you previewed and confirmed, and cannot hand the key out. But the server sends the page: a compromised server could ask the browser to sign something else. So work over HTTPS only, check the preview, and for the most important records use the command line and an offline key.";
    ws_waiting = "Що на мене чекає", "What waits for me";
    ws_waiting_count = "Усього справ:", "Items waiting:";
    ws_nothing_waits = "Наразі нічого не чекає на ваш орган.", "Nothing waits for your body right now.";
    ws_sec_assigned = "Доручення, які треба прийняти або відхилити", "Assignments to accept or reject";
    ws_sec_offered = "Передачі, запропоновані вашому органу", "Handovers offered to your body";
    ws_sec_proposed = "Передачі, які запропонував ваш орган", "Handovers your body proposed";
    ws_sec_led = "Зобов’язання, за які ви відповідаєте", "Commitments you lead";
    ws_sec_indicators = "Показники, значення яких очікуються", "Indicators due";
    ws_sec_inquiries = "Запити до вашого органу", "Inquiries to your body";
    ws_sec_requests = "Запити на продовження строку, що чекають рішення координатора", "Extension requests waiting for a coordinator";
    ws_sec_claims = "Заяви про стан, що чекають оцінки", "Claims waiting for an assessment";
    ws_sec_coexec = "Зобов’язання, де ви співвиконавець", "Commitments you co-execute";
    ws_from = "від", "from";
    ws_to = "до", "to";
    ws_last_report = "останній звіт", "last report";
    ws_no_report_yet = "звітів ще не було", "no report yet";
    ws_requested = "запит від", "requested on";
    ws_all_forms = "Усі дії вашого органу", "Everything your body can record";
    ws_all_forms_help = "Форми для подій, які може підписувати орган з вашими ролями.", "Forms for the events a body with your roles may sign.";
    ws_receipts = "Мої квитанції", "My receipts";
    ws_receipts_help = "Квитанції записів, підписаних у цьому браузері. Кожну можна завантажити й перевірити командою «kordon receipt verify».", "Receipts of the records signed in this browser. Each can be downloaded and checked with «kordon receipt verify».";
    ws_no_receipts = "У цьому браузері ще немає квитанцій.", "This browser holds no receipts yet.";
    ws_plan = "Імпорт плану заходів", "Import an action plan";
    ws_plan_help = "Таблиця у форматі розпоряджень Кабміну (номер, завдання, захід, індикатор, базове і цільове значення, виконавці, фінансування, джерело, строк) у CSV або XLSX. Перегляньте кожен рядок і кожну проблему, потім підпишіть усе одним пакетом.", "A table in the layout of the Cabinet's orders (number, task, measure, indicator, baseline and target, executors, funding, source, deadline) as CSV or XLSX. Review every row and problem, then sign them all as one batch.";
    ws_plan_file = "Файл плану (CSV або XLSX)", "Plan file (CSV or XLSX)";
    ws_plan_prefix = "Префікс номерів", "Number prefix";
    ws_plan_act = "Акт, на який посилаються заходи", "The act the measures cite";
    ws_plan_read = "Прочитати план", "Read the plan";
    ws_plan_sign = "Підписати й записати всі рядки", "Sign and record every row";
    ws_plan_rows = "Рядків у плані:", "Rows in the plan:";
    ws_plan_errors = "Помилок, які треба виправити у файлі:", "Errors to fix in the file:";
    ws_plan_warnings = "Попереджень:", "Warnings:";
    ws_plan_ok = "Реєстр прийме всі рядки.", "The ledger will accept every row.";
    ws_plan_recorded = "Записано рядків:", "Rows recorded:";
    ws_line = "Рядок", "Line";
    ws_problems = "Проблеми", "Problems";
    ws_signer = "Хто підписує", "Who signs";
    ws_role_missing = "Ваш орган не має ролі, потрібної для цієї події: реєстр її відхилить.", "Your body lacks the role this event needs: the ledger will refuse it.";
    ws_loading = "Завантажую форму…", "Loading the form…";
    ws_preview = "Переглянути перед підписом", "Preview before signing";
    ws_review = "Перевірте перед підписом", "Check before signing";
    ws_exact_json = "Точний текст, який буде підписано (канонічний JSON)", "The exact text that will be signed (canonical JSON)";
    ws_sign = "Підписати й записати", "Sign and record";
    ws_edit = "Змінити", "Edit";
    ws_choose = "— оберіть —", "— choose —";
    ws_optional = "необов’язково", "optional";
    ws_required = "обов’язково", "required";
    ws_add = "Додати", "Add";
    ws_remove = "Вилучити", "Remove";
    ws_file_hash = "Оберіть файл, щоб обчислити його SHA-256", "Choose a file to compute its SHA-256";
    ws_hashing = "Обчислюю SHA-256…", "Computing SHA-256…";
    ws_file_stays = "Сам файл залишається на вашому комп’ютері; до реєстру потрапляє лише його геш і вказане місце зберігання.", "The file itself stays on your computer; only its hash and the location you give go into the ledger.";
    ws_checking = "Реєстр перевіряє подію (без запису)…", "The ledger is checking the event (without recording it)…";
    ws_check_ok = "Реєстр прийме цю подію.", "The ledger will accept this event.";
    ws_check_refused = "Реєстр не прийме цю подію:", "The ledger will not accept this event:";
    ws_code = "код правила", "rule code";
    ws_signing = "Підписую в браузері…", "Signing in the browser…";
    ws_submitting = "Надсилаю до реєстру…", "Sending to the ledger…";
    ws_recorded = "Записано як запис №", "Recorded as entry";
    ws_receipt_verified = "Квитанцію перевірено в цьому браузері: запис входить до підписаної контрольної точки реєстру.", "Receipt verified in this browser: the entry is in the ledger's signed checkpoint.";
    ws_receipt_failed = "Квитанцію НЕ підтверджено:", "The receipt could NOT be verified:";
    ws_receipt_download = "Завантажити квитанцію", "Download the receipt";
    ws_fingerprint = "Відбиток реєстру", "Ledger fingerprint";
    ws_clock_ahead = "Годинник цього комп’ютера випереджає годинник реєстру на {n}. Реєстр дозволяє не більше {max}: виправте час на комп’ютері, інакше запис буде відхилено.", "This computer's clock is {n} ahead of the ledger's. The ledger allows at most {max}: correct the computer's time, or the record will be refused.";
    ws_clock_behind = "Годинник цього комп’ютера відстає від годинника реєстру на {n}. Реєстр дозволяє не більше {max}: виправте час на комп’ютері, інакше запис буде відхилено.", "This computer's clock is {n} behind the ledger's. The ledger allows at most {max}: correct the computer's time, or the record will be refused.";
    ws_clock_ok = "Годинник комп’ютера узгоджений з реєстром.", "The computer's clock agrees with the ledger's.";
    ws_fix = "Що робити", "What to do";
    ws_no_key_to_sign = "Щоб підписати, спершу розблокуйте ключ органу (сторінка «Ключ органу»).", "To sign, first unlock the body's key (page «The body's key»).";
    ws_none_pending = "немає", "none";
    ws_author_signs = "підписує", "signs";
    ws_at = "час", "time";
    ws_new_id = "новий ідентифікатор", "a new id";
    ws_event_id = "Ідентифікатор події", "Event id";
    ws_invalid = "Неправильне значення", "Invalid value";
    ws_another = "Записати ще одну подію", "Record another event";
    ws_step_entry = "Запис у квитанції: геш листа SHA-256(0x00 ‖ запис)", "The receipt's entry: leaf hash SHA-256(0x00 ‖ entry)";
    ws_step_mine = "Запис містить саме ті байти і той підпис, що зробив цей браузер", "The entry holds exactly the bytes and the signature this browser made";
    ws_nothing_written = "Нічого не записано.", "Nothing was written.";
    ws_why_rule = "Реєстр відхилить подію за правилом: {rule}.", "The ledger would refuse the event by the rule: {rule}.";
    ws_why_signature = "Підпис не відповідає ключу, названому в події. Розблокуйте правильний ключ органу і підпишіть знову.", "The signature does not match the key the event names. Unlock the body's right key and sign again.";
    ws_why_format = "Подія сформована неправильно; повідомте адміністратора реєстру.", "The event is not well formed; tell the ledger's administrator.";
    ws_why_retry = "Реєстр щойно змінився; спробуйте ще раз.", "The ledger just changed; try again.";
    ws_why_not_lead = "За {item} відповідає {lead} (з {since}); {author} не може звітувати за нього. Якщо зобов’язання має перейти до вас, попросіть {lead} запропонувати передачу.", "{item} is led by {lead} (since {since}); {author} cannot report on it. If it should be yours, ask {lead} to propose a handover.";
    ws_why_handover_accepted = "Цю передачу вже прийняв {who} {day}.", "This handover was already accepted by {who} on {day}.";
    ws_why_handover_declined = "Цю передачу вже відхилив {who} {day}.", "This handover was already declined by {who} on {day}.";
    ws_why_handover_withdrawn = "Цю передачу вже відкликав {who} {day}.", "This handover was already withdrawn by {who} on {day}.";
    ws_why_handover_overtaken = "Ця передача втратила чинність {day}: зобов’язання перепризначили, скасували або замінили.", "This handover was overtaken on {day}: the commitment was reassigned, cancelled or superseded.";
    ws_why_no_proposal = "Пропозиції передачі {proposal} щодо {item} немає.", "There is no handover proposal {proposal} on {item}.";
    ws_why_not_receiver = "Передачу запропоновано органу {to}, а не {author}; прийняти або відхилити її може лише {to}.", "The handover is offered to {to}, not to {author}; only {to} can accept or decline it.";
    ws_why_not_proposer = "Відкликати передачу може лише {who}, який її запропонував.", "Only {who}, which proposed it, can withdraw the handover.";
    ws_why_pending = "Уже є пропозиція передачі органу {to} від {day}: її треба спершу прийняти, відхилити або відкликати.", "A handover to {to} proposed on {day} is still pending: it must be accepted, declined or withdrawn first.";
    ws_why_already_accepted = "Це доручення вже прийняв {lead} {day}.", "This assignment was already accepted by {lead} on {day}.";
    ws_why_phase = "Зобов’язання зараз у стані «{phase}», тому ця дія неможлива.", "The commitment is now «{phase}», so this cannot be done.";
    ws_why_not_assignee = "Зобов’язання доручено органу {to}; прийняти або відхилити його може лише {to}.", "The commitment is assigned to {to}; only {to} can accept or reject it.";
    ws_why_no_commitment = "Зобов’язання {item} у реєстрі немає.", "There is no commitment {item} in the ledger.";
    ws_why_replayed = "Подію з таким ідентифікатором уже записано — імовірно, саме цю. Перевірте свої квитанції, перш ніж пробувати знову.", "An event with this id is already recorded — probably this one. Check your receipts before trying again.";
    ws_why_clock = "Час події ({yours}) надто далекий від часу реєстру ({ledger}): дозволено не більше {ahead} хв наперед і {behind} дн. назад. Виправте годинник комп’ютера і підпишіть знову.", "The event's time ({yours}) is too far from the ledger's ({ledger}): at most {ahead} min ahead and {behind} days behind are allowed. Correct the computer's clock and sign again.";
    ws_why_key_unknown = "Ключ цього браузера не зареєстрований для {author}. Передайте відкритий ключ реєстратору (сторінка «Ключ органу») і дочекайтеся реєстрації.", "This browser's key is not registered for {author}. Give its public key to the registrar (page «The body's key») and wait for the registration.";
    ws_why_key_revoked = "Цей ключ відкликано. Використайте новий ключ органу або зверніться до реєстратора.", "This key has been revoked. Use the body's new key, or ask the registrar.";
    ws_why_key_not_authors = "Цей ключ належить іншому органу, а не {author}. Оберіть свій орган або свій ключ.", "This key belongs to another body, not to {author}. Choose your own body or key.";
    ws_why_role = "{author} не має ролі, потрібної для цієї події ({rule}).", "{author} lacks the role this event needs ({rule}).";
    ws_why_answered = "На цей запит уже відповів {who} {day}.", "This inquiry was already answered by {who} on {day}.";
    ws_why_not_addressee = "Запит адресовано органу {to}; відповідати може лише він (або його правонаступник).", "The inquiry is addressed to {to}; only it (or its successor) can answer.";
    f_commitment = "Зобов’язання", "Commitment";
    f_inquiry = "Запит", "Inquiry";
    f_id = "Ідентифікатор", "Identifier";
    fh_id = "Новий, за нумерацією акта (наприклад, AP-2026/2.1); змінити його потім не можна.", "New, following the act's numbering (e.g. AP-2026/2.1); it cannot be changed later.";
    fh_body_id = "Новий, коротке ім’я латиницею: малі літери, цифри й дефіс (наприклад, sbgs, hromada-chop); змінити його потім не можна.", "New, a short name in Latin letters: lower case, digits and hyphens (e.g. sbgs, hromada-chop); it cannot be changed later.";
    f_body = "Орган", "Body";
    f_to = "Кому", "To";
    f_proposal = "Пропозиція передачі", "Handover proposal";
    f_claim = "Заява про стан, що оцінюється", "The claim assessed";
    f_request = "Запит на продовження", "Extension request";
    f_about = "Щодо події", "About the event";
    f_status = "Стан", "Status";
    f_verdict = "Оцінка", "Verdict";
    f_indicator = "Показник", "Indicator";
    f_value = "Значення", "Value";
    f_as_of = "Станом на", "As of";
    f_lead = "Відповідальний виконавець", "Lead";
    f_successor = "Наступник", "Successor";
    f_parent = "Батьківська ціль", "Parent objective";
    f_objective = "Стратегічна ціль", "Strategic objective";
    f_title_uk = "Назва українською", "Title in Ukrainian";
    f_title_en = "Назва англійською", "Title in English";
    f_name_uk = "Назва українською", "Name in Ukrainian";
    f_name_en = "Назва англійською", "Name in English";
    f_kind = "Тип органу", "Kind of body";
    fh_kind = "Наприклад: міністерство, центральний орган виконавчої влади, громада.", "For example: ministry, central executive body, hromada.";
    f_roles = "Ролі", "Roles";
    f_components = "Компоненти ІУК ЄС", "EU IBM components";
    f_description = "Опис (завдання)", "Description (task)";
    f_co_executors = "Співвиконавці", "Co-executors";
    f_deadline = "Строк", "Deadline";
    f_due = "Відповісти до", "Answer by";
    f_question = "Запитання", "Question";
    f_answer = "Відповідь", "Answer";
    f_text = "Текст", "Text";
    f_note = "Примітка", "Note";
    f_reason = "Підстава", "Reason";
    f_indicators = "Індикатори виконання", "Indicators";
    f_unit = "Одиниця виміру", "Unit";
    f_baseline = "Базове значення", "Baseline";
    f_target = "Цільове значення", "Target";
    f_milestones = "Проміжні значення", "Milestones";
    f_date = "Дата", "Date";
    f_funding = "Фінансування", "Funding";
    f_amount = "Обсяг", "Amount";
    f_currency = "Валюта", "Currency";
    f_source = "Джерело", "Source";
    f_act = "Акт", "Act";
    fh_act = "Розпорядження чи постанова, на яку посилається захід.", "The order or resolution the measure cites.";
    f_evidence = "Докази", "Evidence";
    fh_evidence = "Документ, що підтверджує: його SHA-256 обчислюється в браузері.", "A document that backs it: its SHA-256 is computed in the browser.";
    f_sha256 = "SHA-256 документа", "Document SHA-256";
    f_location = "Де зберігається документ", "Where the document is kept";
    fh_location = "Посилання або місце в архіві (наприклад, номер справи).", "A link, or its place in the archive (a file number, say).";
    f_cites = "Посилається на", "Cites";
    f_public_key = "Відкритий ключ", "Public key";
    fh_public_key = "44 символи base64, як показує сторінка «Ключ органу» або «kordon key show --public».", "44 base64 characters, as the page «The body's key» or «kordon key show --public» shows it.";
    f_public_keys = "Відкриті ключі", "Public keys";
    f_key = "Ключ", "Key";
    f_origin = "Походження реєстру", "Ledger origin";
    f_time_zone = "Часовий пояс", "Time zone";
    f_registrar = "Реєстратор", "Registrar";
    f_registrar_key = "Ключ реєстратора", "Registrar's key";
    f_ledger_key = "Ключ реєстру", "Ledger key";
    f_policy = "Політика часу", "Time policy";
    f_max_age_seconds = "Найбільше запізнення, с", "Largest delay, s";
    f_max_future_seconds = "Найбільше випередження, с", "Largest lead, s";
    // The hearing's pages: divergence board, hearing comparison, data quality, deadline log,
    // the briefing as a handout, body kinds, CSV downloads.
    h_download_csv = "Завантажити таблицю (CSV для електронних таблиць)", "Download the table (CSV for spreadsheets)";
    h_divergence = "Розбіжності", "Divergences";
    h_divergence_help = "Де заяви виконавців і висновки тих, хто здійснює нагляд, розходяться. Зобов’язання може бути в кількох розділах.", "Where what executors claim and what overseers found part ways. A commitment can appear in several sections.";
    h_divergence_kind = "Розбіжність", "Divergence";
    h_div_unconfirmed = "Заявлено виконаним, не підтверджено", "Claimed done, not confirmed";
    h_div_unconfirmed_help = "Останній звіт заявляє «виконано», але жоден орган нагляду не підтвердив саме цей звіт.", "The latest report claims «implemented», and no overseer confirmed that report.";
    h_div_contested = "Оскаржені заяви", "Contested claims";
    h_div_contested_help = "Остання оцінка — «оскаржено» або «не підтверджено» (звіт, поданий після неї, її не знімає).", "The latest assessment is «contested» or «not confirmed» (a report filed after it does not settle it).";
    h_div_no_evidence = "Заяви без доказів", "Claims without evidence";
    h_div_no_evidence_help = "Останній звіт заявляє повне або часткове виконання й не додає жодного документа.", "The latest report claims full or partial implementation and attaches no document.";
    h_div_stale = "Оцінка старша за останній звіт", "Assessment older than the latest claim";
    h_div_stale_help = "Остання оцінка стосується попереднього звіту: новішу заяву ще ніхто не оцінив.", "The latest assessment is of an earlier report: nobody has assessed the newer claim yet.";
    h_latest_claim = "Останній звіт", "Latest claim";
    h_assessment_of_claim = "Оцінка цього звіту", "Assessment of that claim";
    h_latest_assessment = "Остання оцінка", "Latest assessment";
    h_evidence_n = "документів", "documents";
    h_claim_date = "Дата звіту", "Claim date";
    h_claim_status = "Заявлений стан", "Claimed status";
    h_assessment_date = "Дата оцінки звіту", "Date of its assessment";
    h_verdict = "Оцінка", "Verdict";
    h_latest_assessment_date = "Дата останньої оцінки", "Date of the latest assessment";
    h_assessed_on = "Оцінено", "Assessed on";
    h_not_this_claim = "Цей звіт ще не оцінено. Остання оцінка стосується попереднього звіту:", "This report has not been assessed yet. The latest assessment is of an earlier report:";
    h_this_claim_assessed = "Оцінка саме цього звіту", "The assessment of this very report";
    h_quality = "Якість даних", "Data quality";
    h_quality_help = "Чого бракує, щоб виконання можна було виміряти й перевірити: показники без базового чи цільового значення, заяви без доказів, органи, що не звітують.", "What is missing for progress to be measured and checked: indicators without baseline or target, claims without evidence, bodies that never report.";
    h_q_kind = "Проблема", "Issue";
    h_q_detail = "Подробиці", "Detail";
    h_q_no_indicator = "Без вимірюваного показника", "No measurable indicator";
    h_q_indicator_incomplete = "Показник без базового, цільового значення чи одиниці", "Indicator without baseline, target or unit";
    h_q_claim_without_evidence = "Заява про виконання без доказів", "Implementation claimed without evidence";
    h_q_never_reports = "Органи, що жодного разу не звітували", "Bodies that never report";
    h_q_other = "Інше", "Other";
    h_deadlines = "Зміни строків", "Deadline changes";
    h_deadlines_help = "Кожне перенесення строку в усіх зобов’язаннях: котре воно для зобов’язання, звідки й куди, на скільки днів, підстава і хто погодив.", "Every deadline change across all commitments: which change of the item it was, from and to, by how many days, the reason and who approved it.";
    h_changes_n = "змін строків", "deadline changes";
    h_items_redated = "зобов’язань зі зміненим строком", "commitments redated";
    h_days_total = "днів перенесення загалом", "days moved in total";
    h_change_n = "Зміна №", "Change no.";
    h_changes_of_item = "Змін у зобов’язання", "Changes of the item";
    h_from_to = "Строк: був → став", "Deadline: from → to";
    h_from = "Був строк", "From";
    h_to = "Став строк", "To";
    h_reason = "Підстава", "Reason";
    h_approved_by = "Погодив", "Approved by";
    h_compare = "Порівняння для слухань", "Hearing comparison";
    h_compare_help = "Кожне зобов’язання тоді й тепер: стан, відповідальний виконавець, строк, останній звіт і остання оцінка. Змінене виділено.", "Each commitment then and now: phase, lead, deadline, latest claim and latest assessment. What changed is highlighted.";
    h_compare_between = "Порівняти", "Compare";
    h_then = "Тоді", "Then";
    h_now = "Тепер", "Now";
    h_only_changed = "Лише змінені", "Only changed";
    h_items_changed = "змінилося зобов’язань", "commitments changed";
    h_hearings = "Слухання в реєстрі", "Hearings in the ledger";
    h_phase_status = "Стадія", "Phase";
    h_added = "нове", "new";
    h_what_changed = "Що змінилося", "What changed";
    h_body_kind = "Тип органу", "Kind of body";
    h_kind_local_authority = "органи місцевого самоврядування", "local authorities";
    h_kind_ministry = "міністерства", "ministries";
    h_kind_agency = "центральні органи виконавчої влади та агентства", "agencies and central executive bodies";
    h_kind_coordination_body = "координаційні органи", "coordination bodies";
    h_kind_parliament = "парламент", "parliament";
    h_kind_partner = "міжнародні партнери", "international partners";
    h_kind_civil_society = "громадянське суспільство", "civil society";
    h_kind_other = "інші", "other";
    h_involving = "За участі", "Involving";
    h_handout_title = "Тижнева довідка", "Weekly briefing";
    h_prepared = "Підготовлено", "Prepared";
    h_issued_by = "Видає", "Issued by";
    h_handout_verify = "Перевірити цю довідку: відскануйте код або відкрийте", "Check this briefing: scan the code or open";
    h_handout_fingerprint = "Відбиток реєстру, на якому складено довідку", "Fingerprint of the ledger this briefing was made from";
    h_overdue_to_today = "Прострочення рахується до дня складання", "Overdue days are counted to the day prepared";
    h_section = "Розділ", "Section";
    h_technical = "Технічні подробиці", "Technical details";
    h_plain_checkpoint = "Реєстр підписав свій поточний стан ключем, який ви вказали.", "The ledger signed its current state with the key you gave.";
    h_plain_leaf = "Запис отримано, і з його байтів обчислено відбиток.", "The record was fetched, and a fingerprint computed from its bytes.";
    h_plain_proof = "Запис входить до підписаного стану реєстру без жодної зміни.", "The record is part of the ledger's signed state, unchanged.";
    h_plain_key = "Ключ, яким підписано запис, зареєстрований за органом-автором.", "The key that signed the record is registered to the body that wrote it.";
    h_plain_signature = "Орган-автор справді підписав саме цей текст запису.", "The body that wrote it really signed this very text.";
    h_verify_missing = "Такого запису немає: у реєстрі немає запису «{ref}». Перевірте номер або ідентифікатор. Це не ознака підробки.", "No such record: the ledger has no record «{ref}». Check the number or id. This is not a sign of tampering.";
    h_verify_wrong_key = "Ключ перевірки не підходить до цього реєстру: він чужий або скопійований з помилкою. Візьміть ключ зі сторінки /verifier-key або з протоколу. Це не ознака підробки.", "The verifier key does not fit this ledger: it is another ledger's, or mis-copied. Take the key from /verifier-key or from the record of the hearing. This is not a sign of tampering.";
    h_record_says = "Що каже запис", "What the record says";
    h_not_proven = "Чого перевірка не доводить", "What the check does not prove";
    h_not_proven_text = "Перевірка доводить, що запис підписав названий орган і що він є в реєстрі без змін з моменту запису. Вона не доводить, що написане в ньому — правда: чи виконано заявлене, встановлюють оцінки органів нагляду та документи-докази.", "The check proves that the named body signed the record and that it has been in the ledger unchanged since it was recorded. It does not prove that what it says is true: whether a claim holds is for overseers' assessments and the evidence documents to show.";
    h_today = "сьогодні", "today";
    h_days_moved = "Днів перенесено", "Days moved";
    h_kind_and_roles = "Тип і ролі", "Kind and roles";
    h_one_local_authority = "орган місцевого самоврядування", "local authority";
    h_one_ministry = "міністерство", "ministry";
    h_one_agency = "центральний орган виконавчої влади, агентство", "agency";
    h_one_coordination_body = "координаційний орган", "coordination body";
    h_one_parliament = "парламент", "parliament";
    h_one_partner = "міжнародний партнер", "international partner";
    h_one_civil_society = "організація громадянського суспільства", "civil society";
    h_one_other = "інший орган", "other";
    h_sort_by = "Сортувати за", "Sort by";
}

/// The labels the page's script needs, by the name it looks them up with.
pub const JS_MESSAGES: &[M] = &[
    M::h_technical,
    M::h_plain_checkpoint,
    M::h_plain_leaf,
    M::h_plain_proof,
    M::h_plain_key,
    M::h_plain_signature,
    M::h_verify_missing,
    M::h_verify_wrong_key,
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
    M::copy_quote,
    M::copied,
    M::copy_select,
];

/// A status's label; `None` is a commitment with no report yet.
pub fn status_label(l: Lang, s: Option<Status>) -> &'static str {
    l10n::status(l, s)
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
    l10n::verdict(l, v)
}

/// A verdict by its name; anything else reads "not assessed".
pub fn verdict(l: Lang, s: &str) -> &'static str {
    verdict_label(l, Verdict::from_name(s))
}

pub fn phase_label(l: Lang, p: Phase) -> &'static str {
    l10n::phase(l, p)
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

/// A body's kind for people. The kind is the registrar's own text (SPEC.md: `kind` is free
/// text); the kinds registrars write in English, as the example's do, read in Ukrainian on a
/// Ukrainian page. Any other text is shown as written.
pub fn body_kind(l: Lang, kind: &str) -> &str {
    const KINDS: &[(&str, &str)] = &[
        ("secretariat", "секретаріат"),
        ("interagency working group", "міжвідомча робоча група"),
        ("coordination centre", "координаційний центр"),
        ("coordination body", "координаційний орган"),
        ("ministry", "міністерство"),
        ("law-enforcement agency", "правоохоронний орган"),
        (
            "central executive body",
            "центральний орган виконавчої влади",
        ),
        ("state agency", "державне агентство"),
        ("agency", "агентство"),
        ("parliamentary committee", "комітет Верховної Ради"),
        ("parliament", "парламент"),
        ("international partner", "міжнародний партнер"),
        ("partner", "партнер"),
        ("local authority", "орган місцевого самоврядування"),
        (
            "local authority (border hromada)",
            "орган місцевого самоврядування (прикордонна громада)",
        ),
        ("civil-society organisation", "громадська організація"),
        ("civil-society coalition", "громадська коаліція"),
        ("civil society", "громадянське суспільство"),
    ];
    match l {
        Lang::En => kind,
        Lang::Uk => KINDS
            .iter()
            .find(|(en, _)| en.eq_ignore_ascii_case(kind.trim()))
            .map_or(kind, |(_, uk)| uk),
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

/// A body kind's name, in the plural, as a filter names it ("items involving local
/// authorities").
pub fn body_kind_group(l: Lang, k: crate::core::projection::views::BodyKind) -> &'static str {
    use crate::core::projection::views::BodyKind as K;
    l.t(match k {
        K::LocalAuthority => M::h_kind_local_authority,
        K::Ministry => M::h_kind_ministry,
        K::Agency => M::h_kind_agency,
        K::CoordinationBody => M::h_kind_coordination_body,
        K::Parliament => M::h_kind_parliament,
        K::Partner => M::h_kind_partner,
        K::CivilSociety => M::h_kind_civil_society,
        K::Other => M::h_kind_other,
    })
}

/// A body kind's name, in the singular (one body's kind).
pub fn body_kind_one(l: Lang, k: crate::core::projection::views::BodyKind) -> &'static str {
    use crate::core::projection::views::BodyKind as K;
    l.t(match k {
        K::LocalAuthority => M::h_one_local_authority,
        K::Ministry => M::h_one_ministry,
        K::Agency => M::h_one_agency,
        K::CoordinationBody => M::h_one_coordination_body,
        K::Parliament => M::h_one_parliament,
        K::Partner => M::h_one_partner,
        K::CivilSociety => M::h_one_civil_society,
        K::Other => M::h_one_other,
    })
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
