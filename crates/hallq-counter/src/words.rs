//! Chinese words kept whole where a long name wraps.
//!
//! Slint may break Chinese between any two characters: the example hall's
//! 基础业务（套餐变更、话费充值） wrapped on the counter's side card as "…话/费充值）" (issue 13
//! §1.11). The kiosk's view joins each word's characters with U+2060 WORD JOINER for its offer
//! text; the counter's queue names (terminal and supervisor's console) are joined the same way.

/// The longest word kept whole: a longer run (no dictionary word) may break anywhere, as it
/// must to fit a line at all.
const WORD_MAX_CHARS: usize = 6;

/// `text` with the characters of each Chinese word joined by U+2060 WORD JOINER, so that a
/// wrapped line breaks between words. The words are ICU's dictionary's, and a run of characters
/// it leaves single (it does not know 话费充值: "phone-bill top-up") is taken as one word.
/// English already breaks at its spaces.
pub fn keep_words(text: &str) -> String {
    let segmenter = icu_segmenter::WordSegmenter::new_dictionary(
        icu_segmenter::options::WordBreakInvariantOptions::default(),
    );
    let breaks: Vec<usize> = segmenter.segment_str(text).collect();
    let mut words: Vec<String> = Vec::new();
    let mut single = String::new();
    for pair in breaks.windows(2) {
        let word = &text[pair[0]..pair[1]];
        let mut chars = word.chars();
        if let (Some(c), None) = (chars.next(), chars.next())
            && is_han(c)
        {
            single.push(c);
            continue;
        }
        if !single.is_empty() {
            words.push(std::mem::take(&mut single));
        }
        words.push(word.to_owned());
    }
    if !single.is_empty() {
        words.push(single);
    }
    let mut out = String::with_capacity(text.len() * 2);
    for word in &words {
        let glue = word.chars().count() <= WORD_MAX_CHARS;
        let mut chars = word.chars().peekable();
        while let Some(c) = chars.next() {
            out.push(c);
            if glue && chars.peek().is_some_and(|&n| is_han(c) && is_han(n)) {
                out.push('\u{2060}');
            }
        }
    }
    out
}

/// A Chinese character (the CJK Unified Ideographs and their Extension A).
fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

#[cfg(test)]
mod tests {
    use super::keep_words;

    #[test]
    fn the_example_halls_names_keep_their_words_and_their_text() {
        let name = "基础业务（套餐变更、话费充值）";
        let kept = keep_words(name);
        assert_eq!(kept.replace('\u{2060}', ""), name);
        assert!(kept.contains("话\u{2060}费"), "{kept:?}");
        assert!(!kept.contains("（\u{2060}"), "{kept:?}");
        assert_eq!(
            keep_words("Basic services (plan change, top-up)"),
            "Basic services (plan change, top-up)"
        );
    }
}
