//! JSON values to and from Python objects, and serde types to `dict`/JSON text.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::Serialize;
use serde_json::Value;

/// A Python object made of dicts, lists, strings, numbers, booleans and `None` as JSON.
pub fn py_to_value(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        return Ok(Value::from(obj.extract::<u64>()?));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return serde_json::Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| PyValueError::new_err("NaN and infinity are not JSON numbers"));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_str()?.to_owned()));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        return obj
            .try_iter()?
            .map(|item| py_to_value(&item?))
            .collect::<PyResult<Vec<_>>>()
            .map(Value::Array);
    }
    if let Ok(dict) = obj.cast::<PyDict>() {
        let mut map = serde_json::Map::new();
        for (k, v) in dict.iter() {
            let key = k
                .cast::<PyString>()
                .map_err(|_| PyTypeError::new_err("JSON object keys must be str"))?;
            map.insert(key.to_str()?.to_owned(), py_to_value(&v)?);
        }
        return Ok(Value::Object(map));
    }
    Err(PyTypeError::new_err(format!(
        "cannot convert {} to JSON",
        obj.get_type().name()?
    )))
}

/// `value` serialised with its serde (Rust JSON) shape, as Python objects.
pub fn to_dict<'py, T: Serialize>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
    crate::pyser::to_py(py, value)
}

/// `value` serialised as JSON text, exactly as the Rust API writes it.
pub fn to_json<T: Serialize>(value: &T) -> PyResult<String> {
    serde_json::to_string(value).map_err(|e| PyValueError::new_err(e.to_string()))
}

/// Reads `T` from JSON text with its serde rules; a syntax error is a core parse error with
/// its line and column, a shape error an invalid-input error naming `what`.
pub fn from_json<T: serde::de::DeserializeOwned>(
    what: &str,
    text: &str,
) -> casiscan_core::Result<T> {
    serde_json::from_str(text).map_err(|e| json_error(what, &e))
}

/// Reads `T` from Python objects (as `json.loads` gives them) with its serde rules.
pub fn from_py<T: serde::de::DeserializeOwned>(what: &str, obj: &Bound<'_, PyAny>) -> PyResult<T> {
    let value = py_to_value(obj)?;
    serde_json::from_value(value).map_err(|e| crate::errors::to_py_err(json_error(what, &e)))
}

/// The core error for a serde_json failure.
fn json_error(what: &str, e: &serde_json::Error) -> casiscan_core::Error {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => casiscan_core::Error::Parse {
            message: format!("{what} JSON: {e}"),
            line: Some(e.line() as u64),
            column: Some(e.column() as u64),
        },
        Category::Data => casiscan_core::Error::invalid(what, e.to_string()),
    }
}

/// A hash of `value`'s compact JSON: equal values (as `PartialEq` compares them) hash equal.
pub fn json_hash<T: Serialize>(value: &T) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    serde_json::to_string(value)
        .unwrap_or_default()
        .hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use casiscan_core::ErrorKind;

    #[test]
    fn json_syntax_errors_are_parse_errors_with_a_position() {
        let err = from_json::<casiscan_core::model::Scan>("scan", "{\n  \"owner\": }").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Parse);
        assert!(matches!(
            err,
            casiscan_core::Error::Parse {
                line: Some(2),
                column: Some(_),
                ..
            }
        ));
    }

    #[test]
    fn json_of_the_wrong_shape_is_invalid_input() {
        let err = from_json::<casiscan_core::model::Scan>("scan", r#"{"owner": 1}"#).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().starts_with("invalid scan: "), "{err}");
    }
}
