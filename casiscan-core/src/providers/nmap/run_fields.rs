//! The fields of a run other than its hosts, in the three groups the streaming JSON writers emit
//! around the hosts: the attributes, what precedes the first host, and what ends with the file.

use serde::Serialize;

use super::model::{NmapRun, Output, RunStats, ScanInfo, Script, TargetSpec, TaskEvent, Text};
use super::violation::Violation;

/// The run's attributes (its start tag).
#[derive(Serialize)]
pub struct RunAttrs<'a> {
    scanner: &'a Option<Text>,
    args: &'a Option<Text>,
    start: &'a Option<i64>,
    startstr: &'a Option<Text>,
    version: &'a Option<Text>,
    profile_name: &'a Option<Text>,
    xmloutputversion: &'a Option<Text>,
}

/// What nmap writes before the first host: the scan types and the verbosity.
#[derive(Serialize)]
pub struct RunSetup<'a> {
    scaninfos: &'a [ScanInfo],
    verbose: &'a Option<i64>,
    debugging: &'a Option<i64>,
}

/// The lists and totals complete only at the end of the file.
#[derive(Serialize)]
pub struct RunClose<'a> {
    /// Target specifications.
    pub targets: &'a [TargetSpec],
    /// Task progress events.
    pub tasks: &'a [TaskEvent],
    /// Pre-scan scripts.
    pub prescripts: &'a [Script],
    /// Post-scan scripts.
    pub postscripts: &'a [Script],
    /// Output lines.
    pub outputs: &'a [Output],
    /// The run's totals.
    pub runstats: &'a Option<RunStats>,
    /// Whether the file broke off.
    pub incomplete: &'a bool,
    /// Values that broke nmap.dtd (lenient parsing).
    pub warnings: &'a [Violation],
}

/// Every field of `run` but its hosts and host hints, grouped (a field added to [`NmapRun`]
/// must be placed here: the run is taken apart field by field).
pub fn grouped(run: &NmapRun) -> (RunAttrs<'_>, RunSetup<'_>, RunClose<'_>) {
    let NmapRun {
        scanner,
        args,
        start,
        startstr,
        version,
        profile_name,
        xmloutputversion,
        scaninfos,
        verbose,
        debugging,
        targets,
        tasks,
        prescripts,
        hosts: _,
        hosthints: _,
        postscripts,
        outputs,
        runstats,
        incomplete,
        warnings,
    } = run;
    let attrs = RunAttrs {
        scanner,
        args,
        start,
        startstr,
        version,
        profile_name,
        xmloutputversion,
    };
    let setup = RunSetup {
        scaninfos,
        verbose,
        debugging,
    };
    let close = RunClose {
        targets,
        tasks,
        prescripts,
        postscripts,
        outputs,
        runstats,
        incomplete,
        warnings,
    };
    (attrs, setup, close)
}
