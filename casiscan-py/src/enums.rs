//! Python enums mirroring the core's scan state, provider kind, target mode and OS patch backend.

use casiscan_core::model::{ProviderKind, ScanState, TargetMode};
use casiscan_core::providers::ospatch::Backend;
use pyo3::prelude::*;

/// Declares a Python enum mirroring a core enum, with `value` (the core's name) and
/// conversions both ways.
macro_rules! mirror_enum {
    ($(#[$doc:meta])* $py:ident => $core:ident, $name:literal { $($variant:ident = $pyname:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[pyclass(eq, eq_int, frozen, hash, from_py_object, name = $name, module = "casiscan")]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $py {
            $(
                #[allow(missing_docs, reason = "mirrors the core variant of the same name")]
                #[pyo3(name = $pyname)]
                $variant,
            )+
        }

        impl From<$core> for $py {
            fn from(v: $core) -> Self {
                match v { $($core::$variant => $py::$variant,)+ }
            }
        }

        impl From<$py> for $core {
            fn from(v: $py) -> Self {
                match v { $($py::$variant => $core::$variant,)+ }
            }
        }

        #[pymethods]
        impl $py {
            /// The name casiscan (and Casibase) use in JSON.
            #[getter]
            fn value(&self) -> &'static str {
                $core::from(*self).as_str()
            }

            fn __str__(&self) -> &'static str {
                self.value()
            }
        }
    };
}

mirror_enum!(
    /// The state of a scan.
    PyScanState => ScanState, "ScanState" {
        Created = "CREATED",
        Pending = "PENDING",
        Running = "RUNNING",
        Completed = "COMPLETED",
        Failed = "FAILED",
        Canceled = "CANCELED",
    }
);

mirror_enum!(
    /// The provider that runs a scan.
    PyProviderKind => ProviderKind, "ProviderKind" {
        Nmap = "NMAP",
        OsPatch = "OS_PATCH",
        PatchInstall = "PATCH_INSTALL",
    }
);

mirror_enum!(
    /// How a scan names its target: typed in, or through an asset.
    PyTargetMode => TargetMode, "TargetMode" {
        ManualInput = "MANUAL_INPUT",
        Asset = "ASSET",
    }
);

mirror_enum!(
    /// The package database an OS patch report was read from.
    PyOsPatchBackend => Backend, "OsPatchBackend" {
        Debian = "DEBIAN",
        Rpm = "RPM",
        Windows = "WINDOWS",
    }
);
