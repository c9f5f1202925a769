//! Work typed before a session ended is not lost.
//!
//! A member-secretary writes a meeting's minutes, is away past the idle time-out and presses
//! save. Her form arrives with a session that has lapsed. Instead of sending her to the sign-in
//! page empty-handed, the authentication middleware keeps the form ([`Carried`]); the sign-in
//! page carries it in hidden fields; once she has signed in again *as the same person*, a page
//! sends it on to where it was going, with her new session's token (`setu.js` sends it at once;
//! without script she presses one button).
//!
//! **Why this is safe.** A form is carried only when it holds the CSRF token of the lapsed
//! session its browser still presents: proof that it was typed into a page of this site, shown
//! to that session. It is sent on only when the person who signs in is that session's user, and
//! only to a path on this site. Nothing is stored on the server: the fields travel in the
//! pages, as they did in the form itself, and those pages are never cached.

use axum::http::HeaderMap;

use crate::auth::CSRF_FIELD;

/// The most a carried form may hold (a meeting's minutes fit many times over).
pub const CARRY_LIMIT: usize = 256 * 1024;

/// A form posted after its session lapsed, carried across the new sign-in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Carried {
    /// Where it was posted: a path on this site, with its query.
    pub action: String,
    /// Its fields without the lapsed CSRF token, `application/x-www-form-urlencoded`.
    pub fields: String,
    /// The lapsed session's CSRF token that the form held.
    pub proof: String,
}

impl Carried {
    /// The form `body` posted to `action` if it holds `lapsed_csrf` (compared in constant
    /// time); `None` otherwise, or when it is too large to carry.
    pub fn of(action: &str, body: &[u8], lapsed_csrf: &str) -> Option<Carried> {
        if body.len() > CARRY_LIMIT {
            return None;
        }
        let mut proof = None;
        let mut kept = form_urlencoded::Serializer::new(String::new());
        for (k, v) in form_urlencoded::parse(body) {
            if k == CSRF_FIELD {
                proof = Some(v.into_owned());
            } else {
                kept.append_pair(&k, &v);
            }
        }
        let proof = proof.filter(|p| crate::auth::constant_time_eq(p, lapsed_csrf))?;
        Some(Carried {
            action: action.to_string(),
            fields: kept.finish(),
            proof,
        })
    }

    /// The carried fields, to put back into a form as hidden inputs.
    pub fn pairs(&self) -> Vec<(String, String)> {
        form_urlencoded::parse(self.fields.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }
}

/// Whether a request's body is a plain HTML form (the only kind carried: a file chosen for an
/// import cannot be put back into a page).
pub fn is_plain_form(headers: &HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"))
}

/// Where a sign-in should lead after a post that could not be carried: the page the form was
/// on (its `Referer`, when it is this site's), never the address of the post, which only
/// accepts forms.
pub fn page_of_form(headers: &HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let path = headers
        .get(axum::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.split_once("://"))
        .and_then(|(_, rest)| rest.strip_prefix(host))
        .filter(|p| p.starts_with('/'));
    crate::pages::prefs::safe_next(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_is_carried_only_with_the_lapsed_sessions_token() {
        let body = b"csrf=abc123&agenda=Schools+%26+budget&present=m1&present=m2";
        let c = Carried::of("/committees/4/meetings", body, "abc123").unwrap();
        assert_eq!(c.proof, "abc123");
        assert_eq!(
            c.pairs(),
            vec![
                ("agenda".to_string(), "Schools & budget".to_string()),
                ("present".to_string(), "m1".to_string()),
                ("present".to_string(), "m2".to_string()),
            ]
        );
        assert_eq!(Carried::of("/x", body, "other"), None);
        assert_eq!(Carried::of("/x", b"agenda=no+token", "abc123"), None);
        let huge = vec![b'a'; CARRY_LIMIT + 1];
        assert_eq!(Carried::of("/x", &huge, "abc123"), None);
    }

    #[test]
    fn after_a_lost_post_the_sign_in_leads_back_to_the_form_page() {
        let mut h = HeaderMap::new();
        h.insert("host", "setu.example".parse().unwrap());
        h.insert(
            "referer",
            "https://setu.example/committees/4/meetings/new"
                .parse()
                .unwrap(),
        );
        assert_eq!(page_of_form(&h), "/committees/4/meetings/new");
        h.insert("referer", "https://evil.example/x".parse().unwrap());
        assert_eq!(page_of_form(&h), "/");
        h.remove("referer");
        assert_eq!(page_of_form(&h), "/");
    }
}
