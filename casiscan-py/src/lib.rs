//! casiscan-py: the `casiscan._casiscan` native module. It converts types, errors and
//! ownership and calls `casiscan-core`; every rule lives in the core.

#![deny(unsafe_code)]

mod asset;
mod callbacks;
mod client;
mod client_policies;
mod convert;
mod enums;
mod errors;
mod logs;
#[macro_use]
mod nmap_leaf;
mod nmap;
mod nmap_parse;
mod ospatch;
mod output;
mod pyser;
mod runtime;
mod scan;
mod schedule;
mod worker;

use pyo3::prelude::*;

/// The native module; the public API is re-exported by the `casiscan` package.
#[pymodule]
mod _casiscan {
    use pyo3::prelude::*;

    #[pymodule_export]
    use crate::asset::PyAsset;
    #[pymodule_export]
    use crate::client::PyClient;
    #[pymodule_export]
    use crate::enums::{PyOsPatchBackend, PyProviderKind, PyScanState, PyTargetMode};
    #[pymodule_export]
    use crate::errors::{
        AuthError, CanceledError, CasiscanError, CasiscanIOError, ConflictError, ForbiddenError,
        InvalidInputError, NotFoundError, ParseError, ProviderError, StorageError,
    };
    #[pymodule_export]
    use crate::nmap::{PyHost, PyNmapRun, PyPort};
    #[pymodule_export]
    use crate::nmap_leaf::{
        PyAddress, PyCpe, PyHostStatus, PyHostname, PyOsClass, PyOsMatch, PyPortState, PyScript,
        PyService,
    };
    #[pymodule_export]
    use crate::nmap_parse::{PyHostIterator, iter_nmap_hosts, parse_nmap, parse_nmap_async};
    #[pymodule_export]
    use crate::ospatch::{
        PyInstalledPackage, PyOsPatchReport, PyOsPatchSummary, PyOsPatchUpdate, PyReboot,
        os_patch_report,
    };
    #[pymodule_export]
    use crate::output::PyRunOutput;
    #[pymodule_export]
    use crate::scan::{PyScan, PyScanPage, PyScanRun};
    #[pymodule_export]
    use crate::schedule::PySchedule;
    #[pymodule_export]
    use crate::worker::PyWorker;

    #[allow(
        non_upper_case_globals,
        reason = "Python's name for a module's version"
    )]
    #[pymodule_export]
    const __version__: &str = env!("CARGO_PKG_VERSION");

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        crate::errors::init_kinds(m.py())?;
        crate::runtime::register_with_asyncio()
    }
}
