//! `casiscan schedule ID "0 3 * * *" [--tz ZONE] | --every 6h | --off`: a scan's schedule.

use std::process::ExitCode;

use casiscan_core::model::{Cadence, MissedSlots, Schedule};
use casiscan_core::{Client, Error, Result};

/// Options of the schedule subcommand.
#[derive(Debug, clap::Args)]
pub struct ScheduleArgs {
    /// `owner/name`, or a name of --owner.
    pub id: String,
    /// A 5-field cron expression (`minute hour day-of-month month day-of-week`).
    #[arg(conflicts_with_all = ["every", "off"])]
    pub cron: Option<String>,
    /// The IANA time zone the cron expression is read in.
    #[arg(long = "tz", default_value = "UTC", requires = "cron")]
    pub time_zone: String,
    /// A fixed interval instead: 90s, 30m, 6h, 1d (at least one minute).
    #[arg(long, conflicts_with = "off")]
    pub every: Option<String>,
    /// Remove the scan's schedule.
    #[arg(long)]
    pub off: bool,
    /// Keep the schedule but queue nothing until it is set again.
    #[arg(long)]
    pub disabled: bool,
    /// Slots missed while no scheduler ran: `skip` them, or `run-once`.
    #[arg(long, default_value = "skip")]
    pub missed: String,
    /// Fire each slot up to this many seconds late, at random (spreads a fleet's load).
    #[arg(long, default_value_t = 0)]
    pub jitter: u32,
    /// Print the scan as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The schedule these arguments describe (`None` for `--off`).
fn schedule_of(args: &ScheduleArgs) -> Result<Option<Schedule>> {
    let cadence = match (&args.cron, &args.every, args.off) {
        (_, _, true) => return Ok(None),
        (Some(expr), None, false) => Cadence::cron(expr.clone(), args.time_zone.clone()),
        (None, Some(every), false) => Cadence::every(every)?,
        _ => {
            return Err(Error::invalid(
                "schedule",
                "give a cron expression, --every INTERVAL, or --off",
            ));
        }
    };
    Ok(Some(Schedule {
        enabled: !args.disabled,
        missed_slots: args.missed.parse::<MissedSlots>()?,
        jitter_seconds: args.jitter,
        ..Schedule::new(cadence)
    }))
}

/// Sets or removes the schedule and prints the next run.
pub async fn run(client: &Client, id: &str, args: &ScheduleArgs) -> Result<ExitCode> {
    let schedule = schedule_of(args)?;
    let scan = client.set_scan_schedule(id, schedule.as_ref()).await?;
    if args.json {
        crate::out!("{}", crate::render::json(&scan));
        return Ok(ExitCode::SUCCESS);
    }
    match scan.schedule.as_ref() {
        None => crate::out!("{id}: not scheduled"),
        Some(s) => crate::out!(
            "{id}: {}; next run {}",
            crate::render::cadence(s),
            crate::render::next_run(Some(s))
        ),
    }
    Ok(ExitCode::SUCCESS)
}
