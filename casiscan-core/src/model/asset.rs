//! Assets: machines and cloud resources that scans can target.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{RecordId, Target};
use crate::error::{Error, Result};

/// The type of an asset, with Casibase's display names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum AssetType {
    /// A virtual machine: scanned at its public IP.
    #[default]
    VirtualMachine,
    /// A disk.
    Disk,
    /// A virtual private cloud.
    Vpc,
    /// A security group.
    SecurityGroup,
    /// An elastic (public) IP.
    ElasticIp,
    /// A load balancer.
    LoadBalancer,
    /// Any other type, kept as written.
    Other(String),
}

impl AssetType {
    /// Casibase's display name of the type.
    pub fn as_str(&self) -> &str {
        match self {
            AssetType::VirtualMachine => "Virtual Machine",
            AssetType::Disk => "Disk",
            AssetType::Vpc => "VPC",
            AssetType::SecurityGroup => "Security Group",
            AssetType::ElasticIp => "Elastic IP",
            AssetType::LoadBalancer => "Load Balancer",
            AssetType::Other(s) => s,
        }
    }

    fn from_name(s: &str) -> Self {
        match s {
            "Virtual Machine" => AssetType::VirtualMachine,
            "Disk" => AssetType::Disk,
            "VPC" => AssetType::Vpc,
            "Security Group" => AssetType::SecurityGroup,
            "Elastic IP" => AssetType::ElasticIp,
            "Load Balancer" => AssetType::LoadBalancer,
            other => AssetType::Other(other.to_string()),
        }
    }
}

impl fmt::Display for AssetType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for AssetType {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for AssetType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        Ok(AssetType::from_name(&String::deserialize(deserializer)?))
    }
}

/// Known asset properties plus whatever else the importer wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct AssetProperties {
    /// The public (NAT or elastic) IP.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub public_ip: String,
    /// The private IP.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub private_ip: String,
    /// Every IP the resource has.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ip_addresses: Vec<String>,
    /// The operating system's name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub os_name: String,
    /// Other keys, kept as written.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Accepts properties as an object or, like Casibase, as a JSON string holding one.
fn properties_from_object_or_string<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<AssetProperties, D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    match value {
        serde_json::Value::Null => Ok(AssetProperties::default()),
        serde_json::Value::String(s) if s.trim().is_empty() => Ok(AssetProperties::default()),
        serde_json::Value::String(s) => serde_json::from_str(&s).map_err(serde::de::Error::custom),
        other => serde_json::from_value(other).map_err(serde::de::Error::custom),
    }
}

/// An asset's login password: stored as written, answered as [`AssetPassword::MASK`] by the
/// REST API, never printed by `Debug`.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AssetPassword(String);

impl AssetPassword {
    /// What the REST API answers for a set password, and what a client sends back to keep it.
    pub const MASK: &'static str = "***";

    /// A password.
    pub fn new(password: impl Into<String>) -> Self {
        AssetPassword(password.into())
    }

    /// The password in clear (for the runner that logs in, never for an answer).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether no password is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// [`AssetPassword::MASK`] when a password is set, else empty.
    pub fn masked(&self) -> &'static str {
        if self.0.is_empty() { "" } else { Self::MASK }
    }

    /// Whether this is the mask a client sent back (meaning: keep the stored password).
    pub fn is_mask(&self) -> bool {
        self.0 == Self::MASK
    }
}

impl fmt::Debug for AssetPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AssetPassword({:?})", self.masked())
    }
}

/// A machine or cloud resource that scans can target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Asset {
    /// Owning organisation or account.
    pub owner: String,
    /// Stable name within the owner.
    pub name: String,
    /// When the record was created (set by the server when the asset is added; optional in
    /// JSON, where it defaults to now).
    #[serde(default = "crate::clock::now")]
    pub created_time: DateTime<Utc>,
    /// When the record last changed (optional in JSON, where it defaults to now).
    #[serde(default = "crate::clock::now")]
    pub updated_time: DateTime<Utc>,
    /// Resource name (for a VM, usually its hostname).
    #[serde(default)]
    pub display_name: String,
    /// The cloud provider that discovered it.
    #[serde(default)]
    pub provider: String,
    /// Cloud resource id (e.g. `i-xxxx`).
    #[serde(default)]
    pub id: String,
    /// Resource type.
    #[serde(default, rename = "type")]
    pub asset_type: AssetType,
    /// Region.
    #[serde(default)]
    pub region: String,
    /// Zone.
    #[serde(default)]
    pub zone: String,
    /// Provider-reported state (e.g. "Running").
    #[serde(default)]
    pub state: String,
    /// Tags as `k=v,k=v`.
    #[serde(default)]
    pub tag: String,
    /// Known properties (IPs, OS) and the rest.
    #[serde(default, deserialize_with = "properties_from_object_or_string")]
    pub properties: AssetProperties,
    /// Login user name.
    #[serde(default)]
    pub username: String,
    /// Login password (masked in REST answers; `***` sent back keeps the stored one).
    #[serde(default)]
    pub password: AssetPassword,
}

impl Asset {
    /// `next` as the stored replacement of this asset: its creation time kept, updated at `now`,
    /// and its password kept when `next` carries only the mask.
    pub fn replaced_by(&self, next: &Asset, now: DateTime<Utc>) -> Asset {
        let mut replaced = next.clone();
        replaced.created_time = self.created_time;
        replaced.updated_time = now;
        if next.password.is_mask() {
            replaced.password = self.password.clone();
        }
        replaced
    }

    /// A new Virtual Machine asset with timestamps set to now.
    pub fn new(owner: impl Into<String>, name: impl Into<String>) -> Self {
        let now = crate::clock::now();
        Asset {
            owner: owner.into(),
            name: name.into(),
            created_time: now,
            updated_time: now,
            display_name: String::new(),
            provider: String::new(),
            id: String::new(),
            asset_type: AssetType::VirtualMachine,
            region: String::new(),
            zone: String::new(),
            state: String::new(),
            tag: String::new(),
            properties: AssetProperties::default(),
            username: String::new(),
            password: AssetPassword::default(),
        }
    }

    /// Longest text field of an asset (display name, provider, id, region, zone, state, tag,
    /// user name, password, IPs and OS name), in characters.
    pub const MAX_FIELD_CHARS: usize = 4096;

    /// Most entries of `properties.ipAddresses`.
    pub const MAX_IP_ADDRESSES: usize = 4096;

    /// Longest entry of `properties.ipAddresses` (an IPv6 address with a zone fits).
    pub const MAX_IP_CHARS: usize = 64;

    /// Largest `properties` beside the known ones, as compact JSON.
    pub const MAX_EXTRA_BYTES: usize = 64 * 1024;

    /// Refuses an invalid id, a text field over [`Asset::MAX_FIELD_CHARS`], more than
    /// [`Asset::MAX_IP_ADDRESSES`] addresses (or one over [`Asset::MAX_IP_CHARS`]), or other
    /// properties over [`Asset::MAX_EXTRA_BYTES`].
    pub fn validate(&self) -> Result<()> {
        self.id()?;
        let p = &self.properties;
        let texts = [
            ("displayName", self.display_name.as_str()),
            ("type", self.asset_type.as_str()),
            ("provider", &self.provider),
            ("id", &self.id),
            ("region", &self.region),
            ("zone", &self.zone),
            ("state", &self.state),
            ("tag", &self.tag),
            ("username", &self.username),
            ("password", self.password.expose()),
            ("properties.publicIp", &p.public_ip),
            ("properties.privateIp", &p.private_ip),
            ("properties.osName", &p.os_name),
        ];
        for (field, text) in texts {
            super::text_limit::check(field, text, Self::MAX_FIELD_CHARS)?;
        }
        for address in &p.ip_addresses {
            super::text_limit::check("properties.ipAddresses", address, Self::MAX_IP_CHARS)?;
        }
        if p.ip_addresses.len() > Self::MAX_IP_ADDRESSES {
            return Err(Error::invalid(
                "properties.ipAddresses",
                format!(
                    "{} entries, over the {} accepted",
                    p.ip_addresses.len(),
                    Self::MAX_IP_ADDRESSES
                ),
            ));
        }
        let extra = serde_json::to_vec(&p.extra).map_or(usize::MAX, |v| v.len());
        if extra > Self::MAX_EXTRA_BYTES {
            return Err(Error::invalid(
                "properties",
                format!(
                    "the other properties are {extra} bytes of JSON, over the {} accepted",
                    Self::MAX_EXTRA_BYTES
                ),
            ));
        }
        Ok(())
    }

    /// The validated `owner/name` id of this asset.
    pub fn id(&self) -> Result<RecordId> {
        RecordId::new(self.owner.clone(), self.name.clone())
    }

    /// The scan target: a VM's public IP, else the asset's cloud id; validated.
    pub fn scan_target(&self) -> Result<Target> {
        let raw = match self.asset_type {
            AssetType::VirtualMachine if !self.properties.public_ip.is_empty() => {
                &self.properties.public_ip
            }
            _ => &self.id,
        };
        if raw.is_empty() {
            return Err(Error::invalid(
                format!("asset {}/{}", self.owner, self.name),
                "it has neither a public IP nor an id to scan",
            ));
        }
        raw.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_resolves_to_public_ip_else_id() {
        let mut a = Asset::new("admin", "vm1");
        a.id = "i-abc123".into();
        assert_eq!(a.scan_target().unwrap().to_string(), "i-abc123");
        a.properties.public_ip = "203.0.113.7".into();
        assert_eq!(a.scan_target().unwrap().to_string(), "203.0.113.7");
        a.asset_type = AssetType::Disk;
        assert_eq!(a.scan_target().unwrap().to_string(), "i-abc123");
        a.id.clear();
        assert!(a.scan_target().is_err());
    }

    #[test]
    fn the_mask_sent_back_keeps_the_stored_password() {
        let mut stored = Asset::new("admin", "vm1");
        stored.password = AssetPassword::new("s3cret");
        let mut edit = stored.clone();
        edit.password = AssetPassword::new(AssetPassword::MASK);
        edit.username = "root".into();
        let now = crate::clock::now();
        let next = stored.replaced_by(&edit, now);
        assert_eq!(next.password.expose(), "s3cret");
        assert_eq!(next.username, "root");
        edit.password = AssetPassword::new("n3w");
        assert_eq!(stored.replaced_by(&edit, now).password.expose(), "n3w");
        assert!(!format!("{next:?}").contains("s3cret"));
        assert_eq!(next.password.masked(), "***");
        assert_eq!(AssetPassword::default().masked(), "");
    }

    #[test]
    fn properties_may_be_a_json_string() {
        let json = r#"{"owner":"admin","name":"a","createdTime":"2025-01-01T00:00:00Z",
            "updatedTime":"2025-01-01T00:00:00Z","type":"Virtual Machine",
            "properties":"{\"publicIp\":\"198.51.100.2\",\"cpu\":2}"}"#;
        let a: Asset = serde_json::from_str(json).unwrap();
        assert_eq!(a.properties.public_ip, "198.51.100.2");
        assert_eq!(a.properties.extra["cpu"], 2);
        let back = serde_json::to_value(&a).unwrap();
        assert_eq!(back["properties"]["publicIp"], "198.51.100.2");
        assert_eq!(back["type"], "Virtual Machine");
    }
}
