//! The command line of `linli-field` (clap definitions only; `main.rs` runs them).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "linli-field",
    version,
    about = "Linli (邻里) offline field client: log in once, work offline, sync when there is signal",
    after_help = "Exit status: 0 success, 1 error, 2 usage error, 3 a sync that did not complete."
)]
pub struct Cli {
    /// The server: its address (http://host:8080) or sync endpoint (ws://host:8080/sync).
    /// Default: the server of the current login, else http://127.0.0.1:8080.
    #[arg(long, env = "LINLI_SERVER", global = true)]
    pub server: Option<String>,
    /// The device's local store (a SQLite file).
    #[arg(
        long,
        env = "LINLI_STORE",
        global = true,
        default_value = "linli-field.sqlite3"
    )]
    pub store: PathBuf,
    /// An access token to use instead of the login's (from `linli-server token`); not renewed.
    #[arg(long, env = "LINLI_TOKEN", global = true, hide_env_values = true)]
    pub token: Option<String>,
    /// Print results as JSON (errors too, as {"error": …}).
    #[arg(long, global = true)]
    pub json: bool,
    /// Your password: logs in (`login`), unlocks the encrypted store (`unlock`), or opens it
    /// for this one command. Prefer LINLI_PASSWORD or --password-stdin (a flag's value shows
    /// in the process list).
    #[arg(long, env = "LINLI_PASSWORD", global = true, hide_env_values = true)]
    pub password: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long, global = true, conflicts_with = "password")]
    pub password_stdin: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Log in (needs the server); later commands use this login and renew its token. The
    /// password also encrypts the local store, which stays unlocked until `lock`, `logout` or
    /// a reboot.
    Login(LoginArgs),
    /// Forget the login on this device (and lock the store).
    Logout,
    /// Unlock the encrypted store with your password (encrypting it first if it is not), so
    /// that later commands need no password until `lock`, `logout` or a reboot.
    Unlock,
    /// Forget the unlocked key: later commands need the password (or `unlock`) again.
    Lock,
    /// Pending changes (per document and in total), the last sync and the login.
    Status,
    /// Send and receive changes of every local document.
    Sync {
        #[arg(long, default_value_t = 60)]
        timeout_secs: u64,
    },
    /// Fetch a document by id, or with no id every document in your scope, then sync.
    Pull {
        doc: Option<String>,
        #[arg(long, default_value_t = 120)]
        timeout_secs: u64,
    },
    /// List the documents the server lets you read (needs the server).
    Remote {
        /// household, volunteer, request or community.
        #[arg(long)]
        kind: Option<String>,
    },
    /// List the documents on this device.
    List,
    /// Print a local document.
    Show { doc: String },
    /// Set a text field at a document's root (offline).
    Set {
        doc: String,
        key: String,
        value: String,
    },
    /// Households: register, edit, members (offline).
    #[command(subcommand)]
    Household(HouseholdCommand),
    /// Visits to households (offline).
    #[command(subcommand)]
    Visit(VisitCommand),
    /// Volunteer documents and service hours (offline).
    #[command(subcommand)]
    Volunteer(VolunteerCommand),
}

#[derive(Args)]
pub struct LoginArgs {
    /// Your user name.
    #[arg(long)]
    pub name: String,
    /// A name for this device, shown to administrators (default: linli-field on <host>).
    #[arg(long)]
    pub device: Option<String>,
    /// Log in even though changes made under the previous login are not synced yet.
    #[arg(long)]
    pub force: bool,
}

#[derive(Subcommand)]
pub enum HouseholdCommand {
    /// Register a household in a grid.
    Create {
        /// The grid, county/street/community/grid (e.g. c01/s01/m01/g01).
        #[arg(long)]
        org: String,
        #[arg(long)]
        address: String,
        /// The head of household, added as the first member.
        #[arg(long)]
        head: Option<String>,
    },
    /// Change a household's address or tags.
    Edit {
        #[arg(long)]
        doc: String,
        #[arg(long)]
        address: Option<String>,
        /// Set a tag (e.g. dibao); repeatable.
        #[arg(long)]
        tag: Vec<String>,
        /// Clear a tag; repeatable.
        #[arg(long)]
        untag: Vec<String>,
    },
    /// Residents of a household.
    #[command(subcommand)]
    Member(MemberCommand),
}

/// A member's fields as options.
#[derive(Args)]
pub struct MemberFields {
    #[arg(long)]
    pub gender: Option<String>,
    #[arg(long)]
    pub birth_year: Option<i64>,
    /// Relation to the head of household: head, spouse, child, parent, …
    #[arg(long)]
    pub relation: Option<String>,
    #[arg(long)]
    pub phone: Option<String>,
    /// The last four characters of the ID card number (never the whole number).
    #[arg(long)]
    pub id_tail: Option<String>,
    /// employed, unemployed, retired, student or unable.
    #[arg(long)]
    pub employment: Option<String>,
    /// Has a health record: true or false.
    #[arg(long)]
    pub health_record: Option<bool>,
}

#[derive(Subcommand)]
pub enum MemberCommand {
    /// Add a resident.
    Add {
        #[arg(long)]
        doc: String,
        #[arg(long)]
        name: String,
        #[command(flatten)]
        fields: MemberFields,
    },
    /// Change a resident's fields.
    Edit {
        #[arg(long)]
        doc: String,
        /// The member id (see `show`).
        #[arg(long)]
        member: String,
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        fields: MemberFields,
    },
    /// Record that a resident left the household (members are never deleted).
    Remove {
        #[arg(long)]
        doc: String,
        /// The member id (see `show`).
        #[arg(long)]
        member: String,
        /// moved_out, deceased or registered_elsewhere.
        #[arg(long)]
        reason: String,
        /// When, YYYY-MM-DD.
        #[arg(long)]
        date: String,
    },
}

#[derive(Subcommand)]
pub enum VisitCommand {
    /// Log a visit to a household (by the logged-in user, now).
    Log {
        #[arg(long)]
        doc: String,
        #[arg(long)]
        purpose: String,
        #[arg(long, default_value = "")]
        notes: String,
        /// A need recorded on the visit; repeatable.
        #[arg(long)]
        need: Vec<String>,
        /// Follow up on this date (YYYY-MM-DD).
        #[arg(long)]
        follow_up: Option<String>,
        /// Who visited (default: the logged-in user).
        #[arg(long)]
        by: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum VolunteerCommand {
    /// Register a volunteer document.
    Create {
        /// The community, county/street/community (e.g. c01/s01/m01).
        #[arg(long)]
        org: String,
        /// The volunteer's user name (default: the logged-in user).
        #[arg(long)]
        user: Option<String>,
        #[arg(long)]
        name: String,
    },
    /// Log service hours.
    Log {
        #[arg(long)]
        doc: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        date: String,
        #[arg(long)]
        minutes: i64,
        #[arg(long)]
        activity: String,
        #[arg(long, default_value = "other")]
        category: String,
    },
    /// Change an entry still submitted or sent back (a sent-back entry is resubmitted).
    Edit {
        #[arg(long)]
        doc: String,
        /// The entry id (from `volunteer log` or `show`).
        #[arg(long)]
        entry: String,
        #[arg(long)]
        date: Option<String>,
        #[arg(long)]
        minutes: Option<i64>,
        #[arg(long)]
        activity: Option<String>,
        #[arg(long)]
        category: Option<String>,
    },
}
