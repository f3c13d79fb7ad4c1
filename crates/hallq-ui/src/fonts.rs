//! Whether Chinese can be drawn. The apps call [`check_cjk`] at start and log its message when
//! no font is found; they still start, so the hall sees a screen (with English) rather than
//! nothing.

use std::path::PathBuf;

/// The CJK font the apps will draw with, or a message in Chinese and English that says what to
/// install.
pub fn check_cjk() -> Result<PathBuf, String> {
    match hallq_print::render::CjkFont::find() {
        Ok(font) => Ok(font.path().to_owned()),
        Err(e) => Err(format!(
            "未找到中文字体，屏幕上的中文将无法显示：请安装 fonts-wqy-microhei。\
             No CJK font found: Chinese text will not show on screen. Install fonts-wqy-microhei \
             (Debian) or another CJK font. ({e})"
        )),
    }
}
