//! The home page: for a signed-in person, what is waiting for them and their main action
//! first; then what Setu is, today's date in Bikram Sambat, and the size of what it holds.

use axum::extract::State;
use axum::response::Html;
use setu_core::access::Capability;
use setu_core::calendar::iso;
use setu_core::FiscalYear;
use setu_store::auth::User;

use crate::auth::can;
use crate::error::WebError;
use crate::page::Page;
use crate::templates::{Home, RenderHtml, WorkItem};
use crate::AppState;

/// `GET /`
pub async fn home(State(app): State<AppState>, page: Page) -> Result<Html<String>, WebError> {
    let page = page.titled("home-title", "home");
    let today = setu_core::calendar::today_in_nepal();
    let counts = app.store.place_counts().await?;
    let (organisations, sites) = app.store.directory_counts().await?;
    let fiscal_year = FiscalYear::containing(today)
        .map(|fy| fy.label(page.prefs.digits))
        .unwrap_or_default();
    let (actions, work) = match page.auth.user() {
        Some(me) => (
            main_actions(&app, &page, me).await?,
            waiting(&app, &page, me).await?,
        ),
        None => (Vec::new(), Vec::new()),
    };
    Ok(Html(
        Home {
            p: &page,
            today: iso(today),
            fiscal_year,
            counts,
            organisations,
            sites,
            query: String::new(),
            actions,
            work,
        }
        .render_html(),
    ))
}

/// What the person does most, as buttons: a booth worker records at her booths.
async fn main_actions(
    app: &AppState,
    page: &Page,
    me: &User,
) -> Result<Vec<(String, String)>, WebError> {
    let mut actions = Vec::new();
    if me.holds(Capability::WriteBooths) {
        for b in app.store.booths(me.scope).await? {
            let target = crate::pages::booths::booth_target(&b);
            if can(me, Capability::WriteBooths, Some(&target), false) {
                let name = page.name(&Some(b.name_en.clone()), &b.name_ne);
                actions.push((
                    format!("/booths/{}/capture", b.id),
                    page.t1("work-capture", "booth", &name),
                ));
            }
        }
    }
    if me.holds(Capability::WriteTracing) && page.opens("/tracing/reports/new") {
        actions.push(("/tracing/reports/new".into(), page.t("report-new")));
    }
    Ok(actions)
}

/// What is waiting for the person, each with how many and where to act on it; only what
/// their role may open.
async fn waiting(app: &AppState, page: &Page, me: &User) -> Result<Vec<WorkItem>, WebError> {
    let now = time::OffsetDateTime::now_utc();
    let scope = me.scope;
    let mut work = Vec::new();
    let mut item = |href: &str, label: &str, n: i64, urgent: i64| {
        if page.opens(href) {
            work.push(WorkItem {
                href: href.to_string(),
                label: page.t(label),
                count: page.num(&n),
                urgent: (urgent > 0).then(|| page.t1("work-overdue", "n", &page.num(&urgent))),
                none: n == 0,
            });
        }
    };
    let len = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    if me.holds(Capability::WriteBooths) {
        let n = app.store.sync_conflicts(scope).await?.len();
        item("/booths/conflicts", "work-conflicts", len(n), 0);
    }
    if me.holds(Capability::WriteHandovers) {
        let (n, late) = app.store.handovers_waiting(scope, now).await?;
        item("/handovers", "work-handovers", n, late);
        let (n, late) = app.store.referrals_waiting(scope, now).await?;
        item("/referrals", "work-referrals", n, late);
    }
    if me.holds(Capability::ConfirmMatches) {
        let n = app.store.proposals(scope, Some("proposed")).await?.len();
        item("/tracing/matches", "work-proposals", len(n), 0);
    }
    if me.holds(Capability::ReadPersonal) && me.holds(Capability::WriteTracing) {
        let counts = app.store.report_counts(scope).await?;
        let open = setu_stats::tracing::open_reports(&counts);
        item("/tracing", "work-reports", open, 0);
    }
    if let (true, setu_core::access::Scope::Organisation(org)) =
        (me.holds(Capability::ReadSurvivorCases), scope)
    {
        use setu_core::cases::CaseStatus;
        let counts = app.store.case_counts(org).await?;
        let of = |s: CaseStatus| {
            counts
                .iter()
                .filter(|(c, _)| *c == s)
                .map(|(_, n)| n)
                .sum::<i64>()
        };
        let today = setu_core::calendar::today_in_nepal();
        let due = app.store.followups_due(org, today).await?;
        let late = app.store.tasks_overdue(org, today).await?;
        item("/cases", "work-cases", of(CaseStatus::Open), late);
        item("/cases/followups", "work-followups", due, due);
        let hearings = app.store.hearings_ahead(org, today, 14).await?;
        item("/cases", "work-hearings", hearings, 0);
        let offered = app
            .store
            .cases_offered_to(org, setu_store::sealing::Reveal::No)
            .await?;
        item("/cases", "work-offered", len(offered.len()), 0);
        let received = app.store.case_referrals_to(org).await?;
        let waiting = received.iter().filter(|r| r.status == "sent").count();
        let late = received
            .iter()
            .filter(|r| crate::pages::cases::referral_overdue(r))
            .count();
        item("/cases", "work-referrals-received", len(waiting), len(late));
        if me.holds(Capability::ApproveCaseClosure) {
            item(
                "/cases",
                "work-closures",
                of(CaseStatus::ClosureRequested),
                0,
            );
        }
    }
    if me.holds(Capability::ReviewGlass) {
        let n = app.store.glass_grants_in(scope).await?.len();
        item("/glass", "work-glass", len(n), 0);
    }
    if me.holds(Capability::AdministerUsers) {
        let n = app.store.pending_role_requests(None).await?.len();
        item("/admin/users", "work-requests", len(n), 0);
    }
    Ok(work)
}
