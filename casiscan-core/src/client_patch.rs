//! The remediation part of [`Client`]: install-patch, a job that installs updates an OS patch
//! scan found, on the host that scan ran on.

use crate::Client;
use crate::error::{Error, Result};
use crate::model::{IntoRecordId, ProviderKind, Scan, ScanState};
use crate::providers::ospatch::OsPatchResult;
use crate::providers::patch_install::{PatchInstallRequest, PatchSelection, plan};

/// Longest scan name kept whole in a job's name (names are at most 100 bytes).
const MAX_SOURCE_IN_NAME: usize = 70;

impl Client {
    /// Queues an OS Patch Install job for the updates `selection` names in the result of the
    /// finished OS patch scan `source`; returns the job (Pending). It runs where `source` ran
    /// (same target), and a fresh run of `source` is queued when it ends.
    ///
    /// A scan that is not OS Patch, not Completed, or an update that is not pending in its
    /// result is refused with a typed error naming it; nothing is queued then.
    pub async fn install_patch(
        &self,
        source: impl IntoRecordId,
        selection: &PatchSelection,
    ) -> Result<Scan> {
        let id = source.into_record_id()?;
        let src = self.store().get_scan(&id).await?;
        let request = remediation_request(&src, selection)?;
        let job = remediation_job(&src, &request)?;
        self.insert_scan(&job).await?;
        let queued = self.start_scan(job.id()?).await?;
        tracing::info!(job = %format!("{}/{}", queued.owner, queued.name), source = %id, updates = request.updates.len(), dry_run = request.dry_run, "install-patch queued");
        Ok(queued)
    }
}

/// The job's parameters, checked against the stored result of `src`.
pub(crate) fn remediation_request(
    src: &Scan,
    selection: &PatchSelection,
) -> Result<PatchInstallRequest> {
    let id = src.id()?;
    match src.provider {
        Some(ProviderKind::OsPatch) => {}
        Some(other) => {
            return Err(Error::invalid(
                format!("scan {id}"),
                format!("it is a {other} scan; install-patch takes a finished OS Patch scan"),
            ));
        }
        None => {
            return Err(Error::invalid(
                format!("scan {id}"),
                "it has no provider; install-patch takes a finished OS Patch scan",
            ));
        }
    }
    if src.state != ScanState::Completed {
        return Err(Error::conflict(format!(
            "scan {id} is {}, not Completed: install-patch takes a finished OS Patch scan",
            src.state
        )));
    }
    let result = OsPatchResult::from_json(&src.result).map_err(|e| {
        Error::invalid(
            format!("scan {id}"),
            format!("its result cannot be read ({e}); scan again"),
        )
    })?;
    let report = result.report.ok_or_else(|| {
        Error::invalid(
            format!("scan {id}"),
            "its result has no report of pending updates; scan again",
        )
    })?;
    let request = PatchInstallRequest {
        source_scan: id.to_string(),
        backend: report.backend,
        updates: plan(&id.to_string(), &report, selection)?,
        dry_run: selection.dry_run,
    };
    request.check()?;
    Ok(request)
}

/// A new job scan for `request` on the target of `src`.
fn remediation_job(src: &Scan, request: &PatchInstallRequest) -> Result<Scan> {
    let mut stem: String = src.name.clone();
    if stem.len() > MAX_SOURCE_IN_NAME {
        let mut cut = MAX_SOURCE_IN_NAME;
        while !stem.is_char_boundary(cut) {
            cut -= 1;
        }
        stem.truncate(cut);
    }
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    let mut job = Scan::new(
        src.owner.clone(),
        format!("{stem}_install_{}", &suffix[..8]),
    );
    job.display_name = format!(
        "{} {} update(s) from {}",
        if request.dry_run {
            "Dry run of"
        } else {
            "Install"
        },
        request.updates.len(),
        src.name
    );
    job.target_mode = src.target_mode;
    job.target.clone_from(&src.target);
    job.asset.clone_from(&src.asset);
    job.provider = Some(ProviderKind::PatchInstall);
    job.command = request.to_command()?;
    job.timeout_seconds = src.timeout_seconds;
    Ok(job)
}
