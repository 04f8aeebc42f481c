//! `<host>`: what every host carries inline, and its rarely present parts in one box.
//!
//! A large run keeps one `Host` per address (a list scan of a /16 writes 65 536 of them, most
//! with a status and an address only), so OS detection, uptime, sequences, host scripts, the
//! trace, smurfs, the comment and the time-out flag live in one boxed [`HostExtra`], allocated
//! only when one of them is present. The JSON shape stays flat, in nmap.dtd's order.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::model::{
    Address, ExtraPorts, Hostname, Os, Port, Script, Sequence, Status, TcpSequence, Text, Times,
    Trace, Uptime,
};

/// `<host>`.
#[derive(Debug, Clone, Default)]
pub struct Host {
    /// Scan start, Unix seconds.
    pub starttime: Option<i64>,
    /// Scan end, Unix seconds.
    pub endtime: Option<i64>,
    /// Up or down, and why.
    pub status: Option<Status>,
    /// IPv4, IPv6 and MAC addresses.
    pub addresses: Vec<Address>,
    /// Names of the host.
    pub hostnames: Vec<Hostname>,
    /// Summaries of ports not listed one by one.
    pub extraports: Vec<ExtraPorts>,
    /// Ports listed one by one.
    pub ports: Vec<Port>,
    /// Round-trip timing, microseconds.
    pub times: Option<Times>,
    /// The rarely present parts; `None` when every one of them is absent.
    pub extra: Option<Box<HostExtra>>,
}

/// The rarely present parts of a `<host>`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct HostExtra {
    /// `true` when the host timed out.
    pub timedout: Option<bool>,
    /// A comment.
    pub comment: Option<Text>,
    /// Smurf responses.
    pub smurfs: Vec<u64>,
    /// OS detection.
    pub os: Option<Os>,
    /// Network distance in hops.
    pub distance: Option<u32>,
    /// Uptime guess.
    pub uptime: Option<Uptime>,
    /// TCP sequence prediction.
    pub tcpsequence: Option<TcpSequence>,
    /// IP ID sequence class.
    pub ipidsequence: Option<Sequence>,
    /// TCP timestamp sequence class.
    pub tcptssequence: Option<Sequence>,
    /// Host-level NSE script results.
    pub hostscripts: Vec<Script>,
    /// Traceroute.
    pub trace: Option<Trace>,
}

/// Every part absent: what [`Host::extra`] reads when the host has none.
static NO_EXTRA: HostExtra = HostExtra {
    timedout: None,
    comment: None,
    smurfs: Vec::new(),
    os: None,
    distance: None,
    uptime: None,
    tcpsequence: None,
    ipidsequence: None,
    tcptssequence: None,
    hostscripts: Vec::new(),
    trace: None,
};

impl Host {
    /// True when nmap reported the host up.
    pub fn is_up(&self) -> bool {
        self.status.as_ref().and_then(|s| s.state.as_deref()) == Some("up")
    }

    /// The host's MAC address, if nmap saw one.
    pub fn mac(&self) -> Option<&Text> {
        self.addresses
            .iter()
            .find(|a| a.addrtype == super::model::AddrType::Mac)
            .map(|a| &a.addr)
    }

    /// Indexes (into [`Host::ports`]) of the ports whose state is `open`.
    pub fn open_port_indexes(&self) -> Vec<usize> {
        (0..self.ports.len())
            .filter(|&i| {
                self.ports[i]
                    .state
                    .as_ref()
                    .and_then(|s| s.state.as_deref())
                    == Some("open")
            })
            .collect()
    }

    /// Index of port `portid` of `protocol` in [`Host::ports`].
    pub fn port_index(&self, portid: u32, protocol: &str) -> Option<usize> {
        self.ports
            .iter()
            .position(|p| p.portid == Some(portid) && p.protocol.as_deref() == Some(protocol))
    }

    /// The OS matches, most accurate first (nmap's order among equals).
    pub fn os_matches_by_accuracy(&self) -> Vec<&super::model::OsMatch> {
        let mut matches: Vec<_> = self
            .extra()
            .os
            .iter()
            .flat_map(|os| &os.osmatches)
            .collect();
        matches.sort_by_key(|m| std::cmp::Reverse(m.accuracy));
        matches
    }

    /// Every OS class (those of each match, and those directly under `<os>` in old files),
    /// most accurate first.
    pub fn os_classes_by_accuracy(&self) -> Vec<&super::model::OsClass> {
        let mut classes: Vec<_> = self
            .extra()
            .os
            .iter()
            .flat_map(|os| {
                os.osmatches
                    .iter()
                    .flat_map(|m| &m.osclasses)
                    .chain(&os.osclasses)
            })
            .collect();
        classes.sort_by_key(|c| std::cmp::Reverse(c.accuracy));
        classes
    }

    /// When the host last booted, as nmap wrote it (`<uptime lastboot>`).
    pub fn lastboot(&self) -> Option<&Text> {
        self.extra().uptime.as_ref()?.lastboot.as_ref()
    }

    /// The rarely present parts, all absent when the host has none of them.
    pub fn extra(&self) -> &HostExtra {
        self.extra.as_deref().unwrap_or(&NO_EXTRA)
    }

    /// The rarely present parts, for writing (created empty when missing).
    pub fn extra_mut(&mut self) -> &mut HostExtra {
        self.extra.get_or_insert_with(Box::default)
    }
}

impl PartialEq for Host {
    /// Equal parts are equal hosts, whether absent rare parts are boxed or not.
    fn eq(&self, other: &Self) -> bool {
        self.starttime == other.starttime
            && self.endtime == other.endtime
            && self.status == other.status
            && self.addresses == other.addresses
            && self.hostnames == other.hostnames
            && self.extraports == other.extraports
            && self.ports == other.ports
            && self.times == other.times
            && self.extra() == other.extra()
    }
}

impl HostExtra {
    /// True when every part is absent.
    pub fn is_empty(&self) -> bool {
        self == &NO_EXTRA
    }

    /// Boxes the parts, or `None` when every one is absent.
    pub fn boxed(self) -> Option<Box<HostExtra>> {
        (!self.is_empty()).then(|| Box::new(self))
    }
}

/// The flat JSON shape of a host, borrowed for writing.
#[derive(Serialize)]
struct FlatRef<'a> {
    starttime: &'a Option<i64>,
    endtime: &'a Option<i64>,
    timedout: &'a Option<bool>,
    comment: &'a Option<Text>,
    status: &'a Option<Status>,
    addresses: &'a [Address],
    hostnames: &'a [Hostname],
    smurfs: &'a [u64],
    extraports: &'a [ExtraPorts],
    ports: &'a [Port],
    os: &'a Option<Os>,
    distance: &'a Option<u32>,
    uptime: &'a Option<Uptime>,
    tcpsequence: &'a Option<TcpSequence>,
    ipidsequence: &'a Option<Sequence>,
    tcptssequence: &'a Option<Sequence>,
    hostscripts: &'a [Script],
    trace: &'a Option<Trace>,
    times: &'a Option<Times>,
}

/// The flat JSON shape of a host, owned for reading (absent keys read as empty).
#[derive(Deserialize, Default)]
#[serde(default)]
struct Flat {
    starttime: Option<i64>,
    endtime: Option<i64>,
    timedout: Option<bool>,
    comment: Option<Text>,
    status: Option<Status>,
    addresses: Vec<Address>,
    hostnames: Vec<Hostname>,
    smurfs: Vec<u64>,
    extraports: Vec<ExtraPorts>,
    ports: Vec<Port>,
    os: Option<Os>,
    distance: Option<u32>,
    uptime: Option<Uptime>,
    tcpsequence: Option<TcpSequence>,
    ipidsequence: Option<Sequence>,
    tcptssequence: Option<Sequence>,
    hostscripts: Vec<Script>,
    trace: Option<Trace>,
    times: Option<Times>,
}

impl Serialize for Host {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let x = self.extra();
        FlatRef {
            starttime: &self.starttime,
            endtime: &self.endtime,
            timedout: &x.timedout,
            comment: &x.comment,
            status: &self.status,
            addresses: &self.addresses,
            hostnames: &self.hostnames,
            smurfs: &x.smurfs,
            extraports: &self.extraports,
            ports: &self.ports,
            os: &x.os,
            distance: &x.distance,
            uptime: &x.uptime,
            tcpsequence: &x.tcpsequence,
            ipidsequence: &x.ipidsequence,
            tcptssequence: &x.tcptssequence,
            hostscripts: &x.hostscripts,
            trace: &x.trace,
            times: &self.times,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Host {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let f = Flat::deserialize(deserializer)?;
        let extra = HostExtra {
            timedout: f.timedout,
            comment: f.comment,
            smurfs: f.smurfs,
            os: f.os,
            distance: f.distance,
            uptime: f.uptime,
            tcpsequence: f.tcpsequence,
            ipidsequence: f.ipidsequence,
            tcptssequence: f.tcptssequence,
            hostscripts: f.hostscripts,
            trace: f.trace,
        };
        Ok(Host {
            starttime: f.starttime,
            endtime: f.endtime,
            status: f.status,
            addresses: f.addresses,
            hostnames: f.hostnames,
            extraports: f.extraports,
            ports: f.ports,
            times: f.times,
            extra: extra.boxed(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_without_rare_parts_is_small_and_allocates_nothing() {
        // 8 bytes of box pointer instead of ~380 bytes of rare parts inline.
        assert!(
            std::mem::size_of::<Host>() <= 232,
            "Host is {} bytes",
            std::mem::size_of::<Host>()
        );
        let h = Host::default();
        assert!(h.extra.is_none());
        assert!(h.extra().os.is_none());
    }

    #[test]
    fn json_is_flat_in_dtd_order_and_reads_back() {
        let mut h = Host {
            starttime: Some(1),
            ..Host::default()
        };
        h.extra_mut().distance = Some(3);
        h.extra_mut().comment = Some("lab".into());
        let json = serde_json::to_value(&h).expect("serialize");
        let keys: Vec<&str> = json
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys.len(), 19, "{keys:?}");
        assert_eq!(json["distance"], 3);
        assert!(json.get("extra").is_none());
        let text = serde_json::to_string(&h).expect("json");
        assert!(
            text.starts_with(
                r#"{"starttime":1,"endtime":null,"timedout":null,"comment":"lab","status""#
            ),
            "{text}"
        );
        assert!(text.ends_with(r#""trace":null,"times":null}"#), "{text}");
        let back: Host = serde_json::from_str(&text).expect("read");
        assert_eq!(back, h);
        let plain: Host =
            serde_json::from_str(&serde_json::to_string(&Host::default()).expect("json"))
                .expect("read");
        assert!(plain.extra.is_none(), "no rare part, no box");
    }

    #[test]
    fn an_empty_box_equals_no_box() {
        let mut boxed = Host::default();
        boxed.extra_mut().distance = Some(1);
        boxed.extra_mut().distance = None;
        assert!(boxed.extra.is_some());
        assert_eq!(boxed, Host::default());
    }
}
