//! Who the client is on the network: the socket peer, or the right-most `X-Forwarded-For` entry that was
//! not added by one of our own trusted proxies. The left-most entries are whatever the client wrote, so they
//! never decide anything (a spoofed entry must not buy a fresh rate-limit bucket).

use std::net::IpAddr;
use std::str::FromStr;

/// A network in CIDR notation (`10.0.0.0/8`, `::1/128`; a bare address is a single host).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: u128,
    prefix: u8,
    v4: bool,
}

impl Cidr {
    /// Whether `ip` lies in this network (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let (bits, v4) = bits(ip.to_canonical());
        v4 == self.v4 && bits & mask(self.prefix, v4) == self.network
    }
}

fn bits(ip: IpAddr) -> (u128, bool) {
    match ip {
        IpAddr::V4(a) => (u128::from(u32::from(a)), true),
        IpAddr::V6(a) => (u128::from(a), false),
    }
}

fn mask(prefix: u8, v4: bool) -> u128 {
    let width = if v4 { 32 } else { 128 };
    if prefix == 0 {
        0
    } else {
        let host_bits = width - u32::from(prefix);
        let all = if v4 { u128::from(u32::MAX) } else { u128::MAX };
        (all >> host_bits) << host_bits
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let ip: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| format!("`{s}` is not an IP address or CIDR"))?;
        let (bits, v4) = bits(ip.to_canonical());
        let width = if v4 { 32 } else { 128 };
        let prefix = match prefix {
            None => width,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= width)
                .ok_or_else(|| format!("`{s}` has a prefix length outside 0..={width}"))?,
        };
        Ok(Self {
            network: bits & mask(prefix, v4),
            prefix,
            v4,
        })
    }
}

/// The client's address: `peer` itself unless it is a trusted proxy; then `X-Forwarded-For` walked from
/// the right, skipping trusted proxies, stopping at the first address that is not one (or at an entry
/// that does not parse, in which case the last trusted hop is the best we know).
pub fn client_ip(peer: IpAddr, forwarded_for: &[&str], trusted: &[Cidr]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    let mut client = peer.to_canonical();
    if !is_trusted(client) {
        return client;
    }
    let hops = forwarded_for
        .iter()
        .rev()
        .flat_map(|header| header.rsplit(','))
        .map(str::trim);
    for hop in hops {
        let Ok(ip) = hop.parse::<IpAddr>() else {
            break;
        };
        client = ip.to_canonical();
        if !is_trusted(client) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn cidrs(list: &[&str]) -> Vec<Cidr> {
        list.iter().map(|c| c.parse().unwrap()).collect()
    }

    #[test]
    fn cidrs_match_their_networks_only() {
        let c: Cidr = "10.1.0.0/16".parse().unwrap();
        assert!(c.contains(ip("10.1.255.3")));
        assert!(!c.contains(ip("10.2.0.1")));
        assert!(c.contains(ip("::ffff:10.1.2.3")));
        let host: Cidr = "::1".parse().unwrap();
        assert!(host.contains(ip("::1")));
        assert!(!host.contains(ip("127.0.0.1")));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("8.8.8.8")));
        assert!(!all.contains(ip("2001:db8::1")));
        assert!("10.0.0.0/33".parse::<Cidr>().is_err());
        assert!("nope".parse::<Cidr>().is_err());
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let trusted = cidrs(&["10.0.0.0/8"]);
        assert_eq!(
            client_ip(ip("203.0.113.9"), &["1.2.3.4"], &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn the_walk_stops_at_the_first_untrusted_hop_from_the_right() {
        let trusted = cidrs(&["10.0.0.0/8"]);
        // The client wrote "6.6.6.6" itself; our proxy appended the address it saw.
        let xff = ["6.6.6.6, 198.51.100.7", "10.0.0.5"];
        assert_eq!(
            client_ip(ip("10.0.0.2"), &xff, &trusted),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn a_garbage_hop_ends_the_walk_at_the_last_trusted_address() {
        let trusted = cidrs(&["10.0.0.0/8"]);
        assert_eq!(
            client_ip(ip("10.0.0.2"), &["bogus, 10.0.0.9"], &trusted),
            ip("10.0.0.9")
        );
        assert_eq!(client_ip(ip("10.0.0.2"), &[], &trusted), ip("10.0.0.2"));
    }

    proptest! {
        #[test]
        fn prepending_entries_never_changes_the_client(
            spoofed in proptest::collection::vec(any::<[u8; 4]>(), 0..5),
            client in any::<[u8; 4]>(),
        ) {
            let trusted = cidrs(&["10.0.0.0/8"]);
            let client = IpAddr::from(client);
            prop_assume!(!trusted[0].contains(client));
            let mut entries: Vec<String> = spoofed.iter().map(|o| IpAddr::from(*o).to_string()).collect();
            entries.push(client.to_string());
            let header = entries.join(", ");
            prop_assert_eq!(client_ip(ip("10.0.0.1"), &[header.as_str()], &trusted), client);
        }

        #[test]
        fn parsing_never_panics(s in "\\PC{0,40}") {
            let _ = s.parse::<Cidr>();
        }
    }
}
