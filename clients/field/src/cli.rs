//! The command line of `linli-field` (clap definitions only; `main.rs` runs them).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "linli-field",
    version,
    about = "Linli (邻里) offline field client: log in once, work offline, sync when there is signal",
    after_help = "Exit status: 0 success, 1 error, 2 usage error, 3 a sync that did not complete \
                  (or check-in codes kept on this device, not handed in yet)."
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
    /// Volunteer documents and service hours (offline); your totals and stars, certificates,
    /// activities and check-in (with the server).
    #[command(subcommand)]
    Volunteer(VolunteerCommand),
    /// Service requests: open, list, update, assign, close (offline).
    #[command(subcommand)]
    Request(RequestCommand),
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
    /// Change a household's address or tags (each tag change is recorded with today's date;
    /// `household tag` takes another day).
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
    /// Set or clear one tag from a day on; the change is kept with its day and who recorded
    /// it. Tags: dibao, tekun, wubao, disabled, living_alone, empty_nest, left_behind,
    /// migrant, youfu (zero_employment is derived from the members' employment).
    Tag {
        #[arg(long)]
        doc: String,
        /// The tag to set.
        #[arg(long, conflicts_with = "clear", required_unless_present = "clear")]
        set: Option<String>,
        /// The tag to clear.
        #[arg(long)]
        clear: Option<String>,
        /// The day the change took effect, YYYY-MM-DD (default: today).
        #[arg(long)]
        on: Option<String>,
        /// Who recorded it (default: the logged-in user).
        #[arg(long)]
        by: Option<String>,
    },
    /// The households on this device with their next visit (never visited, overdue, due
    /// today, this week, later), late ones first, by the community's follow-up rules when its
    /// record is on the device, else the defaults.
    Due {
        /// Only the households at or under this org (a grid, c01/s01/m01/g01).
        #[arg(long)]
        org: Option<String>,
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
    /// Disability as the certificate states it: visual, hearing, speech, physical,
    /// intellectual, mental or multiple.
    #[arg(long)]
    pub disability_kind: Option<String>,
    /// The disability's grade, 1 to 4 (一级 to 四级).
    #[arg(long)]
    pub disability_grade: Option<i64>,
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
        /// Clear the member's disability.
        #[arg(long, conflicts_with_all = ["disability_kind", "disability_grade"])]
        no_disability: bool,
    },
    /// Record a resident's employment from a day on (kept with its day; `employment` becomes
    /// the latest status).
    Employment {
        #[arg(long)]
        doc: String,
        /// The member id (see `show`).
        #[arg(long)]
        member: String,
        /// employed, unemployed, retired, student or unable.
        #[arg(long)]
        status: String,
        /// The first day of that status, YYYY-MM-DD.
        #[arg(long)]
        since: String,
        /// Able to work (有劳动能力): true or false.
        #[arg(long)]
        able: Option<bool>,
        /// Wants work (有就业愿望): true or false.
        #[arg(long)]
        willing: Option<bool>,
    },
    /// Skills trainings a resident received (就业技能培训).
    #[command(subcommand)]
    Training(TrainingCommand),
    /// Make a resident the head of household (the previous head's relation becomes `other`).
    Head {
        #[arg(long)]
        doc: String,
        /// The member id (see `show`).
        #[arg(long)]
        member: String,
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
pub enum TrainingCommand {
    /// Record a training.
    Add {
        #[arg(long)]
        doc: String,
        /// The member id (see `show`).
        #[arg(long)]
        member: String,
        /// The day, YYYY-MM-DD.
        #[arg(long)]
        on: String,
        /// The course (电工, 育婴师, …).
        #[arg(long)]
        course: String,
    },
}

#[derive(Subcommand)]
pub enum VisitCommand {
    /// Log a visit to a household (by the logged-in user, now).
    Log {
        #[arg(long)]
        doc: String,
        /// What the visit was for: routine, follow_up, emergency, policy, mediation, care or
        /// other.
        #[arg(long)]
        purpose: String,
        #[arg(long, default_value = "")]
        notes: String,
        /// A need found, as a request category (elderly, medical, employment, financial,
        /// housing, education, disability, children, environment, safety, dispute, other);
        /// repeatable.
        #[arg(long)]
        need: Vec<String>,
        /// Where the phone was: latitude in degrees (WGS 84), with --lon.
        #[arg(long, allow_hyphen_values = true)]
        lat: Option<f64>,
        /// Longitude in degrees (WGS 84), with --lat.
        #[arg(long, allow_hyphen_values = true)]
        lon: Option<f64>,
        /// How sure the phone was of the location, whole metres.
        #[arg(long)]
        accuracy_m: Option<i64>,
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
    /// Your approved hours (in all and in a year), star level and the hours to the next star,
    /// from the server; without it, the approved hours in your volunteer documents on this
    /// device.
    Totals {
        /// The year to count, YYYY (default: this year).
        #[arg(long)]
        year: Option<String>,
    },
    /// Your certificates of service and requests for one: status, number, period, hours
    /// (needs the server).
    Certificates,
    /// Ask for a certificate of service, or save an issued one as a PDF (needs the server).
    #[command(subcommand)]
    Certificate(CertificateCommand),
    /// Activities you may join: time, place, places taken, your enrolment and check-in
    /// (needs the server).
    Activities,
    /// Enrol in an activity (needs the server).
    Enrol {
        /// The activity's id (from `volunteer activities`).
        #[arg(long)]
        activity: String,
    },
    /// Give your place at an activity back (needs the server).
    Withdraw {
        /// The activity's id (from `volunteer activities`).
        #[arg(long)]
        activity: String,
    },
    /// Hand in the check-in and check-out codes you scanned at an activity; the server
    /// credits the time between them, and the organiser confirms. `--in` alone keeps the
    /// check-in on this device (offline) until `--out`; codes that cannot be sent are kept
    /// for `--send`.
    CheckIn {
        /// The activity's id (from `volunteer activities`).
        #[arg(long, required_unless_present = "send")]
        activity: Option<String>,
        /// The check-in code (the text of the organiser's QR code, LINLI-CI1.….i.…).
        #[arg(long = "in", value_name = "CODE")]
        check_in: Option<String>,
        /// The check-out code (LINLI-CI1.….o.…).
        #[arg(long = "out", value_name = "CODE")]
        check_out: Option<String>,
        /// Hand in every pair of codes kept on this device.
        #[arg(long, conflicts_with_all = ["activity", "check_in", "check_out"])]
        send: bool,
    },
}

#[derive(Subcommand)]
pub enum CertificateCommand {
    /// Ask your community for a certificate of your approved service (all of it, or from a
    /// day to a day); a supervisor issues it.
    Ask {
        /// What it is for (a school, an employer…), for the supervisor.
        #[arg(long)]
        purpose: String,
        /// The first day of service to cover, YYYY-MM-DD.
        #[arg(long)]
        from: Option<String>,
        /// The last day of service to cover, YYYY-MM-DD.
        #[arg(long)]
        to: Option<String>,
    },
    /// Save an issued certificate as a PDF (A4, in Chinese) to print, sign and seal.
    Pdf {
        /// The certificate's id (from `volunteer certificates`).
        #[arg(long)]
        id: String,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum RequestCommand {
    /// Open a service request for a household (a grid worker's); prints its id.
    Open {
        /// The household's document id.
        #[arg(long)]
        household: String,
        /// elderly, medical, employment, financial, housing, education, disability, children,
        /// environment, safety, dispute or other.
        #[arg(long)]
        category: String,
        #[arg(long)]
        description: String,
        /// normal or urgent.
        #[arg(long, default_value = "normal")]
        urgency: String,
    },
    /// The requests on this device: status, due day, who has them, overdue ones first.
    List {
        /// Only those assigned to me.
        #[arg(long)]
        mine: bool,
    },
    /// Log work on a request (the assignee's or the grid worker's): a note, in progress or
    /// resolved, the outcome.
    Update {
        #[arg(long)]
        doc: String,
        /// What was done.
        #[arg(long)]
        note: Option<String>,
        /// in_progress or resolved.
        #[arg(long)]
        status: Option<String>,
        /// What was done in the end (with resolved).
        #[arg(long)]
        outcome: Option<String>,
    },
    /// Assign a request (a supervisor's): to a worker, a volunteer or an organisation.
    Assign {
        #[arg(long)]
        doc: String,
        /// A user name, or an organisation's id in the community record.
        #[arg(long)]
        to: String,
        /// worker, volunteer or organization.
        #[arg(long)]
        kind: String,
        /// Due day, YYYY-MM-DD (default: the category's time limit from the day it opened).
        #[arg(long)]
        due: Option<String>,
    },
    /// Close a request (a supervisor's).
    Close {
        #[arg(long)]
        doc: String,
        /// The resident's satisfaction: satisfied, basically_satisfied or dissatisfied.
        #[arg(long)]
        satisfaction: Option<String>,
    },
    /// Record the resident's satisfaction with a finished request (the grid worker's).
    Satisfaction {
        #[arg(long)]
        doc: String,
        /// satisfied, basically_satisfied or dissatisfied.
        #[arg(long)]
        value: String,
    },
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn a_tag_is_set_or_cleared_not_both() {
        let parse = |args: &[&str]| {
            Cli::try_parse_from([&["linli-field", "household", "tag", "--doc", "d"], args].concat())
        };
        assert!(parse(&["--set", "dibao"]).is_ok());
        assert!(parse(&["--clear", "dibao", "--on", "2026-11-01"]).is_ok());
        assert!(parse(&["--set", "dibao", "--clear", "tekun"]).is_err());
        assert!(parse(&[]).is_err());
    }

    #[test]
    fn a_check_in_names_its_activity_or_sends_what_is_kept() {
        let parse = |args: &[&str]| {
            Cli::try_parse_from([&["linli-field", "volunteer", "check-in"], args].concat())
        };
        let Command::Volunteer(VolunteerCommand::CheckIn {
            activity,
            check_in,
            check_out,
            send,
        }) = parse(&[
            "--activity",
            "a1",
            "--in",
            "LINLI-CI1.a1.i.1.x",
            "--out",
            "o",
        ])
        .unwrap()
        .command
        else {
            panic!("a check-in");
        };
        assert_eq!(activity.as_deref(), Some("a1"));
        assert_eq!(
            (check_in.as_deref(), check_out.as_deref(), send),
            (Some("LINLI-CI1.a1.i.1.x"), Some("o"), false)
        );
        assert!(parse(&["--send"]).is_ok());
        assert!(parse(&["--in", "c"]).is_err(), "which activity?");
        assert!(parse(&["--send", "--activity", "a1"]).is_err());
        assert!(Cli::try_parse_from([
            "linli-field",
            "volunteer",
            "certificate",
            "pdf",
            "--id",
            "x"
        ])
        .is_err());
    }

    #[test]
    fn negative_coordinates_and_no_disability_alone() {
        let visit = Cli::try_parse_from([
            "linli-field",
            "visit",
            "log",
            "--doc",
            "d",
            "--purpose",
            "routine",
            "--lat",
            "-33.86",
            "--lon",
            "-70.5",
        ])
        .unwrap();
        let Command::Visit(VisitCommand::Log { lat, lon, .. }) = visit.command else {
            panic!("a visit");
        };
        assert_eq!((lat, lon), (Some(-33.86), Some(-70.5)));
        let edit = |extra: &[&str]| {
            Cli::try_parse_from(
                [
                    &[
                        "linli-field",
                        "household",
                        "member",
                        "edit",
                        "--doc",
                        "d",
                        "--member",
                        "m",
                    ],
                    extra,
                ]
                .concat(),
            )
        };
        assert!(edit(&["--no-disability"]).is_ok());
        assert!(edit(&["--no-disability", "--disability-kind", "visual"]).is_err());
        assert!(edit(&["--disability-kind", "visual", "--disability-grade", "2"]).is_ok());
    }
}
