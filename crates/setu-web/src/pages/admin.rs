//! Administration of accounts: create, disable and re-enable, role and scope, password
//! reset, API tokens. Every change goes through the store, which audits it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use setu_core::access::{Capability, Role, Scope, MATRIX};
use setu_store::auth::{NewUser, User};

use crate::auth::{allow, SignedIn};
use crate::error::WebError;
use crate::page::Page;
use crate::pages::refusal;
use crate::templates::{AdminUserPage, AdminUsersPage, Choice, RenderHtml, UserRow};
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

fn row(page: &Page, u: &User) -> UserRow {
    UserRow {
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
    SignedIn(me): SignedIn,
) -> Result<Response, WebError> {
    allow(&me, Capability::AdministerUsers, None, false)?;
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
    let rows = users.iter().map(|u| row(&page, u)).collect();
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
    allow(&me, Capability::AdministerUsers, None, false)?;
    let parsed = (Role::parse(&f.role), f.scope.parse::<Scope>());
    let (Some(role), Ok(scope)) = parsed else {
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
    allow(&me, Capability::AdministerUsers, None, false)?;
    render_user(&app, page, &id, None, None, StatusCode::OK).await
}

async fn render_user(
    app: &AppState,
    page: Page,
    id: &str,
    notice: Option<String>,
    new_token: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let user = app.store.user(id).await?;
    let page = page.with_title(user.username.clone(), "admin");
    let tokens = app
        .store
        .api_tokens(id)
        .await?
        .into_iter()
        .map(|(tid, created, revoked)| (tid, page.date(&created), revoked.map(|r| page.date(&r))))
        .collect();
    let html = AdminUserPage {
        row: row(&page, &user),
        roles: role_choices(&page, user.role.as_str()),
        scope: user.scope.to_string(),
        version: user.version,
        disabled: user.disabled,
        id: user.id.clone(),
        tokens,
        new_token,
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
    allow(&me, Capability::AdministerUsers, None, false)?;
    let version: i64 = f.version.parse().map_err(|_| WebError::BadRequest)?;
    let (Some(role), Ok(scope)) = (Role::parse(&f.role), f.scope.parse::<Scope>()) else {
        let msg = page.t("error-role-scope");
        return render_user(
            &app,
            page,
            &id,
            Some(msg),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    match app
        .store
        .set_role(&me.actor(), &id, version, role, scope)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/admin/users/{id}")).into_response()),
        Err(e) => {
            let (msg, status) = refusal(e)?;
            let msg = page.t(msg);
            render_user(&app, page, &id, Some(msg), None, status).await
        }
    }
}

/// `POST /admin/users/{id}/disable` and `/enable`
pub async fn disable(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    set_disabled(app, me, id, true).await
}

/// `POST /admin/users/{id}/enable`
pub async fn enable(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    set_disabled(app, me, id, false).await
}

async fn set_disabled(
    app: AppState,
    me: User,
    id: String,
    disabled: bool,
) -> Result<Response, WebError> {
    allow(&me, Capability::AdministerUsers, None, false)?;
    if disabled && id == me.id {
        return Err(WebError::BadRequest); // an administrator cannot lock themselves out
    }
    app.store.set_disabled(&me.actor(), &id, disabled).await?;
    Ok(Redirect::to(&format!("/admin/users/{id}")).into_response())
}

/// `POST /admin/users/{id}/password`
pub async fn reset_password(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
    Form(f): Form<UserForm>,
) -> Result<Response, WebError> {
    allow(&me, Capability::AdministerUsers, None, false)?;
    match app.store.set_password(&me.actor(), &id, &f.password).await {
        Ok(()) => {
            let msg = page.t("password-reset-done");
            render_user(&app, page, &id, Some(msg), None, StatusCode::OK).await
        }
        Err(e) => {
            let (msg, status) = refusal(e)?;
            let msg = page.t(msg);
            render_user(&app, page, &id, Some(msg), None, status).await
        }
    }
}

/// `POST /admin/users/{id}/tokens`: shows the new token once.
pub async fn create_token(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    allow(&me, Capability::AdministerUsers, None, false)?;
    let token = app.store.create_api_token(&me.actor(), &id).await?;
    render_user(&app, page, &id, None, Some(token), StatusCode::OK).await
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
    allow(&me, Capability::AdministerUsers, None, false)?;
    app.store.revoke_api_token(&me.actor(), &id).await?;
    Ok(Redirect::to(&format!("/admin/users/{}", f.user)).into_response())
}
