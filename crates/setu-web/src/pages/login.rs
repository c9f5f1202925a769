//! Signing in and out, and the one-time setup of the first administrator.

use axum::extract::{Query, State};
use axum::http::header::{HeaderValue, RETRY_AFTER, SET_COOKIE};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;
use setu_store::auth::Login;
use setu_store::StoreError;

use crate::auth::{client_addr, Auth, SESSION_COOKIE};
use crate::error::WebError;
use crate::page::Page;
use crate::pages::prefs::{safe_next, see_other_next};
use crate::templates::{LoginPage, RenderHtml, SetupPage};
use crate::AppState;

/// The query of `/login`.
#[derive(Debug, Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
}

/// The login form.
#[derive(Debug, Deserialize, Default)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// `GET /login`
pub async fn form(page: Page, Query(q): Query<NextQuery>) -> Html<String> {
    let page = page.titled("login-title", "login");
    Html(
        LoginPage {
            p: &page,
            username: String::new(),
            next: safe_next(q.next.as_deref()),
            error: None,
            challenge: None,
        }
        .render_html(),
    )
}

/// `POST /login`
pub async fn submit(
    State(app): State<AppState>,
    page: Page,
    request_ext: axum::http::Extensions,
    headers: axum::http::HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, WebError> {
    let client = client_addr(&request_ext, &headers, &app.config.trusted_proxies);
    let outcome = app
        .store
        .login(&f.username, &f.password, &client, &app.config.auth)
        .await?;
    answer(&app, page, outcome, &f.username, &f.next)
}

/// The code form.
#[derive(Debug, Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    challenge: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

/// `POST /login/code`: the second step of a sign-in with a second factor.
pub async fn submit_code(
    State(app): State<AppState>,
    page: Page,
    request_ext: axum::http::Extensions,
    headers: axum::http::HeaderMap,
    Form(f): Form<CodeForm>,
) -> Result<Response, WebError> {
    let client = client_addr(&request_ext, &headers, &app.config.trusted_proxies);
    let outcome = app
        .store
        .login_second_step(&f.challenge, &f.code, &client, &app.config.auth)
        .await?;
    // A wrong code asks again on the same challenge, saying so.
    let outcome = match outcome {
        Login::SecondFactor { challenge } if !f.code.trim().is_empty() => {
            return Ok(login_page(
                &page,
                "",
                &f.next,
                Some(page.t("login-code-wrong")),
                Some(challenge),
                StatusCode::UNAUTHORIZED,
                None,
            ));
        }
        // An unknown, expired or spent challenge: start again from the password.
        Login::Refused => {
            let next = safe_next(Some(&f.next));
            let to = format!(
                "/login?next={}",
                form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            );
            return Ok(Redirect::to(&to).into_response());
        }
        other => other,
    };
    answer(&app, page, outcome, "", &f.next)
}

/// The answer to a sign-in step: a session cookie and the way on, the code form, or the form
/// again with what went wrong.
fn answer(
    app: &AppState,
    page: Page,
    outcome: Login,
    username: &str,
    next: &str,
) -> Result<Response, WebError> {
    let (error, status, retry) = match outcome {
        Login::Ok { token, .. } => {
            let mut resp = see_other_next(Some(next));
            let cookie = session_cookie(&token, app.config.behind_tls, None);
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                resp.headers_mut().insert(SET_COOKIE, v);
            }
            return Ok(resp);
        }
        Login::SecondFactor { challenge } => {
            return Ok(login_page(
                &page,
                username,
                next,
                None,
                Some(challenge),
                StatusCode::OK,
                None,
            ));
        }
        // One message for unknown user, wrong password and disabled account.
        Login::Refused => (page.t("login-refused"), StatusCode::UNAUTHORIZED, None),
        Login::Throttled { wait_seconds } => (
            page.t1("login-throttled", "seconds", &page.num(&wait_seconds)),
            StatusCode::TOO_MANY_REQUESTS,
            Some(wait_seconds),
        ),
    };
    Ok(login_page(
        &page,
        username,
        next,
        Some(error),
        None,
        status,
        retry,
    ))
}

fn login_page(
    page: &Page,
    username: &str,
    next: &str,
    error: Option<String>,
    challenge: Option<String>,
    status: StatusCode,
    retry: Option<i64>,
) -> Response {
    let page = page.clone().titled("login-title", "login");
    let html = LoginPage {
        p: &page,
        // Put back what was typed, within reason: no account's name is longer than 40.
        username: username.chars().take(100).collect(),
        next: safe_next(Some(next)),
        error,
        challenge,
    }
    .render_html();
    let mut resp = (status, Html(html)).into_response();
    if let Some(v) = retry.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
        resp.headers_mut().insert(RETRY_AFTER, v);
    }
    resp
}

/// `POST /logout`
pub async fn logout(
    State(app): State<AppState>,
    Extension(auth): Extension<Auth>,
) -> Result<Response, WebError> {
    if let Auth::Session { user, token, .. } = &auth {
        app.store.logout(token, user).await?;
    }
    let mut resp = Redirect::to("/").into_response();
    if let Ok(v) = HeaderValue::from_str(&session_cookie("", app.config.behind_tls, Some(0))) {
        resp.headers_mut().insert(SET_COOKIE, v);
    }
    Ok(resp)
}

/// The session cookie: not readable by scripts, not sent on cross-site requests, and only
/// over HTTPS when Setu is served behind TLS.
fn session_cookie(value: &str, secure: bool, max_age: Option<i64>) -> String {
    let mut c = format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax");
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    c
}

/// The query of `/setup`.
#[derive(Debug, Deserialize, Default)]
pub struct SetupQuery {
    #[serde(default)]
    token: String,
}

/// The setup form.
#[derive(Debug, Deserialize, Default)]
pub struct SetupForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    password: String,
}

/// `GET /setup?token=…`: the link printed at the first start.
pub async fn setup_form(
    State(app): State<AppState>,
    page: Page,
    Query(q): Query<SetupQuery>,
) -> Result<Html<String>, WebError> {
    if app.store.user_count().await? > 0 {
        return Err(WebError::NotFound);
    }
    let page = page.titled("setup-title", "login");
    Ok(Html(
        SetupPage {
            p: &page,
            token: q.token,
            username: String::new(),
            full_name: String::new(),
            error: None,
        }
        .render_html(),
    ))
}

/// `POST /setup`
pub async fn setup_submit(
    State(app): State<AppState>,
    page: Page,
    Form(f): Form<SetupForm>,
) -> Result<Response, WebError> {
    let full_name = Some(f.full_name.clone()).filter(|n| !n.trim().is_empty());
    match app
        .store
        .complete_setup(&f.token, &f.username, &f.password, full_name)
        .await
    {
        Ok(_) => Ok(Redirect::to("/login").into_response()),
        Err(StoreError::Rejected(msg)) => {
            let page = page.titled("setup-title", "login");
            let html = SetupPage {
                p: &page,
                token: f.token,
                username: f.username,
                full_name: f.full_name,
                error: Some(page.t(msg)),
            }
            .render_html();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
        Err(StoreError::NotFound) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}
