//! Administration of accounts: create, disable and re-enable, role and scope (a role that
//! reads personal data waits for a second administrator), password reset, revoking API tokens
//! (only their owner mints them). Every change goes through the store, which audits it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use setu_core::access::{Role, Scope, MATRIX};
use setu_store::approvals::RequestKind;
use setu_store::auth::{AdminChange, NewUser, User};

use crate::auth::SignedIn;
use crate::error::WebError;
use crate::page::Page;
use crate::pages::account::token_row;
use crate::pages::refusal;
use crate::templates::{AdminUserPage, AdminUsersPage, Choice, RenderHtml, RequestRow, UserRow};
use crate::AppState;

/// The new-user form (also used for role changes and password resets: absent fields stay empty).
#[derive(Debug, Deserialize, Default, Clone)]
pub struct UserForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub version: String,
}

fn role_choices(page: &Page, current: &str) -> Vec<Choice> {
    MATRIX
        .iter()
        .map(|s| Choice {
            value: s.role.as_str().into(),
            label: page.t(&format!("role-{}", s.role.as_str())),
            selected: s.role.as_str() == current,
        })
        .collect()
}

async fn row(app: &AppState, page: &Page, u: &User) -> UserRow {
    UserRow {
        scope_name: scope_name(app, page, u.scope).await,
        href: format!("/admin/users/{}", u.id),
        username: u.username.clone(),
        full_name: u.full_name.clone().unwrap_or_default(),
        role: page.t(&format!("role-{}", u.role.as_str())),
        scope: u.scope.to_string(),
        status: page.t(if u.disabled {
            "user-disabled"
        } else {
            "user-active"
        }),
    }
}

/// `GET /admin/users`
pub async fn list(
    State(app): State<AppState>,
    page: Page,
    SignedIn(_me): SignedIn,
) -> Result<Response, WebError> {
    render_list(&app, page, UserForm::default(), None, StatusCode::OK).await
}

async fn render_list(
    app: &AppState,
    page: Page,
    form: UserForm,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let page = page.titled("admin-users-title", "admin");
    let users = app.store.users().await?;
    let mut rows = Vec::with_capacity(users.len());
    for u in &users {
        rows.push(row(app, &page, u).await);
    }
    let roles = role_choices(&page, &form.role);
    let html = AdminUsersPage {
        p: &page,
        rows,
        roles,
        form,
        error,
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}

/// `POST /admin/users`
pub async fn create(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Form(f): Form<UserForm>,
) -> Result<Response, WebError> {
    let parsed = (Role::parse(&f.role), read_scope(&app, &f.scope).await?);
    let (Some(role), Some(scope)) = parsed else {
        let msg = page.t("error-role-scope");
        return render_list(&app, page, f, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let new = NewUser {
        username: f.username.trim().to_lowercase(),
        password: f.password.clone(),
        role,
        scope,
        full_name: Some(f.full_name.clone()),
    };
    match app.store.create_user(&me.actor(), &new).await {
        Ok(u) => Ok(Redirect::to(&format!("/admin/users/{}", u.id)).into_response()),
        Err(e) => {
            let (msg, status) = refusal(e)?;
            let msg = page.t(msg);
            let form = UserForm {
                password: String::new(),
                ..f
            };
            render_list(&app, page, form, Some(msg), status).await
        }
    }
}

/// `GET /admin/users/{id}`
pub async fn show(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    render_user(&app, page, &me, &id, None, StatusCode::OK).await
}

async fn render_user(
    app: &AppState,
    page: Page,
    me: &User,
    id: &str,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let user = app.store.user(id).await?;
    let page = page.with_title(user.username.clone(), "admin");
    let tokens = app
        .store
        .api_tokens(id)
        .await?
        .iter()
        .map(|t| token_row(&page, id, t, format!("/admin/tokens/{}/revoke", t.id)))
        .collect();
    let mut requests = Vec::new();
    for r in app.store.pending_role_requests(Some(id)).await? {
        requests.push(RequestRow {
            role: match r.kind {
                RequestKind::Role => page.t(&format!("role-{}", r.role.as_str())),
                RequestKind::Password => page.t("role-request-password"),
            },
            scope: scope_name(app, &page, r.scope).await,
            asked_on: page.date(&r.requested_at),
            may_decide: r.requested_by != me.id && r.user_id != me.id,
            asked_by: r.requested_by_name,
            new_account: r.new_account,
            id: r.id,
        });
    }
    let html = AdminUserPage {
        row: row(app, &page, &user).await,
        roles: role_choices(&page, user.role.as_str()),
        scope: user.scope.to_string(),
        version: user.version,
        disabled: user.disabled,
        id: user.id.clone(),
        tokens,
        requests,
        notice,
        p: &page,
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}

/// `POST /admin/users/{id}/role`
pub async fn set_role(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<UserForm>,
) -> Result<Response, WebError> {
    let version: i64 = f.version.parse().map_err(|_| WebError::BadRequest)?;
    let (Some(role), Some(scope)) = (Role::parse(&f.role), read_scope(&app, &f.scope).await?)
    else {
        let msg = page.t("error-role-scope");
        return render_user(
            &app,
            page,
            &me,
            &id,
            Some(msg),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    match app
        .store
        .set_role(&me.actor(), &id, version, role, scope)
        .await
    {
        Ok(AdminChange::Done) => Ok(Redirect::to(&format!("/admin/users/{id}")).into_response()),
        Ok(AdminChange::Requested) => {
            let msg = page.t("role-request-sent");
            render_user(&app, page, &me, &id, Some(msg), StatusCode::OK).await
        }
        Err(e) => {
            let (msg, status) = refusal(e)?;
            let msg = page.t(msg);
            render_user(&app, page, &me, &id, Some(msg), status).await
        }
    }
}

/// `POST /admin/users/{id}/disable` and `/enable`
pub async fn disable(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    set_disabled(app, page, me, id, true).await
}

/// `POST /admin/users/{id}/enable`
pub async fn enable(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    set_disabled(app, page, me, id, false).await
}

async fn set_disabled(
    app: AppState,
    page: Page,
    me: User,
    id: String,
    disabled: bool,
) -> Result<Response, WebError> {
    if disabled && id == me.id {
        return Err(WebError::BadRequest); // an administrator cannot lock themselves out
    }
    match app.store.set_disabled(&me.actor(), &id, disabled).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/users/{id}")).into_response()),
        Err(e) => {
            let (msg, status) = refusal(e)?;
            let msg = page.t(msg);
            render_user(&app, page, &me, &id, Some(msg), status).await
        }
    }
}

/// `POST /admin/users/{id}/password`
pub async fn reset_password(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<UserForm>,
) -> Result<Response, WebError> {
    match app
        .store
        .reset_password(&me.actor(), &id, &f.password)
        .await
    {
        Ok(AdminChange::Requested) => {
            let msg = page.t("password-reset-requested");
            render_user(&app, page, &me, &id, Some(msg), StatusCode::OK).await
        }
        Ok(AdminChange::Done) => {
            let msg = page.t("password-reset-done");
            render_user(&app, page, &me, &id, Some(msg), StatusCode::OK).await
        }
        Err(e) => {
            let (msg, status) = refusal(e)?;
            let msg = page.t(msg);
            render_user(&app, page, &me, &id, Some(msg), status).await
        }
    }
}

/// `POST /admin/requests/{id}/approve` and `/refuse`: a second administrator decides.
async fn decide(
    app: AppState,
    page: Page,
    me: User,
    id: String,
    approve: bool,
) -> Result<Response, WebError> {
    let user = app
        .store
        .pending_role_requests(None)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .map(|r| r.user_id)
        .ok_or(WebError::NotFound)?;
    match app
        .store
        .decide_role_request(&me.actor(), &id, approve)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/admin/users/{user}")).into_response()),
        Err(e) => {
            let (msg, status) = refusal(e)?;
            let msg = page.t(msg);
            render_user(&app, page, &me, &user, Some(msg), status).await
        }
    }
}

/// `POST /admin/requests/{id}/approve`
pub async fn approve(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    decide(app, page, me, id, true).await
}

/// `POST /admin/requests/{id}/refuse`
pub async fn refuse(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    decide(app, page, me, id, false).await
}

/// The revoke form.
#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    user: String,
}

/// `POST /admin/tokens/{id}/revoke`
pub async fn revoke_token(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<RevokeForm>,
) -> Result<Response, WebError> {
    app.store.revoke_api_token(&me.actor(), &id, None).await?;
    Ok(Redirect::to(&format!("/admin/users/{}", f.user)).into_response())
}

/// A scope as people say it: a place by name, a site or an organisation by its name, with
/// the kind of scope (`Banke (district)`).
pub(crate) async fn scope_name(app: &AppState, page: &Page, scope: Scope) -> String {
    match scope {
        Scope::Place(code) => page.place(&code.to_string()),
        Scope::Site(id) => match app.store.site(id).await {
            Ok(s) => page.name(&Some(s.name_en), &s.name_ne),
            Err(_) => scope.to_string(),
        },
        Scope::Organisation(id) => match app.store.organisation(id).await {
            Ok(o) => page.name(&Some(o.name_en), &o.name_ne),
            Err(_) => scope.to_string(),
        },
    }
}

/// Reads a scope as typed: a code (`NP`, `511`, `site:3`, `org:12`), or the name of a place
/// in either script (`Banke`, `बाँके`) when exactly one place is called so.
pub(crate) async fn read_scope(app: &AppState, typed: &str) -> Result<Option<Scope>, WebError> {
    if let Ok(scope) = typed.parse::<Scope>() {
        return Ok(Some(scope));
    }
    let typed = typed.trim();
    if typed.is_empty() {
        return Ok(None);
    }
    let found = app.store.search_places(typed, 10).await?;
    let same = |n: &Option<String>| {
        n.as_deref()
            .is_some_and(|n| n.to_lowercase() == typed.to_lowercase())
    };
    let exact: Vec<_> = found
        .iter()
        .filter(|p| same(&p.name_en) || same(&p.name_ne))
        .collect();
    Ok(match (exact.as_slice(), found.as_slice()) {
        ([one], _) => Some(Scope::Place(one.code)),
        ([], [one]) => Some(Scope::Place(one.code)),
        _ => None,
    })
}
