//! Plain data: scans, assets, runs, states, targets, ids, list queries and runner identities.

mod api_key;
mod asset;
mod disposition;
mod finding;
mod finding_query;
mod id;
mod log_page;
mod provider_kind;
mod provider_record;
mod query;
mod result;
mod retention;
mod run;
mod runner;
mod scan;
mod scan_log;
mod schedule;
mod scope_entry;
mod scope_policy;
mod severity;
mod slot;
mod state;
mod target;
mod text_limit;

pub use api_key::{ApiKeyInfo, ApiKeyRecord, IssuedKey};
pub use asset::{Asset, AssetPassword, AssetProperties, AssetType};
pub use disposition::{AuditAction, AuditEntry, Disposition, DispositionKind, DispositionRequest};
pub use finding::{Finding, FindingKey, FindingKind, LifecycleState, Observation};
pub use finding_query::FindingQuery;
pub use id::{IntoRecordId, RecordId};
pub use log_page::{LogPageQuery, LogPosition};
pub use provider_kind::ProviderKind;
pub use provider_record::{ProviderRecord, SCAN_CATEGORY};
pub use query::{Page, ScanField, ScanQuery, SortOrder};
pub use result::ScanResult;
pub use retention::{DEFAULT_RETENTION_DAYS, Pruned, Retention};
pub use run::{IMPORT_RUNNER, ScanRun};
pub use runner::RunnerIdentity;
pub use scan::{DEFAULT_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS, Progress, Scan, TargetMode};
pub use scan_log::{AssetInfo, ScanLog, ScanStatus, SealStatus};
pub use schedule::{
    Cadence, MAX_INTERVAL_SECONDS, MAX_JITTER_SECONDS, MIN_INTERVAL_SECONDS, MissedSlots, Schedule,
    ScheduleError, ScheduleField,
};
pub use scope_entry::{HostPattern, ScopeEntry};
pub use scope_policy::{
    MAX_SCOPE_ENTRIES, ScopeError, ScopeList, ScopeLists, ScopePolicy, ScopeRule,
};
pub use severity::{Cvss, CvssVersion, Severity, SeveritySource};
pub use slot::{SkipReason, SkippedSlot, SlotDecision, TakenSlot};
pub use state::{ScanState, Transition, next_state};
pub use target::Target;
