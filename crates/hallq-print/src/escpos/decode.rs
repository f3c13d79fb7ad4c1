//! ESC/POS bytes back to typed operations: an interpreter of what [`super::encode`] emits.
//!
//! Text runs are decoded in the code page in force: GB18030 in Chinese mode (`FS &`), code
//! page 437 otherwise. Other commands whose length is known are stepped over whole as
//! [`Op::Unknown`], so one command this crate never sends does not turn the rest into garbage;
//! a command cut off by the end of the bytes is an error.

use crate::compose::Align;
use crate::escpos::{DLE, ESC, FS, GS, LF, Op, QrEcc};
use crate::layout::CodePage;

/// Bytes that are not a complete ESC/POS stream.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The bytes end in the middle of a command.
    #[error(
        "打印数据在第 {offset} 字节处截断（{command}）/ the print data ends inside {command} at byte {offset}"
    )]
    Truncated {
        /// Where the cut-off command starts.
        offset: usize,
        /// Which command, as its mnemonic.
        command: &'static str,
    },
}

/// The QR code being built by `GS ( k` functions 165–180, printed by function 181.
#[derive(Debug)]
struct QrState {
    module: u8,
    ecc: QrEcc,
    data: Option<Vec<u8>>,
}

/// Reads `bytes` as ESC/POS, in order. The QR set-up functions of `GS ( k` (model, size, error
/// correction, store) give no op of their own: the print function gives one [`Op::Qr`] with
/// everything that was set.
pub fn decode(bytes: &[u8]) -> Result<Vec<Op>, DecodeError> {
    let mut ops = Vec::new();
    let mut chinese = false;
    let mut qr = QrState {
        module: 3,
        ecc: QrEcc::L,
        data: None,
    };
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let b = bytes[i];
        if b >= 0x20 && b != 0x7F {
            while i < bytes.len() && bytes[i] >= 0x20 && bytes[i] != 0x7F {
                i += 1;
            }
            let code_page = if chinese {
                CodePage::Gb18030
            } else {
                CodePage::Cp437
            };
            ops.push(Op::Text(code_page.decode(&bytes[start..i])));
            continue;
        }
        let take = |n: usize, command: &'static str| -> Result<&[u8], DecodeError> {
            bytes.get(start..start + n).ok_or(DecodeError::Truncated {
                offset: start,
                command,
            })
        };
        let (op, len) = match b {
            LF => (Op::LineFeed, 1),
            ESC => {
                let cmd = take(2, "ESC")?[1];
                match cmd {
                    b'@' => (Op::Init, 2),
                    b't' => (Op::CodeTable(take(3, "ESC t")?[2]), 3),
                    b'a' => (Op::Align(align(take(3, "ESC a")?[2])), 3),
                    b'E' => (Op::Bold(take(3, "ESC E")?[2] & 1 == 1), 3),
                    b'd' => (Op::Feed(take(3, "ESC d")?[2]), 3),
                    b'*' => {
                        let head = take(5, "ESC *")?;
                        let columns = usize::from(head[3]) + 256 * usize::from(head[4]);
                        let per_column = if head[2] >= 32 { 3 } else { 1 };
                        unknown(take(5 + columns * per_column, "ESC *")?)
                    }
                    _ => unknown(take(2 + esc_params(cmd), "ESC")?),
                }
            }
            GS => {
                let cmd = take(2, "GS")?[1];
                match cmd {
                    b'!' => {
                        let n = take(3, "GS !")?[2];
                        (
                            Op::Size {
                                w: (n >> 4 & 7) + 1,
                                h: (n & 7) + 1,
                            },
                            3,
                        )
                    }
                    b'B' => (Op::Reverse(take(3, "GS B")?[2] & 1 == 1), 3),
                    b'V' => {
                        let m = take(3, "GS V")?[2];
                        match m {
                            0 | 48 => (
                                Op::Cut {
                                    partial: false,
                                    feed: 0,
                                },
                                3,
                            ),
                            1 | 49 => (
                                Op::Cut {
                                    partial: true,
                                    feed: 0,
                                },
                                3,
                            ),
                            _ => {
                                let feed = take(4, "GS V")?[3];
                                let partial = m % 2 == 0;
                                (Op::Cut { partial, feed }, 4)
                            }
                        }
                    }
                    b'(' => {
                        let head = take(5, "GS (")?;
                        let n = usize::from(head[3]) + 256 * usize::from(head[4]);
                        let all = take(5 + n, "GS (")?;
                        let step = if head[2] == b'k' {
                            qr.apply(&all[5..])
                        } else {
                            QrStep::Other
                        };
                        match step {
                            QrStep::Set => {
                                i = start + 5 + n;
                                continue;
                            }
                            QrStep::Print(op) => (op, 5 + n),
                            QrStep::Other => unknown(all),
                        }
                    }
                    b'v' => {
                        let head = take(8, "GS v 0")?;
                        let w = usize::from(head[4]) + 256 * usize::from(head[5]);
                        let h = usize::from(head[6]) + 256 * usize::from(head[7]);
                        unknown(take(8 + w * h, "GS v 0")?)
                    }
                    b'k' => {
                        let m = take(3, "GS k")?[2];
                        if m >= 65 {
                            let n = usize::from(take(4, "GS k")?[3]);
                            unknown(take(4 + n, "GS k")?)
                        } else {
                            let end = bytes[start + 3..].iter().position(|&b| b == 0).ok_or(
                                DecodeError::Truncated {
                                    offset: start,
                                    command: "GS k",
                                },
                            )?;
                            unknown(take(3 + end + 1, "GS k")?)
                        }
                    }
                    _ => unknown(take(2 + gs_params(cmd), "GS")?),
                }
            }
            FS => {
                let cmd = take(2, "FS")?[1];
                match cmd {
                    b'&' => {
                        chinese = true;
                        (Op::ChineseMode(true), 2)
                    }
                    b'.' => {
                        chinese = false;
                        (Op::ChineseMode(false), 2)
                    }
                    b'(' => {
                        let head = take(5, "FS (")?;
                        let n = usize::from(head[3]) + 256 * usize::from(head[4]);
                        unknown(take(5 + n, "FS (")?)
                    }
                    b'!' | b'-' | b'C' | b'W' => unknown(take(3, "FS")?),
                    b'S' | b'p' => unknown(take(4, "FS")?),
                    _ => unknown(take(2, "FS")?),
                }
            }
            DLE => {
                let cmd = take(2, "DLE")?[1];
                let n = match cmd {
                    0x04 | 0x05 => 3,
                    0x14 => 5,
                    _ => 2,
                };
                unknown(take(n, "DLE")?)
            }
            _ => (Op::Unknown(vec![b]), 1),
        };
        ops.push(op);
        i = start + len;
    }
    Ok(ops)
}

fn unknown(bytes: &[u8]) -> (Op, usize) {
    (Op::Unknown(bytes.to_vec()), bytes.len())
}

fn align(n: u8) -> Align {
    match n {
        1 | 49 => Align::Center,
        2 | 50 => Align::Right,
        _ => Align::Left,
    }
}

/// Parameter bytes of the fixed-length `ESC` commands (0 for those without, or unknown).
fn esc_params(cmd: u8) -> usize {
    match cmd {
        b'!' | b'-' | b'3' | b'E' | b'G' | b'J' | b'M' | b'R' | b'U' | b'V' | b'a' | b'd'
        | b'e' | b't' | b'{' | b'r' | b' ' | b'=' | b'%' | b'K' => 1,
        b'$' | b'\\' | b'c' => 2,
        b'p' => 3,
        _ => 0,
    }
}

/// Parameter bytes of the fixed-length `GS` commands (0 for those without, or unknown).
fn gs_params(cmd: u8) -> usize {
    match cmd {
        b'H' | b'h' | b'w' | b'f' | b'a' | b'r' | b'I' | b'b' | b'E' => 1,
        b'L' | b'W' | b'$' | b'P' | b'\\' => 2,
        _ => 0,
    }
}

/// What one `GS ( k` function did.
#[derive(Debug)]
enum QrStep {
    /// It set the model, module size, error correction or payload: nothing printed yet.
    Set,
    /// It printed the stored code.
    Print(Op),
    /// Not a QR function this interpreter knows (another symbology, or a print with no payload).
    Other,
}

impl QrState {
    /// Applies one `GS ( k` body: cn, fn, parameters.
    fn apply(&mut self, body: &[u8]) -> QrStep {
        let [49, function, params @ ..] = body else {
            return QrStep::Other;
        };
        match (function, params) {
            (65, _) => QrStep::Set,
            (67, [module, ..]) => {
                self.module = *module;
                QrStep::Set
            }
            (69, [ecc, ..]) => {
                self.ecc = QrEcc::from_byte(*ecc);
                QrStep::Set
            }
            (80, [_, data @ ..]) => {
                self.data = Some(data.to_vec());
                QrStep::Set
            }
            (81, _) => match &self.data {
                Some(data) => QrStep::Print(Op::Qr {
                    data: String::from_utf8_lossy(data).into_owned(),
                    module: self.module,
                    ecc: self.ecc,
                }),
                None => QrStep::Other,
            },
            _ => QrStep::Other,
        }
    }
}

/// The text runs of decoded `ops`, in order: what a reader of the paper would read.
pub fn texts(ops: &[Op]) -> Vec<&str> {
    ops.iter()
        .filter_map(|op| match op {
            Op::Text(t) => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::escpos::encode;
    use crate::layout::{Layout, PaperWidth};
    use crate::slip::example;
    use hallq_proto::vocab::Lang;

    #[test]
    fn an_encoded_ticket_reads_back_with_its_content() {
        let ops = decode(&encode(&example(Lang::Zh), &Layout::new(PaperWidth::Mm80))).unwrap();
        assert_eq!(
            ops[..3],
            [Op::Init, Op::ChineseMode(true), Op::CodeTable(0)]
        );
        let number = ops
            .iter()
            .position(|op| *op == Op::Text("A012".into()))
            .unwrap();
        assert!(ops[..number].contains(&Op::Size { w: 6, h: 6 }));
        let texts = texts(&ops);
        assert!(
            texts.contains(&"套餐变更") && texts.contains(&"您前面还有 5 人"),
            "{texts:?}"
        );
        assert!(ops.contains(&Op::Qr {
            data: "20261123-0042".into(),
            module: 8,
            ecc: QrEcc::M
        }));
        assert_eq!(
            ops.last(),
            Some(&Op::Cut {
                partial: true,
                feed: 16
            })
        );
        assert!(
            !ops.iter().any(|op| matches!(op, Op::Unknown(_))),
            "{ops:?}"
        );
    }

    #[test]
    fn unknown_commands_are_stepped_over_whole() {
        let mut bytes = vec![ESC, b'!', 0x38, GS, b'v', b'0', 0, 1, 0, 2, 0, 0xAA, 0xBB];
        bytes.extend_from_slice(&[GS, b'(', b'L', 2, 0, 48, 69, 0x0D]);
        bytes.extend_from_slice(b"hi");
        bytes.extend_from_slice(&[DLE, 0x04, 1, LF]);
        let ops = decode(&bytes).unwrap();
        assert_eq!(
            ops,
            [
                Op::Unknown(vec![ESC, b'!', 0x38]),
                Op::Unknown(vec![GS, b'v', b'0', 0, 1, 0, 2, 0, 0xAA, 0xBB]),
                Op::Unknown(vec![GS, b'(', b'L', 2, 0, 48, 69]),
                Op::Unknown(vec![0x0D]),
                Op::Text("hi".into()),
                Op::Unknown(vec![DLE, 0x04, 1]),
                Op::LineFeed,
            ]
        );
    }

    #[test]
    fn text_follows_the_mode_it_was_sent_in() {
        let mut bytes = vec![FS, b'&'];
        bytes.extend(CodePage::Gb18030.encode("号"));
        bytes.extend_from_slice(&[FS, b'.', 0x82]);
        let ops = decode(&bytes).unwrap();
        assert_eq!(texts(&ops), ["号", "é"]);
    }

    #[test]
    fn a_command_cut_short_is_an_error_not_a_panic() {
        for bytes in [
            &[ESC][..],
            &[ESC, b'a'],
            &[GS, b'!'],
            &[GS, b'(', b'k', 10, 0, 49, 80, 48],
            &[GS, b'k', 4, b'1', b'2'],
        ] {
            let err = decode(bytes).unwrap_err();
            assert!(
                matches!(err, DecodeError::Truncated { offset: 0, .. }),
                "{bytes:?}"
            );
        }
        let err = decode(&[LF, GS, b'V', 66]).unwrap_err();
        assert_eq!(
            err,
            DecodeError::Truncated {
                offset: 1,
                command: "GS V"
            }
        );
        assert!(err.to_string().contains("截断") && err.to_string().contains("GS V"));
    }

    #[test]
    fn a_qr_print_without_a_stored_payload_is_unknown() {
        let bytes = [GS, b'(', b'k', 3, 0, 49, 81, 48];
        assert_eq!(decode(&bytes).unwrap(), [Op::Unknown(bytes.to_vec())]);
    }
}
