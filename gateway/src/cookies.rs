//! The client's `Cookie` header read as the bytes it sent: which pairs carry credentials, the raw value of
//! one cookie, and the header a service receives (the client's bytes minus the credential cookies).
//!
//! Nothing here percent-decodes a value and writes it out again: actix-web's `req.cookies()` decodes, so a
//! value such as `x%3B%20token%3D<jwt>` written back out would become a second, separate `token` cookie at
//! the service (the revocation bypass of issue 10).

use actix_web::HttpRequest;
use actix_web::http::header::{COOKIE, HeaderValue};

pub use shared::credentials::{ACCESS_COOKIE, REFRESH_COOKIE};
const CREDENTIAL_COOKIES: [&str; 2] = [ACCESS_COOKIE, REFRESH_COOKIE];

/// Which credential cookies a service may receive (exact name, first occurrence only).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Keep {
    pub access: bool,
    pub refresh: bool,
}

/// Every `name=value` pair of every `Cookie` header, as sent, without surrounding whitespace.
fn pairs(req: &HttpRequest) -> impl Iterator<Item = &[u8]> {
    req.headers()
        .get_all(COOKIE)
        .flat_map(|v| v.as_bytes().split(|&b| b == b';'))
        .map(trim)
        .filter(|p| !p.is_empty())
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

fn split_pair(pair: &[u8]) -> (&[u8], &[u8]) {
    match pair.iter().position(|&b| b == b'=') {
        Some(i) => (trim(&pair[..i]), trim(&pair[i + 1..])),
        None => (trim(pair), &[]),
    }
}

/// Whether a pair could be read as a credential cookie by any parser on the way: its name compared
/// case-insensitively and after percent-decoding (actix decodes names too), and every `,`-separated part
/// of it (old parsers also split on commas).
fn names_a_credential(pair: &[u8]) -> bool {
    let is_credential = |name: &[u8]| {
        CREDENTIAL_COOKIES
            .iter()
            .any(|c| trim(name).eq_ignore_ascii_case(c.as_bytes()))
    };
    pair.split(|&b| b == b',').any(|part| {
        let name = split_pair(trim(part)).0;
        // Decoding allocates: only names that hold a `%` need it (every cookie of every request comes here).
        if name.contains(&b'%') {
            is_credential(&percent_decoded(name))
        } else {
            is_credential(name)
        }
    })
}

fn percent_decoded(s: &[u8]) -> Vec<u8> {
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%'
            && let (Some(h), Some(l)) = (
                s.get(i + 1).and_then(|&b| hex(b)),
                s.get(i + 2).and_then(|&b| hex(b)),
            )
        {
            // Two hex digits are at most 0xff.
            out.push(u8::try_from(h * 16 + l).unwrap_or(b'%'));
            i += 3;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

/// The value of the first cookie named exactly `name`, as sent (quotes around it removed), if not empty.
pub fn raw_value<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    pairs(req)
        .map(split_pair)
        .find(|(n, _)| *n == name.as_bytes())
        .map(|(_, v)| match v {
            [b'"', inner @ .., b'"'] => inner,
            v => v,
        })
        .filter(|v| !v.is_empty())
        .and_then(|v| std::str::from_utf8(v).ok())
}

/// Whether the client sent a non-empty cookie named exactly `name`.
pub fn has(req: &HttpRequest, name: &str) -> bool {
    raw_value(req, name).is_some()
}

/// The `Cookie` header for the service: the client's pairs byte for byte, minus every pair that names a
/// credential cookie, except the first exact `token`/`refresh_token` pair when `keep` allows it.
pub fn forwardable(req: &HttpRequest, keep: Keep) -> Option<HeaderValue> {
    let mut kept_access = !keep.access;
    let mut kept_refresh = !keep.refresh;
    let mut out: Vec<u8> = Vec::new();
    for pair in pairs(req) {
        if names_a_credential(pair) {
            let name = split_pair(pair).0;
            let slot = if name == ACCESS_COOKIE.as_bytes() {
                &mut kept_access
            } else if name == REFRESH_COOKIE.as_bytes() {
                &mut kept_refresh
            } else {
                continue;
            };
            // A pair with a comma could be read as two cookies by some parser: never pass it on.
            if *slot || pair.contains(&b',') {
                continue;
            }
            *slot = true;
        }
        if !out.is_empty() {
            out.extend_from_slice(b"; ");
        }
        out.extend_from_slice(pair);
    }
    if out.is_empty() {
        return None;
    }
    HeaderValue::from_bytes(&out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn with_cookies(headers: &[&str]) -> HttpRequest {
        let mut req = TestRequest::default();
        for h in headers {
            req = req.append_header(("cookie", *h));
        }
        req.to_http_request()
    }

    fn forwarded(headers: &[&str], keep: Keep) -> Option<String> {
        forwardable(&with_cookies(headers), keep).map(|v| v.to_str().unwrap().to_owned())
    }

    #[test]
    fn other_cookies_pass_byte_for_byte_and_credentials_do_not() {
        let header = "theme=dark; token=abc; prefs=a%3Bb%20c; refresh_token=r1;  lang=\"en gb\"";
        assert_eq!(
            forwarded(&[header], Keep::default()).unwrap(),
            "theme=dark; prefs=a%3Bb%20c; lang=\"en gb\""
        );
        assert_eq!(
            forwarded(
                &[header],
                Keep {
                    access: false,
                    refresh: true
                }
            )
            .unwrap(),
            "theme=dark; prefs=a%3Bb%20c; refresh_token=r1; lang=\"en gb\""
        );
        assert_eq!(forwarded(&["token=abc"], Keep::default()), None);
    }

    #[test]
    fn a_token_smuggled_in_a_percent_encoded_value_stays_inside_that_value() {
        let header = "a=x%3B%20token%3Deyrevoked";
        let out = forwarded(&[header], Keep::default()).unwrap();
        assert_eq!(out, header);
        // What the service's actix-web makes of it: one cookie `a`, no `token`.
        let at_service = with_cookies(&[&out]);
        assert!(at_service.cookie("token").is_none());
        assert_eq!(
            at_service.cookie("a").unwrap().value(),
            "x; token=eyrevoked"
        );
    }

    #[test]
    fn a_token_inside_a_quoted_value_never_passes() {
        let out = forwarded(&["a=\"x; token=eyrevoked\"; b=1"], Keep::default()).unwrap();
        assert_eq!(out, "a=\"x; b=1");
        assert!(!out.contains("token"));
    }

    #[test]
    fn duplicate_and_disguised_credential_names_never_pass() {
        for header in [
            "token=a; token=b",
            "TOKEN=a",
            " token =a",
            "%74oken=a",
            "refresh%5Ftoken=a",
            "x=1, token=a",
        ] {
            let out = forwarded(&[header, "keep=1"], Keep::default()).unwrap();
            assert_eq!(out, "keep=1", "{header}");
            assert!(with_cookies(&[&out]).cookie("token").is_none(), "{header}");
        }
        // Even when one may pass, only the first exact pair does.
        let keep = Keep {
            access: true,
            refresh: true,
        };
        assert_eq!(
            forwarded(&["token=a; token=b; %74oken=c"], keep).unwrap(),
            "token=a"
        );
    }

    #[test]
    fn cookies_of_several_headers_are_joined() {
        assert_eq!(
            forwarded(&["a=1", "token=t; b=2"], Keep::default()).unwrap(),
            "a=1; b=2"
        );
    }

    #[test]
    fn the_raw_value_is_read_without_decoding() {
        let req = with_cookies(&["a=1; token=e%79J.x; refresh_token=\"r1\""]);
        assert_eq!(raw_value(&req, ACCESS_COOKIE), Some("e%79J.x"));
        assert_eq!(raw_value(&req, REFRESH_COOKIE), Some("r1"));
        assert_eq!(
            raw_value(&with_cookies(&["a=x%3B%20token%3Dt"]), ACCESS_COOKIE),
            None
        );
        assert_eq!(raw_value(&with_cookies(&["token="]), ACCESS_COOKIE), None);
        assert!(!has(&with_cookies(&[]), REFRESH_COOKIE));
    }
}
