//! Printed width and line wrapping.
//!
//! A thermal printer wraps by itself when a line is full, in the middle of a word. The ticket
//! wraps before it does: English between words, Chinese between any two characters, and never
//! with closing punctuation (`，。）`) at the start of a line or opening punctuation (`（《`) at
//! the end. Width is counted in font A columns as [`CodePage::char_width`] says.

use crate::layout::CodePage;

/// The width of `text` in font A columns.
pub fn width(text: &str, code_page: CodePage) -> usize {
    text.chars().map(|c| code_page.char_width(c)).sum()
}

/// Characters that may break a line before and after them: CJK ideographs, kana, hangul and
/// full-width forms.
fn breaks_anywhere(c: char) -> bool {
    matches!(u32::from(c),
        0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F
        | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
}

/// Punctuation that must not start a line: it stays with what comes before.
fn is_closing(c: char) -> bool {
    "，。、；：！？）》」』】〕…％,.;:!?)]}%".contains(c)
}

/// Punctuation that must not end a line: it goes with what comes after.
fn is_opening(c: char) -> bool {
    "（《「『【〔([{".contains(c)
}

/// A piece of text that is never broken (unless it is wider than a whole line).
#[derive(Debug)]
struct Unit {
    text: String,
    /// Whether a space separated it from the unit before; the space is dropped at a line break.
    space_before: bool,
    /// Whether it ends in a letter or digit, so that a following letter or digit extends it.
    word: bool,
    /// Whether it ends in opening punctuation, so that whatever follows extends it.
    glue: bool,
}

fn units(text: &str) -> Vec<Unit> {
    let mut units: Vec<Unit> = Vec::new();
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        let cjk = breaks_anywhere(c) && !is_closing(c) && !is_opening(c);
        let join = match units.last() {
            Some(u) if !space => u.glue || is_closing(c) || (u.word && !cjk && !is_opening(c)),
            _ => false,
        };
        match units.last_mut() {
            Some(u) if join => {
                u.text.push(c);
                u.word = !cjk && !is_closing(c);
                u.glue = is_opening(c);
            }
            _ => {
                let space_before = space && !units.is_empty();
                units.push(Unit {
                    text: c.to_string(),
                    space_before,
                    word: !cjk && !is_opening(c),
                    glue: is_opening(c),
                });
            }
        }
        space = false;
    }
    units
}

/// `text` as lines of at most `columns` columns. Every line is non-empty; empty text gives no
/// lines. A word wider than a whole line is cut wherever it must be.
pub fn wrap(text: &str, columns: usize, code_page: CodePage) -> Vec<String> {
    let columns = columns.max(2);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for unit in units(text) {
        let w = width(&unit.text, code_page);
        let sep = usize::from(unit.space_before && used > 0);
        if used > 0 && used + sep + w > columns {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        if used > 0 && unit.space_before {
            line.push(' ');
            used += 1;
        }
        for c in unit.text.chars() {
            let cw = code_page.char_width(c);
            if used + cw > columns {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            line.push(c);
            used += cw;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    const GB: CodePage = CodePage::Gb18030;

    #[test]
    fn chinese_counts_double_and_ascii_single() {
        assert_eq!(width("A012", GB), 4);
        assert_eq!(width("套餐变更", GB), 8);
        assert_eq!(width("约 15 分钟", GB), 10);
    }

    #[test]
    fn chinese_wraps_between_characters_at_half_the_columns() {
        let text = "请携带本人有效身份证件原件以及需要办理业务的手机号码和服务密码";
        let lines = wrap(text, 32, GB);
        assert_eq!(lines[0].chars().count(), 16);
        assert_eq!(lines.concat(), text);
        assert!(lines.iter().all(|l| width(l, GB) <= 32));
    }

    #[test]
    fn english_wraps_between_words() {
        let lines = wrap(
            "Please listen for your number; if you miss it, ask staff.",
            32,
            GB,
        );
        assert_eq!(
            lines,
            [
                "Please listen for your number;",
                "if you miss it, ask staff."
            ]
        );
    }

    #[test]
    fn closing_punctuation_never_starts_a_line() {
        // 16 characters fill the 32 columns, so "，" would start line two if it were split off.
        let text = "一二三四五六七八九十一二三四五六，七八";
        let lines = wrap(text, 32, GB);
        assert!(!lines[1].starts_with('，'), "{lines:?}");
        assert!(lines.iter().all(|l| width(l, GB) <= 32), "{lines:?}");
        let lines = wrap("一二三四五六七八九十一二三四五（六）", 32, GB);
        assert!(!lines[0].ends_with('（'), "{lines:?}");
    }

    #[test]
    fn mixed_text_breaks_between_chinese_and_words() {
        let lines = wrap("您前面还有 12 人等候 12 people ahead of you", 24, GB);
        assert!(lines.iter().all(|l| width(l, GB) <= 24), "{lines:?}");
        assert_eq!(
            lines.join(" "),
            "您前面还有 12 人等候 12 people ahead of you"
        );
    }

    #[test]
    fn a_word_longer_than_the_line_is_cut_not_overflowed() {
        let lines = wrap("x 20261123-0042-20261123-0042-20261123", 16, GB);
        assert!(lines.iter().all(|l| width(l, GB) <= 16), "{lines:?}");
        assert_eq!(
            lines.concat().replace(' ', ""),
            "x20261123-0042-20261123-0042-20261123"
        );
    }

    #[test]
    fn empty_text_gives_no_lines() {
        assert!(wrap("", 32, GB).is_empty());
        assert!(wrap("   ", 32, GB).is_empty());
    }
}
