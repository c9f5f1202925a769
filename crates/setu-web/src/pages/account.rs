//! The signed-in user's own account: their API tokens, which only they can mint, narrowed to
//! what each device needs, and revoke.

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
    render(&app, page, &me, &form, None, None, StatusCode::OK).await
}

async fn render(
    app: &AppState,
    page: Page,
    me: &User,
    form: &TokenForm,
    new_token: Option<String>,
    notice: Option<String>,
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
        scope: me.scope.to_string(),
        tokens,
        new_token,
        notice,
        label: form.label.clone(),
        all: form.all,
        capabilities,
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
            render(&app, page, &me, &blank, Some(token), None, StatusCode::OK).await
        }
        Err(e) => {
            let (msg, status) = refusal(e)?;
            let msg = page.t(msg);
            render(&app, page, &me, &form, None, Some(msg), status).await
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
