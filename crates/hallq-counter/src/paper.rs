//! The papers a counter hands over (issue 16 §2–§3): the complaint receipt (《投诉受理回执》)
//! when the clerk opens a complaint, and the list of documents still needed (《补充材料清单》)
//! when a service ends with "needs more documents". Both come from hallq-print; this module
//! says what the terminal knew when it sent the command ([`ToPrint`], from
//! [`Desk::to_print`](crate::Desk::to_print)), completes it with the hub's reply (the case
//! number and due times, the time served) and prints it on the counter's printer
//! ([`Papers`], from the firmware profile's `[printer]`).
//!
//! The command comes first and the paper after: the case is opened (or the service finished)
//! whatever the printer does, and a paper that does not print is told to the clerk
//! ([`Input::Printed`]), who can hand the customer the case number by hand.

use std::sync::Arc;

use hallq_client::DeviceClient;
use hallq_print::documents::DocumentList;
use hallq_print::receipt::{ComplaintReceipt, Opened};
use hallq_print::{Layout, Printer};
use hallq_proto::{Command, Lang, LocalText, Reply, ReplyBody};

use crate::controller::Input;
use crate::feed::answer;

/// What the terminal knew of a paper when it sent the command that makes it.
#[derive(Debug, Clone, PartialEq)]
pub enum ToPrint {
    /// The complaint receipt, for the answer to a `complaint_open`.
    Receipt {
        /// What was sent: channel, category, business, summary, whether a number was left.
        opened: Opened,
        /// The hall's name, at the top.
        hall: LocalText,
    },
    /// The list of documents still needed, for the answer to a `finish` with `missing`; its
    /// time is the reply's.
    Documents(DocumentList),
}

/// A paper ready to print.
#[derive(Debug, Clone, PartialEq)]
pub enum Paper {
    /// 《投诉受理回执》.
    Receipt(ComplaintReceipt),
    /// 《补充材料清单》.
    Documents(DocumentList),
}

impl ToPrint {
    /// The paper for the hub's `reply`, the hall `utc_offset_min` from UTC; `None` for a
    /// refusal (nothing is printed for a case that was not opened or a service not finished).
    pub fn paper(self, reply: &Reply, utc_offset_min: i32) -> Option<Paper> {
        match self {
            Self::Receipt { opened, hall } => {
                ComplaintReceipt::new(reply, opened, hall, utc_offset_min, Lang::Zh)
                    .map(Paper::Receipt)
            }
            Self::Documents(mut list) => {
                let ReplyBody::Ok(_) = &reply.body else {
                    return None;
                };
                list.at = reply.at_ms;
                list.utc_offset_min = utc_offset_min;
                Some(Paper::Documents(list))
            }
        }
    }
}

impl Paper {
    /// The paper's ESC/POS bytes for `layout`.
    pub fn encode(&self, layout: &Layout) -> Vec<u8> {
        match self {
            Self::Receipt(r) => hallq_print::receipt::encode(r, layout),
            Self::Documents(d) => hallq_print::documents::encode(d, layout),
        }
    }

    /// The paper's title, for the clerk's line.
    pub fn title(&self) -> LocalText {
        match self {
            Self::Receipt(_) => ComplaintReceipt::title(),
            Self::Documents(_) => DocumentList::title(),
        }
    }
}

/// The counter's printer: where the papers go and how they are laid out.
#[derive(Debug, Clone)]
pub struct Papers {
    /// Where: `tcp://…`, `device:…` or `file:…`.
    pub printer: Printer,
    /// The profile's paper width, code page and cutter.
    pub layout: Layout,
    /// The hall's offset from UTC, to print the hub's times as the hall's wall clock.
    pub utc_offset_min: i32,
}

impl Papers {
    /// Prints the paper `what` becomes with `reply` (blocking IO: call it off the runtime's
    /// threads). `None` when the reply makes no paper; otherwise whether it printed, a failure
    /// as the line the clerk reads.
    pub fn print(&self, what: ToPrint, reply: &Reply) -> Option<Result<(), LocalText>> {
        let paper = what.paper(reply, self.utc_offset_min)?;
        Some(
            self.printer
                .print(&paper.encode(&self.layout))
                .map_err(|e| not_printed(&paper.title(), &e.message())),
        )
    }
}

/// The clerk's line for a paper that did not print: which paper, why, and that what the
/// command did stands.
pub fn not_printed(title: &LocalText, why: &LocalText) -> LocalText {
    LocalText::new(
        format!(
            "《{}》未能打印：{}（已登记，不受影响；请检查打印机或手写告知客户）",
            title.zh, why.zh
        ),
        format!(
            "The {} did not print: {} (what was done stands; check the printer or write it down for the customer)",
            title.en.to_lowercase(),
            why.en.trim_end_matches('.')
        ),
    )
}

/// Sends `cmd` as the terminal does and returns what the desk must learn, in order: the
/// hub's answer, then, when `print` is given and the answer makes a paper, whether it printed.
pub async fn send(
    client: &DeviceClient,
    cmd: Command,
    print: Option<(Arc<Papers>, ToPrint)>,
) -> Vec<Input> {
    let (reply, printed) = send_printing(client, cmd, print).await;
    let mut inputs = vec![answer(reply)];
    inputs.extend(printed.map(Input::Printed));
    inputs
}

/// Sends `cmd` and, when `print` is given and the hub's answer makes a paper, prints it:
/// the answer, and whether the paper printed (the greeter's handheld, whose answers are not
/// the desk's).
pub async fn send_printing(
    client: &DeviceClient,
    cmd: Command,
    print: Option<(Arc<Papers>, ToPrint)>,
) -> (
    Result<Reply, hallq_client::ClientError>,
    Option<Result<(), LocalText>>,
) {
    let reply = client.send(cmd).await;
    let mut printed = None;
    if let (Ok(r), Some((papers, what))) = (&reply, print) {
        let r = r.clone();
        printed = match tokio::task::spawn_blocking(move || papers.print(what, &r)).await {
            Ok(result) => result,
            Err(_) => Some(Err(not_printed(
                &LocalText::new("小票", "paper"),
                &LocalText::new("打印任务中断", "the print job stopped"),
            ))),
        };
    }
    (reply, printed)
}
