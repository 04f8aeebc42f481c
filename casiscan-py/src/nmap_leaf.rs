//! Small leaf classes of the nmap model (status, address, hostname, port state, service,
//! script): each owns a copy of its core value and exposes its fields read-only.

use casiscan_core::providers::nmap::{Address, Hostname, PortState, Script, Service, Status, Text};
use pyo3::prelude::*;

use crate::convert::{to_dict, to_json};

/// A model field as its Python getter returns it (model text becomes `str`).
pub(crate) trait Plain<T> {
    fn plain(&self) -> T;
}

impl<T: Clone> Plain<T> for T {
    fn plain(&self) -> T {
        self.clone()
    }
}

impl Plain<String> for Text {
    fn plain(&self) -> String {
        self.to_string()
    }
}

impl Plain<Option<String>> for Option<Text> {
    fn plain(&self) -> Option<String> {
        self.as_deref().map(str::to_string)
    }
}

impl Plain<Vec<String>> for Vec<Text> {
    fn plain(&self) -> Vec<String> {
        self.iter().map(Text::to_string).collect()
    }
}

/// Declares a frozen Python class over a core value with one getter per listed field (those
/// under `rare` read from the value's `extra()`), plus `to_dict()`/`to_json()` in the Rust JSON
/// shape.
macro_rules! leaf_class {
    ($(#[$doc:meta])* $py:ident => $core:ident, $name:literal { $($field:ident: $ty:ty),* $(,)? }
     $(rare { $($rare:ident: $rty:ty),* $(,)? })?
     $(extra { $($extra:tt)* })?) => {
        $(#[$doc])*
        #[pyclass(name = $name, module = "casiscan", frozen)]
        #[derive(Debug)]
        pub struct $py {
            inner: $core,
        }

        impl From<$core> for $py {
            fn from(inner: $core) -> Self {
                $py { inner }
            }
        }

        #[pymethods]
        impl $py {
            $(
                #[getter]
                fn $field(&self) -> $ty {
                    $crate::nmap_leaf::Plain::<$ty>::plain(&self.inner.$field)
                }
            )*
            $($(
                #[getter]
                fn $rare(&self) -> $rty {
                    $crate::nmap_leaf::Plain::<$rty>::plain(&self.inner.extra().$rare)
                }
            )*)?

            /// The value as the Rust JSON parsed into Python objects.
            fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                to_dict(py, &self.inner)
            }

            /// The value as JSON text.
            fn to_json(&self) -> PyResult<String> {
                to_json(&self.inner)
            }

            fn __repr__(&self) -> String {
                format!("{}({})", $name, serde_json::to_string(&self.inner).unwrap_or_default())
            }

            $($($extra)*)?
        }
    };
}

leaf_class!(
    /// `<status>` of a host: `state` ("up", "down", ...), `reason`, `reason_ttl`.
    PyHostStatus => Status, "NmapHostStatus" {
        state: Option<String>,
        reason: Option<String>,
        reason_ttl: Option<u32>,
    }
);

leaf_class!(
    /// `<address>`: `addr`, `addrtype` ("ipv4", "ipv6", "mac") and the MAC `vendor`.
    PyAddress => Address, "NmapAddress" {
        addr: String,
        vendor: Option<String>,
    }
    extra {
    /// "ipv4", "ipv6" or "mac", as in the XML.
    #[getter]
    fn addrtype(&self) -> String {
        match serde_json::to_value(self.inner.addrtype) {
            Ok(serde_json::Value::String(s)) => s,
            _ => String::new(),
        }
    }
    }
);

leaf_class!(
    /// `<hostname>`: `name` and its `type` ("user", "PTR").
    PyHostname => Hostname, "NmapHostname" {
        name: Option<String>,
    }
    extra {
    /// "user" or "PTR", as in the XML (`type` attribute).
    #[getter]
    fn r#type(&self) -> Option<String> {
        self.inner.name_type.plain()
    }
    }
);

leaf_class!(
    /// `<state>` of a port: `state` ("open", "closed", "filtered", ...), `reason`, ...
    PyPortState => PortState, "NmapPortState" {
        state: Option<String>,
        reason: Option<String>,
        reason_ttl: Option<u32>,
        reason_ip: Option<String>,
    }
);

leaf_class!(
    /// `<service>`: name, product, version and the rest of service detection.
    PyService => Service, "NmapService" {
        name: Option<String>,
        conf: Option<u8>,
        method: Option<String>,
        version: Option<String>,
        product: Option<String>,
        extrainfo: Option<String>,
        ostype: Option<String>,
        cpes: Vec<String>,
    }
    rare {
        tunnel: Option<String>,
        proto: Option<String>,
        rpcnum: Option<u32>,
        lowver: Option<u32>,
        highver: Option<u32>,
        hostname: Option<String>,
        devicetype: Option<String>,
        servicefp: Option<String>,
    }
);

leaf_class!(
    /// `<script>`: NSE script `id`, its `output` text and its structured items.
    PyScript => Script, "NmapScript" {
        id: Option<String>,
        output: Option<String>,
    }
    extra {
    /// The script's tables, elems and any text beside them, in order, as dicts (`kind`:
    /// "elem", "table" or "text"; `key`; `value` or `items`).
    #[getter]
    fn items<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, &self.inner.items)
    }
    }
);
