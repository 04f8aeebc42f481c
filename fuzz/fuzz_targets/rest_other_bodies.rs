//! The REST bodies beside scans and assets, read as their handlers read them (the first byte
//! chooses): a scan schedule (checked and planned), a scope policy (its entries parsed and
//! checked), a finding disposition, an install-patch selection.
use casiscan_core::model::{
    DispositionKind, DispositionRequest, Schedule, ScopeLists, ScopePolicy,
};
use casiscan_core::providers::patch_install::PatchSelection;
use chrono::{TimeZone, Utc};

fn main() {
    let now = Utc
        .with_ymd_and_hms(2026, 12, 7, 3, 0, 0)
        .single()
        .unwrap_or_default();
    afl::fuzz!(|data: &[u8]| {
        let Some((&which, body)) = data.split_first() else {
            return;
        };
        match which % 4 {
            0 => {
                if let Ok(Some(schedule)) = serde_json::from_slice::<Option<Schedule>>(body) {
                    let _ = schedule.planned(now, &|max| max / 2);
                }
            }
            1 => {
                if let Ok(p) = serde_json::from_slice::<ScopeLists>(body)
                    && let Ok(policy) = ScopePolicy::parse(&p.allow, &p.deny)
                {
                    let _ = policy.check();
                    let _ = serde_json::to_vec(&policy);
                }
            }
            2 => {
                if let Ok(b) = serde_json::from_slice::<DispositionRequest>(body) {
                    let _ = b.kind.parse::<DispositionKind>();
                }
            }
            _ => {
                if let Ok(selection) = serde_json::from_slice::<PatchSelection>(body) {
                    let _ = serde_json::to_vec(&selection);
                }
            }
        }
    });
}
