//! Page templates (askama: checked at compile time, HTML-escaped by default) and the small
//! view models they show. Handlers translate and format; templates only lay out.

use askama::Template;
use setu_store::geo::{Place, PlaceCounts};

use crate::page::Page;

/// Renders a template, or a minimal page if rendering fails (it cannot, short of a bug; the
/// failure is logged).
pub trait RenderHtml {
    /// The page as HTML.
    fn render_html(&self) -> String;
}

impl<T: Template> RenderHtml for T {
    fn render_html(&self) -> String {
        self.render().unwrap_or_else(|e| {
            tracing::error!(error = %e, "template failed");
            "<!doctype html><title>Setu</title><p>Error / त्रुटि</p>".to_string()
        })
    }
}

/// A choice in a `<select>`.
#[derive(Debug, Clone)]
pub struct Choice {
    /// Submitted value.
    pub value: String,
    /// Shown text.
    pub label: String,
    /// Whether it is the current choice.
    pub selected: bool,
}

/// A link with a name and a tag, for short lists.
#[derive(Debug, Clone)]
pub struct Item {
    /// Where it goes.
    pub href: String,
    /// Its name in the reader's language.
    pub name: String,
    /// A short tag (the kind).
    pub kind: String,
}

/// A 404/500/503 page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub p: &'a Page,
    pub text: &'a str,
}

/// The home page.
#[derive(Template)]
#[template(path = "home.html")]
pub struct Home<'a> {
    pub p: &'a Page,
    pub today: String,
    pub fiscal_year: String,
    pub counts: PlaceCounts,
    pub organisations: i64,
    pub sites: i64,
    pub query: String,
    /// The person's main actions (address, label), first on the page.
    pub actions: Vec<(String, String)>,
    /// What is waiting for the person.
    pub work: Vec<WorkItem>,
}

/// One kind of work waiting for a person: how many, and where to act on it.
#[derive(Debug, Clone)]
pub struct WorkItem {
    pub href: String,
    pub label: String,
    pub count: String,
    /// How many are past their deadline, said in words, when any are.
    pub urgent: Option<String>,
    /// Nothing of this kind is waiting.
    pub none: bool,
}

/// A place with its children and what is there.
#[derive(Template)]
#[template(path = "place.html")]
pub struct PlacePage<'a> {
    pub p: &'a Page,
    pub place: Place,
    pub level_name: String,
    pub ancestors: Vec<Place>,
    pub children: Vec<Place>,
    pub children_count: i64,
    pub children_title: String,
    pub show_type: bool,
    pub organisations: Vec<Item>,
    pub sites: Vec<Item>,
    pub query: String,
}

/// One search hit.
#[derive(Debug, Clone)]
pub struct SearchHit {
    pub place: Place,
    pub other_name: String,
    pub kind: String,
    pub within: String,
}

/// Place search results.
#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage<'a> {
    pub p: &'a Page,
    pub query: String,
    pub results: Vec<SearchHit>,
}

/// A row of the organisations or sites table.
#[derive(Debug, Clone)]
pub struct DirectoryRow {
    pub href: String,
    pub name: String,
    pub kind: String,
    pub place: String,
    pub place_code: String,
    pub organisation: String,
    pub updated: String,
    pub updated_sort: String,
}

/// The organisations or sites list.
#[derive(Template)]
#[template(path = "directory_list.html")]
pub struct DirectoryList<'a> {
    pub p: &'a Page,
    pub base: &'static str,
    pub new_label: String,
    pub kinds: Vec<Choice>,
    pub place_filter: String,
    pub rows: Vec<DirectoryRow>,
    pub count: String,
    pub show_org: bool,
}

/// A contact person as shown: the name is "hidden" without the right to see it.
#[derive(Debug, Clone)]
pub struct ContactRow {
    pub id: String,
    pub title: String,
    pub name: String,
    pub phone: String,
}

/// The contacts part of an organisation page.
#[derive(Debug, Clone, Default)]
pub struct ContactsView {
    pub rows: Vec<ContactRow>,
    pub revealed: bool,
    pub via_glass: bool,
    pub can_add: bool,
    pub can_break_glass: bool,
    pub shown: bool,
    /// Whether the reader may open a contact's own page.
    pub open: bool,
}

/// One organisation or site.
#[derive(Template)]
#[template(path = "directory_show.html")]
pub struct DirectoryShow<'a> {
    pub p: &'a Page,
    /// Its corrections, field by field.
    pub changes: Vec<crate::pages::records::HistoryRow>,
    pub href: String,
    pub can_edit: bool,
    pub contacts: ContactsView,
    pub contact_error: Option<String>,
    pub saved: bool,
    pub name_en: String,
    pub name_ne: String,
    pub kind: String,
    pub place: String,
    pub place_code: String,
    pub organisation: Option<Item>,
    pub updated: String,
    pub version: String,
}

/// A form field as shown, with the value the user typed and any error.
#[derive(Debug, Clone)]
pub struct FormField {
    pub name: &'static str,
    pub label: String,
    pub hint: Option<String>,
    pub value: String,
    pub error: Option<String>,
    pub required: bool,
    pub numeric: bool,
    /// What a place picker on this field may choose (`/places/suggest?pick=`); empty for none.
    pub place: &'static str,
    pub lang: &'static str,
    pub options: Vec<Choice>,
    /// At most this many characters; more than 200 is written in a box of several lines.
    pub max: usize,
}

/// The add/edit form for an organisation or a site.
#[derive(Template)]
#[template(path = "directory_form.html")]
pub struct DirectoryFormPage<'a> {
    pub p: &'a Page,
    pub action: String,
    pub cancel: String,
    pub form: setu_core::directory::DirectoryForm,
    pub fields: Vec<FormField>,
    pub has_errors: bool,
    pub conflict: bool,
}

/// A correctable record: its values, its correction form, its history.
#[derive(Template)]
#[template(path = "record.html")]
pub struct RecordPage<'a> {
    pub p: &'a Page,
    pub view: crate::pages::records::RecordView,
    /// The form's fields (taken out of `view` for the shared `_fields.html`).
    pub fields: Vec<FormField>,
    pub changes: Vec<crate::pages::records::HistoryRow>,
    pub withdrawn: Option<crate::pages::records::WithdrawnView>,
    pub withdraw: Option<crate::pages::records::WithdrawBox>,
    pub saved: bool,
    pub conflict: bool,
    pub invalid: bool,
}

/// Withdrawn records, for auditors.
#[derive(Template)]
#[template(path = "withdrawals.html")]
pub struct WithdrawalsPage<'a> {
    pub p: &'a Page,
    pub rows: Vec<setu_store::records::Withdrawn>,
}

/// One row of a booth's list of screenings.
#[derive(Debug)]
pub struct ScreeningRow {
    pub href: String,
    pub when: String,
    pub name: String,
    pub sex: String,
    pub age: String,
    pub outcome: String,
    pub level: String,
}

/// A booth's screenings, a page at a time.
#[derive(Template)]
#[template(path = "screenings.html")]
pub struct ScreeningsPage<'a> {
    pub p: &'a Page,
    pub outcomes: Vec<Choice>,
    pub levels: Vec<Choice>,
    pub rows: Vec<ScreeningRow>,
    pub next: Option<String>,
    pub first: Option<String>,
    pub capture: String,
}

/// The login page.
#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage<'a> {
    pub p: &'a Page,
    pub username: String,
    pub next: String,
    pub error: Option<String>,
    /// Set when the password was right and a one-time code is asked for.
    pub challenge: Option<String>,
    /// A form posted after its session lapsed, carried across this sign-in.
    pub carried: Option<crate::resume::Carried>,
}

/// After signing in again: the form that was posted when the session had lapsed, sent on to
/// where it was going with the new session's token.
#[derive(Template)]
#[template(path = "resume.html")]
pub struct ResumePage<'a> {
    pub p: &'a Page,
    pub action: String,
    pub fields: Vec<(String, String)>,
    pub csrf: String,
    pub back: String,
}

/// The first administrator's setup page.
#[derive(Template)]
#[template(path = "setup.html")]
pub struct SetupPage<'a> {
    pub p: &'a Page,
    pub token: String,
    pub username: String,
    pub full_name: String,
    pub error: Option<String>,
}

/// A row of the accounts table.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub href: String,
    pub username: String,
    pub full_name: String,
    pub role: String,
    pub scope: String,
    /// The scope by name.
    pub scope_name: String,
    pub status: String,
}

/// The accounts list with the new-account form.
#[derive(Template)]
#[template(path = "admin_users.html")]
pub struct AdminUsersPage<'a> {
    pub p: &'a Page,
    pub rows: Vec<UserRow>,
    pub roles: Vec<Choice>,
    pub form: crate::pages::admin::UserForm,
    pub error: Option<String>,
}

/// One account.
#[derive(Template)]
#[template(path = "admin_user.html")]
pub struct AdminUserPage<'a> {
    pub p: &'a Page,
    pub id: String,
    pub row: UserRow,
    pub roles: Vec<Choice>,
    pub scope: String,
    pub version: i64,
    pub disabled: bool,
    pub tokens: Vec<TokenRow>,
    pub requests: Vec<RequestRow>,
    pub notice: Option<String>,
}

/// An API token in a list (the account page and an administrator's view of an account).
pub struct TokenRow {
    pub id: String,
    pub user_id: String,
    pub label: String,
    /// The capabilities it keeps, by name.
    pub capabilities: String,
    pub made: String,
    pub expires: String,
    pub revoked: Option<String>,
    /// Where its revoke form posts.
    pub revoke_action: String,
}

/// A role waiting for a second administrator.
pub struct RequestRow {
    pub id: String,
    pub role: String,
    pub scope: String,
    pub asked_by: String,
    pub asked_on: String,
    pub new_account: bool,
    /// Whether the reader may approve or refuse it (neither the asker nor the person).
    pub may_decide: bool,
}

/// The signed-in user's own account: their API tokens.
#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage<'a> {
    pub p: &'a Page,
    pub username: String,
    pub role: String,
    pub scope: String,
    pub tokens: Vec<TokenRow>,
    pub new_token: Option<String>,
    pub notice: Option<String>,
    pub label: String,
    pub all: bool,
    pub capabilities: Vec<Choice>,
    /// Whether sign-in asks for a one-time code.
    pub second_factor: bool,
    /// An administrator set the password: only the password form is shown.
    pub must_change: bool,
    /// The deployment requires one of this user and it is not set up yet.
    pub second_factor_required: bool,
    /// A secret being set up: (Base32 text, otpauth address).
    pub enrolment: Option<(String, String)>,
    /// The set-up address as a QR code (SVG markup made by Setu from its own data).
    pub enrolment_qr: Option<String>,
    /// Recovery codes, shown once when the second factor is confirmed.
    pub recovery: Vec<String>,
}

/// The audit trail.
#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage<'a> {
    pub p: &'a Page,
    pub entries: Vec<crate::pages::audit::AuditRow>,
    pub q: crate::pages::audit::AuditQuery,
    pub csv_href: String,
    pub next: Option<String>,
    pub first: Option<String>,
}

/// Break-the-glass review.
#[derive(Template)]
#[template(path = "glass.html")]
pub struct GlassPage<'a> {
    pub p: &'a Page,
    pub grants: Vec<setu_store::glass::GlassGrant>,
}

/// A row of the committees table.
#[derive(Debug, Clone)]
pub struct CommitteeRow {
    pub href: String,
    pub name: String,
    pub place_code: String,
    pub status: &'static str,
    pub status_label: String,
    pub last_meeting: String,
    pub last_meeting_sort: String,
}

/// The committees list.
#[derive(Template)]
#[template(path = "committees.html")]
pub struct CommitteesPage<'a> {
    pub p: &'a Page,
    pub rows: Vec<CommitteeRow>,
    pub summary: String,
    pub can_create: bool,
    pub error: Option<String>,
}

/// One bar of the own-funds chart: total and own allocation, heights in per cent of the
/// largest year.
#[derive(Debug, Clone)]
pub struct TrendBar {
    pub x: i64,
    pub label: String,
    pub total_h: i64,
    pub own_h: i64,
    pub share: String,
}

/// A committee's page.
#[derive(Template)]
#[template(path = "committee.html")]
pub struct CommitteePage<'a> {
    pub p: &'a Page,
    pub c: &'a setu_store::committees::Committee,
    pub status_label: String,
    pub criteria: Vec<(String, bool)>,
    pub members: Vec<setu_store::committees::Member>,
    /// The members' list's first page, when this is a later one.
    pub first: Option<String>,
    /// The members' list's next page.
    pub next: Option<String>,
    pub personal: bool,
    pub meetings: Vec<setu_store::committees::MeetingSummary>,
    pub plan: setu_store::committees::Plan,
    pub fy: String,
    pub fy_label: String,
    pub fy_choices: Vec<Choice>,
    pub bars: Vec<TrendBar>,
    pub seats: Vec<Choice>,
    pub sources: Vec<Choice>,
    pub can_write: bool,
    pub error: Option<String>,
}

/// Recording a parents' session, with every parent of the group to mark present.
#[derive(Template)]
#[template(path = "session_form.html")]
pub struct SessionFormPage<'a> {
    pub p: &'a Page,
    pub o: OfflineRoot,
    pub group_id: i64,
    pub members: Vec<setu_store::parents::GroupMember>,
    pub materials: Vec<Choice>,
    pub form: setu_core::community::SessionForm,
    pub error: Option<String>,
}

/// What a page that records offline tells `offline.js`: its queue's name, the key that seals
/// the queue on the phone, the BS calendar, and the folder its service worker serves.
#[derive(Debug, Clone)]
pub struct OfflineRoot {
    pub queue: String,
    pub qkey: String,
    pub bs_months: String,
    /// `/youth/`, `/parents-groups/`: the service worker is `{folder}sw.js`.
    pub folder: &'static str,
    /// Where signing in again returns to.
    pub next: String,
}

/// Recording a youth event, online or offline.
#[derive(Template)]
#[template(path = "youth_event.html")]
pub struct YouthEventPage<'a> {
    pub p: &'a Page,
    pub o: OfflineRoot,
    /// The wards of the reader's local level, when it has one (else the place picker).
    pub wards: Vec<Choice>,
    pub types: Vec<Choice>,
}

/// Recording a meeting.
#[derive(Template)]
#[template(path = "meeting_form.html")]
pub struct MeetingFormPage<'a> {
    pub p: &'a Page,
    pub committee_id: i64,
    pub members: Vec<setu_store::committees::Member>,
    pub form: setu_core::committees::MeetingForm,
    /// (decision, responsible, due) as typed, three rows.
    pub rows: Vec<(String, String, String)>,
    pub error: Option<String>,
}

/// Printable minutes.
#[derive(Template)]
#[template(path = "minutes.html")]
pub struct MinutesPage<'a> {
    pub p: &'a Page,
    pub c: &'a setu_store::committees::Committee,
    pub m: setu_store::committees::Meeting,
    pub can_write: bool,
    pub statuses: Vec<Choice>,
}

/// A headline figure.
#[derive(Debug, Clone)]
pub struct IndicatorCard {
    pub label: String,
    pub value: String,
}

/// Parents' groups in the reader's scope.
#[derive(Template)]
#[template(path = "groups.html")]
pub struct GroupsPage<'a> {
    pub p: &'a Page,
    pub cards: Vec<IndicatorCard>,
    pub groups: Vec<setu_store::parents::Group>,
    pub can_create: bool,
    pub error: Option<String>,
}

/// One parents' group.
#[derive(Template)]
#[template(path = "group.html")]
pub struct GroupPage<'a> {
    pub p: &'a Page,
    pub g: &'a setu_store::parents::Group,
    pub cards: Vec<IndicatorCard>,
    pub members: Vec<setu_store::parents::GroupMember>,
    /// The members' list's first page, when this is a later one.
    pub first: Option<String>,
    /// The members' list's next page.
    pub next: Option<String>,
    pub sessions: Vec<setu_store::parents::Session>,
    pub sexes: Vec<Choice>,
    pub can_write: bool,
    pub error: Option<String>,
}

/// Youth ambassadors and their events.
#[derive(Template)]
#[template(path = "youth.html")]
pub struct YouthPage<'a> {
    pub p: &'a Page,
    pub active: String,
    pub event_count: String,
    pub threshold: String,
    pub bars: Vec<TrendBar>,
    pub warnings: Vec<String>,
    pub ambassadors: Vec<setu_store::youth::Ambassador>,
    pub ambassadors_next: Option<String>,
    pub ambassadors_first: Option<String>,
    pub groups: Vec<setu_store::youth::YouthGroup>,
    pub events: Vec<setu_store::youth::YouthEvent>,
    pub events_next: Option<String>,
    pub events_first: Option<String>,
    pub sexes: Vec<Choice>,
    pub statuses: Vec<Choice>,
    pub can_write: bool,
    pub error: Option<String>,
}

/// The programme indicators.
#[derive(Template)]
#[template(path = "indicators.html")]
pub struct IndicatorsPage<'a> {
    /// Said when the page opened on the latest year with records.
    pub latest_note: Option<String>,
    pub booths: Vec<(String, String)>,
    pub p: &'a Page,
    pub place: String,
    pub fy_choices: Vec<Choice>,
    pub fy_label: String,
    pub lcchts: String,
    pub dcchts: String,
    pub sbcc: Vec<IndicatorCard>,
    pub youth_latest: String,
    pub bars: Vec<TrendBar>,
    pub events: String,
    pub events_by_type: Vec<(String, String)>,
    pub csv_href: String,
    pub xlsx_href: String,
    /// The fiscal year asked for (`2082/83` or `all`), for the links down to the records.
    pub fy: String,
    /// Survivor support: each group's heading and its figures (label, value as shown).
    pub survivors: Vec<(String, Vec<(String, String)>)>,
    /// Small survivor counts are hidden from this reader.
    pub survivors_closed: bool,
}

/// A ward's last engagement.
#[derive(Debug, Clone)]
pub struct EngagementRow {
    pub ward: String,
    pub ward_label: String,
    pub last: String,
    pub last_sort: String,
    pub kind: String,
    pub stale: bool,
}

/// Regular engagement by ward.
#[derive(Template)]
#[template(path = "engagement.html")]
pub struct EngagementPage<'a> {
    pub p: &'a Page,
    pub place: String,
    pub days: String,
    pub summary: String,
    pub rows: Vec<EngagementRow>,
}

/// The NGO forum.
#[derive(Template)]
#[template(path = "forum.html")]
pub struct ForumPage<'a> {
    pub p: &'a Page,
    pub alerts: Vec<setu_store::forum::Alert>,
    pub services: Vec<setu_store::forum::OfferedService>,
    pub log: Vec<setu_store::forum::ForumEntry>,
    pub organisations: Vec<Choice>,
    pub service_choices: Vec<Choice>,
    pub can_write: bool,
    pub can_edit: bool,
    pub q: crate::pages::forum::ForumQuery,
    pub error: Option<String>,
}

/// One row of the booth dashboard (a BS month across booths, a booth over the period, or the
/// totals).
#[derive(Debug, Clone)]
pub struct MonthRow {
    pub label: String,
    pub sort: String,
    pub informed: String,
    pub female: String,
    pub male: String,
    pub other: String,
    pub under18: String,
    pub screened: String,
    pub intercepted: String,
    pub handed_over: String,
    pub by_outcome: Vec<String>,
}

/// The booth dashboard.
#[derive(Template)]
#[template(path = "booths.html")]
pub struct BoothsPage<'a> {
    pub p: &'a Page,
    /// Month by month, every booth together.
    pub months: Vec<MonthRow>,
    /// Each booth over the period (shown when there is more than one).
    pub booths: Vec<MonthRow>,
    pub totals: MonthRow,
    pub bars: Vec<TrendBar>,
    pub outcomes: Vec<String>,
    pub fy_choices: Vec<Choice>,
    pub writable: Vec<(i64, String)>,
    pub export: String,
    pub place: String,
    /// Said when the page opened on the latest year with records.
    pub latest_note: Option<String>,
}

/// The booth capture page (tally and screening, offline queue).
#[derive(Template)]
#[template(path = "capture.html")]
pub struct CapturePage<'a> {
    pub p: &'a Page,
    pub site_id: i64,
    /// The key this user's offline queue is encrypted with in the browser.
    pub qkey: String,
    pub today_bs: String,
    pub bs_months: String,
    pub indicators: Vec<Choice>,
    pub risk_version: i64,
    pub sexes: Vec<Choice>,
    pub outcomes: Vec<Choice>,
    pub purposes: Vec<Choice>,
    pub relations: Vec<Choice>,
    pub payers: Vec<Choice>,
    pub documents: Vec<Choice>,
    /// (id, day, informed, version, JSON of the values)
    pub tallies: Vec<(String, String, String, i64, String)>,
    /// (week starting, informed, of them under 18), newest first
    pub weeks: Vec<(String, String, String)>,
    pub can_screen: bool,
    /// Unread alerts of a possible match for the signed-in booth worker.
    pub alerts: Vec<crate::pages::notifications::Told>,
    pub notice: Option<String>,
    /// A refused record to put back into its form (JSON).
    pub again: Option<String>,
}

/// One screening.
#[derive(Template)]
#[template(path = "screening.html")]
pub struct ScreeningPage<'a> {
    pub p: &'a Page,
    pub s: &'a setu_store::booths::Screening,
    pub booth: String,
    pub risks: Vec<String>,
    /// She did not agree to sharing and the reader is outside the organisation that met her.
    pub withheld: bool,
    pub can_break_glass: bool,
}

/// Sync conflicts waiting for a person.
#[derive(Template)]
#[template(path = "conflicts.html")]
pub struct ConflictsPage<'a> {
    pub p: &'a Page,
    /// (conflict, the submitted form as JSON when the reader may see it)
    pub rows: Vec<(setu_store::booths::SyncConflict, String)>,
}

/// Hand-overs and the form for a new one.
#[derive(Template)]
#[template(path = "handovers.html")]
pub struct HandoversPage<'a> {
    pub p: &'a Page,
    /// (hand-over, overdue, day)
    pub rows: Vec<(setu_store::handovers::Handover, bool, String)>,
    pub next: Option<String>,
    pub first: Option<String>,
    pub candidates: Vec<Choice>,
    pub parties: Vec<Choice>,
    /// The border booths to choose the site from.
    pub sites: Vec<Choice>,
    pub orgs: Vec<Choice>,
    pub can_write: bool,
    pub error: Option<String>,
    pub form: setu_core::booths::HandoverForm,
}

/// One hand-over.
#[derive(Template)]
#[template(path = "handover.html")]
pub struct HandoverPage<'a> {
    pub p: &'a Page,
    pub h: &'a setu_store::handovers::Handover,
    /// The persons handed over, each with whether the reader may open her screening.
    pub persons: Vec<(setu_store::booths::Screening, bool)>,
    pub when: String,
    pub overdue: bool,
    pub can_ack: bool,
    pub can_receipt: bool,
}

/// The referral queue and the form for a new one.
#[derive(Template)]
#[template(path = "referrals.html")]
pub struct ReferralsPage<'a> {
    pub p: &'a Page,
    /// (referral, overdue, day sent)
    pub rows: Vec<(setu_store::handovers::Referral, bool, String)>,
    pub next: Option<String>,
    pub first: Option<String>,
    pub overdue: String,
    pub ack_median: String,
    pub act_median: String,
    pub units: Vec<Choice>,
    pub categories: Vec<Choice>,
    /// The border booths to choose the site from.
    pub sites: Vec<Choice>,
    pub urgencies: Vec<Choice>,
    pub sources: Vec<Choice>,
    pub can_write: bool,
    pub error: Option<String>,
    pub form: setu_core::booths::ReferralForm,
}

/// One referral.
#[derive(Template)]
#[template(path = "referral.html")]
pub struct ReferralPage<'a> {
    pub p: &'a Page,
    pub r: &'a setu_store::handovers::Referral,
    pub unit: String,
    pub overdue: bool,
    pub ack: Option<String>,
    pub act: Option<String>,
    pub next: Vec<Choice>,
}

/// The risk catalogue.
#[derive(Template)]
#[template(path = "risk.html")]
pub struct RiskPage<'a> {
    pub p: &'a Page,
    pub current: setu_core::risk::Catalogue,
    pub versions: Vec<(i64, String, String, i64)>,
    pub categories: Vec<Choice>,
    pub can_edit: bool,
    pub error: Option<String>,
}

/// A record of family tracing as a person: the same labelled rows, in the same order, for a
/// report, an encounter or a screening (so that two records line up side by side).
#[derive(Debug, Clone)]
pub struct Person {
    /// What kind of record it is, in words.
    pub kind: String,
    /// Its own page.
    pub href: String,
    /// (label, value); sealed values the reader may not see read "(hidden)".
    pub rows: Vec<(String, String)>,
}

/// Two records of a proposed match.
#[derive(Debug, Clone)]
pub struct SideBySide {
    pub left: Person,
    pub right: Person,
    /// (label, left value, right value, the same on both)
    pub rows: Vec<(String, String, String, bool)>,
}

/// One field's evidence in a proposed match, with its bar (an SVG rect on a 0–200 axis whose
/// middle is zero).
#[derive(Debug, Clone)]
pub struct EvidenceRow {
    pub field: String,
    pub level: String,
    /// Weight in bits, signed, formatted.
    pub bits: String,
    pub x: i64,
    pub width: i64,
    pub positive: bool,
}

/// The ward's register of missing-person reports.
#[derive(Template)]
#[template(path = "tracing.html")]
pub struct RegisterPage<'a> {
    pub p: &'a Page,
    /// (report, name as shown, age as shown)
    pub rows: Vec<(setu_store::tracing::RegisterRow, String, String)>,
    /// The next page's address, when there is one.
    pub next: Option<String>,
    /// The first page's address, when this is not it.
    pub first: Option<String>,
    pub filters: Vec<Choice>,
    /// The wards with reports, to show one ward's register.
    pub wards: Vec<Choice>,
    /// Proposals waiting, for reviewers.
    pub queue: Option<String>,
    pub can_write: bool,
}

/// The form for a new report.
#[derive(Template)]
#[template(path = "report_form.html")]
pub struct ReportFormPage<'a> {
    pub p: &'a Page,
    pub form: setu_core::tracing::ReportForm,
    /// Organisations that may take a report (police units, NGOs).
    pub orgs: Vec<Choice>,
    pub relations: Vec<Choice>,
    pub sexes: Vec<Choice>,
    pub error: Option<String>,
    /// Fields the check refused (marked `aria-invalid`).
    pub invalid: Vec<&'static str>,
    /// Where the form goes: a new report, or a correction of one (which carries its version).
    pub action: String,
    /// Someone else corrected the report after the form was opened.
    pub conflict: bool,
}

impl ReportFormPage<'_> {
    /// Whether `field` was refused.
    pub fn bad(&self, field: &str) -> bool {
        self.invalid.contains(&field)
    }
}

/// One report: the person, the reporter, the status and its history, what it is linked to.
#[derive(Template)]
#[template(path = "report.html")]
pub struct ReportPage<'a> {
    pub p: &'a Page,
    pub r: &'a setu_store::tracing::MissingReport,
    pub who: Person,
    pub reporter: String,
    pub status: String,
    pub status_on: String,
    /// (status, day, by)
    pub history: Vec<(String, String, String)>,
    /// Statuses it may move to (empty: the reader may not move it).
    pub next: Vec<Choice>,
    /// Records of the same person (href in `value`).
    pub linked: Vec<Choice>,
    /// Its proposals, for reviewers (href in `value`, `selected` while undecided).
    pub proposals: Vec<Choice>,
    pub personal: bool,
    pub error: Option<String>,
    /// Whether the reader may correct the report.
    pub may_correct: bool,
    /// Its corrections, field by field.
    pub changes: Vec<crate::pages::records::HistoryRow>,
    /// Whether it was withdrawn, and why.
    pub withdrawn: Option<crate::pages::records::WithdrawnView>,
    /// The withdrawal form, for those who may correct it.
    pub withdraw: Option<crate::pages::records::WithdrawBox>,
    /// Photos of the missing person and documents.
    pub attachments: AttachmentView,
}

/// Police rescues and shelter intakes, with a small form for each.
#[derive(Template)]
#[template(path = "encounters.html")]
pub struct EncountersPage<'a> {
    pub p: &'a Page,
    /// (encounter, kind, name as shown, age as shown)
    pub rows: Vec<(
        setu_store::tracing::TracingEncounter,
        String,
        String,
        String,
    )>,
    /// (heading, form, organisations, open because it was refused)
    pub forms: Vec<(String, setu_core::tracing::EncounterForm, Vec<Choice>, bool)>,
    pub sexes: Vec<Choice>,
    pub can_write: bool,
    pub error: Option<String>,
    /// Fields the check refused (marked `aria-invalid` in the form that was sent).
    pub invalid: Vec<&'static str>,
}

impl EncountersPage<'_> {
    /// Whether `field` was refused.
    pub fn bad(&self, field: &str) -> bool {
        self.invalid.contains(&field)
    }
}

/// One police rescue or shelter intake.
#[derive(Template)]
#[template(path = "encounter.html")]
pub struct EncounterPage<'a> {
    pub p: &'a Page,
    pub who: Person,
    pub org: String,
    pub recorded_by: String,
    pub linked: Vec<Choice>,
    pub proposals: Vec<Choice>,
}

/// The review queue.
#[derive(Template)]
#[template(path = "matches.html")]
pub struct MatchesPage<'a> {
    pub p: &'a Page,
    /// (probability, kinds, proposal)
    pub rows: Vec<(String, String, setu_store::matching::Proposal)>,
    pub filters: Vec<Choice>,
}

/// One proposed match: the two records side by side, the evidence, the decision.
#[derive(Template)]
#[template(path = "match.html")]
pub struct MatchPage<'a> {
    pub p: &'a Page,
    pub pr: &'a setu_store::matching::Proposal,
    pub side: SideBySide,
    pub probability: String,
    /// Below the engine's own threshold: shown, marked as doubtful.
    pub doubtful: bool,
    pub evidence: Vec<EvidenceRow>,
    /// Two encounters (a merge, which can be undone) rather than a report and an encounter.
    pub merge: bool,
    pub status: String,
    /// (by, day)
    pub decided: Option<(String, String)>,
    pub error: Option<String>,
}

/// The user's notifications.
#[derive(Template)]
#[template(path = "notifications.html")]
pub struct NotificationsPage<'a> {
    pub p: &'a Page,
    pub rows: Vec<crate::pages::notifications::Told>,
}

/// Counts by place, for a reader who may not see the records (small counts suppressed).
#[derive(Template)]
#[template(path = "counts.html")]
pub struct CountsPage<'a> {
    pub p: &'a Page,
    pub columns: Vec<String>,
    /// A place's name and its cells, already shown ("fewer than 3" for one or two).
    pub rows: Vec<(String, Vec<String>)>,
}

/// One survivor's case in a list.
#[derive(Debug, Clone)]
pub struct CaseRow {
    pub href: String,
    pub name: String,
    pub sex: String,
    pub home: String,
    pub origin: String,
    pub status: String,
    pub opened: String,
    pub opened_sort: String,
}

/// An organisation's survivors' cases.
#[derive(Template)]
#[template(path = "cases.html")]
pub struct CasesPage<'a> {
    pub p: &'a Page,
    pub rows: Vec<CaseRow>,
    /// Cases other organisations offer this one, waiting for its answer.
    pub offered: Vec<CaseRow>,
    /// Referrals to this organisation still to answer or deliver.
    pub referred: Vec<ReferralRow>,
    pub can_write: bool,
    /// The organisation's own budget lines for survivors this fiscal year: purpose,
    /// allocated, paid, left.
    pub budget: Vec<(String, String, String, String)>,
    pub fy_label: String,
    /// Whether the reader may add a line (its supervisor).
    pub may_budget: bool,
}

/// Opening a case.
#[derive(Template)]
#[template(path = "case_form.html")]
pub struct CaseFormPage<'a> {
    pub p: &'a Page,
    pub organisation: String,
    pub origins: Vec<Choice>,
    pub sexes: Vec<Choice>,
    pub form: setu_core::cases::CaseForm,
}

/// A consent on a case's page.
#[derive(Debug, Clone)]
pub struct ConsentRow {
    pub id: String,
    pub kind: String,
    pub with: String,
    pub given: String,
    pub taken_by: String,
    pub guardian: bool,
    pub withdrawn: Option<String>,
    /// Whether it allows what it names today.
    pub stands: bool,
}

/// One survivor's case.
#[derive(Template)]
#[template(path = "case.html")]
pub struct CasePage<'a> {
    pub p: &'a Page,
    pub id: String,
    pub row: CaseRow,
    pub birth_year: String,
    pub guardian: Option<String>,
    pub child: bool,
    pub consents: Vec<ConsentRow>,
    pub kinds: Vec<Choice>,
    pub orgs: Vec<Choice>,
    /// Today in BS, for the day a consent is given.
    pub today: String,
    pub can_write: bool,
    pub closure: ClosureView,
    pub reasons: Vec<Choice>,
    pub handling: HandlingView,
    pub assessment: AssessmentView,
    pub plan: PlanView,
    pub followups: FollowUpView,
    pub services: ServiceView,
    pub referrals: ReferralView,
    pub experience: ExperienceView,
    pub justice: JusticeView,
    pub attachments: AttachmentView,
}

/// Her experience in HTCDS terms, her perpetrators, and the forms for them.
#[derive(Debug, Clone)]
pub struct ExperienceView {
    /// Each recorded fact: label and words.
    pub facts: Vec<(String, String)>,
    /// Each perpetrator as relation and roles in words (or sealed).
    pub perpetrators: Vec<String>,
    pub statuses: Vec<Choice>,
    /// Checkboxes: value is the field name.
    pub exploitation: Vec<Choice>,
    pub recruitment: Vec<Choice>,
    pub control: Vec<Choice>,
    pub relations: Vec<Choice>,
    pub roles: Vec<Choice>,
    pub destination: String,
    pub age: String,
    pub months: String,
    pub version: i64,
    pub may_write: bool,
}

/// The follow-ups to make, each with its form, recorded online or offline.
#[derive(Template)]
#[template(path = "case_visits.html")]
pub struct CaseVisitsPage<'a> {
    pub p: &'a Page,
    pub rows: Vec<VisitRow>,
    /// Each reintegration status's checkbox and words.
    pub found: Vec<(&'static str, String)>,
    pub o: OfflineRoot,
}

/// A follow-up to make: whose, where, when, and its form's ids.
#[derive(Debug, Clone)]
pub struct VisitRow {
    pub id: String,
    pub case_id: String,
    pub href: String,
    pub name: String,
    /// What the phone's queue calls a record of it.
    pub label: String,
    pub home: String,
    pub due: String,
    pub overdue: bool,
}

/// A printable case summary, for a court or for an organisation she consented to share with.
#[derive(Template)]
#[template(path = "case_summary.html")]
pub struct CaseSummaryPage<'a> {
    pub p: &'a Page,
    pub id: String,
    pub row: CaseRow,
    /// For a court; else for the organisation `to`.
    pub for_court: bool,
    pub to: Option<String>,
    /// Organisations her sharing consent stands for.
    pub choices: Vec<Choice>,
    pub held_by: String,
    pub caseworker: String,
    pub birth_year: String,
    pub guardian: Option<String>,
    /// The latest assessment's day and each domain's score in words.
    pub latest_day: String,
    pub latest: Vec<(String, String)>,
    pub experience: Vec<(String, String)>,
    pub perpetrators: Vec<String>,
    pub justice: Vec<(String, String)>,
    pub hearings: Vec<HearingRow>,
    pub services: Vec<ServiceRow>,
    pub consents: Vec<ConsentRow>,
    pub goals: Vec<GoalRow>,
    pub followups: Vec<FollowUpRow>,
    pub returned: Option<String>,
    pub printed: String,
    pub printed_by: String,
}

/// The files on a record, and the form to add one.
#[derive(Debug, Clone)]
pub struct AttachmentView {
    pub rows: Vec<AttachmentRow>,
    pub kinds: Vec<Choice>,
    /// Where the form posts.
    pub action: String,
    pub may_write: bool,
}

/// A file on a record in words, with its addresses.
#[derive(Debug, Clone)]
pub struct AttachmentRow {
    pub kind: String,
    pub label: String,
    pub size: String,
    pub added: String,
    pub href: String,
    /// A photo's thumbnail.
    pub thumb: Option<String>,
}

/// Her criminal case, its hearings, and the forms for them (values as the correction form
/// starts with them).
#[derive(Debug, Clone)]
pub struct JusticeView {
    /// Each recorded fact: label and words.
    pub facts: Vec<(String, String)>,
    pub hearings: Vec<HearingRow>,
    /// Checkboxes: value is the field name.
    pub charges: Vec<Choice>,
    pub outcomes: Vec<Choice>,
    pub purposes: Vec<Choice>,
    pub supports: Vec<Choice>,
    pub police_office: String,
    pub fir_number: String,
    pub reported_on: String,
    pub court: String,
    pub court_case: String,
    pub decided_on: String,
    pub compensation: String,
    pub version: i64,
    pub recorded: bool,
    pub may_write: bool,
}

/// A hearing in words; `ahead` when it has not been held yet.
#[derive(Debug, Clone)]
pub struct HearingRow {
    pub day: String,
    pub purpose: String,
    pub support: String,
    pub ahead: bool,
}

/// A case's referrals to other organisations, and the form to send one.
#[derive(Debug, Clone)]
pub struct ReferralView {
    pub rows: Vec<ReferralRow>,
    pub orgs: Vec<Choice>,
    pub services: Vec<Choice>,
    pub may_write: bool,
}

/// A referral in words (to or from `org`, as the reader sees it).
#[derive(Debug, Clone)]
pub struct ReferralRow {
    pub id: String,
    pub org: String,
    pub service: String,
    pub sent: String,
    pub status: String,
    pub overdue: bool,
    pub by_glass: bool,
    /// Her consent to sharing with the receiver no longer stands.
    pub consent_withdrawn: bool,
    pub closable: bool,
}

/// A referral as the receiving organisation reads it: only its part of the case.
#[derive(Template)]
#[template(path = "case_referral.html")]
pub struct CaseReferralPage<'a> {
    pub p: &'a Page,
    pub id: String,
    pub row: ReferralRow,
    pub name: String,
    pub sex: String,
    pub birth_year: String,
    pub home: String,
    pub note: String,
    pub may_answer: bool,
    pub may_deliver: bool,
    pub reasons: Vec<Choice>,
    pub today: String,
}

/// The services she was given, and the forms for more.
#[derive(Debug, Clone)]
pub struct ServiceView {
    pub rows: Vec<ServiceRow>,
    pub kinds: Vec<Choice>,
    pub outcomes: Vec<Choice>,
    pub providers: Vec<Choice>,
    /// Her seed funding grants, to pay a tranche of.
    pub grants: Vec<Choice>,
    /// Budget lines with money left that may pay it.
    pub lines: Vec<Choice>,
    pub may_write: bool,
}

/// One service in words.
#[derive(Debug, Clone)]
pub struct ServiceRow {
    pub kind: String,
    pub provider: String,
    pub when: String,
    pub detail: String,
    /// Hours, amounts, outcome.
    pub facts: String,
    /// Seed funding paid, each in words.
    pub tranches: Vec<String>,
}

/// Her return home and the follow-ups after it.
#[derive(Debug, Clone)]
pub struct FollowUpView {
    /// The day she went home, once recorded.
    pub returned: Option<String>,
    pub rows: Vec<FollowUpRow>,
    /// Follow-ups not yet recorded, by their day, for the form.
    pub scheduled: Vec<Choice>,
    /// Each reintegration status's checkbox and words.
    pub found: Vec<(&'static str, String)>,
    pub may_write: bool,
}

/// One follow-up: its day, and once made, how, what was found and the note.
#[derive(Debug, Clone)]
pub struct FollowUpRow {
    pub due: String,
    pub done: Option<String>,
    pub found: String,
    pub note: String,
    pub overdue: bool,
}

/// A case's support plan.
#[derive(Debug, Clone)]
pub struct PlanView {
    pub goals: Vec<GoalRow>,
    /// Open goals, for the task form.
    pub open_goals: Vec<Choice>,
    /// Each review in words, and its note.
    pub reviews: Vec<(String, String)>,
    /// The next review's day, when it has passed.
    pub review_due: Option<String>,
    pub domains: Vec<Choice>,
    pub may_plan: bool,
}

/// A goal of the plan and its tasks.
#[derive(Debug, Clone)]
pub struct GoalRow {
    pub id: String,
    pub domain: String,
    pub goal: String,
    pub status: String,
    pub open: bool,
    pub tasks: Vec<TaskRow>,
}

/// A task toward a goal.
#[derive(Debug, Clone)]
pub struct TaskRow {
    pub id: String,
    pub task: String,
    pub due: String,
    pub responsible: String,
    /// The day it was done.
    pub done: Option<String>,
    pub overdue: bool,
}

/// A case's assessments: a chart per domain, the table, and the form for the next one.
#[derive(Debug, Clone)]
pub struct AssessmentView {
    /// One per domain, when there is at least one assessment.
    pub series: Vec<DomainSeries>,
    /// Newest first.
    pub rows: Vec<AssessmentRow>,
    /// Each domain's name and its score and note fields, for the form.
    pub domains: Vec<(String, &'static str, &'static str)>,
    /// The scale: each score and its meaning.
    pub scale: Vec<(i64, String)>,
    pub may_assess: bool,
}

/// One domain's scores over time, drawn in a small chart.
#[derive(Debug, Clone)]
pub struct DomainSeries {
    pub name: String,
    /// The chart's description for screen readers.
    pub aria: String,
    /// The line through the scores (SVG points).
    pub points: String,
    /// Each score: x, y and its day and meaning.
    pub dots: Vec<(String, String, String)>,
    /// The latest score (1–4) and its meaning.
    pub latest: i64,
    pub latest_text: String,
}

/// One assessment in the table: its day, who, and each domain's score and note.
#[derive(Debug, Clone)]
pub struct AssessmentRow {
    pub day: String,
    pub by: String,
    pub scores: Vec<(String, i64, String)>,
}

/// Who works a case and where it is going, and what the reader may do about it.
#[derive(Debug, Clone)]
pub struct HandlingView {
    /// The caseworker's name, or that none is assigned.
    pub caseworker: String,
    pub may_assign: bool,
    pub caseworkers: Vec<Choice>,
    /// A transfer waiting for an answer, in words.
    pub pending: Option<String>,
    pub may_cancel: bool,
    pub may_answer: bool,
    /// Why the last transfer was declined.
    pub declined: Option<String>,
    pub may_send: bool,
    /// Organisations she consented to share with (the only ones a case may go to).
    pub receivers: Vec<Choice>,
    pub decline_reasons: Vec<Choice>,
    pub version: i64,
}

/// Where a case's closure stands and what the reader may do about it.
#[derive(Debug, Clone)]
pub struct ClosureView {
    pub may_ask: bool,
    /// Who asked (in words) and on which day.
    pub asked: Option<(String, String)>,
    pub reason: String,
    pub note: String,
    pub may_decide: bool,
    /// She asked herself: another supervisor decides.
    pub waits_for_another: bool,
    pub closed: Option<String>,
    pub may_reopen: bool,
}

/// One ward as the ward risk page shows it (every count already formatted, small counts
/// withheld from readers who may not see the records).
#[derive(Debug, Clone)]
pub struct WardCard {
    pub code: String,
    pub name: String,
    pub rank: String,
    /// Among the highest-risk wards.
    pub top: bool,
    /// Among them, with nothing planned this fiscal year.
    pub unplanned: bool,
    pub events: String,
    pub population: String,
    pub households: String,
    /// Whether the rates may be shown (the ranked count is).
    pub rate_shown: bool,
    pub rate: String,
    pub smoothed: String,
    pub interval: String,
    pub p_top10: String,
    /// The chance as a bar's width, 0–100.
    pub p_width: i64,
    pub reports: String,
    pub reports_open: String,
    pub reports_found: String,
    pub reports_home: String,
    pub trafficked: String,
    pub returned: String,
    pub intercepted: String,
    pub referrals: String,
    pub planned: String,
    pub done: String,
    pub sessions: String,
    pub youth_events: String,
}

/// A local level on its district's ward risk page.
#[derive(Debug, Clone)]
pub struct LocalLevelRow {
    pub code: String,
    pub name: String,
    pub population: String,
    pub events: String,
    pub rate: String,
}

/// Ward risk: the wards of a local level or district ranked, or the districts to choose from.
#[derive(Template)]
#[template(path = "wards.html")]
pub struct WardsPage<'a> {
    pub p: &'a Page,
    /// Districts to choose from (code, name) when the reader is above one.
    pub choose: Vec<(String, String)>,
    pub area: String,
    pub area_name: String,
    pub fy: String,
    /// The fiscal year whose plan is compared.
    pub plan_fy: String,
    pub measure: String,
    /// What the ranking is, for whom and when, in a sentence.
    pub help: String,
    pub fy_choices: Vec<Choice>,
    pub measures: Vec<Choice>,
    /// The chance (in %) from which a ward counts as the highest-risk.
    pub likely: String,
    /// Whether any ward does.
    pub stand_out: bool,
    pub cards: Vec<WardCard>,
    /// The cards the grid shows (a district's first wards only).
    pub grid: Vec<WardCard>,
    /// Whether the grid was cut.
    pub cut: bool,
    /// A district's local levels (empty on a local level's page).
    pub local_levels: Vec<LocalLevelRow>,
    /// Local levels on a map, shaded by rate: a district's, or on the page national and province
    /// readers start from, all of theirs (empty otherwise).
    pub map: crate::pages::wards::map::Map,
    pub unplanned: Vec<WardCard>,
    /// Wards without a population in the ward profile (not ranked).
    pub unranked: Vec<String>,
    /// Small counts are withheld from this reader.
    pub closed: bool,
    pub may_import: bool,
    /// The reader may import the ward survey (records reports).
    pub may_survey: bool,
    pub import_errors: Vec<String>,
    pub imported: Option<String>,
    /// Said after a survey import.
    pub surveyed: Option<String>,
    /// The source typed with a refused import.
    pub source: String,
}

/// A statistics release as pages show it (cells formatted, suppressed ones marked).
#[derive(Debug, Clone)]
pub struct ReleaseView {
    pub id: String,
    pub district: String,
    pub fiscal_year: String,
    pub status: String,
    /// Whether the public may read it.
    pub public: bool,
    pub version: String,
    pub published_at: String,
    pub drafted_by: String,
    pub approved_by: String,
    pub note: String,
    pub columns: Vec<String>,
    /// Municipality name and its cells.
    pub rows: Vec<(String, Vec<String>)>,
    pub totals: Vec<String>,
}

/// The public statistics: current releases, or one release with its versions.
#[derive(Template)]
#[template(path = "statistics.html")]
pub struct StatisticsPage<'a> {
    pub p: &'a Page,
    pub current: Vec<ReleaseView>,
    pub release: Option<ReleaseView>,
    pub versions: Vec<ReleaseView>,
}

/// The coordinators' release step.
#[derive(Template)]
#[template(path = "statistics_manage.html")]
pub struct StatisticsManagePage<'a> {
    pub p: &'a Page,
    pub releases: Vec<ReleaseView>,
    pub chosen: Option<ReleaseView>,
    pub may_approve: bool,
    pub may_publish: bool,
    pub may_discard: bool,
    /// The reader drafted the chosen draft (another must approve it).
    pub own_draft: bool,
    pub fy_choices: Vec<Choice>,
    pub districts: Vec<(String, String)>,
    /// Why the last step was refused.
    pub refused: Option<String>,
}
