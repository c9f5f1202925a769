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
use crate::resume::Carried;
use crate::templates::{LoginPage, RenderHtml, ResumePage, SetupPage};
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
    #[serde(flatten)]
    resume: ResumeFields,
}

/// A form carried across the sign-in ([`crate::resume`]), as the sign-in forms hold it.
#[derive(Debug, Deserialize, Default)]
pub struct ResumeFields {
    #[serde(default)]
    resume_to: String,
    #[serde(default)]
    resume_fields: String,
    #[serde(default)]
    resume_proof: String,
}

impl ResumeFields {
    fn carried(&self) -> Option<Carried> {
        (!self.resume_to.is_empty()).then(|| Carried {
            action: self.resume_to.clone(),
            fields: self.resume_fields.clone(),
            proof: self.resume_proof.clone(),
        })
    }
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
            carried: None,
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
    let carried = f.resume.carried();
    let step = Step {
        username: &f.username,
        next: &f.next,
        carried,
    };
    answer(&app, page, &headers, outcome, step).await
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
    #[serde(flatten)]
    resume: ResumeFields,
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
            let step = Step {
                username: "",
                next: &f.next,
                carried: f.resume.carried(),
            };
            return Ok(login_page(
                &page,
                step,
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
    let step = Step {
        username: "",
        next: &f.next,
        carried: f.resume.carried(),
    };
    answer(&app, page, &headers, outcome, step).await
}

/// What a sign-in step carries on: the name typed, where to go, and a kept form.
struct Step<'a> {
    username: &'a str,
    next: &'a str,
    carried: Option<Carried>,
}

/// The sign-in page for a form posted after its session lapsed (`401`): the form is kept in
/// it, and after signing in it is sent on ([`crate::resume`]).
pub(crate) fn carrying(page: &Page, back: &str, carried: &Carried) -> Response {
    let step = Step {
        username: "",
        next: back,
        carried: Some(carried.clone()),
    };
    login_page(page, step, None, None, StatusCode::UNAUTHORIZED, None)
}

/// A page holding what someone typed is never kept by a browser or a proxy: it is answered
/// to a request without a session, which the middleware does not mark itself.
fn never_cached(mut resp: Response) -> Response {
    resp.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    resp
}

/// After a sign-in with a kept form: the page that sends it on, when the person who signed in
/// is the one whose session lapsed (the browser still presents that session's cookie and the
/// form held its token) and it goes to a path on this site. `None` otherwise: the form is
/// dropped and the sign-in goes on as usual.
async fn resumed(
    app: &AppState,
    page: &Page,
    headers: &axum::http::HeaderMap,
    carried: &Carried,
    user_id: &str,
    token: &str,
) -> Result<Option<Response>, WebError> {
    let Some(old) = crate::page::cookie_value(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let Some((lapsed_user, lapsed_csrf)) = app.store.lapsed_session(&old, &app.config.auth).await?
    else {
        return Ok(None);
    };
    let same = lapsed_user == user_id
        && crate::auth::constant_time_eq(&carried.proof, &lapsed_csrf)
        && safe_next(Some(&carried.action)) == carried.action;
    let Some(session) = app
        .store
        .session(token, &app.config.auth)
        .await?
        .filter(|_| same)
    else {
        return Ok(None);
    };
    let page = page.clone().titled("resume-title", "login");
    let html = ResumePage {
        p: &page,
        action: carried.action.clone(),
        fields: carried.pairs(),
        csrf: session.csrf_token,
        back: "/".into(),
    }
    .render_html();
    Ok(Some(never_cached(
        (StatusCode::OK, Html(html)).into_response(),
    )))
}

/// The answer to a sign-in step: a session cookie and the way on, the code form, or the form
/// again with what went wrong.
async fn answer(
    app: &AppState,
    page: Page,
    headers: &axum::http::HeaderMap,
    outcome: Login,
    step: Step<'_>,
) -> Result<Response, WebError> {
    let (error, status, retry) = match outcome {
        Login::Ok { token, user } => {
            let carried = match &step.carried {
                Some(c) => resumed(app, &page, headers, c, &user.id, &token).await?,
                None => None,
            };
            let mut resp = carried.unwrap_or_else(|| see_other_next(Some(step.next)));
            let cookie = session_cookie(&token, app.config.behind_tls, None);
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                resp.headers_mut().insert(SET_COOKIE, v);
            }
            return Ok(resp);
        }
        Login::SecondFactor { challenge } => {
            return Ok(login_page(
                &page,
                step,
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
    Ok(login_page(&page, step, Some(error), None, status, retry))
}

fn login_page(
    page: &Page,
    step: Step<'_>,
    error: Option<String>,
    challenge: Option<String>,
    status: StatusCode,
    retry: Option<i64>,
) -> Response {
    let holds_a_form = step.carried.is_some();
    let page = page.clone().titled("login-title", "login");
    let html = LoginPage {
        p: &page,
        // Put back what was typed, within reason: no account's name is longer than 40.
        username: step.username.chars().take(100).collect(),
        next: safe_next(Some(step.next)),
        error,
        challenge,
        carried: step.carried,
    }
    .render_html();
    let mut resp = (status, Html(html)).into_response();
    if let Some(v) = retry.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
        resp.headers_mut().insert(RETRY_AFTER, v);
    }
    if holds_a_form {
        resp = never_cached(resp);
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
