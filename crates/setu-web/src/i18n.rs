//! Interface text through Project Fluent, one file per language (`locales/*.ftl`), compiled
//! into the binary. A missing message shows its id (and is caught by a test), never a panic.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use setu_core::Lang;

/// The Fluent source of each language.
const SOURCES: [(Lang, &str); 2] = [
    (Lang::En, include_str!("../locales/en.ftl")),
    (Lang::Ne, include_str!("../locales/ne.ftl")),
];

/// Both languages' message bundles.
pub struct I18n {
    en: FluentBundle<FluentResource>,
    ne: FluentBundle<FluentResource>,
}

impl std::fmt::Debug for I18n {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("I18n")
    }
}

/// A Fluent file that does not parse (a build-time mistake, caught by tests).
#[derive(Debug, thiserror::Error)]
#[error("the {0} interface text has errors: {1}")]
pub struct BadLocale(&'static str, String);

impl I18n {
    /// Parses the bundled Fluent files.
    pub fn new() -> Result<I18n, BadLocale> {
        Ok(I18n {
            en: bundle(Lang::En)?,
            ne: bundle(Lang::Ne)?,
        })
    }

    /// The message `id` in `lang`.
    pub fn t(&self, lang: Lang, id: &str) -> String {
        self.format(lang, id, None)
    }

    /// Whether `lang` has a message `id` (for labels that fall back to a readable form of a
    /// stored name when no message was written for it).
    pub fn has(&self, lang: Lang, id: &str) -> bool {
        let b = match lang {
            Lang::En => &self.en,
            Lang::Ne => &self.ne,
        };
        b.has_message(id)
    }

    /// The message `id` in `lang` with one variable (numbers arrive already formatted).
    pub fn t1(&self, lang: Lang, id: &str, name: &str, value: &str) -> String {
        self.tn(lang, id, &[(name, value)])
    }

    /// Translated text with several named variables.
    pub fn tn(&self, lang: Lang, id: &str, vars: &[(&str, &str)]) -> String {
        let mut args = FluentArgs::new();
        for (name, value) in vars {
            args.set(*name, FluentValue::from(value.to_string()));
        }
        self.format(lang, id, Some(&args))
    }

    fn format(&self, lang: Lang, id: &str, args: Option<&FluentArgs>) -> String {
        let b = match lang {
            Lang::En => &self.en,
            Lang::Ne => &self.ne,
        };
        let Some(pattern) = b.get_message(id).and_then(|m| m.value()) else {
            tracing::warn!(id, lang = lang.code(), "missing interface text");
            return id.to_string();
        };
        let mut errors = Vec::new();
        b.format_pattern(pattern, args, &mut errors).into_owned()
    }

    /// Every message id of a language (for tests and tooling).
    pub fn ids(lang: Lang) -> Vec<String> {
        let src = SOURCES
            .iter()
            .find(|(l, _)| *l == lang)
            .map(|(_, s)| *s)
            .unwrap_or_default();
        src.lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with(' '))
            .filter_map(|l| l.split_once(" = ").map(|(id, _)| id.trim().to_string()))
            .collect()
    }
}

fn bundle(lang: Lang) -> Result<FluentBundle<FluentResource>, BadLocale> {
    let src = SOURCES
        .iter()
        .find(|(l, _)| *l == lang)
        .map(|(_, s)| *s)
        .unwrap_or_default();
    let resource = FluentResource::try_new(src.to_string())
        .map_err(|(_, errs)| BadLocale(lang.code(), format!("{errs:?}")))?;
    let langid = lang
        .code()
        .parse()
        .map_err(|_| BadLocale(lang.code(), "bad language tag".into()))?;
    let mut bundle = FluentBundle::new_concurrent(vec![langid]);
    // Unicode isolation marks would show up inside HTML attributes and copied text.
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .map_err(|errs| BadLocale(lang.code(), format!("{errs:?}")))?;
    Ok(bundle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_messages() {
        let en = I18n::ids(Lang::En);
        let ne = I18n::ids(Lang::Ne);
        assert!(en.len() > 100);
        let missing_ne: Vec<_> = en.iter().filter(|id| !ne.contains(id)).collect();
        let missing_en: Vec<_> = ne.iter().filter(|id| !en.contains(id)).collect();
        assert!(missing_ne.is_empty(), "missing in ne.ftl: {missing_ne:?}");
        assert!(missing_en.is_empty(), "missing in en.ftl: {missing_en:?}");
    }

    #[test]
    fn messages_format_with_variables() {
        let i = I18n::new().unwrap();
        assert_eq!(i.t(Lang::Ne, "nav-home"), "गृहपृष्ठ");
        assert_eq!(i.t1(Lang::En, "ward-name", "number", "19"), "Ward 19");
        assert_eq!(i.t1(Lang::Ne, "ward-name", "number", "१९"), "वडा नं. १९");
        assert_eq!(i.t(Lang::En, "no-such-message"), "no-such-message");
    }
}
