//! Scans and assets as Casibase's web UI reads them: result texts its renderers parse, asset
//! properties as the JSON text its editor edits, the asset password masked.

use axum::response::Response;
use serde_json::Value;

use super::envelope::{core_error, ok};
use crate::model::{Asset, ProviderKind, Scan, ScanResult};
use crate::providers::ProviderOutput;

/// A scan's JSON with an OS patch result as Casibase's renderer reads it: `result` the array
/// of patch rows, `resultReport` the report (an nmap result is already in Casibase's shape).
pub fn scan_json(scan: &Scan) -> Value {
    let mut v = serde_json::to_value(scan).unwrap_or(Value::Null);
    if scan.provider == Some(ProviderKind::OsPatch)
        && let Ok(result) = ScanResult::from_stored(ProviderKind::OsPatch, &scan.result)
    {
        set_result(&mut v, &result);
    }
    v
}

fn set_result(v: &mut Value, result: &ScanResult) {
    if let Ok(text) = result.casibase_text() {
        v["result"] = Value::String(text);
    }
    if let Some(report) = result.report_text() {
        v["resultReport"] = Value::String(report);
    }
}

/// An on-demand run as `scan-asset` answers it: `{rawResult, result, resultSummary, runner}`
/// with `result` the text Casibase's renderers parse.
pub fn output_json(out: &ProviderOutput, runner: &str) -> Value {
    let mut v = serde_json::json!({"rawResult": out.raw_text, "result": "",
        "resultSummary": out.summary, "runner": runner});
    set_result(&mut v, &out.result);
    v
}

/// An asset's JSON as Casibase answers it: `properties` as JSON text (empty when there are
/// none), `password` masked.
pub fn asset_json(asset: &Asset) -> Value {
    let mut v = serde_json::to_value(asset).unwrap_or(Value::Null);
    let props = &asset.properties;
    let text = if *props == Default::default() {
        String::new()
    } else {
        serde_json::to_string(props).unwrap_or_default()
    };
    v["properties"] = Value::String(text);
    v["password"] = Value::String(asset.password.masked().to_string());
    v
}

/// The envelope of a scan result.
pub fn respond_scan(r: crate::Result<Scan>) -> Response {
    match r {
        Ok(scan) => ok(scan_json(&scan), Value::Null),
        Err(e) => core_error(&e),
    }
}

/// The envelope of an asset result.
pub fn respond_asset(r: crate::Result<Asset>) -> Response {
    match r {
        Ok(asset) => ok(asset_json(&asset), Value::Null),
        Err(e) => core_error(&e),
    }
}
