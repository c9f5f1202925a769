//! The signed-in user's own account: their password, their second factor (one-time codes
//! from an authenticator app, with recovery codes), and their API tokens, which only they can
//! mint, narrowed to what each device needs, and revoke.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use setu_core::access::Capability;
use setu_store::auth::User;
use setu_store::tokens::{ApiToken, NewToken};

use crate::auth::SignedIn;
use crate::error::WebError;
use crate::page::Page;
use crate::pages::refusal;
use crate::templates::{AccountPage, Choice, RenderHtml, TokenRow};
use crate::AppState;

/// A token as a row of a list; `revoke_action` is where its revoke form posts.
pub(crate) fn token_row(
    page: &Page,
    user_id: &str,
    t: &ApiToken,
    revoke_action: String,
) -> TokenRow {
    let capabilities = match &t.capabilities {
        None => page.t("token-all"),
        Some(caps) => caps
            .iter()
            .map(|c| page.t(&format!("cap-{}", c.as_str())))
            .collect::<Vec<_>>()
            .join(", "),
    };
    let revoked = match (&t.revoked_at, t.live()) {
        (Some(r), _) => Some(page.date(r)),
        (None, false) => Some(page.date(&t.expires_at)),
        (None, true) => None,
    };
    TokenRow {
        id: t.id.clone(),
        user_id: user_id.to_string(),
        label: t.label.clone(),
        capabilities,
        made: page.date(&t.created_at),
        expires: page.date(&t.expires_at),
        revoked,
        revoke_action,
    }
}

/// What the create form sent: a label, "everything", or the capabilities ticked.
#[derive(Debug, Default, Clone)]
pub struct TokenForm {
    label: String,
    all: bool,
    capabilities: Vec<String>,
}

impl TokenForm {
    fn read(body: &[u8]) -> TokenForm {
        let mut f = TokenForm::default();
        for (k, v) in form_urlencoded::parse(body) {
            match k.as_ref() {
                "label" => f.label = v.into_owned(),
                "all" => f.all = true,
                "capability" => f.capabilities.push(v.into_owned()),
                _ => {}
            }
        }
        f
    }

    /// The token to make; unknown capability names are refused as the store refuses ones
    /// the role lacks.
    fn to_new(&self) -> Result<NewToken, &'static str> {
        let capabilities = if self.all {
            None
        } else {
            let caps: Option<Vec<Capability>> = self
                .capabilities
                .iter()
                .map(|c| Capability::parse(c))
                .collect();
            Some(caps.ok_or("error-token-capabilities")?)
        };
        Ok(NewToken {
            label: self.label.clone(),
            capabilities,
        })
    }
}

/// `GET /account`
pub async fn show(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
) -> Result<Response, WebError> {
    let form = TokenForm {
        all: true,
        ..TokenForm::default()
    };
    render(&app, page, &me, &form, Shown::default(), StatusCode::OK).await
}

/// What the account page shows besides its lists, after an action.
#[derive(Debug, Default)]
struct Shown {
    new_token: Option<String>,
    notice: Option<String>,
    enrolment: Option<(String, String)>,
    recovery: Vec<String>,
}

async fn render(
    app: &AppState,
    page: Page,
    me: &User,
    form: &TokenForm,
    shown: Shown,
    status: StatusCode,
) -> Result<Response, WebError> {
    let page = page.titled("account-title", "account");
    let tokens = app
        .store
        .api_tokens(&me.id)
        .await?
        .iter()
        .map(|t| token_row(&page, &me.id, t, format!("/account/tokens/{}/revoke", t.id)))
        .collect();
    let capabilities = me
        .role
        .spec()
        .capabilities
        .iter()
        .map(|c| Choice {
            value: c.as_str().into(),
            label: page.t(&format!("cap-{}", c.as_str())),
            selected: form.capabilities.iter().any(|f| f == c.as_str()),
        })
        .collect();
    let html = AccountPage {
        username: me.username.clone(),
        role: page.t(&format!("role-{}", me.role.as_str())),
        scope: crate::pages::admin::scope_name(app, &page, me.scope).await,
        tokens,
        new_token: shown.new_token,
        notice: shown.notice,
        label: form.label.clone(),
        all: form.all,
        capabilities,
        second_factor: me.second_factor,
        must_change: me.must_change_password,
        second_factor_required: app.config.auth.require_second_factor
            && me.role.has(Capability::ReadPersonal)
            && !me.second_factor,
        enrolment_qr: shown.enrolment.as_ref().and_then(|(_, uri)| qr_svg(uri)),
        enrolment: shown.enrolment,
        recovery: shown.recovery,
        p: &page,
    }
    .render_html();
    Ok((status, Html(html)).into_response())
}

/// `POST /account/tokens`: makes a token for the signed-in user and shows it once.
pub async fn create_token(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    body: axum::body::Bytes,
) -> Result<Response, WebError> {
    let form = TokenForm::read(&body);
    let made = match form.to_new() {
        Ok(new) => app.store.create_api_token(&me.actor(), &me.id, &new).await,
        Err(m) => Err(setu_store::StoreError::Rejected(m)),
    };
    match made {
        Ok(token) => {
            let blank = TokenForm {
                all: true,
                ..TokenForm::default()
            };
            let shown = Shown {
                new_token: Some(token),
                ..Shown::default()
            };
            render(&app, page, &me, &blank, shown, StatusCode::OK).await
        }
        Err(e) => {
            let (msg, status) = refusal(e)?;
            let msg = page.t(msg);
            let shown = Shown {
                notice: Some(msg),
                ..Shown::default()
            };
            render(&app, page, &me, &form, shown, status).await
        }
    }
}

/// `POST /account/tokens/{id}/revoke`: one's own tokens only (another's is 404).
pub async fn revoke_token(
    State(app): State<AppState>,
    SignedIn(me): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    app.store
        .revoke_api_token(&me.actor(), &id, Some(&me.id))
        .await?;
    Ok(Redirect::to("/account").into_response())
}

/// The own-password form.
#[derive(Debug, serde::Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
}

/// `POST /account/password`: one's own password, given the current one. Every session ends,
/// this one too: the user signs in again with the new password.
pub async fn change_password(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    axum::Form(f): axum::Form<PasswordForm>,
) -> Result<Response, WebError> {
    match app
        .store
        .change_own_password(&me, &f.current, &f.password)
        .await
    {
        Ok(()) => Ok(Redirect::to("/login?next=/account").into_response()),
        Err(e) => {
            let (msg, status) = refusal(e)?;
            let shown = Shown {
                notice: Some(page.t(msg)),
                ..Shown::default()
            };
            let form = TokenForm {
                all: true,
                ..TokenForm::default()
            };
            render(&app, page, &me, &form, shown, status).await
        }
    }
}

/// `POST /account/second-factor`: a new secret to set up in an authenticator app.
pub async fn start_second_factor(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    axum::Form(f): axum::Form<PasswordForm>,
) -> Result<Response, WebError> {
    let form = TokenForm {
        all: true,
        ..TokenForm::default()
    };
    let shown = match app.store.start_second_factor(&me, &f.current).await {
        Ok(e) => Shown {
            enrolment: Some((e.secret, e.uri)),
            ..Shown::default()
        },
        Err(e) => {
            let (msg, status) = refusal(e)?;
            let shown = Shown {
                notice: Some(page.t(msg)),
                ..Shown::default()
            };
            return render(&app, page, &me, &form, shown, status).await;
        }
    };
    let me = app.store.user(&me.id).await?;
    render(&app, page, &me, &form, shown, StatusCode::OK).await
}

/// The code that confirms a second factor.
#[derive(Debug, serde::Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// `POST /account/second-factor/confirm`: puts it in force; shows the recovery codes once.
pub async fn confirm_second_factor(
    State(app): State<AppState>,
    page: Page,
    SignedIn(me): SignedIn,
    axum::Form(f): axum::Form<CodeForm>,
) -> Result<Response, WebError> {
    let form = TokenForm {
        all: true,
        ..TokenForm::default()
    };
    match app.store.confirm_second_factor(&me, &f.code).await {
        Ok(recovery) => {
            let me = app.store.user(&me.id).await?;
            let shown = Shown {
                recovery,
                ..Shown::default()
            };
            render(&app, page, &me, &form, shown, StatusCode::OK).await
        }
        Err(e) => {
            let (msg, status) = refusal(e)?;
            let shown = Shown {
                notice: Some(page.t(msg)),
                ..Shown::default()
            };
            render(&app, page, &me, &form, shown, status).await
        }
    }
}

/// The set-up address as a QR code (SVG, drawn here: no request leaves the server), which
/// authenticator apps scan; `None` if it does not fit in one (it always does: about 100 bytes).
fn qr_svg(uri: &str) -> Option<String> {
    let code = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    // Inline in HTML: without the XML declaration.
    svg.find("<svg").map(|at| svg[at..].to_string())
}
