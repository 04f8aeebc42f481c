//! The Scan record: a target, a provider, its state and its results.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ProviderKind, RecordId, ScanState};
use crate::error::{Error, Result};

/// How a scan names what it scans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum TargetMode {
    /// The target field is typed by hand.
    #[default]
    #[serde(rename = "Manual Input")]
    ManualInput,
    /// The target comes from the named asset.
    #[serde(rename = "Asset")]
    Asset,
}

impl TargetMode {
    /// Casibase's spelling of the mode.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetMode::ManualInput => "Manual Input",
            TargetMode::Asset => "Asset",
        }
    }
}

/// Live progress of a running scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct Progress {
    /// Percent done, 0–100, when the tool reports it.
    pub percent: Option<f64>,
    /// What the tool is doing now (e.g. "SYN Stealth Scan").
    pub phase: String,
}

/// Default per-run timeout: one hour.
pub const DEFAULT_TIMEOUT_SECONDS: u64 = 3600;

/// Largest per-run timeout a scan may ask for: 30 days (larger values are refused, not clamped).
pub const MAX_TIMEOUT_SECONDS: u64 = 30 * 86_400;

fn default_provider() -> Option<ProviderKind> {
    Some(ProviderKind::Nmap)
}

fn default_timeout() -> u64 {
    DEFAULT_TIMEOUT_SECONDS
}

/// A scan of one target by one provider, with Casibase's JSON shape plus casiscan's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Scan {
    /// Owning organisation or account.
    pub owner: String,
    /// Name, unique within the owner.
    pub name: String,
    /// When the record was created (set by the store's clock when the scan is added; optional
    /// in JSON, where it defaults to now).
    #[serde(default = "crate::clock::now")]
    pub created_time: DateTime<Utc>,
    /// When the record last changed (set by the store's clock on every change; optional in
    /// JSON, where it defaults to now).
    #[serde(default = "crate::clock::now")]
    pub updated_time: DateTime<Utc>,
    /// Human-readable name.
    #[serde(default)]
    pub display_name: String,
    /// Whether the target is typed or comes from an asset.
    #[serde(default)]
    pub target_mode: TargetMode,
    /// The typed target (Manual Input mode).
    #[serde(default)]
    pub target: String,
    /// The asset name within the owner (Asset mode).
    #[serde(default)]
    pub asset: String,
    /// Which provider runs the scan; `None` (JSON `""` or `null`, Casibase's new scan) until
    /// one is set: such a scan is a valid Created scan that cannot start. Absent from JSON:
    /// Nmap, as before providers were optional.
    #[serde(default = "default_provider", with = "optional_provider")]
    pub provider: Option<ProviderKind>,
    /// Provider arguments (nmap options, or an OS patch verb).
    #[serde(default)]
    pub command: String,
    /// Where the scan is in its life.
    #[serde(default)]
    pub state: ScanState,
    /// The runner that claimed or ran the scan.
    #[serde(default)]
    pub runner: String,
    /// Why the scan failed or cannot be claimed.
    #[serde(default)]
    pub error_text: String,
    /// The tool's own text output.
    #[serde(default)]
    pub raw_result: String,
    /// Structured result as JSON text (Casibase stores a string).
    #[serde(default)]
    pub result: String,
    /// One-line summary, e.g. "11 ports found".
    #[serde(default)]
    pub result_summary: String,
    /// When the current or last run started.
    #[serde(default)]
    pub started_time: Option<DateTime<Utc>>,
    /// When the last run finished.
    #[serde(default)]
    pub finished_time: Option<DateTime<Utc>>,
    /// Live progress while running.
    #[serde(default)]
    pub progress: Progress,
    /// Until when the claiming runner's lease holds.
    #[serde(default)]
    pub lease_until: Option<DateTime<Utc>>,
    /// How many times the scan has been claimed since it was last started.
    #[serde(default)]
    pub attempt: u32,
    /// Per-run timeout in seconds.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    /// When the scheduler queues this scan again (`None`: only when started by hand). Stored
    /// apart from the scan (`Store::set_schedule`); filled in by the [`crate::Client`].
    #[serde(default)]
    pub schedule: Option<super::Schedule>,
    /// Secret token of the claiming runner's lease; never serialised.
    #[serde(skip)]
    pub lease_token: Option<String>,
}

impl Scan {
    /// Longest display name, target and asset name a client may give a scan, in characters.
    pub const MAX_TEXT_CHARS: usize = 4096;

    /// Longest command a client may give a scan, in characters (nmap options, an OS patch verb).
    pub const MAX_COMMAND_CHARS: usize = 16 * 1024;

    /// Refuses a display name, target or asset name over [`Scan::MAX_TEXT_CHARS`], or a command
    /// over [`Scan::MAX_COMMAND_CHARS`] (checked where a client writes a scan, not on start).
    pub fn check_text_fields(&self) -> Result<()> {
        let max = Self::MAX_TEXT_CHARS;
        super::text_limit::check("displayName", &self.display_name, max)?;
        super::text_limit::check("target", &self.target, max)?;
        super::text_limit::check("asset", &self.asset, max)?;
        super::text_limit::check("command", &self.command, Self::MAX_COMMAND_CHARS)
    }

    /// A new scan in state Created, timestamps set to now.
    pub fn new(owner: impl Into<String>, name: impl Into<String>) -> Self {
        let now = crate::clock::now();
        Scan {
            owner: owner.into(),
            name: name.into(),
            created_time: now,
            updated_time: now,
            display_name: String::new(),
            target_mode: TargetMode::ManualInput,
            target: String::new(),
            asset: String::new(),
            provider: Some(ProviderKind::Nmap),
            command: String::new(),
            state: ScanState::Created,
            runner: String::new(),
            error_text: String::new(),
            raw_result: String::new(),
            result: String::new(),
            result_summary: String::new(),
            started_time: None,
            finished_time: None,
            progress: Progress::default(),
            lease_until: None,
            attempt: 0,
            timeout_seconds: DEFAULT_TIMEOUT_SECONDS,
            schedule: None,
            lease_token: None,
        }
    }

    /// The validated `owner/name` id of this scan.
    pub fn id(&self) -> Result<RecordId> {
        RecordId::new(self.owner.clone(), self.name.clone())
    }

    /// The provider that runs this scan; `InvalidInput` naming the scan when none is set.
    pub fn provider_kind(&self) -> Result<ProviderKind> {
        self.provider.ok_or_else(|| {
            Error::invalid(
                format!("scan {}/{}", self.owner, self.name),
                "it has no provider: set provider to \"Nmap\" or \"OS Patch\" before starting it",
            )
        })
    }

    /// Resets results, runner, error, progress, timing and lease; keeps the configuration.
    pub fn reset_results(&mut self) {
        self.runner.clear();
        self.error_text.clear();
        self.raw_result.clear();
        self.result.clear();
        self.result_summary.clear();
        self.started_time = None;
        self.finished_time = None;
        self.progress = Progress::default();
        self.lease_until = None;
        self.lease_token = None;
        self.attempt = 0;
    }

    /// Copies the user-editable configuration of `other` into `self`.
    pub fn apply_config(&mut self, other: &Scan) {
        self.display_name.clone_from(&other.display_name);
        self.target_mode = other.target_mode;
        self.target.clone_from(&other.target);
        self.asset.clone_from(&other.asset);
        self.provider = other.provider;
        self.command.clone_from(&other.command);
        self.timeout_seconds = other.timeout_seconds;
    }

    /// Refuses a configuration edit while the scan is active (Pending or Running): `Conflict`.
    pub fn check_editable(&self) -> Result<()> {
        if self.state.is_active() {
            return Err(Error::conflict(format!(
                "scan {}/{} is {}: its configuration cannot change until it finishes or is canceled",
                self.owner, self.name, self.state
            )));
        }
        Ok(())
    }

    /// This scan with `config`'s editable fields, updated at `now`; refused while active.
    pub fn edited(&self, config: &Scan, now: DateTime<Utc>) -> Result<Scan> {
        self.check_editable()?;
        let mut next = self.clone();
        next.apply_config(config);
        next.updated_time = now;
        Ok(next)
    }

    /// Refuses a rename to `to` while active (like an edit) or to another owner: `Conflict` /
    /// `InvalidInput`.
    pub fn check_renamable(&self, to: &RecordId) -> Result<()> {
        self.check_editable()?;
        if to.owner != self.owner {
            return Err(Error::invalid(
                format!("scan {}/{}", self.owner, self.name),
                format!("it cannot move to owner {}", to.owner),
            ));
        }
        Ok(())
    }

    /// Whether this scan is Created with no results, runner or error: what Casibase's edit page
    /// sends after its Clear button.
    pub fn asks_for_clear(&self) -> bool {
        self.state == ScanState::Created
            && self.result.is_empty()
            && self.raw_result.is_empty()
            && self.result_summary.is_empty()
            && self.runner.is_empty()
            && self.error_text.is_empty()
    }

    /// Refuses to delete a Running scan unless `force` (the caller cancels its process).
    pub fn check_deletable(&self, force: bool) -> Result<()> {
        if self.state == ScanState::Running && !force {
            return Err(Error::conflict(format!(
                "scan {}/{} is Running: cancel it first or delete with force",
                self.owner, self.name
            )));
        }
        Ok(())
    }
}

/// `provider` in JSON: Casibase's provider type name, or `""` (or `null`) for none.
mod optional_provider {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::ProviderKind;

    pub fn serialize<S: Serializer>(p: &Option<ProviderKind>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(p.map_or("", ProviderKind::as_str))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ProviderKind>, D::Error> {
        Option::<String>::deserialize(d)?
            .map_or(Ok(None), |s| ProviderKind::parse_optional(&s))
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_uses_casibase_names_and_values() {
        let mut scan = Scan::new("admin", "scan_1");
        scan.target = "127.0.0.1".into();
        let v = serde_json::to_value(&scan).unwrap();
        for key in [
            "owner",
            "name",
            "createdTime",
            "updatedTime",
            "displayName",
            "targetMode",
            "target",
            "asset",
            "provider",
            "command",
            "state",
            "runner",
            "errorText",
            "rawResult",
            "result",
            "resultSummary",
            "startedTime",
            "finishedTime",
            "progress",
            "leaseUntil",
            "attempt",
            "timeoutSeconds",
        ] {
            assert!(v.get(key).is_some(), "missing {key}");
        }
        assert_eq!(v["targetMode"], "Manual Input");
        assert_eq!(v["state"], "Created");
        assert_eq!(v["provider"], "Nmap");
        assert!(v.get("leaseToken").is_none());
    }

    #[test]
    fn reads_a_casibase_scan() {
        let json = r#"{"owner":"admin","name":"scan_x","createdTime":"2025-01-02T03:04:05+08:00",
            "updatedTime":"2025-01-02T03:04:05+08:00","displayName":"New Scan","targetMode":"Asset",
            "target":"","asset":"vm1","provider":"OS Patch","command":"available","state":"Completed",
            "runner":"h","errorText":"","rawResult":"","result":"","resultSummary":""}"#;
        let scan: Scan = serde_json::from_str(json).unwrap();
        assert_eq!(scan.target_mode, TargetMode::Asset);
        assert_eq!(scan.provider, Some(ProviderKind::OsPatch));
        assert_eq!(scan.state, ScanState::Completed);
        assert_eq!(scan.timeout_seconds, DEFAULT_TIMEOUT_SECONDS);
    }

    #[test]
    fn a_new_casibase_scan_has_no_provider_and_cannot_name_its_kind() {
        let json = r#"{"owner":"admin","name":"scan_n","provider":"","state":"Created"}"#;
        let scan: Scan = serde_json::from_str(json).unwrap();
        assert_eq!(scan.provider, None);
        let err = scan.provider_kind().expect_err("no provider");
        assert_eq!(err.kind(), crate::ErrorKind::InvalidInput);
        assert!(
            err.to_string().contains("admin/scan_n") && err.to_string().contains("no provider")
        );
        assert_eq!(serde_json::to_value(&scan).unwrap()["provider"], "");
        let null: Scan =
            serde_json::from_str(r#"{"owner":"a","name":"b","provider":null}"#).unwrap();
        assert_eq!(null.provider, None);
        assert!(
            serde_json::from_str::<Scan>(r#"{"owner":"a","name":"b","provider":"Nessus"}"#)
                .is_err()
        );
        let absent: Scan = serde_json::from_str(r#"{"owner":"a","name":"b"}"#).unwrap();
        assert_eq!(absent.provider, Some(ProviderKind::Nmap), "as before");
    }

    fn in_state(state: ScanState) -> Scan {
        let mut scan = Scan::new("admin", "s");
        scan.state = state;
        scan
    }

    #[test]
    fn active_scans_refuse_config_edits() {
        for state in [ScanState::Pending, ScanState::Running] {
            let err = in_state(state).check_editable().expect_err("active");
            assert_eq!(err.kind(), crate::ErrorKind::Conflict);
            assert!(err.to_string().contains("admin/s"), "{err}");
        }
        for state in [
            ScanState::Created,
            ScanState::Completed,
            ScanState::Failed,
            ScanState::Canceled,
        ] {
            assert!(in_state(state).check_editable().is_ok(), "{state}");
        }
    }

    #[test]
    fn edits_copy_the_configuration_and_keep_the_state() {
        let prev = in_state(ScanState::Completed);
        let mut config = Scan::new("admin", "s");
        config.target = "10.0.0.1".into();
        config.state = ScanState::Running;
        let now = crate::clock::now() + chrono::Duration::seconds(5);
        let next = prev.edited(&config, now).expect("editable");
        assert_eq!(next.target, "10.0.0.1");
        assert_eq!(next.state, ScanState::Completed);
        assert_eq!(next.updated_time, now);
        assert!(in_state(ScanState::Running).edited(&config, now).is_err());
    }

    #[test]
    fn deleting_a_running_scan_needs_force() {
        let running = in_state(ScanState::Running);
        let err = running.check_deletable(false).expect_err("running");
        assert_eq!(err.kind(), crate::ErrorKind::Conflict);
        assert!(running.check_deletable(true).is_ok());
        for state in [ScanState::Pending, ScanState::Created, ScanState::Completed] {
            assert!(in_state(state).check_deletable(false).is_ok(), "{state}");
        }
    }
}
