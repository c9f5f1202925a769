//! Administration from the command line: `setu user add`, `setu token create`,
//! `setu audit verify`, `setu rekey`. Each change is audited as `system:cli`.

use std::io::BufRead;

use anyhow::{anyhow, bail, Result};
use setu_core::access::{Capability, Role, Scope};
use setu_store::audit::Actor;
use setu_store::auth::NewUser;
use setu_store::StoreError;

use crate::config::{Config, ServeArgs};
use crate::serve::{open_store, DB_FILE, KEY_FILE};

fn cli() -> Actor {
    Actor::system("cli")
}

/// `setu user add USERNAME --role R --scope S [--full-name N]`, password on standard input.
pub async fn user_add(
    args: ServeArgs,
    username: String,
    role: String,
    scope: String,
    full_name: Option<String>,
) -> Result<()> {
    let role = Role::parse(&role).ok_or_else(|| {
        let all: Vec<&str> = Role::all().map(Role::as_str).collect();
        anyhow!("unknown role {role:?}; roles: {}", all.join(", "))
    })?;
    let scope: Scope = scope.parse()?;
    let mut password = String::new();
    std::io::stdin().lock().read_line(&mut password)?;
    let password = password.trim_end_matches(['\n', '\r']).to_string();
    let config = Config::load(&args)?;
    let store = open_store(&config, DB_FILE, KEY_FILE).await?;
    let new = NewUser {
        username,
        password,
        role,
        scope,
        full_name,
    };
    let user = store.create_user(&cli(), &new).await.map_err(explain)?;
    store.close().await;
    println!(
        "created {} ({} at {})",
        user.username, user.role, user.scope
    );
    Ok(())
}

/// `setu token create USERNAME [--label L] [--capabilities a,b]`: prints a new API token.
pub async fn token_create(
    args: ServeArgs,
    username: String,
    label: String,
    capabilities: Vec<String>,
) -> Result<()> {
    let capabilities = if capabilities.is_empty() {
        None
    } else {
        let caps: Option<Vec<Capability>> = capabilities
            .iter()
            .map(|c| Capability::parse(c.trim()))
            .collect();
        Some(caps.ok_or_else(|| {
            let known: Vec<&str> = Capability::ALL.iter().map(|c| c.as_str()).collect();
            anyhow!("unknown capability; known: {}", known.join(", "))
        })?)
    };
    let new = setu_store::tokens::NewToken {
        label,
        capabilities,
    };
    let config = Config::load(&args)?;
    let store = open_store(&config, DB_FILE, KEY_FILE).await?;
    let user = store
        .user_by_name(&username)
        .await
        .map_err(|_| anyhow!("no user {username:?}"))?;
    let token = store
        .create_api_token(&cli(), &user.id, &new)
        .await
        .map_err(explain)?;
    store.close().await;
    println!("{token}");
    Ok(())
}

/// `setu audit verify`: exit 0 if the chain is intact, 1 naming the first broken entry.
pub async fn audit_verify(args: ServeArgs, checkpoint: Option<std::path::PathBuf>) -> Result<()> {
    let config = Config::load(&args)?;
    let text = match &checkpoint {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| anyhow!("cannot read the checkpoint {}: {e}", path.display()))?,
        ),
        None => None,
    };
    let store = open_store(&config, DB_FILE, KEY_FILE).await?;
    let v = match text {
        None => store.verify_audit().await?,
        Some(text) => match store.verify_audit_against(&text).await? {
            Ok(v) => v,
            Err(setu_store::audit::CheckpointError::Unreadable) => {
                store.close().await;
                bail!("that file is not a checkpoint printed by `setu audit checkpoint`")
            }
            Err(setu_store::audit::CheckpointError::BadSignature) => {
                store.close().await;
                bail!("the checkpoint's signature does not hold with this key file: it was altered, or made with other keys")
            }
        },
    };
    store.close().await;
    match v.first_broken {
        None => {
            println!("audit trail intact: {} entries", v.checked);
            Ok(())
        }
        Some(seq) => bail!(
            "audit trail broken at entry {seq} ({} entries read)",
            v.checked
        ),
    }
}

/// `setu audit checkpoint`: prints the signed head of the trail.
pub async fn audit_checkpoint(args: ServeArgs) -> Result<()> {
    let config = Config::load(&args)?;
    let store = open_store(&config, DB_FILE, KEY_FILE).await?;
    let c = store.audit_checkpoint().await?;
    store.close().await;
    print!("{}", c.to_text());
    Ok(())
}

/// `setu rekey [--index]`: adds a new key, makes it current, and re-seals every sealed value;
/// with `--index`, also adds a new index key and recomputes every keyed hash. Safe while
/// servers run: they notice the changed key file.
pub async fn rekey(args: ServeArgs, index: bool) -> Result<()> {
    let config = Config::load(&args)?;
    let store = open_store(&config, DB_FILE, KEY_FILE).await?;
    let key = store.keys().rotate()?;
    let n = store.reseal_all().await?;
    println!("new key {key} is current; re-sealed {n} values");
    if index {
        let key = store.keys().rotate_index()?;
        let (phones, records) = store.reindex_all().await?;
        println!(
            "new index key {key}; recomputed {phones} phone hashes and the blocking keys of {records} register records"
        );
    }
    store.close().await;
    Ok(())
}

/// `setu backup PATH`: a consistent copy of the SQLite database, taken while servers run.
pub async fn backup(args: ServeArgs, path: std::path::PathBuf) -> Result<()> {
    let config = Config::load(&args)?;
    let store = open_store(&config, DB_FILE, KEY_FILE).await?;
    store.backup_to(&path).await.map_err(explain)?;
    store.close().await;
    println!(
        "backup written to {} (personal data stays encrypted; keep the key file apart from it)",
        path.display()
    );
    Ok(())
}

/// Store rejections carry a Fluent id; say it in words on the command line.
fn explain(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Rejected(id) => anyhow!(match id {
            "error-password-short" => "the password must have at least 10 characters",
            "error-password-common" => "the password is too common",
            "error-username" => "use 3 to 40 lower-case letters, digits, dots, dashes or underscores for the username",
            "error-username-taken" => "this username is taken",
            "error-scope-for-role" => "this role cannot have this kind of scope",
            "error-user-disabled" => "this account is disabled",
            "backup-postgres" => "on PostgreSQL, back up with pg_dump or streaming replication",
            "backup-exists" => "the backup file already exists",
            other => other,
        }),
        StoreError::UnknownReference(what) => anyhow!("no such {what} for the scope"),
        other => other.into(),
    }
}
