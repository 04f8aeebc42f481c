//! A serde serializer that builds Python objects directly, in the shape `json.loads` gives for
//! the serde_json text of the same value (so `to_dict()` equals the Rust JSON without a detour
//! through JSON text or `serde_json::Value`).

use std::fmt;

use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use serde::ser::{self, Serialize};

/// Why a value could not be turned into Python objects.
#[derive(Debug)]
pub struct PySerError(pub PyErr);

impl fmt::Display for PySerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for PySerError {}

impl ser::Error for PySerError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        PySerError(pyo3::exceptions::PyValueError::new_err(msg.to_string()))
    }
}

impl From<PyErr> for PySerError {
    fn from(e: PyErr) -> Self {
        PySerError(e)
    }
}

type Out<'py> = Result<Bound<'py, PyAny>, PySerError>;

/// Serialises `value` into Python dicts, lists, strings, numbers, booleans and `None`.
pub fn to_py<'py, T: Serialize + ?Sized>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    value.serialize(Ser { py }).map_err(|e| e.0)
}

#[derive(Clone, Copy)]
struct Ser<'py> {
    py: Python<'py>,
}

impl<'py> Ser<'py> {
    fn obj<T: IntoPyObject<'py>>(self, v: T) -> Out<'py> {
        v.into_bound_py_any(self.py).map_err(PySerError)
    }
}

/// Builds a list element by element.
struct Seq<'py> {
    py: Python<'py>,
    list: Bound<'py, PyList>,
    /// For tuple variants: the variant name wrapping the list.
    variant: Option<&'static str>,
}

/// Builds a dict entry by entry.
struct Map<'py> {
    py: Python<'py>,
    dict: Bound<'py, PyDict>,
    key: Option<Bound<'py, PyAny>>,
    /// For struct variants: the variant name wrapping the dict.
    variant: Option<&'static str>,
}

fn wrap<'py>(py: Python<'py>, variant: Option<&'static str>, inner: Bound<'py, PyAny>) -> Out<'py> {
    match variant {
        None => Ok(inner),
        Some(name) => {
            let outer = PyDict::new(py);
            outer.set_item(name, inner)?;
            Ok(outer.into_any())
        }
    }
}

impl<'py> ser::Serializer for Ser<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = PySerError;
    type SerializeSeq = Seq<'py>;
    type SerializeTuple = Seq<'py>;
    type SerializeTupleStruct = Seq<'py>;
    type SerializeTupleVariant = Seq<'py>;
    type SerializeMap = Map<'py>;
    type SerializeStruct = Map<'py>;
    type SerializeStructVariant = Map<'py>;

    fn serialize_bool(self, v: bool) -> Out<'py> {
        self.obj(v)
    }
    fn serialize_i8(self, v: i8) -> Out<'py> {
        self.obj(v)
    }
    fn serialize_i16(self, v: i16) -> Out<'py> {
        self.obj(v)
    }
    fn serialize_i32(self, v: i32) -> Out<'py> {
        self.obj(v)
    }
    fn serialize_i64(self, v: i64) -> Out<'py> {
        self.obj(v)
    }
    fn serialize_i128(self, v: i128) -> Out<'py> {
        self.obj(v)
    }
    fn serialize_u8(self, v: u8) -> Out<'py> {
        self.obj(v)
    }
    fn serialize_u16(self, v: u16) -> Out<'py> {
        self.obj(v)
    }
    fn serialize_u32(self, v: u32) -> Out<'py> {
        self.obj(v)
    }
    fn serialize_u64(self, v: u64) -> Out<'py> {
        self.obj(v)
    }
    fn serialize_u128(self, v: u128) -> Out<'py> {
        self.obj(v)
    }
    fn serialize_f32(self, v: f32) -> Out<'py> {
        if !v.is_finite() {
            return self.serialize_unit();
        }
        // serde_json writes the shortest text that reads back as this f32; reading that text
        // as a double is what `json.loads` does, so do the same here.
        let as_json: f64 = v.to_string().parse().unwrap_or(f64::from(v));
        self.obj(as_json)
    }
    fn serialize_f64(self, v: f64) -> Out<'py> {
        if !v.is_finite() {
            return self.serialize_unit();
        }
        self.obj(v)
    }
    fn serialize_char(self, v: char) -> Out<'py> {
        self.obj(v)
    }
    fn serialize_str(self, v: &str) -> Out<'py> {
        Ok(PyString::new(self.py, v).into_any())
    }
    fn serialize_bytes(self, v: &[u8]) -> Out<'py> {
        Ok(PyList::new(self.py, v)?.into_any())
    }
    fn serialize_none(self) -> Out<'py> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Out<'py> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Out<'py> {
        Ok(self.py.None().into_bound(self.py))
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Out<'py> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _n: &'static str, _i: u32, variant: &'static str) -> Out<'py> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _n: &'static str,
        value: &T,
    ) -> Out<'py> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _n: &'static str,
        _i: u32,
        variant: &'static str,
        value: &T,
    ) -> Out<'py> {
        let inner = value.serialize(self)?;
        wrap(self.py, Some(variant), inner)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Seq<'py>, PySerError> {
        Ok(Seq {
            py: self.py,
            list: PyList::empty(self.py),
            variant: None,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq<'py>, PySerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _n: &'static str, len: usize) -> Result<Seq<'py>, PySerError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _n: &'static str,
        _i: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Seq<'py>, PySerError> {
        Ok(Seq {
            py: self.py,
            list: PyList::empty(self.py),
            variant: Some(variant),
        })
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Map<'py>, PySerError> {
        Ok(Map {
            py: self.py,
            dict: PyDict::new(self.py),
            key: None,
            variant: None,
        })
    }
    fn serialize_struct(self, _n: &'static str, len: usize) -> Result<Map<'py>, PySerError> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _n: &'static str,
        _i: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Map<'py>, PySerError> {
        Ok(Map {
            py: self.py,
            dict: PyDict::new(self.py),
            key: None,
            variant: Some(variant),
        })
    }
}

impl<'py> Seq<'py> {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), PySerError> {
        self.list.append(value.serialize(Ser { py: self.py })?)?;
        Ok(())
    }
    fn finish(self) -> Out<'py> {
        wrap(self.py, self.variant, self.list.into_any())
    }
}

impl<'py> ser::SerializeSeq for Seq<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = PySerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), PySerError> {
        self.push(value)
    }
    fn end(self) -> Out<'py> {
        self.finish()
    }
}

impl<'py> ser::SerializeTuple for Seq<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = PySerError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), PySerError> {
        self.push(value)
    }
    fn end(self) -> Out<'py> {
        self.finish()
    }
}

impl<'py> ser::SerializeTupleStruct for Seq<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = PySerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), PySerError> {
        self.push(value)
    }
    fn end(self) -> Out<'py> {
        self.finish()
    }
}

impl<'py> ser::SerializeTupleVariant for Seq<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = PySerError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), PySerError> {
        self.push(value)
    }
    fn end(self) -> Out<'py> {
        self.finish()
    }
}

impl<'py> Map<'py> {
    fn entry<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), PySerError> {
        self.dict
            .set_item(key, value.serialize(Ser { py: self.py })?)?;
        Ok(())
    }
    fn finish(self) -> Out<'py> {
        wrap(self.py, self.variant, self.dict.into_any())
    }
}

impl<'py> ser::SerializeMap for Map<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = PySerError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), PySerError> {
        let key = key.serialize(Ser { py: self.py })?;
        // JSON object keys are strings: serde_json writes numbers and booleans as their text.
        let key = if key.is_instance_of::<PyString>() {
            key
        } else if let Ok(b) = key.extract::<bool>() {
            PyString::new(self.py, if b { "true" } else { "false" }).into_any()
        } else {
            key.str()?.into_any()
        };
        self.key = Some(key);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), PySerError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| <PySerError as ser::Error>::custom("map value without a key"))?;
        self.dict
            .set_item(key, value.serialize(Ser { py: self.py })?)?;
        Ok(())
    }
    fn end(self) -> Out<'py> {
        self.finish()
    }
}

impl<'py> ser::SerializeStruct for Map<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = PySerError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), PySerError> {
        self.entry(key, value)
    }
    fn end(self) -> Out<'py> {
        self.finish()
    }
}

impl<'py> ser::SerializeStructVariant for Map<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = PySerError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), PySerError> {
        self.entry(key, value)
    }
    fn end(self) -> Out<'py> {
        self.finish()
    }
}
