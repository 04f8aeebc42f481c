//! Windows Update Agent backend on recorded sample output (this project cannot run Windows).

use casiscan_core::providers::ospatch::windows::rows::{available_rows, installed_rows};
use casiscan_core::providers::ospatch::windows::{WUA_SCRIPT, normalize_date, parse_wua_json};

/// Rows as the JSON they are stored as.
fn as_json<T: serde::Serialize>(rows: Vec<T>) -> Vec<serde_json::Value> {
    rows.into_iter()
        .map(|r| serde_json::to_value(r).expect("a row"))
        .collect()
}

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/testdata/ospatch/windows/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("recorded sample")
}

#[test]
fn script_uses_only_the_built_in_agent() {
    assert!(WUA_SCRIPT.contains("Microsoft.Update.Session"));
    assert!(WUA_SCRIPT.contains("IsInstalled=0"));
    assert!(WUA_SCRIPT.contains("QueryHistory"));
    assert!(WUA_SCRIPT.contains("Win32_QuickFixEngineering"));
    assert!(WUA_SCRIPT.contains("Microsoft.Update.SystemInfo"));
    assert!(!WUA_SCRIPT.contains("PSWindowsUpdate"));
    assert!(!WUA_SCRIPT.contains("Import-Module"));
}

#[test]
fn full_sample_gives_security_flags_kbs_cves_and_rows() {
    let r = parse_wua_json(&sample("wua_full.json"), "wua_full.json").unwrap();
    assert_eq!(r.available.len(), 3);
    assert_eq!(r.reboot_required, Some(true));
    let cu = &r.available[0];
    assert!(cu.is_security());
    assert_eq!(cu.kb().as_deref(), Some("KB5037782"));
    assert_eq!(cu.cve_ids, ["CVE-2024-30051", "CVE-2024-30040"]);
    // Localized category name, upper-case GUID, single-object arrays: still security by id.
    let edge = &r.available[1];
    assert!(edge.is_security());
    assert_eq!(edge.kb().as_deref(), Some("KB5035849"));
    assert!(edge.cve_ids.is_empty());
    assert!(!r.available[2].is_security());

    let rows = as_json(available_rows(&r));
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["status"], "Downloaded");
    assert_eq!(rows[0]["size"], "393.3 MB");
    assert_eq!(rows[0]["rebootRequired"], true);
    assert_eq!(rows[0]["isInstalled"], false);
    assert_eq!(rows[1]["size"], "N/A");
    assert_eq!(
        rows[1]["categories"],
        "Sicherheitsupdates, Security Updates"
    );
    assert_eq!(rows[2]["status"], "Available");

    let inst = as_json(installed_rows(&r));
    let kbs: Vec<_> = inst
        .iter()
        .map(|v| (v["kb"].as_str().unwrap(), v["status"].as_str().unwrap()))
        .collect();
    // KB5036909 is in history and in CBS: listed once; the failed .NET install is not installed.
    assert_eq!(
        kbs,
        [
            ("KB2267602", "Succeeded"),
            ("KB5036909", "Succeeded"),
            ("KB5035857", "Failed"),
            ("KB5012170", "Installed")
        ]
    );
    assert_eq!(inst[2]["isInstalled"], false);
}

#[test]
fn windows_powershell_5_1_shapes_single_objects_and_dates() {
    let r = parse_wua_json(&sample("wua_ps51_single.json"), "wua_ps51_single.json").unwrap();
    assert!(r.available.is_empty());
    assert_eq!(r.history.len(), 1);
    assert_eq!(r.history[0].date.as_deref(), Some("2024-05-17T08:00:00Z"));
    assert_eq!(r.hotfixes[0].hot_fix_id, "KB5034439");
    assert_eq!(
        r.last_search_success_date.as_deref(),
        Some("2024-05-18T02:40:00Z")
    );
    assert_eq!(normalize_date("/Date(0+0100)/"), "1970-01-01T00:00:00Z");
    assert_eq!(normalize_date("yesterday"), "yesterday");
}

#[test]
fn search_error_is_reported_and_bom_accepted() {
    let r = parse_wua_json(
        &sample("wua_bom_search_error.json"),
        "wua_bom_search_error.json",
    )
    .unwrap();
    assert_eq!(
        r.search_error.as_deref(),
        Some("Exception from HRESULT: 0x8024402C")
    );
}

#[test]
fn truncated_or_empty_output_is_an_error_naming_the_source() {
    let e = parse_wua_json(&sample("wua_truncated.json"), "wua_truncated.json").unwrap_err();
    assert!(e.to_string().contains("wua_truncated.json"), "{e}");
    let e = parse_wua_json(b"  \r\n", "stdout").unwrap_err();
    assert!(e.to_string().contains("stdout"), "{e}");
    assert!(parse_wua_json(b"[1,2]", "stdout").is_err());
}

#[test]
fn encoded_command_decodes_with_base64_and_iconv_to_the_script() {
    use casiscan_core::providers::ospatch::windows::command::{encoded_command, wua_command};
    use std::io::Write;
    use std::process::{Command, Stdio};
    let (program, args) = wua_command();
    assert_eq!(program, "powershell.exe");
    assert_eq!(args[4], "-EncodedCommand");
    for script in [WUA_SCRIPT, "a", "ab", "abc", "Sicherheitsupdate für €"] {
        let enc = if script == WUA_SCRIPT {
            args[5].clone()
        } else {
            encoded_command(script)
        };
        let mut child = Command::new("sh")
            .arg("-c")
            .arg("base64 -d | iconv -f UTF-16LE -t UTF-8")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(enc.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success());
        assert_eq!(String::from_utf8(out.stdout).unwrap(), script);
    }
}

#[test]
fn windows_security_updates_become_findings_with_msrc_severity() {
    use casiscan_core::lifecycle::{diff_results, ospatch_detections};
    use casiscan_core::model::{ProviderKind, ScanResult, Severity};
    use casiscan_core::providers::ospatch::OsPatchResult;
    use casiscan_core::providers::ospatch::windows::patch_report;
    let r = parse_wua_json(&sample("wua_full.json"), "wua_full.json").unwrap();
    let report = patch_report(r.clone());
    let found = ospatch_detections(&report);
    let brief: Vec<_> = found
        .iter()
        .map(|d| (d.title.as_str(), d.severity))
        .collect();
    assert_eq!(
        brief,
        [
            (
                "KB5037782: security update for KB5037782 missing",
                Severity::Critical
            ),
            (
                "KB5035849: security update for KB5035849 missing",
                Severity::Medium
            ),
        ],
        "the update rollup is not a security finding; an empty MSRC rating falls back"
    );
    let result = ScanResult::OsPatch(OsPatchResult {
        patches: available_rows(&r),
        report: Some(report),
    });
    let mut applied = r.clone();
    applied.available.remove(0);
    let after = ScanResult::OsPatch(OsPatchResult {
        patches: Vec::new(),
        report: Some(patch_report(applied)),
    });
    assert_eq!(diff_results(&result, &after).updates_applied, ["KB5037782"]);

    // A result stored by an earlier version (the agent's own report) reads the same.
    let legacy = serde_json::json!({
        "patches": as_json(available_rows(&r)),
        "report": serde_json::to_value(&r).unwrap(),
    })
    .to_string();
    let ScanResult::OsPatch(stored) =
        ScanResult::from_stored(ProviderKind::OsPatch, &legacy).unwrap()
    else {
        panic!("an OS patch result");
    };
    let again = ospatch_detections(stored.report.as_ref().unwrap());
    assert_eq!(again, found);
}
