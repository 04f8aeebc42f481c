//! Command-line arguments.

use clap::{Parser, Subcommand};

/// Manage security scans: nmap and OS patch, stored in SQLite.
#[derive(Debug, Parser)]
#[command(name = "casiscan", version, about)]
pub struct Cli {
    /// Database: a SQLite file path or `sqlite:PATH` (the embedded default), `memory:` (a
    /// throwaway store), or a PostgreSQL URL `postgres://USER:PASSWORD@HOST:PORT/DB` (also
    /// `postgresql://`, with libpq options such as `?sslmode=require`) for many runners.
    #[arg(
        long,
        global = true,
        default_value = "casiscan.db",
        env = "CASISCAN_DB"
    )]
    pub db: String,
    /// Owner (organisation) of the scans [default: admin]. On `worker`, given explicitly, it
    /// restricts the worker to that owner's scans (otherwise a worker claims every owner's).
    #[arg(long, global = true)]
    pub owner: Option<String>,
    /// Log format of the events written to stderr (level from `CASISCAN_LOG`, e.g. `debug`).
    #[arg(long, global = true, value_enum, default_value_t = crate::logging::LogFormat::Text)]
    pub log_format: crate::logging::LogFormat,
    /// The operator's nmap policy.
    #[command(flatten)]
    pub nmap: crate::nmap_policy::NmapPolicyArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the REST API (scans, assets, keys, scan-log export) until Ctrl-C.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8000")]
        listen: String,
        /// Bearer token required for every write (and for reads unless --public-reads).
        #[arg(long, env = "CASISCAN_ADMIN_TOKEN", hide_env_values = true)]
        admin_token: String,
        /// Allow reads without a token.
        #[arg(long)]
        public_reads: bool,
        /// Header in which a trusted reverse proxy names the signed-in user (e.g.
        /// X-Forwarded-User); that user acts as the admin token does. Honoured only on
        /// connections from a --trusted-proxy address.
        #[arg(long, requires = "trusted_proxy")]
        trusted_user_header: Option<String>,
        /// Address or CIDR network of the reverse proxy whose user header is trusted (repeat or
        /// list several).
        #[arg(long, num_args = 1.., requires = "trusted_user_header")]
        trusted_proxy: Vec<String>,
        /// Refuse browser requests from another origin than this server's (Origin /
        /// Sec-Fetch-Site; origins allowed by --cors-origin excepted).
        #[arg(long)]
        same_origin: bool,
        /// Origin (scheme://host[:port]) whose pages may call the API (CORS; repeat for several;
        /// off by default).
        #[arg(long)]
        cors_origin: Vec<String>,
        /// Let the --cors-origin pages send credentials (cookies, Authorization).
        #[arg(long, requires = "cors_origin")]
        cors_credentials: bool,
        /// Seconds a client has to send a complete request header; also how long an idle
        /// keep-alive connection is kept.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
        header_read_timeout: u64,
        /// Longest wait, in seconds, for the next chunk of a request body.
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
        body_read_timeout: u64,
        /// Seconds a whole request body may take to arrive, however steadily it comes (408
        /// past it).
        #[arg(long, default_value_t = 120, value_parser = clap::value_parser!(u64).range(1..=86400))]
        body_total_timeout: u64,
        /// Seconds an answer may wait for a client that takes no data before its connection is
        /// closed.
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
        write_timeout: u64,
        /// Most connections open at once; further clients wait in the listen backlog.
        #[arg(long, default_value_t = 512, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        max_connections: u64,
        /// Wrong credentials allowed per minute from one client address, and for one access
        /// key, before further requests from it are answered 429 until the quota refills.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        auth_failures_per_minute: u32,
        /// Most on-demand scans (`scan-asset` without saveToScan) run at once in this process;
        /// past it scan-asset answers 429 (queued scans are not counted).
        #[arg(long, default_value_t = casiscan_core::http::DEFAULT_ON_DEMAND_RUNS as u32,
            value_parser = clap::value_parser!(u32).range(1..=1024))]
        max_on_demand_scans: u32,
        /// Do not run the scheduler loop in this process (it queues scheduled scans).
        #[arg(long)]
        no_scheduler: bool,
        /// Days scan logs (and findings of deleted assets) are kept; older ones are removed
        /// at start and every hour.
        #[arg(long, default_value = "400")]
        retention_days: String,
    },
    /// Remove scan logs older than the retention, and findings of assets deleted before it.
    Prune {
        /// Days to keep.
        #[arg(long, default_value = "400")]
        retention_days: String,
    },
    /// Add a scan of TARGET, run it here, store the run and print the result.
    Scan {
        /// IP, CIDR, nmap range or hostname.
        target: String,
        /// Provider: "Nmap" or "OS Patch".
        #[arg(long, default_value = "Nmap")]
        provider: String,
        /// Provider arguments (nmap options, or an OS patch verb).
        #[arg(long, default_value = "", allow_hyphen_values = true)]
        command: String,
        /// Scan name (default: scan_<random>).
        #[arg(long)]
        name: Option<String>,
        /// Timeout in seconds.
        #[arg(long, default_value_t = 3600)]
        timeout: u64,
        /// Print the whole Scan as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Add a scan of TARGET (or of --asset) without running it: `casiscan start` queues it for
    /// the workers.
    Add {
        /// IP, CIDR, nmap range or hostname (empty with --asset).
        #[arg(default_value = "")]
        target: String,
        /// Provider: "Nmap" or "OS Patch".
        #[arg(long, default_value = "Nmap")]
        provider: String,
        /// Provider arguments (nmap options, or an OS patch verb).
        #[arg(long, default_value = "", allow_hyphen_values = true)]
        command: String,
        /// Scan the stored asset of this name instead of TARGET.
        #[arg(long)]
        asset: Option<String>,
        /// Scan name (default: scan_<random>).
        #[arg(long)]
        name: Option<String>,
        /// Timeout in seconds.
        #[arg(long, default_value_t = 3600)]
        timeout: u64,
        /// Queue it at once (Pending), as `casiscan start` would.
        #[arg(long)]
        start: bool,
    },
    /// Queue a scan (Pending) for the workers.
    Start {
        /// `owner/name`, or a name of --owner.
        id: String,
    },
    /// Cancel a Pending or Running scan (a worker running it stops its process).
    Cancel {
        /// `owner/name`, or a name of --owner.
        id: String,
    },
    /// Wait until a scan ends (Completed, Failed or Canceled) and print it; exit 10 unless it
    /// Completed, 11 on timeout.
    Wait {
        /// `owner/name`, or a name of --owner.
        id: String,
        /// Seconds to wait at most (default: forever).
        #[arg(long)]
        timeout: Option<u64>,
        /// Print the whole Scan as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List scans.
    List {
        /// 1-based page (needs --page-size).
        #[arg(long)]
        page: Option<u32>,
        /// Items per page.
        #[arg(long)]
        page_size: Option<u32>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Show one scan as JSON.
    Show {
        /// `owner/name`, or a name of --owner.
        id: String,
    },
    /// Show a scan's run history as JSON.
    Runs {
        /// `owner/name`, or a name of --owner.
        id: String,
    },
    /// Reset a scan's results; keep its configuration.
    Clear {
        /// `owner/name`, or a name of --owner.
        id: String,
    },
    /// Run a runner: claim and execute the scans meant for this machine.
    Worker(crate::cmd_worker::WorkerArgs),
    /// Install updates a finished OS patch scan found, as a job on that scan's host (its
    /// runner claims it; a fresh OS patch scan is queued when it ends): exactly the named
    /// packages at the reported candidate versions.
    InstallPatch(crate::cmd_patch::InstallPatchArgs),
    /// Report installed packages and missing (security) updates from the local package caches.
    Ospatch(crate::cmd_ospatch::OsPatchArgs),
    /// Parse an nmap XML file and print the full typed model as JSON, written as it is read
    /// (compact, or indented on a terminal or with --pretty).
    ParseNmap {
        /// The `-oX` file.
        file: std::path::PathBuf,
        /// Drop values that break nmap.dtd (listed under `warnings`) instead of failing.
        #[arg(long)]
        lenient: bool,
        /// Indent the JSON (the default when standard output is a terminal).
        #[arg(long, conflicts_with = "jsonl")]
        pretty: bool,
        /// JSON lines: a header line, one line per host, then a trailer line (runstats, …).
        #[arg(long)]
        jsonl: bool,
    },
    /// Compare two nmap XML files as nmap's ndiff does (`diff A.xml B.xml`), or two stored runs
    /// of a scan (`diff ID [--from N] [--to M]`, default: its last two runs); exit 0 when equal,
    /// 1 when different.
    Diff {
        /// The older `-oX` file; with no second file, a scan's `owner/name` (or a name of
        /// --owner).
        older: String,
        /// The newer `-oX` file.
        newer: Option<std::path::PathBuf>,
        /// With a scan: the older run's number (default: the run before --to).
        #[arg(long, conflicts_with = "newer")]
        from: Option<u64>,
        /// With a scan: the newer run's number (default: its last run).
        #[arg(long, conflicts_with = "newer")]
        to: Option<u64>,
        /// Print the difference as JSON (every category, both sides).
        #[arg(long, conflicts_with = "text")]
        json: bool,
        /// Print ndiff's text report (the default).
        #[arg(long)]
        text: bool,
        /// Drop values that break nmap.dtd instead of failing (files only).
        #[arg(long)]
        lenient: bool,
    },
    /// Store an existing nmap XML file as a finished run of an Nmap scan, marked imported
    /// (findings and scan log as for a run executed here).
    ImportNmap {
        /// The `-oX` file.
        file: std::path::PathBuf,
        /// The scan: `owner/name`, or a name of --owner.
        #[arg(long)]
        scan: String,
    },
    /// Set or remove a scan's schedule: `schedule ID "0 3 * * *" [--tz Europe/Paris]`,
    /// `schedule ID --every 6h`, `schedule ID --off`.
    Schedule(crate::cmd_schedule::ScheduleArgs),
    /// Show, set or clear an account's scope policy (allowed and denied targets).
    #[command(subcommand)]
    Scope(crate::cmd_scope::ScopeCommand),
    /// Delete a scan.
    Delete {
        /// `owner/name`, or a name of --owner.
        id: String,
        /// Delete even while Running (cancels it).
        #[arg(long)]
        force: bool,
    },
}
