//! What every page knows about its reader: language, digits, whether AD dates are shown,
//! and where they are. Read from preference cookies (or `Accept-Language` on a first visit)
//! by the [`Page`] extractor, and handed to templates, which format through it.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use setu_core::calendar::{iso, parse_ad};
use setu_core::{BsDate, Digits, Lang, LocalLevelType};
use setu_store::geo::Place;

use crate::auth::Auth;
use crate::AppState;
use setu_core::access::Capability;

/// Cookie holding the chosen language.
pub const LANG_COOKIE: &str = "setu_lang";
/// Cookie holding the chosen digits.
pub const DIGITS_COOKIE: &str = "setu_digits";
/// Cookie holding whether AD dates are shown beside BS ones.
pub const AD_COOKIE: &str = "setu_ad";

/// The reader's display preferences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefs {
    /// Interface language.
    pub lang: Lang,
    /// Digits for numbers and dates.
    pub digits: Digits,
    /// Show the AD date beside each BS date.
    pub show_ad: bool,
}

impl Prefs {
    /// Reads the preference cookies; a first visit gets the browser's language, else Nepali.
    pub fn from_headers(headers: &HeaderMap) -> Prefs {
        let cookie = |name: &str| cookie_value(headers, name);
        let lang = cookie(LANG_COOKIE)
            .and_then(|v| Lang::parse(&v))
            .or_else(|| accept_language(headers))
            .unwrap_or(Lang::Ne);
        let digits = cookie(DIGITS_COOKIE)
            .and_then(|v| Digits::parse(&v))
            .unwrap_or(Digits::default_for(lang));
        let show_ad = cookie(AD_COOKIE).as_deref() == Some("1");
        Prefs {
            lang,
            digits,
            show_ad,
        }
    }
}

/// The value of cookie `name`, if the request carries it.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The first supported language in `Accept-Language`, in the browser's order.
fn accept_language(headers: &HeaderMap) -> Option<Lang> {
    headers
        .get(axum::http::header::ACCEPT_LANGUAGE)?
        .to_str()
        .ok()?
        .split(',')
        .filter_map(|part| Lang::parse(part.split(';').next()?.trim()))
        .next()
}

/// Everything a template needs to speak to this reader.
#[derive(Debug, Clone)]
pub struct Page {
    /// Display preferences.
    pub prefs: Prefs,
    /// The path and query of this page (for the language switch's way back).
    pub here: String,
    /// Which top navigation entry is current (`home`, `places`, …).
    pub nav: &'static str,
    /// Page title (already translated).
    pub title: String,
    /// Who is reading.
    pub auth: Auth,
    /// The reader's unread notifications (the badge in the header).
    pub unread: i64,
    /// What this request's form sent (a post of a page's form).
    pub posted: Option<crate::auth::Posted>,
    /// Every place by code, to name places ([`Page::place`]).
    pub places: Option<Arc<crate::Gazetteer>>,
    /// A refused form, to show again: where it was sent, each field's messages and what was
    /// typed (set by [`crate::pages::settle`]; `setu.js` puts it back into the form).
    pub echo: Option<String>,
    app: AppState,
}

impl FromRequestParts<AppState> for Page {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Page, Self::Rejection> {
        let here = parts
            .uri
            .path_and_query()
            .map(|pq| pq.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let mut page = Page::new(Arc::clone(app), Prefs::from_headers(&parts.headers), here);
        if let Some(auth) = parts.extensions.get::<Auth>() {
            page.auth = auth.clone();
        }
        page.posted = parts.extensions.get::<crate::auth::Posted>().cloned();
        // Pages name places; the API answers with codes and does not need the index.
        if !parts.uri.path().starts_with("/api/") {
            page.places = app.gazetteer().await;
        }
        if let Some(user) = page.auth.user() {
            // A badge is not worth failing a page for: an error shows no badge.
            page.unread = app
                .store
                .unread_notifications(&user.username)
                .await
                .unwrap_or(0);
        }
        Ok(page)
    }
}

impl Page {
    /// A page for `prefs` at `here`.
    pub fn new(app: AppState, prefs: Prefs, here: String) -> Page {
        Page {
            prefs,
            here,
            nav: "",
            title: String::new(),
            auth: Auth::Anonymous,
            unread: 0,
            posted: None,
            echo: None,
            places: None,
            app,
        }
    }

    /// Whether the reader may open the page at `href`, by the route table's access class
    /// (the same rule that guards the route): links and buttons to pages a role cannot open
    /// are not shown. The record's own scope is the handler's to check.
    pub fn opens(&self, href: &str) -> bool {
        match crate::routes::access_of(href) {
            None | Some(crate::routes::Access::Public) => true,
            Some(crate::routes::Access::SignedIn) => self.auth.user().is_some(),
            Some(crate::routes::Access::Needs(cap)) => {
                self.auth.user().is_some_and(|u| u.role.has(cap))
            }
        }
    }

    /// The top menu for this reader ([`crate::menu`]).
    pub fn menu(&self) -> Vec<crate::menu::MenuItem> {
        crate::menu::menu(self)
    }

    /// This fiscal year, as a query value (`2083/84`).
    pub fn this_fiscal_year(&self) -> String {
        setu_core::FiscalYear::containing(setu_core::calendar::today_in_nepal())
            .map(|f| f.to_string())
            .unwrap_or_default()
    }

    /// The signed-in user's name, for the header.
    pub fn username(&self) -> Option<&str> {
        self.auth.user().map(|u| u.username.as_str())
    }

    /// The signed-in user's id ("" when nobody is): it names their offline queue on a phone.
    pub fn user_id(&self) -> &str {
        self.auth.user().map(|u| u.id.as_str()).unwrap_or("")
    }

    /// The CSRF token every form carries.
    pub fn csrf(&self) -> &str {
        self.auth.csrf()
    }

    /// Whether the reader's role has `cap` (for showing navigation entries and buttons; the
    /// handlers decide again, with the record's place).
    pub fn has(&self, cap: &str) -> bool {
        let Some(user) = self.auth.user() else {
            return false;
        };
        Capability::ALL
            .iter()
            .find(|c| c.as_str() == cap)
            .is_some_and(|c| user.holds(*c))
    }

    /// Sets the title (a message id) and the current navigation entry.
    pub fn titled(mut self, title_id: &str, nav: &'static str) -> Page {
        self.title = self.t(title_id);
        self.nav = nav;
        self
    }

    /// Sets an already-formatted title.
    pub fn with_title(mut self, title: String, nav: &'static str) -> Page {
        self.title = title;
        self.nav = nav;
        self
    }

    /// The language tag for `<html lang>`.
    pub fn lang(&self) -> &'static str {
        self.prefs.lang.code()
    }

    /// Translated text.
    pub fn t(&self, id: &str) -> String {
        self.app.i18n.t(self.prefs.lang, id)
    }

    /// Translated text with one variable.
    pub fn t1(&self, id: &str, name: &str, value: &str) -> String {
        self.app.i18n.t1(self.prefs.lang, id, name, value)
    }

    /// Translated text with several variables.
    pub fn tn(&self, id: &str, vars: &[(&str, &str)]) -> String {
        self.app.i18n.tn(self.prefs.lang, id, vars)
    }

    /// An integer with the reader's digits and grouping.
    pub fn num(&self, n: &i64) -> String {
        self.app
            .numbers
            .integer(self.prefs.lang, self.prefs.digits, *n)
    }

    /// A count as disclosure control lets it be shown ([`setu_stats::disclosure`]).
    pub fn cell(&self, c: setu_stats::disclosure::Cell) -> String {
        use setu_stats::disclosure::Cell;
        match c {
            Cell::Count(n) => self.num(&n),
            Cell::Below(b) => self.t1("count-fewer-than", "n", &self.num(&b)),
            Cell::Hidden => self.t("count-hidden"),
        }
    }

    /// A code or other digit string (not grouped) in the reader's digits.
    pub fn digits(&self, text: &str) -> String {
        setu_core::numbers::with_digits(text, self.prefs.digits)
    }

    /// A stored date or timestamp (ISO, AD) shown as a BS date, with the AD date beside it
    /// when the reader asked for it. Dates outside the supported range show as ISO.
    pub fn date(&self, stored: &str) -> String {
        let day = stored.get(..10).unwrap_or(stored);
        let Ok(ad) = parse_ad(day) else {
            return stored.to_string();
        };
        match BsDate::from_ad(ad) {
            Ok(bs) if self.prefs.show_ad => format!(
                "{} ({})",
                bs.long(self.prefs.lang, self.prefs.digits),
                self.digits(&iso(ad))
            ),
            Ok(bs) => bs.long(self.prefs.lang, self.prefs.digits),
            Err(_) => self.digits(&iso(ad)),
        }
    }

    /// The message `{prefix}{name}` when there is one, else `name` made readable (`given_name`
    /// → `given name`): for stored names (audit actions, record kinds, fields) shown to people.
    pub fn label(&self, prefix: &str, name: &str) -> String {
        let id = format!("{prefix}{name}");
        if self.app.i18n.has(self.prefs.lang, &id) {
            self.t(&id)
        } else {
            name.replace(['_', '-'], " ")
        }
    }

    /// A stored instant (UTC, RFC 3339) as the reader reads it: the BS day and the time in
    /// Nepal (UTC+5:45), in the reader's digits.
    pub fn moment(&self, stored: &str) -> String {
        let Ok(at) =
            time::OffsetDateTime::parse(stored, &time::format_description::well_known::Rfc3339)
        else {
            return self.digits(stored);
        };
        let nepal = at.to_offset(time::macros::offset!(+5:45));
        let day = self.date(&iso(nepal.date()));
        let clock = format!("{:02}:{:02}", nepal.hour(), nepal.minute());
        format!("{day} {}", self.digits(&clock))
    }

    /// A place code as people say it, in the reader's language: a ward as its local level and
    /// number (`Nepalganj-9`, `नेपालगञ्ज-९`), other places by name; the code itself only when
    /// the place is unknown.
    pub fn place(&self, code: &str) -> String {
        let Some(places) = &self.places else {
            return self.digits(code);
        };
        let Some(p) = places.get(code.trim()) else {
            return self.digits(code);
        };
        match (
            p.ward_number,
            p.parent.and_then(|c| places.get(&c.to_string())),
        ) {
            (Some(n), Some(ll)) => {
                format!("{}-{}", self.name(&ll.name_en, &ll.name_ne), self.num(&n))
            }
            _ => self.place_name(p),
        }
    }

    /// A bilingual name: the Nepali one for Nepali readers when there is one.
    pub fn name(&self, en: &Option<String>, ne: &Option<String>) -> String {
        let (first, second) = match self.prefs.lang {
            Lang::Ne => (ne, en),
            Lang::En => (en, ne),
        };
        first
            .as_ref()
            .filter(|s| !s.is_empty())
            .or(second.as_ref())
            .cloned()
            .unwrap_or_default()
    }

    /// A place's name; wards are named by number.
    pub fn place_name(&self, p: &Place) -> String {
        match p.ward_number {
            Some(n) => self.t1("ward-name", "number", &self.num(&n)),
            None => self.name(&p.name_en, &p.name_ne),
        }
    }

    /// A local level type in words.
    pub fn ll_type(&self, t: &Option<LocalLevelType>) -> String {
        t.map(|t| self.t(&format!("ll-type-{}", t.as_str())))
            .unwrap_or_default()
    }

    /// The address that sets preference `key` to `value` and comes back here.
    pub fn pref_url(&self, key: &str, value: &str) -> String {
        let next: String = form_urlencoded::byte_serialize(self.here.as_bytes()).collect();
        format!("/prefs?{key}={value}&next={next}")
    }

    /// Whether `nav` is the current navigation entry (for `aria-current`).
    pub fn is_nav(&self, nav: &str) -> bool {
        self.nav == nav
    }

    /// Whether the interface is in Nepali.
    pub fn is_ne(&self) -> bool {
        self.prefs.lang == Lang::Ne
    }

    /// Whether Devanagari digits are in use.
    pub fn deva(&self) -> bool {
        self.prefs.digits == Digits::Devanagari
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn preferences_come_from_cookies_then_browser() {
        let mut h = HeaderMap::new();
        assert_eq!(Prefs::from_headers(&h).lang, Lang::Ne);
        h.insert(
            "accept-language",
            HeaderValue::from_static("fr;q=1, en-GB;q=0.8"),
        );
        let p = Prefs::from_headers(&h);
        assert_eq!((p.lang, p.digits), (Lang::En, Digits::Latin));
        h.insert(
            "cookie",
            HeaderValue::from_static("a=b; setu_lang=ne; setu_digits=latn; setu_ad=1"),
        );
        let p = Prefs::from_headers(&h);
        assert_eq!(
            (p.lang, p.digits, p.show_ad),
            (Lang::Ne, Digits::Latin, true)
        );
    }
}
