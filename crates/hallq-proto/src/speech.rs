//! The words of a voice call. The display speaks them; the board shows them.

use crate::ids::{CounterNo, TicketNo};
use crate::vocab::LocalText;

/// The call announcement: "请 A012 号到 3 号窗口办理" and its English.
pub fn call(number: &TicketNo, counter: CounterNo) -> LocalText {
    LocalText::new(
        format!("请 {number} 号到 {counter} 号窗口办理"),
        format!("Number {number}, please go to counter {counter}."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_reads_as_the_hall_announces_it() {
        let t = call(&TicketNo::format("A", 12), CounterNo(3));
        assert_eq!(t.zh, "请 A012 号到 3 号窗口办理");
        assert_eq!(t.en, "Number A012, please go to counter 3.");
    }
}
