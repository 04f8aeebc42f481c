//! What the database holds, read back into typed values (the first byte chooses): a stored
//! result of each provider (`ScanResult::from_stored`: nmap's Casibase result, the OS patch
//! result of this version or an earlier one, an OS Patch Install result), the run JSON Python's
//! `NmapRun.from_json` reads, the text columns a scan row is read from (the OS patch command,
//! the provider, the state), and the JSON bodies of the other records (runs, scan logs,
//! findings, assets, schedules, scope policies, API keys, runners, audit entries, progress).
//! Whatever is read writes back to JSON that reads back equal.
use casiscan_core::model::{
    ApiKeyRecord, Asset, AuditEntry, Finding, Progress, ProviderKind, RunnerIdentity, ScanLog,
    ScanResult, ScanRun, ScanState, Schedule, ScopePolicy,
};
use casiscan_core::providers::nmap::NmapRun;
use casiscan_core::providers::ospatch::Verb;
use casiscan_fuzz::{assert_json_round_trip, assert_same_value};

/// A stored result of `provider`: read, written back with `to_stored`, read again.
fn stored_result(provider: ProviderKind, text: &str) {
    let Ok(result) = ScanResult::from_stored(provider, text) else {
        let empty = ScanResult::from_stored_or_empty(provider, text);
        assert_eq!(empty, ScanResult::empty(provider));
        return;
    };
    assert_eq!(result.provider(), provider);
    let _ = result.casibase_text();
    let _ = result.report_text();
    let stored = match result.to_stored() {
        Ok(stored) => stored,
        Err(e) => panic!("a result read from the store cannot be stored again: {e}"),
    };
    match ScanResult::from_stored(provider, &stored) {
        Ok(back) => assert_same_value(&result, &back, &stored),
        Err(e) => panic!("a stored result does not read back: {e}\n{stored}"),
    }
}

/// The text columns of a scan row: the OS patch command, the provider, the state.
fn columns(text: &str) {
    let _ = text.parse::<Verb>();
    if let Ok(Some(kind)) = ProviderKind::parse_optional(text) {
        assert_eq!(kind.as_str().parse::<ProviderKind>().ok(), Some(kind));
    }
    if let Ok(state) = text.parse::<ScanState>() {
        assert_eq!(state.to_string().parse::<ScanState>().ok(), Some(state));
    }
}

/// A record body of type `T`, read as the stores read it.
fn body<T>(text: &str)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    if let Ok(value) = serde_json::from_str::<T>(text) {
        assert_json_round_trip(&value);
    }
}

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Some((&which, rest)) = data.split_first() else {
            return;
        };
        let Ok(text) = std::str::from_utf8(rest) else {
            return;
        };
        match which % 15 {
            0 => stored_result(ProviderKind::Nmap, text),
            1 => stored_result(ProviderKind::OsPatch, text),
            2 => stored_result(ProviderKind::PatchInstall, text),
            3 => body::<NmapRun>(text),
            4 => columns(text),
            5 => body::<ScanRun>(text),
            6 => body::<ScanLog>(text),
            7 => body::<Finding>(text),
            8 => body::<Asset>(text),
            9 => body::<Schedule>(text),
            10 => body::<ScopePolicy>(text),
            11 => body::<ApiKeyRecord>(text),
            12 => body::<RunnerIdentity>(text),
            13 => body::<AuditEntry>(text),
            _ => body::<Progress>(text),
        }
    });
}
