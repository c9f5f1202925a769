//! The two-person rule for personal data. An administrator cannot give anyone, in one step, a
//! role that reads names: the grant is requested, and applied only when a second administrator
//! (neither the one who asked nor the person concerned) approves it. Both steps are audited.
//! An account created with such a role waits, disabled, for the same approval, and so does an
//! administrator's reset of such an account's password (else one administrator could set a
//! coordinator's password and sign in as them).

use serde::Serialize;
use setu_core::access::{Role, Scope};
use sqlx::Row;

use crate::audit::{append, Actor, Event};
use crate::auth::{revoke_access, write_password};
use crate::crypto::Keyring;
use crate::rekey::next_version;
use crate::write::Tx;
use crate::{now_text, Result, Store, StoreError};

/// What a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RequestKind {
    /// A role and scope.
    Role,
    /// A new (temporary) password, chosen by the asking administrator.
    Password,
}

impl RequestKind {
    fn as_str(self) -> &'static str {
        match self {
            RequestKind::Role => "role",
            RequestKind::Password => "password",
        }
    }
}

/// A grant or a password reset waiting for a second administrator.
#[derive(Debug, Clone, Serialize)]
pub struct RoleRequest {
    /// Id (UUID).
    pub id: String,
    /// What it asks for.
    pub kind: RequestKind,
    /// The account concerned.
    pub user_id: String,
    /// Its username.
    pub username: String,
    /// The role asked for (for a password reset, the account's role when asked).
    pub role: Role,
    /// The scope asked for (for a password reset, the account's scope when asked).
    #[serde(serialize_with = "ser_display")]
    pub scope: Scope,
    /// Whether the account was created with it (and waits, disabled).
    pub new_account: bool,
    /// Who asked (user id).
    pub requested_by: String,
    /// Their username.
    pub requested_by_name: String,
    /// When, UTC.
    pub requested_at: String,
}

fn ser_display<S: serde::Serializer>(v: &Scope, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// Records a request for a role in the write `tx`; an earlier role request for the same
/// account that was still waiting is replaced by it.
pub(crate) async fn request(
    tx: &mut Tx,
    by: &Actor,
    user_id: &str,
    role: Role,
    scope: Scope,
    new_account: bool,
) -> Result<()> {
    let asked = Asked {
        kind: RequestKind::Role,
        role,
        scope,
        new_account,
        password_hash: None,
    };
    insert(tx, by, user_id, &asked).await
}

/// Records a request to set the password of `user_id` to the one hashed as `hash`; an earlier
/// waiting reset of the same account is replaced by it.
pub(crate) async fn request_password(
    tx: &mut Tx,
    by: &Actor,
    user_id: &str,
    hash: &str,
) -> Result<()> {
    let now = sqlx::query("SELECT role, scope FROM app_user WHERE id = $1")
        .bind(user_id.to_string())
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)?;
    let (role, scope): (String, String) = (now.try_get("role")?, now.try_get("scope")?);
    let asked = Asked {
        kind: RequestKind::Password,
        role: Role::parse(&role).ok_or_else(|| StoreError::ReferenceData("role".into()))?,
        scope: scope
            .parse()
            .map_err(|_| StoreError::ReferenceData("scope".into()))?,
        new_account: false,
        password_hash: Some(hash),
    };
    insert(tx, by, user_id, &asked).await
}

/// What one request asks.
struct Asked<'a> {
    kind: RequestKind,
    role: Role,
    scope: Scope,
    new_account: bool,
    password_hash: Option<&'a str>,
}

async fn insert(tx: &mut Tx, by: &Actor, user_id: &str, asked: &Asked<'_>) -> Result<()> {
    let Some(by_id) = by.id.clone() else {
        return Err(StoreError::Rejected("error-approval-needs-user"));
    };
    let now = now_text();
    sqlx::query(
        "UPDATE role_request SET outcome = 'replaced', decided_at = $1, password_hash = NULL \
         WHERE user_id = $2 AND kind = $3 AND outcome IS NULL",
    )
    .bind(now.clone())
    .bind(user_id.to_string())
    .bind(asked.kind.as_str())
    .execute(&mut **tx)
    .await?;
    let id = uuid::Uuid::new_v4().to_string();
    sqlx::query(
        "INSERT INTO role_request (id, user_id, kind, role, scope, new_account, password_hash, \
           requested_by, requested_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id.clone())
    .bind(user_id.to_string())
    .bind(asked.kind.as_str())
    .bind(asked.role.as_str())
    .bind(asked.scope.to_string())
    .bind(i64::from(asked.new_account))
    .bind(asked.password_hash.map(str::to_string))
    .bind(by_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    let event = match asked.kind {
        RequestKind::Role => Event::new("request", "role-request", &id)
            .fields(&["role", "scope"])
            .detail(format!("user={user_id}; {} {}", asked.role, asked.scope)),
        RequestKind::Password => Event::new("request", "role-request", &id)
            .fields(&["password"])
            .detail(format!("user={user_id}; password reset")),
    };
    append(tx, by, &event);
    Ok(())
}

const COLUMNS: &str = "r.id, r.kind, r.user_id, u.username, r.role, r.scope, r.new_account, \
     r.requested_by, b.username AS requested_by_name, r.requested_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<RoleRequest> {
    let role: String = r.try_get("role")?;
    let scope: String = r.try_get("scope")?;
    let kind: String = r.try_get("kind")?;
    Ok(RoleRequest {
        id: r.try_get("id")?,
        kind: if kind == "password" {
            RequestKind::Password
        } else {
            RequestKind::Role
        },
        user_id: r.try_get("user_id")?,
        username: r.try_get("username")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::ReferenceData("role".into()))?,
        scope: scope
            .parse()
            .map_err(|_| StoreError::ReferenceData("scope".into()))?,
        new_account: r.try_get::<i64, _>("new_account")? != 0,
        requested_by: r.try_get("requested_by")?,
        requested_by_name: r.try_get("requested_by_name")?,
        requested_at: r.try_get("requested_at")?,
    })
}

impl Store {
    /// Requests waiting for a second administrator, oldest first; with `user_id`, that
    /// account's only.
    pub async fn pending_role_requests(&self, user_id: Option<&str>) -> Result<Vec<RoleRequest>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM role_request r \
             JOIN app_user u ON u.id = r.user_id JOIN app_user b ON b.id = r.requested_by \
             WHERE r.outcome IS NULL AND ($1 IS NULL OR r.user_id = $1) ORDER BY r.requested_at"
        ))
        .bind(user_id.map(str::to_string))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// Approves (`approve`) or refuses a waiting request. The second administrator must be
    /// neither the one who asked nor the person concerned. Approval applies the role and
    /// scope (enabling a new account) or the temporary password, and ends the person's
    /// sessions and tokens.
    pub async fn decide_role_request(&self, by: &Actor, id: &str, approve: bool) -> Result<()> {
        let Some(by_id) = by.id.as_deref() else {
            return Err(StoreError::Rejected("error-approval-needs-user"));
        };
        self.write(|tx, _| {
            Box::pin(async move {
                let row = sqlx::query(&format!(
                    "SELECT {COLUMNS} FROM role_request r \
                     JOIN app_user u ON u.id = r.user_id JOIN app_user b ON b.id = r.requested_by \
                     WHERE r.id = $1 AND r.outcome IS NULL"
                ))
                .bind(id.to_string())
                .fetch_optional(&mut **tx)
                .await?;
                let req = from_row(&row.ok_or(StoreError::NotFound)?)?;
                if by_id == req.requested_by || by_id == req.user_id {
                    return Err(StoreError::Rejected("error-approve-own"));
                }
                let outcome = if approve { "approved" } else { "refused" };
                // A decided reset keeps no password hash.
                let hash: Option<String> =
                    sqlx::query_scalar("SELECT password_hash FROM role_request WHERE id = $1")
                        .bind(id.to_string())
                        .fetch_one(&mut **tx)
                        .await?;
                sqlx::query(
                    "UPDATE role_request SET outcome = $1, decided_by = $2, decided_at = $3, \
                     password_hash = NULL WHERE id = $4 AND outcome IS NULL",
                )
                .bind(outcome)
                .bind(by_id.to_string())
                .bind(now_text())
                .bind(id.to_string())
                .execute(&mut **tx)
                .await?;
                let event = Event::new(
                    if approve { "approve" } else { "refuse" },
                    "role-request",
                    id,
                )
                .detail(match req.kind {
                    RequestKind::Role => {
                        format!("user={}; {} {}", req.username, req.role, req.scope)
                    }
                    RequestKind::Password => format!("user={}; password reset", req.username),
                });
                append(tx, by, &event);
                match (approve, req.kind) {
                    (false, _) => {}
                    (true, RequestKind::Role) => apply(tx, &self.keys, by, &req).await?,
                    (true, RequestKind::Password) => {
                        let hash = hash.ok_or(StoreError::NotFound)?;
                        write_password(tx, &self.keys, by, &req.user_id, (&hash, true)).await?;
                    }
                }
                Ok(())
            })
        })
        .await
    }
}

/// Gives the account the approved role and scope (and enables it, if it was made waiting).
async fn apply(tx: &mut Tx, keys: &Keyring, by: &Actor, req: &RoleRequest) -> Result<()> {
    let before = sqlx::query("SELECT role, scope FROM app_user WHERE id = $1")
        .bind(req.user_id.clone())
        .fetch_one(&mut **tx)
        .await?;
    let (old_role, old_scope): (String, String) =
        (before.try_get("role")?, before.try_get("scope")?);
    next_version(tx, keys, "app_user", &req.user_id, None)
        .await?
        .ok_or(StoreError::NotFound)?;
    sqlx::query(
        "UPDATE app_user SET role = $1, scope = $2, updated_at = $3, \
         disabled = CASE WHEN $4 = 1 THEN 0 ELSE disabled END WHERE id = $5",
    )
    .bind(req.role.as_str())
    .bind(req.scope.to_string())
    .bind(now_text())
    .bind(i64::from(req.new_account))
    .bind(req.user_id.clone())
    .execute(&mut **tx)
    .await?;
    revoke_access(tx, &req.user_id).await?;
    let event = Event::new("permission-change", "user", &req.user_id)
        .fields(&["role", "scope"])
        .detail(format!(
            "{old_role} {old_scope} -> {} {} (approved request {})",
            req.role, req.scope, req.id
        ));
    append(tx, by, &event);
    Ok(())
}
