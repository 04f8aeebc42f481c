//! Windows backend: a PowerShell script over the built-in Windows Update Agent COM API and the parser of its JSON.
//!
//! Tested on recorded sample output only: this project cannot run Windows.

use crate::error::{Error, Result};

/// The PowerShell script (no third-party module): WUA search (cached metadata, offline), history, hotfixes, reboot state.
pub const WUA_SCRIPT: &str = r#"[Console]::OutputEncoding = [System.Text.Encoding]::UTF8
$ErrorActionPreference = 'Stop'
$session = New-Object -ComObject Microsoft.Update.Session
$searcher = $session.CreateUpdateSearcher()
$searcher.Online = $false
$available = @()
$searchError = $null
try {
  $res = $searcher.Search("IsInstalled=0 and IsHidden=0 and Type='Software'")
  foreach ($u in $res.Updates) {
    $available += [pscustomobject]@{
      title = $u.Title; description = $u.Description
      kbArticleIds = @($u.KBArticleIDs | ForEach-Object { "$_" })
      msrcSeverity = $u.MsrcSeverity
      cveIds = @($u.CveIDs | ForEach-Object { "$_" })
      categories = @($u.Categories | ForEach-Object { [pscustomobject]@{ id = $_.CategoryID; name = $_.Name } })
      isDownloaded = [bool]$u.IsDownloaded; isMandatory = [bool]$u.IsMandatory
      rebootBehavior = [int]$u.InstallationBehavior.RebootBehavior
      maxDownloadSize = [int64]$u.MaxDownloadSize
      updateId = $u.Identity.UpdateID
    }
  }
} catch { $searchError = $_.Exception.Message }
$history = @()
$count = $searcher.GetTotalHistoryCount()
if ($count -gt 0) {
  foreach ($h in $searcher.QueryHistory(0, $count)) {
    $history += [pscustomobject]@{
      title = $h.Title; date = $h.Date.ToUniversalTime().ToString('o')
      operation = [int]$h.Operation; resultCode = [int]$h.ResultCode
      updateId = $h.UpdateIdentity.UpdateID
    }
  }
}
$hotfixes = @(Get-CimInstance -ClassName Win32_QuickFixEngineering | ForEach-Object {
  [pscustomobject]@{ hotFixId = $_.HotFixID; description = $_.Description
    installedOn = $(if ($_.InstalledOn) { $_.InstalledOn.ToString('o') } else { $null }) }
})
$reboot = (New-Object -ComObject Microsoft.Update.SystemInfo).RebootRequired
$last = (New-Object -ComObject Microsoft.Update.AutoUpdate).Results.LastSearchSuccessDate
[pscustomobject]@{
  schema = 1; available = $available; history = $history; hotfixes = $hotfixes
  rebootRequired = [bool]$reboot; searchError = $searchError
  lastSearchSuccessDate = $(if ($last) { $last.ToUniversalTime().ToString('o') } else { $null })
} | ConvertTo-Json -Depth 6 -Compress
"#;

/// Category id of WUA's "Security Updates" classification (names are localized, ids are not).
pub const SECURITY_UPDATES_CATEGORY: &str = "0fa1201d-4330-4fa8-8ae9-b877473b6441";
/// Category id of WUA's "Critical Updates" classification.
pub const CRITICAL_UPDATES_CATEGORY: &str = "e6cf1350-c01b-414d-a61f-263d14d133b4";

/// One WUA category of an update.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
pub struct Category {
    /// CategoryID (GUID).
    pub id: String,
    /// Localized name.
    #[serde(default)]
    pub name: String,
}

/// One pending update as the script prints it.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WuaUpdate {
    /// Title.
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// KB numbers without the `KB` prefix.
    #[serde(default, deserialize_with = "one_or_many")]
    pub kb_article_ids: Vec<String>,
    /// MSRC severity (Critical/Important/Moderate/Low) or empty.
    #[serde(default)]
    pub msrc_severity: Option<String>,
    /// CVE ids.
    #[serde(default, deserialize_with = "one_or_many")]
    pub cve_ids: Vec<String>,
    /// Categories.
    #[serde(default, deserialize_with = "one_or_many")]
    pub categories: Vec<Category>,
    /// Already downloaded.
    #[serde(default)]
    pub is_downloaded: bool,
    /// Mandatory.
    #[serde(default)]
    pub is_mandatory: bool,
    /// 0 never reboots, 1 always, 2 can request one.
    #[serde(default)]
    pub reboot_behavior: i64,
    /// Largest download in bytes.
    #[serde(default)]
    pub max_download_size: Option<i64>,
    /// WUA update id.
    #[serde(default)]
    pub update_id: Option<String>,
}

impl WuaUpdate {
    /// Security: the Security Updates classification or a non-empty MSRC severity.
    pub fn is_security(&self) -> bool {
        self.categories
            .iter()
            .any(|c| c.id.eq_ignore_ascii_case(SECURITY_UPDATES_CATEGORY))
            || self.msrc_severity.as_deref().is_some_and(|s| !s.is_empty())
    }

    /// `KB<n>` of the first article id, or one found in the title.
    pub fn kb(&self) -> Option<String> {
        self.kb_article_ids
            .first()
            .map(|k| format!("KB{}", k.trim_start_matches("KB")))
            .or_else(|| kb_in(&self.title))
    }
}

/// One history entry (WUA `QueryHistory`).
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    /// Title.
    #[serde(default)]
    pub title: String,
    /// UTC date, ISO 8601 (or `/Date(ms)/` from Windows PowerShell 5.1, normalised on parse).
    #[serde(default)]
    pub date: Option<String>,
    /// 1 install, 2 uninstall.
    #[serde(default)]
    pub operation: i64,
    /// 0 not started … 2 succeeded, 3 succeeded with errors, 4 failed, 5 aborted.
    #[serde(default)]
    pub result_code: i64,
}

/// One `Win32_QuickFixEngineering` row.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Hotfix {
    /// `KB…`.
    pub hot_fix_id: String,
    /// `Update`, `Security Update`, `Hotfix`.
    #[serde(default)]
    pub description: Option<String>,
    /// Install date, if Windows recorded one.
    #[serde(default)]
    pub installed_on: Option<String>,
}

/// The whole script output.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WuaReport {
    /// Pending updates from the cached search.
    #[serde(default, deserialize_with = "one_or_many")]
    pub available: Vec<WuaUpdate>,
    /// Update history.
    #[serde(default, deserialize_with = "one_or_many")]
    pub history: Vec<HistoryEntry>,
    /// CBS hotfixes.
    #[serde(default, deserialize_with = "one_or_many")]
    pub hotfixes: Vec<Hotfix>,
    /// `Microsoft.Update.SystemInfo.RebootRequired`.
    #[serde(default)]
    pub reboot_required: Option<bool>,
    /// The search failed with this message (the report then has no `available` data).
    #[serde(default)]
    pub search_error: Option<String>,
    /// When the agent last searched successfully (age of the cached metadata).
    #[serde(default)]
    pub last_search_success_date: Option<String>,
}

/// `ConvertTo-Json` writes a single element as an object and an empty array as null.
fn one_or_many<'de, D, T>(d: D) -> std::result::Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Many<T> {
        Many(Vec<T>),
        One(T),
    }
    let v: Option<Many<T>> = serde::Deserialize::deserialize(d)?;
    Ok(match v {
        None => Vec::new(),
        Some(Many::Many(v)) => v,
        Some(Many::One(x)) => vec![x],
    })
}

/// `KB<digits>` found in a title.
pub(super) fn kb_in(title: &str) -> Option<String> {
    let at = title.find("KB")?;
    let digits: String = title[at + 2..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (!digits.is_empty()).then(|| format!("KB{digits}"))
}

/// Turns Windows PowerShell 5.1's `/Date(1700000000000)/` into RFC 3339; other strings unchanged.
pub fn normalize_date(s: &str) -> String {
    let inner = s
        .strip_prefix("/Date(")
        .and_then(|r| r.strip_suffix(")/"))
        .map(|r| r.split(['+', '-']).next().unwrap_or(r));
    match inner
        .and_then(|ms| ms.parse::<i64>().ok())
        .and_then(chrono::DateTime::from_timestamp_millis)
    {
        Some(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        None => s.to_string(),
    }
}

/// Parses the script's JSON (UTF-8, optional BOM); `what` names the source in errors.
pub fn parse_wua_json(data: &[u8], what: &str) -> Result<WuaReport> {
    let data = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
    if data.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::parse(format!("{what}: empty Windows Update output")));
    }
    let mut r: WuaReport = serde_json::from_slice(data).map_err(|e| Error::Parse {
        message: format!("{what}: {e}"),
        line: Some(e.line() as u64),
        column: Some(e.column() as u64),
    })?;
    for h in &mut r.history {
        if let Some(d) = &h.date {
            h.date = Some(normalize_date(d));
        }
    }
    if let Some(d) = &r.last_search_success_date {
        r.last_search_success_date = Some(normalize_date(d));
    }
    Ok(r)
}
