//! The few words the app says outside its window (desktop notifications), from the
//! window's own catalogues (`ui/app/locales`), so there is one translation of each.

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource};
use serde::Serialize;

/// The shipped languages and their catalogues; the first is the fallback.
const CATALOGUES: &[(&str, &str)] = &[
    ("en", include_str!("../../../ui/app/locales/en.ftl")),
    ("es", include_str!("../../../ui/app/locales/es.ftl")),
    ("pt-BR", include_str!("../../../ui/app/locales/pt-BR.ftl")),
];

/// What the app tells the instructor; the window and the notification word it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    SessionOnline,
    MicSilent,
    ReviewSaved,
}

impl NoticeKind {
    fn id(self) -> &'static str {
        match self {
            Self::SessionOnline => "notice-session_online",
            Self::MicSilent => "notice-mic_silent",
            Self::ReviewSaved => "notice-review_saved",
        }
    }
}

/// The language to speak: the one chosen in Settings, else the system's (its language
/// part: `es-MX` → es, any Portuguese → pt-BR), else English. As the window chooses.
pub fn language(chosen: Option<&str>, system: Option<&str>) -> &'static str {
    let known = |tag: &str| CATALOGUES.iter().map(|(l, _)| *l).find(|l| *l == tag);
    if let Some(l) = chosen.and_then(known) {
        return l;
    }
    let system = system.unwrap_or("en").replace('_', "-");
    let base = system
        .split('-')
        .next()
        .unwrap_or("en")
        .to_ascii_lowercase();
    match base.as_str() {
        "pt" => "pt-BR",
        other => known(other).unwrap_or("en"),
    }
}

/// The system's language (`es-MX`, `pt_BR`…), as the OS says it.
pub fn system_language() -> Option<String> {
    sys_locale::get_locale()
}

/// A notice's words in `lang`; English when the catalogue lacks it.
pub fn notice_text(lang: &str, kind: NoticeKind, title: Option<&str>) -> String {
    let mut args = FluentArgs::new();
    args.set("title", title.unwrap_or_default().to_string());
    if title.is_none() {
        args.set("title", message(lang, "untitled", None));
    }
    message(lang, kind.id(), Some(&args))
}

fn message(lang: &str, id: &str, args: Option<&FluentArgs>) -> String {
    [lang, "en"]
        .iter()
        .find_map(|l| format(l, id, args))
        .unwrap_or_else(|| id.to_string())
}

fn format(lang: &str, id: &str, args: Option<&FluentArgs>) -> Option<String> {
    let (tag, text) = CATALOGUES.iter().find(|(l, _)| *l == lang)?;
    // A catalogue with a mistake keeps its good messages (the UI's test names the bad).
    let resource = FluentResource::try_new((*text).to_string()).unwrap_or_else(|(r, _)| r);
    let mut bundle = FluentBundle::new(vec![tag.parse().ok()?]);
    bundle.set_use_isolating(false);
    let _ = bundle.add_resource(resource);
    let pattern = bundle.get_message(id)?.value()?;
    let mut errors = Vec::new();
    Some(
        bundle
            .format_pattern(pattern, args, &mut errors)
            .into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_chosen_language_else_the_systems_else_english() {
        assert_eq!(language(Some("es"), Some("pt-BR")), "es");
        assert_eq!(language(None, Some("es_MX.UTF-8")), "es");
        assert_eq!(language(None, Some("pt-PT")), "pt-BR");
        assert_eq!(language(None, Some("de-DE")), "en");
        assert_eq!(language(Some("klingon"), None), "en");
    }

    #[test]
    fn a_notice_is_worded_in_each_language_with_its_title() {
        let en = notice_text("en", NoticeKind::SessionOnline, Some("Salsa 3"));
        assert_eq!(en, "Salsa 3 is online.");
        for lang in ["es", "pt-BR"] {
            let text = notice_text(lang, NoticeKind::SessionOnline, Some("Salsa 3"));
            assert!(text.contains("Salsa 3") && text != en, "{lang}: {text}");
        }
        let untitled = notice_text("es", NoticeKind::SessionOnline, None);
        assert!(
            !untitled.contains("untitled") && !untitled.is_empty(),
            "{untitled}"
        );
    }
}
