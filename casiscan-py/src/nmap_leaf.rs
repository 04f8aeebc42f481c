//! Small leaf classes of the nmap model (status, address, hostname, port state, service,
//! script): each owns a copy of its core value and exposes its fields read-only.

use casiscan_core::providers::nmap::{
    Address, Cpe, Hostname, OsClass, OsMatch, PortState, Script, Service, Status, Text,
};
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

            /// Equal when every field is equal (another type compares unequal).
            fn __eq__(&self, other: PyRef<'_, Self>) -> bool {
                self.inner == other.inner
            }

            fn __hash__(&self) -> u64 {
                $crate::convert::json_hash(&self.inner)
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
    extra {
    /// What version detection read, as python-libnmap's `banner`: `"product: OpenSSH version:
    /// 8.2p1 extrainfo: …"` (empty unless the service was probed).
    #[getter]
    fn banner(&self) -> String {
        self.inner.banner()
    }
    /// The service's CPE names as `Cpe` objects.
    #[getter]
    fn cpe_list(&self) -> PyResult<Vec<PyCpe>> {
        cpe_list(&self.inner.cpes)
    }
    }
);

leaf_class!(
    /// `<osclass>`: vendor, family, generation, device `type`, accuracy and CPE names.
    PyOsClass => OsClass, "NmapOsClass" {
        vendor: Option<String>,
        osfamily: Option<String>,
        osgen: Option<String>,
        accuracy: Option<u8>,
        cpes: Vec<String>,
    }
    extra {
    /// The device type ("general purpose", "router", ...): the `type` attribute.
    #[getter]
    fn r#type(&self) -> Option<String> {
        self.inner.device_type.plain()
    }
    /// The class's CPE names as `Cpe` objects.
    #[getter]
    fn cpe_list(&self) -> PyResult<Vec<PyCpe>> {
        cpe_list(&self.inner.cpes)
    }
    }
);

leaf_class!(
    /// `<osmatch>`: an OS `name` with its `accuracy` and its classes.
    PyOsMatch => OsMatch, "NmapOsMatch" {
        name: Option<String>,
        accuracy: Option<u8>,
        line: Option<u64>,
    }
    extra {
    /// The match's classes, most accurate first.
    #[getter]
    fn osclasses(&self) -> Vec<PyOsClass> {
        let mut classes = self.inner.osclasses.clone();
        classes.sort_by_key(|c| std::cmp::Reverse(c.accuracy));
        classes.into_iter().map(PyOsClass::from).collect()
    }
    }
);

/// CPE names as `Cpe` objects; a name that is not CPE raises `InvalidInputError`.
fn cpe_list(cpes: &[Text]) -> PyResult<Vec<PyCpe>> {
    cpes.iter()
        .map(|c| {
            c.parse::<Cpe>()
                .map(|inner| PyCpe { inner })
                .map_err(crate::errors::to_py_err)
        })
        .collect()
}

/// A CPE name (`cpe:/a:openbsd:openssh:8.2p1` or `cpe:2.3:a:openbsd:openssh:8.2p1:*:…`)
/// split into `part`, `vendor`, `product`, `version`, ...; an absent or ANY attribute is `None`.
#[pyclass(name = "Cpe", module = "casiscan", frozen)]
#[derive(Debug)]
pub struct PyCpe {
    inner: Cpe,
}

#[pymethods]
impl PyCpe {
    /// Parses a CPE name; raises `InvalidInputError` for anything else.
    #[new]
    fn new(cpestring: &str) -> PyResult<Self> {
        cpestring
            .parse::<Cpe>()
            .map(|inner| PyCpe { inner })
            .map_err(crate::errors::to_py_err)
    }
    #[getter]
    fn cpestring(&self) -> &str {
        &self.inner.cpestring
    }
    #[getter]
    fn part(&self) -> &str {
        &self.inner.part
    }
    #[getter]
    fn vendor(&self) -> Option<&str> {
        self.inner.vendor.as_deref()
    }
    #[getter]
    fn product(&self) -> Option<&str> {
        self.inner.product.as_deref()
    }
    #[getter]
    fn version(&self) -> Option<&str> {
        self.inner.version.as_deref()
    }
    #[getter]
    fn update(&self) -> Option<&str> {
        self.inner.update.as_deref()
    }
    #[getter]
    fn edition(&self) -> Option<&str> {
        self.inner.edition.as_deref()
    }
    #[getter]
    fn language(&self) -> Option<&str> {
        self.inner.language.as_deref()
    }
    #[getter]
    fn sw_edition(&self) -> Option<&str> {
        self.inner.sw_edition.as_deref()
    }
    #[getter]
    fn target_sw(&self) -> Option<&str> {
        self.inner.target_sw.as_deref()
    }
    #[getter]
    fn target_hw(&self) -> Option<&str> {
        self.inner.target_hw.as_deref()
    }
    #[getter]
    fn other(&self) -> Option<&str> {
        self.inner.other.as_deref()
    }
    /// True for an application (part `a`).
    fn is_application(&self) -> bool {
        self.inner.is_application()
    }
    /// True for an operating system (part `o`).
    fn is_operating_system(&self) -> bool {
        self.inner.is_operating_system()
    }
    /// True for hardware (part `h`).
    fn is_hardware(&self) -> bool {
        self.inner.is_hardware()
    }
    /// Equal when every attribute is equal (`cpe:/` and `cpe:2.3` forms of one name included).
    fn __eq__(&self, other: PyRef<'_, Self>) -> bool {
        (&self.inner.part, self.parts()) == (&other.inner.part, other.parts())
    }
    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (&self.inner.part, self.parts()).hash(&mut h);
        h.finish()
    }
    fn __str__(&self) -> &str {
        &self.inner.cpestring
    }
    fn __repr__(&self) -> String {
        format!("Cpe({:?})", self.inner.cpestring)
    }
}

impl PyCpe {
    /// Every attribute but the text it was read from.
    fn parts(&self) -> [&Option<String>; 10] {
        let c = &self.inner;
        [
            &c.vendor,
            &c.product,
            &c.version,
            &c.update,
            &c.edition,
            &c.language,
            &c.sw_edition,
            &c.target_sw,
            &c.target_hw,
            &c.other,
        ]
    }
}

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
