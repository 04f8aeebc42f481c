//! What each subcommand does, through the core Client.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use casiscan_core::http::{CorsConfig, ServeConfig, TrustedProxy};

use casiscan_core::model::{Progress, Scan, ScanState, Target, TargetMode};
use casiscan_core::model::{Retention, ScanQuery};
use casiscan_core::providers::RunContext;
use casiscan_core::{Client, Error, Result};

use crate::cli::{Cli, Command};
use crate::render;

/// Runs the chosen subcommand.
pub async fn dispatch(cli: Cli) -> Result<ExitCode> {
    if let Command::ParseNmap {
        file,
        lenient,
        pretty,
        jsonl,
    } = &cli.command
    {
        let style = match (*jsonl, *pretty || std::io::stdout().is_terminal()) {
            (true, _) => render::JsonStyle::Lines,
            (false, true) => render::JsonStyle::Pretty,
            (false, false) => render::JsonStyle::Compact,
        };
        return render::nmap_json(file, *lenient, style);
    }
    if let Command::Diff {
        older,
        newer: Some(newer),
        json,
        lenient,
        ..
    } = &cli.command
    {
        return render::nmap_diff(std::path::Path::new(older), newer, *json, *lenient);
    }
    if let Command::Ospatch(args) = cli.command {
        return crate::cmd_ospatch::run(args).await;
    }
    let client = Client::open(&cli.db, cli.nmap.providers()?).await?;
    let explicit_owner = cli.owner.clone();
    let owner = explicit_owner
        .clone()
        .unwrap_or_else(|| DEFAULT_OWNER.to_string());
    let id = |raw: &str| qualify(&owner, raw);
    match cli.command {
        Command::Serve {
            listen,
            admin_token,
            public_reads,
            trusted_user_header,
            trusted_proxy,
            same_origin,
            cors_origin,
            cors_credentials,
            header_read_timeout,
            body_read_timeout,
            body_total_timeout,
            write_timeout,
            max_connections,
            auth_failures_per_minute,
            max_on_demand_scans,
            retention_days,
            no_scheduler,
        } => {
            let retention: Retention = retention_days.parse()?;
            let limits = ServeConfig {
                header_read_timeout: Duration::from_secs(header_read_timeout),
                body_read_timeout: Duration::from_secs(body_read_timeout),
                body_total_timeout: Duration::from_secs(body_total_timeout),
                write_timeout: Duration::from_secs(write_timeout),
                max_connections: usize::try_from(max_connections)
                    .map_err(|_| Error::invalid("--max-connections", "too large"))?,
                auth_failures_per_minute,
            };
            let trusted_proxy = trusted_user_header
                .map(|header| TrustedProxy::new(&header, &trusted_proxy))
                .transpose()?;
            let serve = crate::cmd_serve::Serve {
                listen: &listen,
                admin_token: &admin_token,
                public_reads,
                trusted_proxy,
                same_origin,
                cors: CorsConfig::new(&cors_origin, cors_credentials)?,
                limits,
                retention,
                on_demand_runs: max_on_demand_scans as usize,
            };
            let scheduler = crate::cmd_worker::scheduler(&client, no_scheduler);
            let served = crate::cmd_serve::run(client, serve).await;
            crate::cmd_worker::stop_scheduler(scheduler).await;
            served
        }
        Command::Prune { retention_days } => {
            let retention: Retention = retention_days.parse()?;
            let pruned = client.prune(retention).await?;
            crate::out!(
                "removed {} scan log(s) and {} finding(s) older than {} day(s)",
                pruned.logs,
                pruned.findings,
                retention.in_days()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Scan {
            target,
            provider,
            command,
            name,
            timeout,
            json,
        } => {
            let mut scan = Scan::new(owner.clone(), name.unwrap_or_else(random_name));
            scan.display_name = format!("{provider} scan of {target}");
            scan.target = target;
            scan.provider = Some(provider.parse()?);
            scan.command = command;
            scan.timeout_seconds = timeout;
            scan_here(&client, scan, json).await
        }
        Command::List {
            page,
            page_size,
            json,
        } => {
            let query = ScanQuery {
                owner: Some(owner.clone()),
                page,
                page_size,
                ..ScanQuery::default()
            };
            let listed = client.list_scans(&query).await?;
            if json {
                crate::out!("{}", render::json(&listed));
            } else {
                crate::out!("{}", render::table(&listed).trim_end_matches('\n'));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Show { id: raw } => {
            crate::out!("{}", render::json(&client.get_scan(&id(&raw)).await?));
            Ok(ExitCode::SUCCESS)
        }
        Command::Runs { id: raw } => {
            crate::out!("{}", render::json(&client.list_runs(&id(&raw)).await?));
            Ok(ExitCode::SUCCESS)
        }
        Command::Clear { id: raw } => {
            let scan = client.clear_scan(&id(&raw)).await?;
            crate::out!("{}/{} cleared: {}", scan.owner, scan.name, scan.state);
            Ok(ExitCode::SUCCESS)
        }
        Command::Diff {
            older: raw,
            from,
            to,
            json,
            ..
        } => crate::cmd_diff::stored(&client, &id(&raw), (from, to), json).await,
        Command::ImportNmap { file, scan: raw } => {
            let xml = std::fs::read(&file).map_err(|source| Error::Io {
                path: file.display().to_string(),
                source,
            })?;
            let scan = client.import_nmap_run(&id(&raw), xml).await?;
            crate::out!(
                "{}/{} {}: {} (imported)",
                scan.owner,
                scan.name,
                scan.state,
                scan.result_summary
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::ParseNmap { .. } | Command::Ospatch(_) => Ok(ExitCode::SUCCESS),
        Command::Worker(args) => crate::cmd_worker::run(&client, args, explicit_owner).await,
        Command::Add {
            target,
            provider,
            command,
            asset,
            name,
            timeout,
            start,
        } => {
            let mut scan = Scan::new(owner.clone(), name.unwrap_or_else(random_name));
            scan.provider = Some(provider.parse()?);
            scan.command = command;
            scan.timeout_seconds = timeout;
            match asset {
                Some(asset) => {
                    scan.display_name = format!("{provider} scan of asset {asset}");
                    scan.target_mode = TargetMode::Asset;
                    scan.asset = asset;
                }
                None => {
                    target.parse::<Target>()?;
                    scan.display_name = format!("{provider} scan of {target}");
                    scan.target = target;
                }
            }
            let added = client.add_scan(&scan).await?;
            let added = if start {
                client.start_scan(&added.id()?).await?
            } else {
                added
            };
            crate::out!("{}/{} {}", added.owner, added.name, added.state);
            Ok(ExitCode::SUCCESS)
        }
        Command::InstallPatch(args) => {
            let scan = id(&args.scan);
            crate::cmd_patch::run(&client, &scan, args).await
        }
        Command::Start { id: raw } => {
            let scan = client.start_scan(&id(&raw)).await?;
            crate::out!("{}/{} {}", scan.owner, scan.name, scan.state);
            Ok(ExitCode::SUCCESS)
        }
        Command::Cancel { id: raw } => {
            let scan = client.cancel_scan(&id(&raw)).await?;
            crate::out!("{}/{} {}", scan.owner, scan.name, scan.state);
            Ok(ExitCode::SUCCESS)
        }
        Command::Wait {
            id: raw,
            timeout,
            json,
        } => wait(&client, &id(&raw), timeout.map(Duration::from_secs), json).await,
        Command::Scope(sub) => crate::cmd_scope::run(&client, &owner, &sub).await,
        Command::Schedule(args) => crate::cmd_schedule::run(&client, &id(&args.id), &args).await,
        Command::Delete { id: raw, force } => {
            client.delete_scan(&id(&raw), force).await?;
            crate::out!("{} deleted", id(&raw));
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The owner of scans when `--owner` is not given.
const DEFAULT_OWNER: &str = "admin";

/// How often `casiscan wait` reads the scan.
const WAIT_POLL: Duration = Duration::from_millis(200);

/// Waits until the scan ends, printing it; exit 10 unless it Completed, 11 on timeout.
async fn wait(
    client: &Client,
    id: &str,
    timeout: Option<Duration>,
    json: bool,
) -> Result<ExitCode> {
    let began = std::time::Instant::now();
    loop {
        let scan = client.get_scan(id).await?;
        if matches!(
            scan.state,
            ScanState::Completed | ScanState::Failed | ScanState::Canceled
        ) {
            if json {
                crate::out!("{}", render::json(&scan));
            } else {
                crate::out!("{}", render::outcome(&scan).trim_end_matches('\n'));
            }
            return Ok(if scan.state == ScanState::Completed {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(10)
            });
        }
        if timeout.is_some_and(|t| began.elapsed() >= t) {
            eprintln!("casiscan: {id} is still {} after the timeout", scan.state);
            return Ok(ExitCode::from(11));
        }
        tokio::time::sleep(WAIT_POLL).await;
    }
}

/// `owner/name` as given, or `name` under the default owner.
fn qualify(owner: &str, raw: &str) -> String {
    if raw.contains('/') {
        raw.to_string()
    } else {
        format!("{owner}/{raw}")
    }
}

fn random_name() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("scan_{}", &id[..8])
}

/// Adds the scan, runs it in this process with live progress, prints the outcome.
async fn scan_here(client: &Client, scan: Scan, json: bool) -> Result<ExitCode> {
    scan.target.parse::<Target>()?;
    let kind = scan.provider_kind()?;
    if client.providers().get(kind).is_none() {
        return Err(Error::provider(
            kind.as_str(),
            "this provider is not built into this casiscan",
        ));
    }
    let added = client.add_scan(&scan).await?;
    let id = added.id()?;
    let ctx = RunContext::detached();
    let progress = tokio::spawn(show_progress(ctx.progress.subscribe()));
    let interrupt = {
        let client = client.clone();
        let id = id.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("\ninterrupted: canceling {id}");
                client.cancel_scan(&id).await.ok();
            }
        })
    };
    let done = client.run_scan(&id, ctx).await;
    progress.abort();
    interrupt.abort();
    let done = done?;
    if json {
        crate::out!("{}", render::json(&done));
    } else {
        crate::out!("{}", render::outcome(&done).trim_end_matches('\n'));
    }
    Ok(if done.state == ScanState::Completed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(10)
    })
}

/// Prints a one-line progress bar on stderr while a terminal is attached.
async fn show_progress(mut rx: tokio::sync::watch::Receiver<Progress>) {
    let tty = std::io::stderr().is_terminal();
    while rx.changed().await.is_ok() {
        let p = rx.borrow_and_update().clone();
        if tty {
            eprint!("\r{}", render::progress_bar(&p));
        }
    }
}
