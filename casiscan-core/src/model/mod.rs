//! Plain data: scans, assets, runs, states, targets and ids.

mod asset;
mod id;
mod provider_kind;
mod run;
mod scan;
mod state;
mod target;

pub use asset::{Asset, AssetProperties, AssetType};
pub use id::RecordId;
pub use provider_kind::ProviderKind;
pub use run::ScanRun;
pub use scan::{DEFAULT_TIMEOUT_SECONDS, Progress, Scan, TargetMode};
pub use state::{ScanState, Transition, next_state};
pub use target::Target;
