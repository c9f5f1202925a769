//! `setu`: one binary for everything (serve, migrate, demo, date). Command-line parsing and
//! configuration live here; business rules live in the library crates.

mod admin;
mod config;
mod date;
mod demo;
mod link;
mod risk;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::ServeArgs;

/// Setu (सेतु): community-based prevention of human trafficking in Nepal.
#[derive(Debug, Parser)]
#[command(name = "setu", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the web application (creates and migrates the database if needed).
    Serve(ServeArgs),
    /// Bring the database schema and reference data up to date, then exit.
    Migrate(ServeArgs),
    /// Build a fresh demo database for the brief's three districts and serve it.
    Demo {
        #[command(flatten)]
        args: ServeArgs,
        /// Build the demo database and exit without serving it.
        #[arg(long)]
        no_serve: bool,
    },
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Check the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Add a new encryption key and re-seal all personal data with it (servers may keep running).
    Rekey {
        /// Also add a new index key and recompute every keyed hash (phone look-ups, the tracing
        /// register's blocking keys) with it: after a key file may have been seen.
        #[arg(long)]
        index: bool,
        #[command(flatten)]
        args: ServeArgs,
    },
    /// Write a consistent copy of the SQLite database (servers may keep running).
    Backup {
        /// The file to write (must not exist).
        path: std::path::PathBuf,
        #[command(flatten)]
        args: ServeArgs,
    },
    /// Find the same person across missing-person reports and encounters (CSV in, CSV out).
    Link(link::LinkArgs),
    /// Rank wards by risk, smoothed toward their local level (CSV in, CSV out).
    Risk(risk::RiskArgs),
    /// Convert a date: AD to Bikram Sambat, or with --bs, Bikram Sambat to AD.
    Date {
        /// The date, written YYYY-MM-DD.
        date: String,
        /// The date given is a Bikram Sambat date.
        #[arg(long)]
        bs: bool,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create an account; the password is read from standard input.
    Add {
        /// Login name.
        username: String,
        /// Role, e.g. district-coordinator, booth-worker, analyst.
        #[arg(long)]
        role: String,
        /// Scope: a place code (NP, 5, 511, 51106, 5110619), site:ID or org:ID.
        #[arg(long)]
        scope: String,
        /// Full name (stored encrypted).
        #[arg(long)]
        full_name: Option<String>,
        #[command(flatten)]
        args: ServeArgs,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Print a new API token for a user (an operator's tool: on the web only the user mints
    /// their own).
    Create {
        /// Login name.
        username: String,
        /// What it is for ("booth phone 2").
        #[arg(long, default_value = "")]
        label: String,
        /// Narrow it to these capabilities, comma-separated (`write-booths,read-directory` for
        /// a booth phone); by default it may do all its user's role allows.
        #[arg(long, value_delimiter = ',')]
        capabilities: Vec<String>,
        #[command(flatten)]
        args: ServeArgs,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain and its MACs; exit non-zero naming the first broken entry.
    Verify {
        /// Also check against a checkpoint printed earlier by `setu audit checkpoint`: finds
        /// entries removed, added or changed before it, and a tail cut back past it.
        #[arg(long)]
        checkpoint: Option<std::path::PathBuf>,
        #[command(flatten)]
        args: ServeArgs,
    },
    /// Print the head of the trail signed with a key derived from the key file, to keep
    /// outside the database (a file, syslog, paper).
    Checkpoint(ServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve(ServeArgs::default()));
    let result = match command {
        Command::Date { date, bs } => date::run(&date, bs),
        Command::Link(args) => link::run(args),
        Command::Risk(args) => risk::run(args),
        Command::Serve(args) => with_runtime(|| serve::serve(args)),
        Command::Migrate(args) => with_runtime(|| serve::migrate(args)),
        Command::Demo { args, no_serve } => with_runtime(|| demo::run(args, no_serve)),
        Command::User(UserCommand::Add {
            username,
            role,
            scope,
            full_name,
            args,
        }) => with_runtime(|| admin::user_add(args, username, role, scope, full_name)),
        Command::Token(TokenCommand::Create {
            username,
            label,
            capabilities,
            args,
        }) => with_runtime(|| admin::token_create(args, username, label, capabilities)),
        Command::Audit(AuditCommand::Verify { checkpoint, args }) => {
            with_runtime(|| admin::audit_verify(args, checkpoint))
        }
        Command::Audit(AuditCommand::Checkpoint(args)) => {
            with_runtime(|| admin::audit_checkpoint(args))
        }
        Command::Rekey { index, args } => with_runtime(|| admin::rekey(args, index)),
        Command::Backup { path, args } => with_runtime(|| admin::backup(args, path)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line, never a panic or a backtrace.
            eprintln!("setu: error: {}", one_line(&e));
            ExitCode::FAILURE
        }
    }
}

fn with_runtime<F, Fut>(f: F) -> anyhow::Result<()>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    init_logging();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(f())
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SETU_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .init();
}

fn one_line(e: &anyhow::Error) -> String {
    let text = format!("{e:#}");
    text.lines().next().unwrap_or_default().to_string()
}
