//! Every route in one table, with who may use it. The router is built from this table and
//! the authorisation matrix test walks it, so the two cannot drift apart: a route added here
//! without its access class is a compile error, and the test tries it with every role.

use axum::extract::Request;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::IntoResponse;
use axum::routing::{get, post, MethodRouter};
use setu_core::access::Capability;

use crate::auth::{allow, Auth};
use crate::error::WebError;

use crate::pages::directory::routes as dir;
use crate::pages::{
    account, admin, audit, booths, cases, committees, engagement, forum, handovers, home,
    indicators, login, matches, notifications, offline, parents, places, prefs, records, risk,
    statistics, tracing, wards, youth,
};
use crate::{api, assets, healthz, readyz, AppState};

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (reference data, the login page).
    Public,
    /// Any signed-in user.
    SignedIn,
    /// Users whose role has this capability; the handler checks the record's scope too.
    Needs(Capability),
}

/// What the `{id}` in a path (or the place in a form) refers to, so that tests can aim a
/// request inside or outside a user's scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// Nothing scoped.
    None,
    /// An organisation id in the path.
    Organisation,
    /// A site id in the path.
    Site,
    /// A place given in the form body (creating a record).
    NewAtPlace,
    /// A user id in the path.
    User,
    /// An API token id in the path.
    Token,
    /// A committee id in the path.
    Committee,
    /// A meeting id in the path (scoped by its committee).
    Meeting,
    /// A decision id in the path (scoped by its committee).
    Decision,
    /// A budget line id in the path (scoped by its committee).
    BudgetLine,
    /// A committee member id in the path (scoped by its committee).
    Member,
    /// A planned activity id in the path (scoped by its committee).
    Activity,
    /// A parents' group id in the path.
    Group,
    /// A youth ambassador id in the path.
    Ambassador,
    /// A youth group id in the path (its place).
    YouthGroup,
    /// A youth event id in the path (its ward).
    YouthEvent,
    /// A forum log entry id in the path (its place).
    ForumEntry,
    /// A shared alert id in the path (its place).
    Alert,
    /// A parents' group member id in the path (her group's ward).
    GroupMember,
    /// A parents' session id in the path (its group's ward).
    Session,
    /// A contact person's id in the path (her organisation and its place).
    Contact,
    /// A border booth (site) id in the path.
    Booth,
    /// A screening id in the path (scoped by its booth).
    Screening,
    /// A hand-over id in the path (either side).
    Handover,
    /// A police referral id in the path (either side).
    Referral,
    /// A survivor's case id in the path (its organisation).
    SurvivorCase,
    /// A referral of a survivor to an organisation (the receiving organisation).
    CaseReferral,
    /// A sync conflict id in the path (scoped by its booth).
    Conflict,
    /// A missing-person report id in the path (scoped by the home ward).
    Report,
    /// A police rescue or shelter intake id in the path (its place, or its organisation).
    Encounter,
    /// A proposed match id in the path (scoped by the report's home ward).
    Proposal,
    /// A role request waiting for a second administrator.
    RoleRequest,
    /// One of the signed-in user's own API tokens.
    OwnToken,
}

/// One route: method, path pattern, access, subject.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    /// HTTP method.
    pub method: Method,
    /// Path pattern, axum syntax.
    pub path: &'static str,
    /// Who may use it.
    pub access: Access,
    /// What it acts on.
    pub subject: Subject,
}

/// Puts `handler` behind `access`: nobody signed in gets the sign-in page (401 under the API),
/// a role without the capability 403, before the handler runs. Handlers check what depends on
/// the record (its scope, a second capability), never the route's capability again.
pub fn guard(access: Access, handler: MethodRouter<AppState>) -> MethodRouter<AppState> {
    let needs = match access {
        Access::Public => return handler,
        Access::SignedIn => None,
        Access::Needs(cap) => Some(cap),
    };
    handler.route_layer(axum::middleware::from_fn(
        move |req: Request, next: Next| async move {
            let user = req.extensions().get::<Auth>().and_then(Auth::user);
            let allowed = match (user, needs) {
                (None, _) => Err(WebError::Unauthenticated),
                (Some(user), Some(cap)) => allow(user, cap, None, false),
                (Some(_), None) => Ok(()),
            };
            match allowed {
                Ok(()) => next.run(req).await,
                Err(e) => e.into_response(),
            }
        },
    ))
}

/// Who may open the page at `path` (a concrete path, its query ignored), by the same table
/// that guards the route: what pages ask before they show a link ([`crate::page::Page::opens`]).
/// `None` for a path that is no page of Setu.
pub fn access_of(path: &str) -> Option<Access> {
    static GETS: std::sync::OnceLock<Vec<(Vec<&'static str>, Access)>> = std::sync::OnceLock::new();
    let gets = GETS.get_or_init(|| {
        specs()
            .into_iter()
            .filter(|s| s.method == Method::GET)
            .map(|s| (s.path.split('/').collect(), s.access))
            .collect()
    });
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let parts: Vec<&str> = path.split('/').collect();
    gets.iter()
        .filter(|(pattern, _)| {
            pattern.len() == parts.len()
                && pattern
                    .iter()
                    .zip(&parts)
                    .all(|(p, s)| p == s || (p.starts_with('{') && !s.is_empty()))
        })
        // A literal segment wins over a parameter (`/organisations/new` over `/{id}`).
        .max_by_key(|(pattern, _)| pattern.iter().filter(|p| !p.starts_with('{')).count())
        .map(|(_, access)| *access)
}

/// The routes without their handlers (for tests and documentation).
pub fn specs() -> Vec<RouteSpec> {
    table().into_iter().map(|(s, _)| s).collect()
}

/// Every route of Setu with its handler, one line each (kept unformatted so that the table
/// reads as a table).
#[rustfmt::skip]
pub fn table() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    use Access::{Needs, Public, SignedIn};
    use Capability::*;
    use Subject as S;
    let r = |method: Method, path, access, subject, handler: MethodRouter<AppState>| {
        (RouteSpec { method, path, access, subject }, handler)
    };
    vec![
        r(Method::GET, "/", Public, S::None, get(home::home)),
        r(Method::GET, "/prefs", Public, S::None, get(prefs::set_prefs)),
        r(Method::GET, "/login", Public, S::None, get(login::form)),
        r(Method::POST, "/login", Public, S::None, post(login::submit)),
        r(Method::POST, "/login/code", Public, S::None, post(login::submit_code)),
        r(Method::POST, "/logout", SignedIn, S::None, post(login::logout)),
        r(Method::GET, "/setup", Public, S::None, get(login::setup_form)),
        r(Method::POST, "/setup", Public, S::None, post(login::setup_submit)),
        r(Method::GET, "/places", Public, S::None, get(places::country)),
        r(Method::GET, "/places/search", Public, S::None, get(places::search)),
        r(Method::GET, "/places/suggest", Public, S::None, get(places::suggest)),
        r(Method::GET, "/places/{code}", Public, S::None, get(places::place)),
        r(Method::GET, "/organisations", Needs(ReadDirectory), S::None, get(dir::org_list)),
        r(Method::POST, "/organisations", Needs(EditDirectory), S::NewAtPlace, post(dir::org_create)),
        r(Method::GET, "/organisations/new", Needs(EditDirectory), S::None, get(dir::org_new)),
        r(Method::GET, "/organisations/{id}", Needs(ReadDirectory), S::None, get(dir::org_show)),
        r(Method::POST, "/organisations/{id}", Needs(EditDirectory), S::Organisation, post(dir::org_update)),
        r(Method::GET, "/organisations/{id}/edit", Needs(EditDirectory), S::Organisation, get(dir::org_edit)),
        r(Method::POST, "/organisations/{id}/contacts", Needs(EditDirectory), S::Organisation, post(dir::org_add_contact)),
        r(Method::GET, "/contacts/{id}", Needs(ReadDirectory), S::Contact, get(records::page::<crate::pages::directory::ContactRecord>)),
        r(Method::POST, "/contacts/{id}", Needs(EditDirectory), S::Contact, post(records::correct::<crate::pages::directory::ContactRecord>)),
        r(Method::POST, "/contacts/{id}/withdraw", Needs(EditDirectory), S::Contact, post(records::withdraw_record::<crate::pages::directory::ContactRecord>)),
        r(Method::POST, "/organisations/{id}/glass", Needs(BreakGlass), S::None, post(dir::org_break_glass)),
        r(Method::GET, "/sites", Needs(ReadDirectory), S::None, get(dir::site_list)),
        r(Method::POST, "/sites", Needs(EditDirectory), S::NewAtPlace, post(dir::site_create)),
        r(Method::GET, "/sites/new", Needs(EditDirectory), S::None, get(dir::site_new)),
        r(Method::GET, "/sites/{id}", Needs(ReadDirectory), S::None, get(dir::site_show)),
        r(Method::POST, "/sites/{id}", Needs(EditDirectory), S::Site, post(dir::site_update)),
        r(Method::GET, "/sites/{id}/edit", Needs(EditDirectory), S::Site, get(dir::site_edit)),
        r(Method::GET, "/committees", Needs(ReadDirectory), S::None, get(committees::list)),
        r(Method::POST, "/committees", Needs(WriteCommittees), S::NewAtPlace, post(committees::create)),
        r(Method::GET, "/committees/{id}", Needs(ReadDirectory), S::Committee, get(committees::show)),
        r(Method::POST, "/committees/{id}/members", Needs(WriteCommittees), S::Committee, post(committees::add_member)),
        r(Method::POST, "/committees/{id}/activities", Needs(WriteCommittees), S::Committee, post(committees::add_activity)),
        r(Method::POST, "/committees/{id}/budget", Needs(WriteCommittees), S::Committee, post(committees::add_budget)),
        r(Method::GET, "/committees/{id}/meetings/new", Needs(WriteCommittees), S::Committee, get(committees::meeting_form)),
        r(Method::POST, "/committees/{id}/meetings", Needs(WriteCommittees), S::Committee, post(committees::record_meeting)),
        r(Method::GET, "/meetings/{id}", Needs(ReadPersonal), S::Meeting, get(committees::minutes)),
        r(Method::GET, "/committees/{id}/record", Needs(ReadDirectory), S::Committee, get(records::page::<committees::CommitteeRecord>)),
        r(Method::POST, "/committees/{id}/record", Needs(WriteCommittees), S::Committee, post(records::correct::<committees::CommitteeRecord>)),
        r(Method::POST, "/decisions/{id}/status", Needs(WriteCommittees), S::Decision, post(committees::decision_status)),
        r(Method::GET, "/decisions/{id}", Needs(ReadDirectory), S::Decision, get(records::page::<committees::Decision>)),
        r(Method::POST, "/decisions/{id}", Needs(WriteCommittees), S::Decision, post(records::correct::<committees::Decision>)),
        r(Method::POST, "/decisions/{id}/withdraw", Needs(WriteCommittees), S::Decision, post(records::withdraw_record::<committees::Decision>)),
        r(Method::GET, "/budget/{id}", Needs(ReadDirectory), S::BudgetLine, get(records::page::<committees::BudgetLineRecord>)),
        r(Method::POST, "/budget/{id}", Needs(WriteCommittees), S::BudgetLine, post(records::correct::<committees::BudgetLineRecord>)),
        r(Method::POST, "/budget/{id}/withdraw", Needs(WriteCommittees), S::BudgetLine, post(records::withdraw_record::<committees::BudgetLineRecord>)),
        r(Method::GET, "/members/{id}", Needs(ReadDirectory), S::Member, get(records::page::<committees::MemberRecord>)),
        r(Method::POST, "/members/{id}", Needs(WriteCommittees), S::Member, post(records::correct::<committees::MemberRecord>)),
        r(Method::POST, "/members/{id}/withdraw", Needs(WriteCommittees), S::Member, post(records::withdraw_record::<committees::MemberRecord>)),
        r(Method::GET, "/activities/{id}", Needs(ReadDirectory), S::Activity, get(records::page::<committees::ActivityRecord>)),
        r(Method::POST, "/activities/{id}", Needs(WriteCommittees), S::Activity, post(records::correct::<committees::ActivityRecord>)),
        r(Method::POST, "/activities/{id}/withdraw", Needs(WriteCommittees), S::Activity, post(records::withdraw_record::<committees::ActivityRecord>)),
        r(Method::GET, "/meetings/{id}/record", Needs(ReadDirectory), S::Meeting, get(records::page::<committees::MeetingRecord>)),
        r(Method::POST, "/meetings/{id}/record", Needs(WriteCommittees), S::Meeting, post(records::correct::<committees::MeetingRecord>)),
        r(Method::POST, "/meetings/{id}/record/withdraw", Needs(WriteCommittees), S::Meeting, post(records::withdraw_record::<committees::MeetingRecord>)),
        r(Method::GET, "/parents-groups", Needs(ReadDirectory), S::None, get(parents::list)),
        r(Method::GET, "/parents-groups/sw.js", Public, S::None, get(offline::service_worker)),
        r(Method::POST, "/parents-groups", Needs(WriteParents), S::NewAtPlace, post(parents::create)),
        r(Method::GET, "/parents-groups/{id}", Needs(ReadDirectory), S::Group, get(parents::show)),
        r(Method::GET, "/parents-groups/{id}/record", Needs(ReadDirectory), S::Group, get(records::page::<parents::GroupRecord>)),
        r(Method::POST, "/parents-groups/{id}/record", Needs(WriteParents), S::Group, post(records::correct::<parents::GroupRecord>)),
        r(Method::POST, "/parents-groups/{id}/record/withdraw", Needs(WriteParents), S::Group, post(records::withdraw_record::<parents::GroupRecord>)),
        r(Method::POST, "/parents-groups/{id}/members", Needs(WriteParents), S::Group, post(parents::add_member)),
        r(Method::GET, "/parents-groups/{id}/sessions/new", Needs(WriteParents), S::Group, get(parents::session_form)),
        r(Method::POST, "/parents-groups/{id}/sessions", Needs(WriteParents), S::Group, post(parents::record_session)),
        r(Method::GET, "/group-members/{id}", Needs(ReadDirectory), S::GroupMember, get(records::page::<parents::GroupMember>)),
        r(Method::POST, "/group-members/{id}", Needs(WriteParents), S::GroupMember, post(records::correct::<parents::GroupMember>)),
        r(Method::POST, "/group-members/{id}/withdraw", Needs(WriteParents), S::GroupMember, post(records::withdraw_record::<parents::GroupMember>)),
        r(Method::GET, "/sessions/{id}", Needs(ReadDirectory), S::Session, get(records::page::<parents::Session>)),
        r(Method::POST, "/sessions/{id}", Needs(WriteParents), S::Session, post(records::correct::<parents::Session>)),
        r(Method::POST, "/sessions/{id}/withdraw", Needs(WriteParents), S::Session, post(records::withdraw_record::<parents::Session>)),
        r(Method::GET, "/youth", Needs(ReadDirectory), S::None, get(youth::page)),
        r(Method::GET, "/youth/sw.js", Public, S::None, get(offline::service_worker)),
        r(Method::GET, "/youth/events/new", Needs(WriteYouth), S::None, get(youth::event_form)),
        r(Method::POST, "/youth/ambassadors", Needs(WriteYouth), S::NewAtPlace, post(youth::add)),
        r(Method::POST, "/youth/ambassadors/{id}/status", Needs(WriteYouth), S::Ambassador, post(youth::set_status)),
        r(Method::GET, "/youth/ambassadors/{id}", Needs(ReadDirectory), S::Ambassador, get(records::page::<youth::Ambassador>)),
        r(Method::POST, "/youth/ambassadors/{id}", Needs(WriteYouth), S::Ambassador, post(records::correct::<youth::Ambassador>)),
        r(Method::POST, "/youth/ambassadors/{id}/withdraw", Needs(WriteYouth), S::Ambassador, post(records::withdraw_record::<youth::Ambassador>)),
        r(Method::GET, "/youth/groups/{id}", Needs(ReadDirectory), S::YouthGroup, get(records::page::<youth::YouthGroup>)),
        r(Method::POST, "/youth/groups/{id}", Needs(WriteYouth), S::YouthGroup, post(records::correct::<youth::YouthGroup>)),
        r(Method::POST, "/youth/groups/{id}/withdraw", Needs(WriteYouth), S::YouthGroup, post(records::withdraw_record::<youth::YouthGroup>)),
        r(Method::GET, "/youth/events/{id}", Needs(ReadDirectory), S::YouthEvent, get(records::page::<youth::YouthEvent>)),
        r(Method::POST, "/youth/events/{id}", Needs(WriteYouth), S::YouthEvent, post(records::correct::<youth::YouthEvent>)),
        r(Method::POST, "/youth/events/{id}/withdraw", Needs(WriteYouth), S::YouthEvent, post(records::withdraw_record::<youth::YouthEvent>)),
        r(Method::POST, "/youth/events", Needs(WriteYouth), S::NewAtPlace, post(youth::record_event)),
        r(Method::POST, "/youth/groups", Needs(WriteYouth), S::NewAtPlace, post(youth::add_group)),
        r(Method::GET, "/indicators", Needs(ReadAggregates), S::None, get(indicators::page)),
        r(Method::GET, "/statistics", Public, S::None, get(statistics::public)),
        r(Method::GET, "/statistics/open-data.csv", Public, S::None, get(statistics::open_data)),
        r(Method::GET, "/statistics/manage", Needs(PublishStatistics), S::None, get(statistics::manage)),
        r(Method::POST, "/statistics/manage", Needs(PublishStatistics), S::NewAtPlace, post(statistics::draft)),
        r(Method::POST, "/statistics/manage/approve", Needs(PublishStatistics), S::None, post(statistics::approve)),
        r(Method::POST, "/statistics/manage/publish", Needs(PublishStatistics), S::None, post(statistics::publish)),
        r(Method::POST, "/statistics/manage/discard", Needs(PublishStatistics), S::None, post(statistics::discard)),
        r(Method::GET, "/statistics/{id}", Public, S::None, get(statistics::release)),
        r(Method::GET, "/statistics/{id}/csv", Public, S::None, get(statistics::release_csv)),
        r(Method::GET, "/wards", Needs(ReadAggregates), S::None, get(wards::page)),
        r(Method::GET, "/wards/profile.csv", Needs(ReadAggregates), S::None, get(wards::profile_csv)),
        r(Method::POST, "/wards/profile", Needs(WriteCommittees), S::NewAtPlace, post(wards::import)),
        r(Method::GET, "/wards/survey.xlsx", Needs(ReadAggregates), S::None, get(wards::survey::form)),
        r(Method::POST, "/wards/survey", Needs(WriteTracing), S::NewAtPlace, post(wards::import_survey)),
        r(Method::GET, "/indicators.csv", Needs(ReadAggregates), S::None, get(indicators::csv)),
        r(Method::GET, "/indicators.xlsx", Needs(ReadAggregates), S::None, get(indicators::xlsx)),
        r(Method::GET, "/api/v1/indicators", Needs(ReadAggregates), S::None, get(indicators::api)),
        r(Method::GET, "/engagement", Needs(ReadAggregates), S::None, get(engagement::page)),
        r(Method::GET, "/forum", Needs(ReadDirectory), S::None, get(forum::page)),
        r(Method::POST, "/forum/alerts", Needs(WriteForum), S::NewAtPlace, post(forum::post_alert)),
        r(Method::POST, "/forum/services", Needs(EditDirectory), S::NewAtPlace, post(forum::add_service)),
        r(Method::POST, "/forum/entries", Needs(WriteForum), S::NewAtPlace, post(forum::add_entry)),
        r(Method::GET, "/forum/entries/{id}", Needs(ReadDirectory), S::ForumEntry, get(records::page::<forum::Entry>)),
        r(Method::POST, "/forum/entries/{id}", Needs(WriteForum), S::ForumEntry, post(records::correct::<forum::Entry>)),
        r(Method::POST, "/forum/entries/{id}/withdraw", Needs(WriteForum), S::ForumEntry, post(records::withdraw_record::<forum::Entry>)),
        r(Method::GET, "/forum/alerts/{id}", Needs(ReadDirectory), S::Alert, get(records::page::<forum::Alert>)),
        r(Method::POST, "/forum/alerts/{id}", Needs(WriteForum), S::Alert, post(records::correct::<forum::Alert>)),
        r(Method::POST, "/forum/alerts/{id}/withdraw", Needs(WriteForum), S::Alert, post(records::withdraw_record::<forum::Alert>)),
        r(Method::GET, "/booths", Needs(ReadAggregates), S::None, get(booths::dashboard)),
        r(Method::GET, "/booths.csv", Needs(ReadAggregates), S::None, get(booths::csv)),
        r(Method::GET, "/booths.xlsx", Needs(ReadAggregates), S::None, get(booths::xlsx)),
        r(Method::GET, "/booths/sw.js", Public, S::None, get(booths::service_worker)),
        r(Method::GET, "/booths/conflicts", Needs(WriteBooths), S::None, get(booths::conflicts)),
        r(Method::POST, "/booths/conflicts/{id}", Needs(WriteBooths), S::Conflict, post(booths::resolve)),
        r(Method::GET, "/booths/{id}/capture", Needs(WriteBooths), S::Booth, get(booths::capture)),
        r(Method::POST, "/booths/{id}/tallies", Needs(WriteBooths), S::Booth, post(booths::post_tally)),
        r(Method::POST, "/booths/{id}/screenings", Needs(WriteBooths), S::Booth, post(booths::post_screening)),
        r(Method::GET, "/booths/{id}/screenings", Needs(ReadPersonal), S::Booth, get(booths::screenings)),
        r(Method::GET, "/screenings/{id}", Needs(ReadPersonal), S::Screening, get(booths::screening)),
        r(Method::POST, "/screenings/{id}/glass", Needs(BreakGlass), S::None, post(booths::screening_glass)),
        r(Method::GET, "/screenings/{id}/record", Needs(ReadPersonal), S::Screening, get(records::page::<booths::ScreeningRecord>)),
        r(Method::POST, "/screenings/{id}/record", Needs(CorrectPersonal), S::Screening, post(records::correct::<booths::ScreeningRecord>)),
        r(Method::POST, "/screenings/{id}/record/withdraw", Needs(CorrectPersonal), S::Screening, post(records::withdraw_record::<booths::ScreeningRecord>)),
        r(Method::GET, "/risk", Needs(ReadDirectory), S::None, get(risk::page)),
        r(Method::POST, "/risk", Needs(ManageReference), S::None, post(risk::save)),
        r(Method::GET, "/cases", Needs(ReadSurvivorCases), S::None, get(cases::list)),
        r(Method::GET, "/cases/htcds.csv", Needs(ReadSurvivorCases), S::None, get(cases::htcds::export)),
        r(Method::POST, "/cases", Needs(WriteSurvivorCases), S::None, post(cases::create)),
        r(Method::GET, "/cases/new", Needs(WriteSurvivorCases), S::None, get(cases::new)),
        r(Method::GET, "/cases/{id}", Needs(ReadSurvivorCases), S::SurvivorCase, get(cases::show)),
        r(Method::POST, "/cases/{id}/consents", Needs(WriteSurvivorCases), S::SurvivorCase, post(cases::add_consent)),
        r(Method::POST, "/cases/{id}/consents/withdraw", Needs(WriteSurvivorCases), S::SurvivorCase, post(cases::withdraw_consent)),
        r(Method::POST, "/cases/{id}/close", Needs(WriteSurvivorCases), S::SurvivorCase, post(cases::ask_closure)),
        r(Method::POST, "/cases/{id}/closure", Needs(ApproveCaseClosure), S::SurvivorCase, post(cases::decide_closure)),
        r(Method::POST, "/cases/{id}/reopen", Needs(WriteSurvivorCases), S::SurvivorCase, post(cases::reopen)),
        r(Method::POST, "/cases/{id}/assessments", Needs(WriteSurvivorCases), S::SurvivorCase, post(cases::add_assessment)),
        r(Method::POST, "/cases/{id}/goals", Needs(WriteSurvivorCases), S::SurvivorCase, post(cases::add_goal)),
        r(Method::POST, "/cases/{id}/goals/settle", Needs(WriteSurvivorCases), S::SurvivorCase, post(cases::settle_goal)),
        r(Method::POST, "/cases/{id}/tasks", Needs(WriteSurvivorCases), S::SurvivorCase, post(cases::add_task)),
        r(Method::POST, "/cases/{id}/tasks/done", Needs(WriteSurvivorCases), S::SurvivorCase, post(cases::finish_task)),
        r(Method::POST, "/cases/{id}/reviews", Needs(WriteSurvivorCases), S::SurvivorCase, post(cases::review_plan)),
        r(Method::POST, "/cases/{id}/home", Needs(WriteSurvivorCases), S::SurvivorCase, post(cases::returned_home)),
        r(Method::POST, "/cases/{id}/followups", Needs(WriteSurvivorCases), S::SurvivorCase, post(cases::record_followup)),
        r(Method::POST, "/cases/{id}/followups/schedule", Needs(WriteSurvivorCases), S::SurvivorCase, post(cases::schedule_followup)),
        r(Method::POST, "/cases/{id}/services", Needs(WriteSurvivorCases), S::SurvivorCase, post(cases::add_service)),
        r(Method::POST, "/cases/{id}/tranches", Needs(WriteSurvivorCases), S::SurvivorCase, post(cases::pay_tranche)),
        r(Method::POST, "/cases/{id}/referrals", Needs(WriteSurvivorCases), S::SurvivorCase, post(cases::send_referral)),
        r(Method::POST, "/cases/{id}/referrals/close", Needs(WriteSurvivorCases), S::SurvivorCase, post(cases::close_referral)),
        r(Method::GET, "/case-referrals/{id}", Needs(ReadSurvivorCases), S::CaseReferral, get(cases::show_referral)),
        r(Method::POST, "/case-referrals/{id}/answer", Needs(WriteSurvivorCases), S::CaseReferral, post(cases::answer_referral)),
        r(Method::POST, "/case-referrals/{id}/delivered", Needs(WriteSurvivorCases), S::CaseReferral, post(cases::deliver_referral)),
        r(Method::POST, "/cases/{id}/experience", Needs(WriteSurvivorCases), S::SurvivorCase, post(cases::record_experience)),
        r(Method::POST, "/cases/{id}/perpetrators", Needs(WriteSurvivorCases), S::SurvivorCase, post(cases::add_perpetrator)),
        r(Method::POST, "/cases/budget", Needs(ApproveCaseClosure), S::None, post(cases::add_own_line)),
        r(Method::GET, "/cases/followups", Needs(WriteSurvivorCases), S::None, get(cases::visits)),
        r(Method::GET, "/cases/sw.js", Public, S::None, get(offline::service_worker)),
        r(Method::POST, "/cases/{id}/attachments", Needs(WriteSurvivorCases), S::SurvivorCase, post(cases::add_attachment)),
        r(Method::GET, "/cases/{id}/attachments/{att}", Needs(ReadSurvivorCases), S::SurvivorCase, get(cases::attachment)),
        r(Method::GET, "/cases/{id}/summary", Needs(ReadSurvivorCases), S::SurvivorCase, get(cases::summary)),
        r(Method::POST, "/cases/{id}/justice", Needs(WriteSurvivorCases), S::SurvivorCase, post(cases::record_justice)),
        r(Method::POST, "/cases/{id}/hearings", Needs(WriteSurvivorCases), S::SurvivorCase, post(cases::add_hearing)),
        r(Method::POST, "/cases/{id}/caseworker", Needs(WriteSurvivorCases), S::SurvivorCase, post(cases::assign)),
        r(Method::POST, "/cases/{id}/transfer", Needs(WriteSurvivorCases), S::SurvivorCase, post(cases::ask_transfer)),
        r(Method::POST, "/cases/{id}/transfer/answer", Needs(WriteSurvivorCases), S::SurvivorCase, post(cases::answer_transfer)),
        r(Method::POST, "/cases/{id}/transfer/cancel", Needs(WriteSurvivorCases), S::SurvivorCase, post(cases::cancel_transfer)),
        r(Method::GET, "/handovers", Needs(ReadDirectory), S::None, get(handovers::list)),
        r(Method::POST, "/handovers", Needs(WriteHandovers), S::NewAtPlace, post(handovers::create_form)),
        r(Method::GET, "/handovers/{id}", Needs(ReadPersonal), S::Handover, get(handovers::show)),
        r(Method::POST, "/handovers/{id}/acknowledge", Needs(WriteHandovers), S::Handover, post(handovers::acknowledge)),
        r(Method::GET, "/handovers/{id}/record", Needs(ReadPersonal), S::Handover, get(records::page::<handovers::HandoverRecord>)),
        r(Method::POST, "/handovers/{id}/record", Needs(WriteHandovers), S::Handover, post(records::correct::<handovers::HandoverRecord>)),
        r(Method::POST, "/handovers/{id}/record/withdraw", Needs(WriteHandovers), S::Handover, post(records::withdraw_record::<handovers::HandoverRecord>)),
        r(Method::GET, "/referrals", Needs(ReadDirectory), S::None, get(handovers::referrals)),
        r(Method::POST, "/referrals", Needs(WriteHandovers), S::NewAtPlace, post(handovers::create_referral)),
        r(Method::GET, "/referrals/{id}", Needs(ReadDirectory), S::Referral, get(handovers::referral)),
        r(Method::POST, "/referrals/{id}/status", Needs(WriteHandovers), S::Referral, post(handovers::referral_status)),
        r(Method::GET, "/tracing", Needs(ReadDirectory), S::None, get(tracing::register)),
        r(Method::GET, "/tracing/reports/new", Needs(WriteTracing), S::None, get(tracing::report_new)),
        r(Method::POST, "/tracing/reports", Needs(WriteTracing), S::NewAtPlace, post(tracing::report_create)),
        r(Method::GET, "/tracing/reports/{id}", Needs(ReadPersonal), S::Report, get(tracing::report)),
        r(Method::POST, "/tracing/reports/{id}/attachments", Needs(WriteTracing), S::Report, post(tracing::add_report_attachment)),
        r(Method::GET, "/tracing/reports/{id}/attachments/{att}", Needs(ReadPersonal), S::Report, get(tracing::report_attachment)),
        r(Method::POST, "/tracing/reports/{id}/status", Needs(WriteTracing), S::Report, post(tracing::report_status)),
        r(Method::GET, "/tracing/reports/{id}/edit", Needs(CorrectPersonal), S::Report, get(tracing::report_edit)),
        r(Method::POST, "/tracing/reports/{id}/withdraw", Needs(CorrectPersonal), S::Report, post(tracing::withdraw_report)),
        r(Method::POST, "/tracing/reports/{id}", Needs(CorrectPersonal), S::Report, post(tracing::report_correct)),
        r(Method::GET, "/tracing/encounters", Needs(ReadDirectory), S::None, get(tracing::encounters)),
        r(Method::POST, "/tracing/encounters", Needs(WriteTracing), S::NewAtPlace, post(tracing::encounter_create)),
        r(Method::GET, "/tracing/encounters/{id}", Needs(ReadPersonal), S::Encounter, get(tracing::encounter)),
        r(Method::GET, "/tracing/encounters/{id}/record", Needs(ReadPersonal), S::Encounter, get(records::page::<tracing::Encounter>)),
        r(Method::POST, "/tracing/encounters/{id}/record", Needs(CorrectPersonal), S::Encounter, post(records::correct::<tracing::Encounter>)),
        r(Method::POST, "/tracing/encounters/{id}/record/withdraw", Needs(CorrectPersonal), S::Encounter, post(records::withdraw_record::<tracing::Encounter>)),
        r(Method::GET, "/tracing/matches", Needs(ConfirmMatches), S::None, get(matches::matches)),
        r(Method::GET, "/tracing/matches/{id}", Needs(ConfirmMatches), S::Proposal, get(matches::match_page)),
        r(Method::POST, "/tracing/matches/{id}", Needs(ConfirmMatches), S::Proposal, post(matches::decide)),
        r(Method::POST, "/tracing/matches/{id}/undo", Needs(ConfirmMatches), S::Proposal, post(matches::undo)),
        r(Method::GET, "/notifications", SignedIn, S::None, get(notifications::notifications)),
        r(Method::POST, "/notifications/read", SignedIn, S::None, post(notifications::notifications_read)),
        r(Method::GET, "/api/v1/alerts", SignedIn, S::None, get(notifications::alerts_api)),
        r(Method::POST, "/api/v1/tracing/reports", Needs(WriteTracing), S::NewAtPlace, post(tracing::api_report_create)),
        r(Method::POST, "/api/v1/tracing/encounters", Needs(WriteTracing), S::NewAtPlace, post(tracing::api_encounter_create)),
        r(Method::GET, "/api/v1/tracing/matches", Needs(ConfirmMatches), S::None, get(matches::api_matches)),
        r(Method::POST, "/api/v1/sync", Needs(WriteBooths), S::None, post(booths::sync_api)),
        r(Method::POST, "/api/v1/community/sync", SignedIn, S::None, post(offline::sync)),
        r(Method::GET, "/api/v1/tallies", Needs(ReadDirectory), S::None, get(booths::tallies_api)),
        r(Method::GET, "/api/v1/booths/figures", Needs(ReadAggregates), S::None, get(booths::figures_api)),
        r(Method::GET, "/api/v1/risk-catalogue", Needs(ReadDirectory), S::None, get(risk::api)),
        r(Method::GET, "/api/v1/handovers", Needs(ReadDirectory), S::None, get(handovers::api_list)),
        r(Method::POST, "/api/v1/handovers", Needs(WriteHandovers), S::NewAtPlace, post(handovers::api_create)),
        r(Method::POST, "/api/v1/handovers/{id}/acknowledge", Needs(WriteHandovers), S::Handover, post(handovers::api_acknowledge)),
        r(Method::GET, "/api/v1/referrals", Needs(ReadDirectory), S::None, get(handovers::api_referrals)),
        r(Method::POST, "/api/v1/referrals", Needs(WriteHandovers), S::NewAtPlace, post(handovers::api_create_referral)),
        r(Method::POST, "/api/v1/referrals/{id}/status", Needs(WriteHandovers), S::Referral, post(handovers::api_referral_status)),
        r(Method::GET, "/api/v1/openapi.json", Public, S::None, get(api::openapi)),
        r(Method::GET, "/glass", Needs(ReviewGlass), S::None, get(audit::review)),
        r(Method::GET, "/audit", Needs(ReadAudit), S::None, get(audit::browse)),
        r(Method::GET, "/audit.csv", Needs(ReadAudit), S::None, get(audit::export)),
        r(Method::GET, "/audit/withdrawn", Needs(ReadAudit), S::None, get(audit::withdrawn)),
        r(Method::GET, "/admin/users", Needs(AdministerUsers), S::None, get(admin::list)),
        r(Method::POST, "/admin/users", Needs(AdministerUsers), S::None, post(admin::create)),
        r(Method::GET, "/admin/users/{id}", Needs(AdministerUsers), S::User, get(admin::show)),
        r(Method::POST, "/admin/users/{id}/role", Needs(AdministerUsers), S::User, post(admin::set_role)),
        r(Method::POST, "/admin/users/{id}/disable", Needs(AdministerUsers), S::User, post(admin::disable)),
        r(Method::POST, "/admin/users/{id}/enable", Needs(AdministerUsers), S::User, post(admin::enable)),
        r(Method::POST, "/admin/users/{id}/password", Needs(AdministerUsers), S::User, post(admin::reset_password)),
        r(Method::POST, "/admin/requests/{id}/approve", Needs(AdministerUsers), S::RoleRequest, post(admin::approve)),
        r(Method::POST, "/admin/requests/{id}/refuse", Needs(AdministerUsers), S::RoleRequest, post(admin::refuse)),
        r(Method::GET, "/account", SignedIn, S::None, get(account::show)),
        r(Method::POST, "/account/tokens", SignedIn, S::None, post(account::create_token)),
        r(Method::POST, "/account/password", SignedIn, S::None, post(account::change_password)),
        r(Method::POST, "/account/second-factor", SignedIn, S::None, post(account::start_second_factor)),
        r(Method::POST, "/account/second-factor/confirm", SignedIn, S::None, post(account::confirm_second_factor)),
        r(Method::POST, "/account/tokens/{id}/revoke", SignedIn, S::OwnToken, post(account::revoke_token)),
        r(Method::POST, "/admin/tokens/{id}/revoke", Needs(AdministerUsers), S::Token, post(admin::revoke_token)),
        r(Method::GET, "/api/v1/geo/provinces", Public, S::None, get(api::provinces)),
        r(Method::GET, "/api/v1/geo/districts", Public, S::None, get(api::districts)),
        r(Method::GET, "/api/v1/geo/local-levels", Public, S::None, get(api::local_levels)),
        r(Method::GET, "/api/v1/geo/wards", Public, S::None, get(api::wards)),
        r(Method::GET, "/api/v1/me", SignedIn, S::None, get(api::me)),
        r(Method::GET, "/api/v1/contacts", Needs(ReadDirectory), S::None, get(api::contacts)),
        r(Method::POST, "/api/v1/organisations", Needs(EditDirectory), S::NewAtPlace, post(api::create_organisation)),
        r(Method::GET, "/static/{name}", Public, S::None, get(assets::file)),
        r(Method::GET, "/healthz", Public, S::None, get(healthz)),
        r(Method::GET, "/readyz", Public, S::None, get(readyz)),
    ]
}

#[cfg(test)]
mod access_tests {
    use super::*;

    #[test]
    fn a_path_is_matched_to_its_route_with_literals_first() {
        assert_eq!(access_of("/"), Some(Access::Public));
        assert_eq!(
            access_of("/organisations/new?x=1"),
            Some(Access::Needs(Capability::EditDirectory))
        );
        assert_eq!(
            access_of("/organisations/17"),
            Some(Access::Needs(Capability::ReadDirectory))
        );
        assert_eq!(
            access_of("/audit#top"),
            Some(Access::Needs(Capability::ReadAudit))
        );
        assert_eq!(access_of("/no/such/page"), None);
    }
}
