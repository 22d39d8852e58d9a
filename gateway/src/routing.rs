//! The route table: which service owns a path, whether it is public, which rate limits and body rules
//! apply, and whether the gateway may refresh an expired cookie session on it. Paths are never rewritten.
//! [`GROUPS`] is the one list of proxied prefixes: `routes` mounts a scope for each, and [`route`] maps a
//! path onto the same entries.

use actix_web::http::Method;

/// A service behind the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Upstream {
    Auth,
    Course,
    Progress,
    Payment,
    Certificate,
}

impl Upstream {
    pub const ALL: [Upstream; 5] = [
        Self::Auth,
        Self::Course,
        Self::Progress,
        Self::Payment,
        Self::Certificate,
    ];

    /// The short name used in errors, logs and the health report.
    pub fn name(self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::Course => "course",
            Self::Progress => "progress",
            Self::Payment => "payment",
            Self::Certificate => "certificate",
        }
    }
}

/// How the request body is handled before it reaches the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyRule {
    /// JSON and other small bodies: read whole up to the JSON limit (413 beyond).
    Small,
    /// `multipart/form-data`: streamed through, counted against the upload limit.
    Multipart,
    /// The Stripe webhook: read whole up to its own limit and forwarded byte for byte.
    Webhook,
}

/// Everything the gateway needs to know about one request's route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub upstream: Upstream,
    /// Reachable without a principal (credentials, if valid, are still forwarded).
    pub public: bool,
    /// A credential endpoint (sign-in, sign-up, password reset, refresh): the stricter per-IP limit.
    pub credential: bool,
    /// Not rate limited (the Stripe webhook: Stripe retries and signs every call).
    pub exempt: bool,
    /// The gateway may rotate an expired cookie session here; never on the routes that manage sessions.
    pub silent_refresh: bool,
    pub webhook: bool,
    /// The bounded label metrics and the access log use for this route's group.
    pub group: &'static str,
    /// `POST /auth/refresh-token`: the access token is expected to be expired there and is not consulted,
    /// so bad access credentials are not refused (the refresh token is what auth-service judges).
    pub refresh: bool,
}

/// One proxied group of routes.
#[derive(Debug)]
pub struct Group {
    /// The first segment under `/api/v1/`.
    pub segment: &'static str,
    /// The scope `routes` mounts (prefix match, no regex).
    pub prefix: &'static str,
    /// The bounded label metrics and the access log use (never the raw path).
    pub label: &'static str,
    pub upstream: Upstream,
}

/// Every proxied group (a unit test checks each entry's prefix and label against its segment).
pub const GROUPS: [Group; 7] = [
    Group {
        segment: "user",
        prefix: "/api/v1/user",
        label: "/api/v1/user/*",
        upstream: Upstream::Auth,
    },
    Group {
        segment: "auth",
        prefix: "/api/v1/auth",
        label: "/api/v1/auth/*",
        upstream: Upstream::Auth,
    },
    Group {
        segment: "courses",
        prefix: "/api/v1/courses",
        label: "/api/v1/courses/*",
        upstream: Upstream::Course,
    },
    Group {
        segment: "media",
        prefix: "/api/v1/media",
        label: "/api/v1/media/*",
        upstream: Upstream::Course,
    },
    Group {
        segment: "progress",
        prefix: "/api/v1/progress",
        label: "/api/v1/progress/*",
        upstream: Upstream::Progress,
    },
    Group {
        segment: "payments",
        prefix: "/api/v1/payments",
        label: "/api/v1/payments/*",
        upstream: Upstream::Payment,
    },
    Group {
        segment: "certificates",
        prefix: "/api/v1/certificates",
        label: "/api/v1/certificates/*",
        upstream: Upstream::Certificate,
    },
];

/// The certificates' public HTML pages (`/certificates/{id}`), proxied to certificate-service as they are.
pub const PAGES_PREFIX: &str = "/certificates/";

/// The route of a certificate page: public reads of exactly one id-shaped segment, nothing else.
fn page_route(method: &Method, path: &str) -> Option<Route> {
    let id = path.strip_prefix(PAGES_PREFIX)?;
    let id_shaped =
        !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric());
    (id_shaped && (*method == Method::GET || *method == Method::HEAD)).then_some(Route {
        upstream: Upstream::Certificate,
        public: true,
        credential: false,
        exempt: false,
        silent_refresh: false,
        webhook: false,
        refresh: false,
        group: "/certificates/*",
    })
}

/// Looks up a path under `/api/v1`; `None` for everything the gateway does not proxy (including any path
/// with `.`/`..` segments, which an upstream URL parser would resolve into somewhere else, such as
/// `/internal`).
pub fn route(method: &Method, path: &str) -> Option<Route> {
    let Some(rest) = path.strip_prefix("/api/v1/") else {
        return page_route(method, path);
    };
    // The first segments on the stack (every rule looks at four at most); the dot and empty-segment checks
    // see them all.
    let mut first = [""; MAX_SEGMENTS];
    let mut count = 0;
    let mut any_empty = false;
    for segment in rest.split('/') {
        if is_dot_segment(segment) {
            return None;
        }
        any_empty |= segment.is_empty();
        if let Some(slot) = first.get_mut(count) {
            *slot = segment;
        }
        count += 1;
    }
    let segments = &first[..count.min(MAX_SEGMENTS)];
    let group = GROUPS
        .iter()
        .find(|g| Some(&g.segment) == segments.first())?;
    let read = *method == Method::GET || *method == Method::HEAD;
    let post = *method == Method::POST;
    let mut r = Route {
        upstream: group.upstream,
        public: false,
        credential: false,
        exempt: false,
        silent_refresh: true,
        webhook: false,
        refresh: false,
        group: group.label,
    };
    match segments {
        ["user" | "auth", ..] => {
            let session_route = matches!(
                segments,
                ["user", "signup" | "signin" | "signout" | "forgot-password"]
                    | ["user", "reset-password", _]
                    | [
                        "auth",
                        "register" | "login" | "logout" | "logout-all" | "refresh-token"
                    ]
                    | ["auth", "sso", "link"]
                    | ["auth", "sso", _, "callback"]
            );
            r.silent_refresh = !session_route;
            // A user's own reviews live with the reviews, in course-service.
            if segments == ["user", "reviews"] {
                r.upstream = Upstream::Course;
            }
            r.refresh = post && segments == ["auth", "refresh-token"];
            r.credential = post
                && matches!(
                    segments,
                    ["user", "signup" | "signin" | "forgot-password"]
                        | ["user", "reset-password", _]
                        | ["auth", "register" | "login" | "refresh-token"]
                        | ["auth", "sso", "link"]
                );
            r.public = r.credential
                || (post && matches!(segments, ["user", "signout"] | ["auth", "logout"]))
                || (read
                    && matches!(
                        segments,
                        ["auth", ".well-known", "jwks.json"]
                            | ["auth", "openapi.json"]
                            // Single sign-on: browser navigations that end on the frontend.
                            | ["auth", "sso"]
                            | ["auth", "sso", _, "start" | "callback"]
                            | ["user", "avatars", _]
                    ));
        }
        ["courses", ..] | ["media", ..] => {
            r.public =
                read && matches!(
                    segments,
                    ["courses", "published" | "search"]
                        | ["courses", _]
                        | ["courses", _, "lectures"]
                        | ["courses", _, "reviews"]
                        | ["media", ..]
                ) && !any_empty;
        }
        ["progress", ..] => {}
        // Everything a verifier needs is public; the caller's own list and the changes are not.
        ["certificates", ..] => {
            r.public = read
                && !any_empty
                && matches!(
                    segments,
                    ["certificates", "issuer"]
                        | ["certificates", "issuer", "jwks.json"]
                        | ["certificates", "status", _]
                        | ["certificates", "openapi.json"]
                        | ["certificates", _]
                        | ["certificates", _, "verify"]
                );
        }
        ["payments", ..] => {
            r.public = read && segments == ["payments", "openapi.json"];
            if post && segments == ["payments", "webhook"] {
                r.public = true;
                r.exempt = true;
                r.webhook = true;
                r.silent_refresh = false;
            }
        }
        _ => return None,
    }
    // `OPTIONS` asks which methods a route has (the service answers 204 with `Allow`), and a method no
    // route has (`TRACE`, ...) gets the service's 405 with `Allow`: neither reads or changes anything, so
    // neither needs a login. CORS preflights never get here: the edge middleware answers them.
    let known = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
    ];
    if !known.contains(method) {
        r.public = true;
    }
    Some(r)
}

/// Segments kept for the rules; a longer path only ever matches a prefix rule (`["media", ..]`).
const MAX_SEGMENTS: usize = 6;

/// `.`/`..`, also percent-encoded (`%2e%2E`), which URL parsers resolve. Read in place: this runs on
/// every segment of every request.
fn is_dot_segment(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    let mut dots = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'.' {
            i += 1;
        } else if bytes[i..].len() >= 3
            && bytes[i] == b'%'
            && bytes[i + 1] == b'2'
            && bytes[i + 2].eq_ignore_ascii_case(&b'e')
        {
            i += 3;
        } else {
            return false;
        }
        dots += 1;
    }
    dots == 1 || dots == 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(path: &str) -> Option<Route> {
        route(&Method::GET, path)
    }

    fn post(path: &str) -> Option<Route> {
        route(&Method::POST, path)
    }

    #[test]
    fn each_prefix_goes_to_its_service() {
        assert_eq!(
            get("/api/v1/user/profile").unwrap().upstream,
            Upstream::Auth
        );
        assert_eq!(get("/api/v1/auth/me").unwrap().upstream, Upstream::Auth);
        // Reviews are course-service's, the caller's own ones too.
        assert_eq!(
            get("/api/v1/user/reviews").unwrap().upstream,
            Upstream::Course
        );
        assert_eq!(get("/api/v1/courses").unwrap().upstream, Upstream::Course);
        assert_eq!(
            get("/api/v1/media/x.png").unwrap().upstream,
            Upstream::Course
        );
        assert_eq!(
            get("/api/v1/progress").unwrap().upstream,
            Upstream::Progress
        );
        assert_eq!(
            post("/api/v1/payments/webhook").unwrap().upstream,
            Upstream::Payment
        );
    }

    #[test]
    fn certificates_are_public_to_verifiers_but_the_own_list_and_changes_need_a_login() {
        let id = "0123456789abcdef01234567";
        for path in [
            format!("/api/v1/certificates/{id}"),
            format!("/api/v1/certificates/{id}/verify"),
            "/api/v1/certificates/issuer".to_owned(),
            "/api/v1/certificates/issuer/jwks.json".to_owned(),
            "/api/v1/certificates/status/0".to_owned(),
            "/api/v1/certificates/openapi.json".to_owned(),
            format!("/certificates/{id}"),
        ] {
            let r = get(&path).unwrap();
            assert_eq!(r.upstream, Upstream::Certificate, "{path}");
            assert!(r.public, "{path}");
        }
        assert!(!get("/api/v1/certificates").unwrap().public);
        assert!(
            !post(&format!("/api/v1/certificates/{id}/revoke"))
                .unwrap()
                .public
        );
        assert!(
            !post(&format!("/api/v1/certificates/{id}/reissue"))
                .unwrap()
                .public
        );
        // The page route takes one id-shaped segment and only reads.
        for path in [
            "/certificates/",
            "/certificates/a/b",
            "/certificates/%2e%2e",
            "/certificates/..",
        ] {
            assert!(get(path).is_none(), "{path}");
        }
        assert!(post(&format!("/certificates/{id}")).is_none());
    }

    #[test]
    fn internal_unknown_and_dot_paths_are_not_routed() {
        for path in [
            "/internal/users/1",
            "/api/v1/internal/users/1",
            "/api/v1/unknown",
            "/api/v2/courses",
            "/api/v1/courses/../../internal/users/1",
            "/api/v1/courses/%2E%2e/x",
            "/api/v1/courses/./published",
            "/api/v1/courses/%2e",
            "/api/v1/media/a/b/c/d/e/f/g/%2E./x",
        ] {
            assert_eq!(get(path), None, "{path}");
        }
    }

    #[test]
    fn only_the_listed_routes_are_public() {
        for path in [
            "/api/v1/courses/published",
            "/api/v1/courses/search",
            "/api/v1/courses/abc",
            "/api/v1/courses/abc/lectures",
            "/api/v1/courses/abc/reviews",
            "/api/v1/media/thumbnails/a.png",
            "/api/v1/auth/.well-known/jwks.json",
            "/api/v1/user/avatars/a.png",
            "/api/v1/payments/openapi.json",
        ] {
            assert!(get(path).unwrap().public, "{path} should be public");
        }
        for path in [
            "/api/v1/courses",
            "/api/v1/courses/abc/students",
            "/api/v1/courses/abc/reviews/def",
            "/api/v1/user/reviews",
            "/api/v1/user/profile",
            "/api/v1/auth/me",
            "/api/v1/progress",
            // The document says so (`DocumentRoute::logged_in`): progress asks for a login everywhere.
            "/api/v1/progress/openapi.json",
            "/api/v1/payments/purchases",
            "/api/v1/media/a/b/c/d/e/f//g",
        ] {
            assert!(!get(path).unwrap().public, "{path} should need a login");
        }
        assert!(
            !route(&Method::DELETE, "/api/v1/courses/abc")
                .unwrap()
                .public
        );
        assert!(!post("/api/v1/courses").unwrap().public);
        assert!(post("/api/v1/user/signin").unwrap().public);
        assert!(post("/api/v1/user/signout").unwrap().public);
        assert!(!post("/api/v1/auth/logout-all").unwrap().public);
        for path in [
            "/api/v1/auth/sso",
            "/api/v1/auth/sso/corp/start",
            "/api/v1/auth/sso/corp/callback",
        ] {
            assert!(get(path).unwrap().public, "{path}");
        }
        let link = post("/api/v1/auth/sso/link").unwrap();
        assert!(link.public && link.credential && !link.silent_refresh);
        assert!(
            !get("/api/v1/auth/sso/corp/callback")
                .unwrap()
                .silent_refresh
        );
        assert!(!get("/api/v1/user/identities").unwrap().public);
    }

    #[test]
    fn credential_routes_get_the_stricter_limit_and_no_silent_refresh() {
        for path in [
            "/api/v1/user/signin",
            "/api/v1/auth/login",
            "/api/v1/user/signup",
            "/api/v1/auth/register",
            "/api/v1/user/forgot-password",
            "/api/v1/user/reset-password/abc",
            "/api/v1/auth/refresh-token",
        ] {
            let r = post(path).unwrap();
            assert!(r.credential && r.public && !r.silent_refresh, "{path}");
        }
        assert!(!post("/api/v1/user/signout").unwrap().silent_refresh);
        assert!(get("/api/v1/user/profile").unwrap().silent_refresh);
    }

    #[test]
    fn dot_segments_are_recognised_in_every_spelling() {
        for segment in [".", "..", "%2e", "%2E%2e", ".%2e"] {
            assert!(is_dot_segment(segment), "{segment}");
        }
        for segment in ["", "...", "a.", ".a", "%2", "%2f", "%2e%2e%2e", "x%2e"] {
            assert!(!is_dot_segment(segment), "{segment}");
        }
    }

    #[test]
    fn each_group_is_spelt_alike_in_its_prefix_and_label() {
        for g in &GROUPS {
            assert_eq!(g.prefix, format!("/api/v1/{}", g.segment));
            assert_eq!(g.label, format!("{}/*", g.prefix));
            let r = get(&format!("{}/x", g.prefix)).unwrap();
            assert_eq!((r.upstream, r.group), (g.upstream, g.label));
        }
    }

    #[test]
    fn only_the_webhook_is_exempt() {
        let hook = post("/api/v1/payments/webhook").unwrap();
        assert!(hook.exempt && hook.webhook && hook.public);
        assert!(!get("/api/v1/payments/webhook").unwrap().exempt);
        assert!(!post("/api/v1/user/signin").unwrap().exempt);
    }
}
