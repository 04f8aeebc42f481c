//! Which runner may claim which scan.

use std::net::IpAddr;

use super::RunnerIdentity;
use crate::model::{Asset, ProviderKind, Scan, Target, TargetMode};
use crate::providers::Locality;

/// Whether `runner` may run `scan` (with its asset, in Asset mode); `Err` says why not.
pub fn may_claim(
    runner: &RunnerIdentity,
    scan: &Scan,
    asset: Option<&Asset>,
    locality: Locality,
) -> Result<(), String> {
    if !runner.serves_owner(&scan.owner) {
        return Err(format!(
            "runner {} takes only scans of {}",
            runner.name,
            runner.owners.join(", ")
        ));
    }
    let Some(provider) = scan.provider else {
        return Err("the scan has no provider".to_string());
    };
    if !runner.providers.contains(&provider) {
        return Err(format!(
            "provider {provider} is not available on runner {}",
            runner.name
        ));
    }
    let target = match scan.target_mode {
        TargetMode::ManualInput => Some(scan.target.parse::<Target>().map_err(|e| e.to_string())?),
        TargetMode::Asset => asset
            .map(Asset::scan_target)
            .transpose()
            .map_err(|e| e.to_string())?,
    };
    if target.as_ref().is_some_and(Target::is_loopback) {
        return Ok(());
    }
    match locality {
        Locality::AnyRunner => Ok(()),
        Locality::OnTarget => on_target(runner, scan, target.as_ref(), asset),
    }
}

fn on_target(
    runner: &RunnerIdentity,
    scan: &Scan,
    target: Option<&Target>,
    asset: Option<&Asset>,
) -> Result<(), String> {
    if let Some(asset) = asset {
        let p = &asset.properties;
        let ip_match = [&p.public_ip, &p.private_ip]
            .into_iter()
            .chain(&p.ip_addresses)
            .filter_map(|s| s.parse::<IpAddr>().ok())
            .any(|ip| runner.owns_ip(&ip));
        if ip_match || same_host(&asset.display_name, &runner.hostname) {
            return Ok(());
        }
        return Err(format!(
            "no runner has hostname {} or any IP of asset {}",
            asset.display_name, asset.name
        ));
    }
    match target {
        Some(Target::Ip(ip)) if runner.owns_ip(ip) => Ok(()),
        Some(Target::Ip(ip)) => Err(format!("no runner with IP {ip} has been seen")),
        Some(Target::Hostname(h)) if same_host(h, &runner.hostname) => Ok(()),
        Some(Target::Hostname(h)) => Err(format!("no runner with hostname {h} has been seen")),
        Some(other) => Err(format!(
            "{} runs on the target machine itself; {other} names many machines",
            scan.provider.map_or("", ProviderKind::as_str)
        )),
        None => Err("the scan has no target".to_string()),
    }
}

/// Hostnames compare case-insensitively, ignoring a trailing dot.
fn same_host(a: &str, b: &str) -> bool {
    !a.is_empty()
        && a.trim_end_matches('.')
            .eq_ignore_ascii_case(b.trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runner() -> RunnerIdentity {
        RunnerIdentity {
            name: "r1".into(),
            hostname: "Web-01".into(),
            ips: vec!["10.0.0.7".parse().unwrap(), "2001:db8::7".parse().unwrap()],
            public_ips: vec!["203.0.113.7".parse().unwrap()],
            providers: vec![ProviderKind::Nmap, ProviderKind::OsPatch],
            owners: Vec::new(),
        }
    }

    fn scan(provider: ProviderKind, target: &str) -> Scan {
        let mut s = Scan::new("o", "s");
        s.provider = Some(provider);
        s.target = target.into();
        s
    }

    fn check(provider: ProviderKind, target: &str) -> Result<(), String> {
        let locality = match provider {
            ProviderKind::Nmap => Locality::AnyRunner,
            ProviderKind::OsPatch | ProviderKind::PatchInstall => Locality::OnTarget,
        };
        may_claim(&runner(), &scan(provider, target), None, locality)
    }

    #[test]
    fn a_runner_restricted_to_accounts_refuses_the_others_even_on_loopback() {
        let mut restricted = runner();
        restricted.owners = vec!["blue".into()];
        let theirs = scan(ProviderKind::Nmap, "127.0.0.1");
        let refusal = may_claim(&restricted, &theirs, None, Locality::AnyRunner).unwrap_err();
        assert_eq!(refusal, "runner r1 takes only scans of blue");
        let mut mine = theirs.clone();
        mine.owner = "blue".into();
        assert_eq!(
            may_claim(&restricted, &mine, None, Locality::AnyRunner),
            Ok(())
        );
        // The identity is stored as JSON: an unrestricted one is written as before.
        let json = serde_json::to_value(runner()).unwrap();
        assert!(json.get("owners").is_none());
        let back: RunnerIdentity = serde_json::from_value(json).unwrap();
        assert!(back.owners.is_empty());
    }

    #[test]
    fn loopback_goes_to_any_runner() {
        for t in [
            "127.0.0.1",
            "127.9.9.9",
            "::1",
            "0:0::1",
            "localhost",
            "LOCALHOST",
        ] {
            assert_eq!(check(ProviderKind::OsPatch, t), Ok(()), "{t}");
        }
    }

    #[test]
    fn on_target_matches_ips_public_ips_and_hostnames() {
        for t in [
            "10.0.0.7",
            "2001:db8:0::7",
            "2001:DB8::7",
            "203.0.113.7",
            "web-01",
            "WEB-01.",
        ] {
            assert_eq!(check(ProviderKind::OsPatch, t), Ok(()), "{t}");
        }
        let err = check(ProviderKind::OsPatch, "203.0.113.8").unwrap_err();
        assert_eq!(err, "no runner with IP 203.0.113.8 has been seen");
        assert!(check(ProviderKind::OsPatch, "web-02").is_err());
        assert!(
            check(ProviderKind::OsPatch, "10.0.0.0/24")
                .unwrap_err()
                .contains("many machines")
        );
        assert!(check(ProviderKind::OsPatch, "10.0.0.1-20").is_err());
    }

    #[test]
    fn any_runner_providers_take_remote_cidr_and_range_targets() {
        for t in [
            "198.51.100.1",
            "10.0.0.0/24",
            "10.0.0.1-20",
            "scanme.example",
        ] {
            assert_eq!(check(ProviderKind::Nmap, t), Ok(()), "{t}");
        }
    }

    #[test]
    fn missing_provider_is_refused() {
        let mut r = runner();
        r.providers = vec![ProviderKind::OsPatch];
        let err = may_claim(
            &r,
            &scan(ProviderKind::Nmap, "127.0.0.1"),
            None,
            Locality::AnyRunner,
        );
        assert!(err.unwrap_err().contains("not available"));
    }

    #[test]
    fn asset_mode_uses_display_name_and_every_ip() {
        let mut s = scan(ProviderKind::OsPatch, "");
        s.target_mode = TargetMode::Asset;
        s.asset = "vm".into();
        let mut a = Asset::new("o", "vm");
        a.id = "i-1".into();
        a.display_name = "web-01".into();
        assert_eq!(
            may_claim(&runner(), &s, Some(&a), Locality::OnTarget),
            Ok(())
        );
        a.display_name = "other".into();
        assert!(may_claim(&runner(), &s, Some(&a), Locality::OnTarget).is_err());
        a.properties.ip_addresses = vec!["10.0.0.7".into()];
        assert_eq!(
            may_claim(&runner(), &s, Some(&a), Locality::OnTarget),
            Ok(())
        );
        a.properties.ip_addresses.clear();
        a.properties.public_ip = "203.0.113.7".into();
        assert_eq!(
            may_claim(&runner(), &s, Some(&a), Locality::OnTarget),
            Ok(())
        );
    }
}
