//! Windows backend: the Windows Update Agent through PowerShell, or its recorded output.
//!
//! Tested on recorded sample output only: this project cannot run Windows.

pub mod command;
pub mod rows;
pub mod run;
mod unify;
pub mod wua;

pub use run::{WuaCommand, run_wua};
pub use unify::{RECORDED_FILE, patch_report, recorded, scan_recorded, scanned};
pub use wua::{
    CRITICAL_UPDATES_CATEGORY, Category, HistoryEntry, Hotfix, SECURITY_UPDATES_CATEGORY,
    WUA_SCRIPT, WuaReport, WuaUpdate, normalize_date, parse_wua_json,
};
