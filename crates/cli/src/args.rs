//! Command-line definitions (names and flags as `shared/spec/cli.md` gives them).

use crate::units::{parse_duration, parse_position, parse_rate};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "idance",
    version,
    about = "iDance Capture: get teaching sessions into cloud storage"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Data folder (default: the platform's data folder). The server keeps its files under DIR/server.
    #[arg(long, global = true, env = "IDANCE_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Upload service URL (for client commands).
    #[arg(long, global = true, env = "IDANCE_SERVER", value_name = "URL")]
    pub server: Option<String>,
    /// Sign-in token (for client commands).
    #[arg(
        long,
        global = true,
        env = "IDANCE_TOKEN",
        value_name = "T",
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// Upload straight to your own bucket with no iDance backend: URLs are presigned on
    /// this machine from S3_BUCKET_NAME, AWS_* and S3_ENDPOINT_URL.
    #[arg(long, global = true, env = "IDANCE_DIRECT")]
    pub direct: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the upload service (with no S3_BUCKET_NAME: on the embedded local store).
    Serve(ServeArgs),
    /// Print a JWT signed with the server's secret, for local use.
    Token(TokenArgs),
    /// Queue video files and (unless --queue-only) upload them now.
    Upload(UploadArgs),
    /// Run the whole queue until it is empty, waiting out outages.
    Sync(SyncArgs),
    /// List the queue's jobs.
    Queue(JsonFlag),
    /// Pause a job (or `all`).
    Pause(JobArg),
    /// Resume a paused, waiting or failed job (or `all`).
    Resume(JobArg),
    /// Cancel a job (or `all`); its multipart upload is aborted.
    Cancel(JobArg),
    /// Read a video's duration, size and codecs.
    Probe(ProbeArgs),
    /// Write a JPEG from a representative frame (10 % in).
    Thumbnail(ThumbnailArgs),
    /// Cut a video to START..END into a new file (a stream copy from the keyframe at or
    /// before START); the original is untouched.
    Trim(TrimArgs),
    /// Record the screen and/or a camera plus a microphone until the duration or Ctrl-C.
    Record(RecordArgs),
    /// List the screens, cameras and microphones ffmpeg can record from.
    Devices(DevicesArgs),
    /// Housekeeping of the upload service's storage (same data dir and DATABASE_URL as `serve`).
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Sign in to a server with accounts; the sign-in is kept in the keychain.
    Login(LoginArgs),
    /// Revoke the sign-in on the server and forget it here.
    Logout,
    /// Accounts of the upload service (same data dir and DATABASE_URL as `serve`).
    #[command(subcommand)]
    Users(UsersCommand),
    /// Your library on the server, from every computer: list, rename or delete sessions.
    Sessions(SessionsArgs),
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SessionsArgs {
    #[command(subcommand)]
    pub action: Option<SessionsAction>,
    /// Only active (not completed) or only completed sessions.
    #[arg(long, value_parser = ["active", "completed"])]
    pub status: Option<String>,
    /// One JSON object per session (NDJSON).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum SessionsAction {
    /// Give a session a new title.
    Rename { id: String, title: String },
    /// Delete a session, its video and its thumbnail (asks first unless --yes).
    Rm {
        id: String,
        /// Do not ask (needed without a terminal).
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Make an account; prints its user id.
    Add(AddUserArgs),
    /// List the accounts.
    List(JsonFlag),
    /// Disable an account: its sign-ins end at once.
    Disable(EmailArg),
    /// Enable a disabled account.
    Enable(EmailArg),
    /// Set a new password: the account's sign-ins end at once.
    Passwd(PasswdArgs),
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Your email (asked when not given).
    #[arg(long)]
    pub email: Option<String>,
    /// Read the password from the first line of standard input (no prompt).
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Args)]
pub struct AddUserArgs {
    pub email: String,
    /// The name shown when signed in (default: the part of the email before '@').
    #[arg(long)]
    pub name: Option<String>,
    /// Read the password from the first line of standard input (no prompt).
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Args)]
pub struct EmailArg {
    pub email: String,
}

#[derive(Debug, Args)]
pub struct PasswdArgs {
    pub email: String,
    /// Read the password from the first line of standard input (no prompt).
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// List stored videos and thumbnails no completed session references (delete them with --delete).
    Orphans(OrphansArgs),
    /// Put the bucket's lifecycle rule: abort incomplete multipart uploads after a while.
    Lifecycle(LifecycleArgs),
}

#[derive(Debug, Args)]
pub struct OrphansArgs {
    /// Only objects older than this (a younger one may belong to an upload finishing now).
    #[arg(long, default_value = "7d", value_parser = parse_duration, value_name = "DUR")]
    pub older_than: Duration,
    /// Delete the objects listed (otherwise only report them).
    #[arg(long)]
    pub delete: bool,
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LifecycleArgs {
    /// Abort multipart uploads this long after they started (whole days, at least one).
    #[arg(long, default_value = "7d", value_parser = parse_duration, value_name = "DUR")]
    pub abort_after: Duration,
    /// Move session videos to another storage class after this long (AWS S3).
    #[arg(long, value_parser = parse_duration, value_name = "DUR", requires = "storage_class")]
    pub transition_after: Option<Duration>,
    /// The storage class for --transition-after, e.g. STANDARD_IA, GLACIER_IR.
    #[arg(long, value_name = "C", requires = "transition_after")]
    pub storage_class: Option<String>,
}

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// Record a screen (default: this display). `lavfi:<graph>` records an ffmpeg test source.
    #[arg(long, value_name = "DISPLAY", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub screen: Option<String>,
    /// Record a camera (default: the system's first camera).
    #[arg(long, value_name = "DEV", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub camera: Option<String>,
    /// Record a microphone (default: the system's default input).
    #[arg(long, value_name = "DEV", num_args = 0..=1, require_equals = true, default_missing_value = "")]
    pub mic: Option<String>,
    /// Stop after this long (default: until Ctrl-C).
    #[arg(long, value_parser = parse_duration, value_name = "DUR")]
    pub duration: Option<Duration>,
    /// Where to write the recording (default: DATA/client/recordings/DATE_TIME.mp4). Never overwritten.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Queue the recording when it stops and upload it now (with its thumbnail).
    #[arg(long, requires = "session")]
    pub upload: bool,
    /// With --upload: `new` or a session ID.
    #[arg(long, value_name = "new|ID", requires = "upload")]
    pub session: Option<String>,
    /// Session title (default: the file name).
    #[arg(long)]
    pub title: Option<String>,
    /// Frames per second.
    #[arg(long, default_value_t = 30)]
    pub fps: u32,
    /// Record with this H.264 encoder (e.g. `libx264`, `h264_videotoolbox`) instead of
    /// the one chosen for this machine (`idance devices --encoders`); libx264 stays the
    /// fallback.
    #[arg(long, value_name = "NAME")]
    pub encoder: Option<String>,
    /// Enter (a line on standard input) pauses the recording and the next one resumes
    /// it. On Linux and macOS, SIGUSR1 toggles pause with or without this flag.
    #[arg(long)]
    pub pause_key: bool,
    /// With --upload: online seconds after Ctrl-C over a thin uplink. The uplink is
    /// measured while recording; when it cannot carry the video, the video's bitrate
    /// is lowered to what it can (never under 1.5 Mbit/s). Default: quality first.
    #[arg(long, requires = "upload")]
    pub online_fast: bool,
}

#[derive(Debug, Args)]
pub struct DevicesArgs {
    #[arg(long)]
    pub json: bool,
    /// List the H.264 encoders instead: the one chosen and each one's trial here.
    #[arg(long)]
    pub encoders: bool,
}

#[derive(Debug, Args)]
pub struct TrimArgs {
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Where the cut starts: seconds (`90`, `12.5`), `1:30`, `00:01:30` or `1m30s`.
    #[arg(long, value_parser = parse_position, default_value = "0", value_name = "T")]
    pub start: f64,
    /// Where it ends (default: the end of the video).
    #[arg(long, value_parser = parse_position, value_name = "T")]
    pub end: Option<f64>,
    /// Where to write it (default: beside the video as NAME.trimmed.EXT, never overwriting).
    #[arg(short = 'o', long = "out", value_name = "OUT")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ThumbnailArgs {
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Where to write it (default: beside the video as NAME.thumbnail.jpg, never overwriting).
    #[arg(short = 'o', long = "out", value_name = "OUT.jpg")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct UploadArgs {
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// `new` makes one session per file; a session ID takes one file.
    #[arg(long, value_name = "new|ID")]
    pub session: String,
    /// Only add to the queue; `idance sync` (or the app) uploads later.
    #[arg(long)]
    pub queue_only: bool,
    /// NDJSON, one job object per line.
    #[arg(long)]
    pub json: bool,
    /// Bandwidth limit, bytes per second (`500K`, `8M`).
    #[arg(long, value_parser = parse_rate, value_name = "RATE")]
    pub limit: Option<u64>,
    /// Send the videos without making and sending their thumbnails.
    #[arg(long)]
    pub no_thumbnail: bool,
    /// Compress before upload: `auto` re-encodes videos far above what a class needs
    /// (e.g. over 8 Mbit/s at 1080p) to H.264 at about 4 Mbit/s, uploading while it
    /// encodes; `always` every video above the target; the original is kept.
    #[arg(long, value_name = "off|auto|always", default_value = "off")]
    pub compress: idance_media::compress::Mode,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Bandwidth limit, bytes per second (`500K`, `8M`).
    #[arg(long, value_parser = parse_rate, value_name = "RATE")]
    pub limit: Option<u64>,
    /// Give up waiting after this long (jobs stay queued).
    #[arg(long, value_parser = parse_duration, value_name = "DUR")]
    pub timeout: Option<Duration>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct JsonFlag {
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct JobArg {
    /// A job id, or `all`.
    #[arg(value_name = "JOB")]
    pub job: String,
}

#[derive(Debug, Args)]
pub struct ProbeArgs {
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Print JSON (the only format for now).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, default_value = idance_server::DEFAULT_LISTEN, value_name = "ADDR")]
    pub listen: std::net::SocketAddr,
}

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The user id (the token's `sub`).
    #[arg(long, value_name = "U")]
    pub user: String,
    /// How long the token is valid: `30s`, `2h`, `7d`; a bare number means seconds.
    #[arg(long, default_value = "24h", value_parser = parse_duration, value_name = "DUR")]
    pub ttl: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_line_is_consistent() {
        Cli::command().debug_assert();
        let cli = Cli::try_parse_from([
            "idance",
            "--data-dir",
            "/d",
            "token",
            "--user",
            "u",
            "--ttl",
            "30s",
        ])
        .unwrap();
        assert_eq!(cli.global.data_dir, Some(PathBuf::from("/d")));
        let Command::Token(t) = cli.command else {
            panic!("not token")
        };
        assert_eq!((t.user.as_str(), t.ttl), ("u", Duration::from_secs(30)));
    }
}
