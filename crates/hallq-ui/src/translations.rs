//! Checks that a view is translated: every `@tr("…")` text of its `.slint` files has a
//! non-empty `msgstr` in its `.po` file. Slint falls back to the source text when one is
//! missing, which on a Chinese-first kiosk would be an English sentence among Chinese ones.

use std::collections::BTreeSet;

/// The texts marked `@tr("…")` in `slint` source (escaped quotes kept as written).
pub fn marked(slint: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = slint;
    while let Some(at) = rest.find("@tr(\"") {
        rest = &rest[at + 5..];
        if let Some(end) = closing_quote(rest) {
            out.insert(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    out
}

/// The `msgid`s of `po` whose `msgstr` is not empty.
pub fn translated(po: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut id: Option<String> = None;
    for line in po.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("msgid \"") {
            id = rest.strip_suffix('"').map(str::to_owned);
        } else if let Some(rest) = line.strip_prefix("msgstr \"") {
            let text = rest.strip_suffix('"').unwrap_or_default();
            if let Some(id) = id.take().filter(|i| !i.is_empty() && !text.is_empty()) {
                out.insert(id);
            }
        }
    }
    out
}

/// The texts of `slint` sources with no translation in `po`.
pub fn missing<'a>(slint: impl IntoIterator<Item = &'a str>, po: &str) -> Vec<String> {
    let done = translated(po);
    let mut all = BTreeSet::new();
    for source in slint {
        all.extend(marked(source));
    }
    all.into_iter().filter(|t| !done.contains(t)).collect()
}

/// Where the string that starts `s` ends: the first `"` not escaped by a backslash.
fn closing_quote(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(i),
            _ => escaped = false,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_without_msgstr_is_missing() {
        let slint = r#"Text { text: @tr("Back"); } Text { text: @tr("{} waiting", n); }
                       Text { text: @tr("Say \"hi\""); }"#;
        let po = "msgid \"\"\nmsgstr \"\"\n\nmsgid \"Back\"\nmsgstr \"返回\"\n\n\
                  msgid \"{} waiting\"\nmsgstr \"\"\n";
        assert_eq!(
            missing([slint], po),
            vec![r#"Say \"hi\""#.to_owned(), "{} waiting".to_owned()]
        );
    }
}
