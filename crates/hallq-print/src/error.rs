//! The one error of the printing layer. Its text is what the kiosk shows a customer or a clerk,
//! Chinese first and then English; [`PrintError::message`] gives the two apart for the screen.

use std::io;

use hallq_proto::LocalText;

/// Why a ticket could not be laid out, printed or previewed.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// The profile names a code page this crate cannot encode.
    #[error(
        "未知的代码页 {0:?}，支持 gb18030、cp437 / unknown code page {0:?}: supported are gb18030, cp437"
    )]
    UnknownCodePage(String),
    /// The profile names a paper roll there is no layout for.
    #[error(
        "不支持的纸宽 {0} 毫米，支持 58、80 / unsupported paper width {0} mm: supported are 58, 80"
    )]
    UnknownPaperWidth(u32),
    /// A printer address that is not `tcp://IP:PORT`, `device:PATH` or `file:PATH`.
    #[error(
        "打印机地址无效 {0:?}，应为 tcp://IP:端口、device:路径 或 file:路径 / invalid printer address {0:?}: expected tcp://IP:PORT, device:PATH or file:PATH"
    )]
    InvalidTarget(String),
    /// The printer did not accept a connection in time, or refused it.
    #[error("打印机无响应 / printer not responding: {target}: {source}")]
    NotResponding {
        /// The printer, as configured.
        target: String,
        /// What the socket said.
        source: io::Error,
    },
    /// The device node or file could not be opened for writing.
    #[error("无法打开打印机 / cannot open the printer: {target}: {source}")]
    Open {
        /// The printer, as configured.
        target: String,
        /// What the system said.
        source: io::Error,
    },
    /// The connection or device broke while the ticket was being sent.
    #[error("打印数据发送失败 / sending to the printer failed: {target}: {source}")]
    Write {
        /// The printer, as configured.
        target: String,
        /// What the system said.
        source: io::Error,
    },
    /// The printer's paper sensor reports the roll is empty.
    #[error("打印机缺纸，请联系工作人员 / the printer is out of paper; please ask staff")]
    PaperOut,
    /// None of the known CJK font files is installed, so no preview can be drawn.
    #[error(
        "未找到中文字体：请安装 fonts-wqy-microhei / no CJK font found: install fonts-wqy-microhei"
    )]
    NoCjkFont,
    /// A font file exists but could not be read or parsed.
    #[error("字体文件无法读取 / cannot read the font {path}: {reason}")]
    Font {
        /// The font file.
        path: String,
        /// Why it was refused.
        reason: String,
    },
    /// The preview raster could not be written as PNG.
    #[error("预览图生成失败 / cannot write the preview PNG: {0}")]
    Png(String),
}

impl PrintError {
    /// What a person sees, in both languages, without the technical detail that follows the
    /// message in `Display` (the detail is for the log).
    pub fn message(&self) -> LocalText {
        let (zh, en) = match self {
            Self::UnknownCodePage(_) => (
                "打印机代码页配置错误",
                "The printer's code page is misconfigured.",
            ),
            Self::UnknownPaperWidth(_) => (
                "打印机纸宽配置错误",
                "The printer's paper width is misconfigured.",
            ),
            Self::InvalidTarget(_) => (
                "打印机地址配置错误",
                "The printer's address is misconfigured.",
            ),
            Self::NotResponding { .. } => ("打印机无响应", "The printer is not responding."),
            Self::Open { .. } => ("无法打开打印机", "Cannot open the printer."),
            Self::Write { .. } => ("打印数据发送失败", "Sending to the printer failed."),
            Self::PaperOut => (
                "打印机缺纸，请联系工作人员",
                "The printer is out of paper; please ask staff.",
            ),
            Self::NoCjkFont => ("未找到中文字体", "No CJK font found."),
            Self::Font { .. } => ("字体文件无法读取", "Cannot read the font."),
            Self::Png(_) => ("预览图生成失败", "Cannot write the preview."),
        };
        LocalText::new(zh, en)
    }
}
