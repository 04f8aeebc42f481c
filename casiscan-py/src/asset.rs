//! `casiscan.Asset`: a machine or cloud resource that scans can target.

use casiscan_core::Error;
use casiscan_core::model::{Asset, AssetPassword, AssetProperties};
use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{from_json, from_py, to_dict, to_json};
use crate::errors::to_py_err;

/// Reads asset properties from a Python dict through the core's serde rules.
fn properties_from_py(obj: &Bound<'_, PyAny>) -> PyResult<AssetProperties> {
    from_py("asset properties", obj)
}

/// An asset (Casibase's asset record): type, addresses and free-form properties.
#[pyclass(name = "Asset", module = "casiscan")]
#[derive(Debug, Clone)]
pub struct PyAsset {
    /// The core record.
    pub inner: Asset,
}

impl From<Asset> for PyAsset {
    fn from(inner: Asset) -> Self {
        PyAsset { inner }
    }
}

#[pymethods]
impl PyAsset {
    /// A new asset `owner/name` (not stored until `Client.add_asset`).
    #[new]
    #[pyo3(signature = (owner, name, *, asset_type = "Virtual Machine", id = "",
        display_name = "", provider = "", region = "", zone = "", state = "", tag = "",
        properties = None, username = "", password = ""))]
    #[allow(
        clippy::too_many_arguments,
        reason = "mirrors the keyword arguments of the Python constructor"
    )]
    fn new(
        owner: String,
        name: String,
        asset_type: &str,
        id: &str,
        display_name: &str,
        provider: &str,
        region: &str,
        zone: &str,
        state: &str,
        tag: &str,
        properties: Option<&Bound<'_, PyAny>>,
        username: &str,
        password: &str,
    ) -> PyResult<Self> {
        let mut inner = Asset::new(owner, name);
        inner.asset_type = serde_json::from_value(serde_json::Value::String(asset_type.to_owned()))
            .map_err(|e| to_py_err(Error::invalid("asset type", e.to_string())))?;
        inner.id = id.to_owned();
        inner.display_name = display_name.to_owned();
        inner.provider = provider.to_owned();
        inner.region = region.to_owned();
        inner.zone = zone.to_owned();
        inner.state = state.to_owned();
        inner.tag = tag.to_owned();
        inner.username = username.to_owned();
        inner.password = AssetPassword::new(password);
        if let Some(p) = properties {
            inner.properties = properties_from_py(p)?;
        }
        Ok(PyAsset { inner })
    }

    /// Reads an asset from its JSON (Casibase field names), as `to_json()` writes it.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        from_json::<Asset>("asset", text)
            .map(PyAsset::from)
            .map_err(to_py_err)
    }

    /// Reads an asset from a dict shaped like `to_dict()`.
    #[staticmethod]
    fn from_dict(data: &Bound<'_, PyDict>) -> PyResult<Self> {
        from_py::<Asset>("asset", data.as_any()).map(PyAsset::from)
    }

    /// `owner/name`.
    #[getter]
    fn key(&self) -> String {
        format!("{}/{}", self.inner.owner, self.inner.name)
    }

    #[getter]
    fn owner(&self) -> &str {
        &self.inner.owner
    }

    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }

    #[getter]
    fn created_time(&self) -> DateTime<Utc> {
        self.inner.created_time
    }

    #[getter]
    fn updated_time(&self) -> DateTime<Utc> {
        self.inner.updated_time
    }

    /// The type name ("Virtual Machine", "Disk", "VPC", ... or any other text).
    #[getter]
    fn asset_type(&self) -> &str {
        self.inner.asset_type.as_str()
    }

    /// The provider-side id (e.g. a cloud instance id).
    #[getter]
    fn get_id(&self) -> &str {
        &self.inner.id
    }

    #[setter]
    fn set_id(&mut self, v: String) {
        self.inner.id = v;
    }

    #[getter]
    fn get_display_name(&self) -> &str {
        &self.inner.display_name
    }

    #[setter]
    fn set_display_name(&mut self, v: String) {
        self.inner.display_name = v;
    }

    #[getter]
    fn provider(&self) -> &str {
        &self.inner.provider
    }

    #[getter]
    fn region(&self) -> &str {
        &self.inner.region
    }

    #[getter]
    fn zone(&self) -> &str {
        &self.inner.zone
    }

    #[getter]
    fn state(&self) -> &str {
        &self.inner.state
    }

    #[getter]
    fn get_tag(&self) -> &str {
        &self.inner.tag
    }

    #[setter]
    fn set_tag(&mut self, v: String) {
        self.inner.tag = v;
    }

    /// Login user name.
    #[getter]
    fn get_username(&self) -> &str {
        &self.inner.username
    }

    #[setter]
    fn set_username(&mut self, v: String) {
        self.inner.username = v;
    }

    /// Login password, read back masked (`"***"` when set, else `""`); setting `"***"` keeps
    /// the stored one on `Client.update_asset`.
    #[getter]
    fn get_password(&self) -> &'static str {
        self.inner.password.masked()
    }

    #[setter]
    fn set_password(&mut self, v: String) {
        self.inner.password = AssetPassword::new(v);
    }

    /// The properties as a dict (`publicIp`, `privateIp`, `ipAddresses`, `osName`, extras).
    #[getter]
    fn get_properties<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, &self.inner.properties)
    }

    #[setter]
    fn set_properties(&mut self, v: &Bound<'_, PyAny>) -> PyResult<()> {
        self.inner.properties = properties_from_py(v)?;
        Ok(())
    }

    /// The asset as the Rust JSON (Casibase field names) parsed into Python objects.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, &self.inner)
    }

    /// The asset as JSON text, exactly as the Rust API writes it.
    fn to_json(&self) -> PyResult<String> {
        to_json(&self.inner)
    }

    fn __repr__(&self) -> String {
        format!(
            "Asset(key={:?}, type={:?})",
            self.key(),
            self.inner.asset_type.as_str()
        )
    }
}
