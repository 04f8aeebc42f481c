//! `<service>`: what version detection found on a port.
//!
//! Most services carry a name, a method, a confidence and a product line; the other attributes
//! of nmap.dtd (tunnel, RPC numbers, banner host name, device type, fingerprint) are rare, so
//! they live in one boxed [`ServiceExtra`]: a large run keeps one `Service` per port. The JSON
//! shape stays flat, every DTD attribute a key of the service object.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::model::Text;

/// `<service>`.
#[derive(Debug, Clone, Default)]
pub struct Service {
    /// Service name.
    pub name: Option<Text>,
    /// Confidence 0–10.
    pub conf: Option<u8>,
    /// `table` or `probed`.
    pub method: Option<Text>,
    /// Version.
    pub version: Option<Text>,
    /// Product.
    pub product: Option<Text>,
    /// Extra information.
    pub extrainfo: Option<Text>,
    /// OS type from the banner.
    pub ostype: Option<Text>,
    /// CPE names.
    pub cpes: Vec<Text>,
    /// The rarely present attributes; `None` when every one of them is absent.
    pub extra: Option<Box<ServiceExtra>>,
}

/// The rarely present attributes of a `<service>`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ServiceExtra {
    /// `ssl` when tunnelled.
    pub tunnel: Option<Text>,
    /// `rpc` when RPC.
    pub proto: Option<Text>,
    /// RPC program number.
    pub rpcnum: Option<u32>,
    /// Lowest RPC version.
    pub lowver: Option<u32>,
    /// Highest RPC version.
    pub highver: Option<u32>,
    /// Host name from the banner.
    pub hostname: Option<Text>,
    /// Device type.
    pub devicetype: Option<Text>,
    /// Service fingerprint.
    pub servicefp: Option<Text>,
}

/// Every attribute absent: what [`Service::extra`] reads when the service has none.
static NO_EXTRA: ServiceExtra = ServiceExtra {
    tunnel: None,
    proto: None,
    rpcnum: None,
    lowver: None,
    highver: None,
    hostname: None,
    devicetype: None,
    servicefp: None,
};

impl Service {
    /// The rarely present attributes, all `None` when the service has none of them.
    pub fn extra(&self) -> &ServiceExtra {
        self.extra.as_deref().unwrap_or(&NO_EXTRA)
    }

    /// The rarely present attributes, for writing (created empty when missing).
    pub fn extra_mut(&mut self) -> &mut ServiceExtra {
        self.extra.get_or_insert_with(Box::default)
    }

    /// What version detection read from the service, as python-libnmap's `banner` writes it:
    /// `product: … version: … extrainfo: …` then the other detected attributes present
    /// (`ostype`, `hostname`, `devicetype`, …); empty unless the service was probed.
    pub fn banner(&self) -> String {
        if self.method.as_deref() != Some("probed") {
            return String::new();
        }
        let e = self.extra();
        let num = |n: Option<u32>| n.map(|n| n.to_string());
        let fields = [
            ("product", self.product.as_deref().map(str::to_owned)),
            ("version", self.version.as_deref().map(str::to_owned)),
            ("extrainfo", self.extrainfo.as_deref().map(str::to_owned)),
            ("ostype", self.ostype.as_deref().map(str::to_owned)),
            ("hostname", e.hostname.as_deref().map(str::to_owned)),
            ("devicetype", e.devicetype.as_deref().map(str::to_owned)),
            ("proto", e.proto.as_deref().map(str::to_owned)),
            ("rpcnum", num(e.rpcnum)),
            ("lowver", num(e.lowver)),
            ("highver", num(e.highver)),
        ];
        fields
            .into_iter()
            .filter_map(|(k, v)| Some(format!("{k}: {}", v?)))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl PartialEq for Service {
    /// Equal attributes are equal services, whether absent rare attributes are boxed or not.
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.conf == other.conf
            && self.method == other.method
            && self.version == other.version
            && self.product == other.product
            && self.extrainfo == other.extrainfo
            && self.ostype == other.ostype
            && self.cpes == other.cpes
            && self.extra() == other.extra()
    }
}

impl ServiceExtra {
    /// True when every attribute is absent.
    pub fn is_empty(&self) -> bool {
        self == &NO_EXTRA
    }

    /// Boxes the attributes, or `None` when every one is absent.
    pub fn boxed(self) -> Option<Box<ServiceExtra>> {
        (!self.is_empty()).then(|| Box::new(self))
    }
}

/// The flat JSON shape of a service, borrowed for writing.
#[derive(Serialize)]
struct FlatRef<'a> {
    name: &'a Option<Text>,
    conf: &'a Option<u8>,
    method: &'a Option<Text>,
    version: &'a Option<Text>,
    product: &'a Option<Text>,
    extrainfo: &'a Option<Text>,
    tunnel: &'a Option<Text>,
    proto: &'a Option<Text>,
    rpcnum: &'a Option<u32>,
    lowver: &'a Option<u32>,
    highver: &'a Option<u32>,
    hostname: &'a Option<Text>,
    ostype: &'a Option<Text>,
    devicetype: &'a Option<Text>,
    servicefp: &'a Option<Text>,
    cpes: &'a [Text],
}

/// The flat JSON shape of a service, owned for reading (absent keys read as absent).
#[derive(Deserialize, Default)]
#[serde(default)]
struct Flat {
    name: Option<Text>,
    conf: Option<u8>,
    method: Option<Text>,
    version: Option<Text>,
    product: Option<Text>,
    extrainfo: Option<Text>,
    tunnel: Option<Text>,
    proto: Option<Text>,
    rpcnum: Option<u32>,
    lowver: Option<u32>,
    highver: Option<u32>,
    hostname: Option<Text>,
    ostype: Option<Text>,
    devicetype: Option<Text>,
    servicefp: Option<Text>,
    cpes: Vec<Text>,
}

impl Serialize for Service {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let x = self.extra();
        FlatRef {
            name: &self.name,
            conf: &self.conf,
            method: &self.method,
            version: &self.version,
            product: &self.product,
            extrainfo: &self.extrainfo,
            tunnel: &x.tunnel,
            proto: &x.proto,
            rpcnum: &x.rpcnum,
            lowver: &x.lowver,
            highver: &x.highver,
            hostname: &x.hostname,
            ostype: &self.ostype,
            devicetype: &x.devicetype,
            servicefp: &x.servicefp,
            cpes: &self.cpes,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Service {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let f = Flat::deserialize(deserializer)?;
        let extra = ServiceExtra {
            tunnel: f.tunnel,
            proto: f.proto,
            rpcnum: f.rpcnum,
            lowver: f.lowver,
            highver: f.highver,
            hostname: f.hostname,
            devicetype: f.devicetype,
            servicefp: f.servicefp,
        };
        Ok(Service {
            name: f.name,
            conf: f.conf,
            method: f.method,
            version: f.version,
            product: f.product,
            extrainfo: f.extrainfo,
            ostype: f.ostype,
            cpes: f.cpes,
            extra: extra.boxed(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(extra: Option<ServiceExtra>) -> Service {
        Service {
            name: Some("http".into()),
            conf: Some(10),
            method: Some("probed".into()),
            product: Some("nginx".into()),
            cpes: vec!["cpe:/a:igor_sysoev:nginx".into()],
            extra: extra.and_then(ServiceExtra::boxed),
            ..Service::default()
        }
    }

    #[test]
    fn json_is_flat_with_every_attribute_a_key() {
        let with = sample(Some(ServiceExtra {
            tunnel: Some("ssl".into()),
            hostname: Some("web01".into()),
            ..ServiceExtra::default()
        }));
        let json = serde_json::to_value(&with).expect("serialize");
        let keys: Vec<&str> = json
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys.len(), 16, "{keys:?}");
        assert_eq!(json["tunnel"], "ssl");
        assert_eq!(json["hostname"], "web01");
        assert_eq!(json["devicetype"], serde_json::Value::Null);
        assert!(json.get("extra").is_none());
        let back: Service = serde_json::from_value(json).expect("deserialize");
        assert_eq!(back, with);
    }

    #[test]
    fn no_rare_attribute_means_no_box_either_way() {
        let plain = sample(Some(ServiceExtra::default()));
        assert!(plain.extra.is_none());
        assert!(plain.extra().hostname.is_none());
        let back: Service =
            serde_json::from_str(&serde_json::to_string(&plain).expect("json")).expect("read");
        assert_eq!(back, plain);
        assert!(back.extra.is_none());
    }

    #[test]
    fn an_empty_box_equals_no_box() {
        let mut boxed = sample(None);
        boxed.extra_mut().tunnel = Some("ssl".into());
        boxed.extra_mut().tunnel = None;
        assert!(boxed.extra.is_some());
        assert_eq!(boxed, sample(None));
        let back: Service =
            serde_json::from_str(&serde_json::to_string(&boxed).expect("json")).expect("read");
        assert_eq!(back, boxed);
    }

    #[test]
    fn extra_mut_creates_the_box_on_first_write() {
        let mut s = sample(None);
        s.extra_mut().servicefp = Some("SF-Port22".into());
        assert_eq!(s.extra().servicefp.as_deref(), Some("SF-Port22"));
    }
}
