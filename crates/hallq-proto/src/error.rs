//! Stable error codes and the words a person sees for each, in Chinese and English.
//!
//! A kiosk or a counter shows [`ErrorCode::message`]; logs and reports use the code. Codes are
//! part of the contract: they are never renamed, only added.

use serde::{Deserialize, Serialize};

use crate::vocab::LocalText;

/// Why the hub refused a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum ErrorCode {
    // Decoding and identity.
    Malformed,
    UnsupportedVersion,
    TooLarge,
    BadDelivery,
    UnknownKind,
    InvalidField,
    UnknownDevice,
    DeviceMismatch,
    Forbidden,
    RateLimited,
    PhoneLimit,
    WrongPin,
    PinLocked,
    StaffNotConfigured,
    // Hall and configuration.
    HallClosed,
    UnknownBusiness,
    UnknownCounter,
    UnknownTicket,
    UnknownVisit,
    UnknownComplaint,
    NoCallbackOwed,
    UnknownGreenChannel,
    NumbersExhausted,
    // Counter state.
    NotSignedIn,
    AlreadySignedIn,
    CounterClosed,
    CounterPaused,
    CounterBusy,
    NotCalling,
    NotServing,
    NothingWaiting,
    NotInSkills,
    NoShowTooEarly,
    TicketNotWaiting,
    TicketNotSkipped,
    NothingToRate,
    // The hub itself.
    Internal,
    // Appointments' check-in (issue 15 §3).
    BookingOff,
    BadBookingCode,
    UnknownBooking,
    BookingNotToday,
    BookingTooEarly,
    BookingCheckedIn,
    BookingCancelled,
    // Service-standard inspections.
    UnknownChecklist,
    ChecklistIncomplete,
    UnknownCorrection,
    // Complaints' written results (issue 16 §2).
    NoUndeliveredResult,
    ContactPurged,
}

impl ErrorCode {
    /// What a person sees: Chinese first, then English.
    pub fn message(self) -> LocalText {
        let (zh, en) = match self {
            Self::Malformed => (
                "指令格式错误",
                "The command is not valid JSON of the hallq contract.",
            ),
            Self::UnsupportedVersion => (
                "指令版本不受支持，请升级设备程序",
                "Unsupported schema version; please update the device software.",
            ),
            Self::TooLarge => ("指令过大", "The command is too large."),
            Self::BadDelivery => (
                "指令须以 QoS 1 发送且不得保留，请升级设备程序",
                "Commands are sent with QoS 1 and never retained; please update the device software.",
            ),
            Self::UnknownKind => ("未知的指令类型", "Unknown command kind."),
            Self::InvalidField => ("指令中有无效的内容", "A field of the command is invalid."),
            Self::UnknownDevice => (
                "设备未登记，请联系工作人员",
                "This device is not registered; please ask staff.",
            ),
            Self::DeviceMismatch => (
                "设备身份不符",
                "The command names another device than the one that sent it.",
            ),
            Self::Forbidden => ("此设备无权执行该操作", "This device may not do that."),
            Self::RateLimited => (
                "操作过于频繁，请稍后再试",
                "Too many requests; please try again shortly.",
            ),
            Self::PhoneLimit => (
                "该手机号今日取号次数已达上限，可不留手机号取号",
                "This mobile number has had today's tickets; take one without a number.",
            ),
            Self::WrongPin => ("工号或密码错误", "Wrong staff number or PIN."),
            Self::PinLocked => (
                "密码错误次数过多，请 15 分钟后再试或联系值班主管",
                "Too many wrong PINs; try again in 15 minutes or ask the duty supervisor.",
            ),
            Self::StaffNotConfigured => (
                "本营业厅尚未配置员工名单，无法签到，请联系管理员",
                "This hall has no staff list yet: nobody can sign in. Please ask the administrator.",
            ),
            Self::UnknownGreenChannel => (
                "绿色通道码或会员码无效，请联系工作人员",
                "This green-channel or membership code is not valid; please ask staff.",
            ),
            Self::HallClosed => ("营业厅已停止取号", "The hall is not issuing tickets now."),
            Self::UnknownBusiness => ("未知的业务类型", "Unknown business type."),
            Self::UnknownCounter => ("未知的窗口", "Unknown counter."),
            Self::UnknownTicket => ("找不到该号码", "No such ticket today."),
            Self::UnknownVisit => ("找不到该客户到访记录", "No such visit."),
            Self::UnknownComplaint => ("找不到该投诉", "No such complaint."),
            Self::NoCallbackOwed => (
                "该访客没有待回电的咨询",
                "No call-back is owed for this visit.",
            ),
            Self::NumbersExhausted => (
                "今日该业务号码已用完，请联系工作人员",
                "No numbers left for this business today; please ask staff.",
            ),
            Self::NotSignedIn => ("请先签到", "Please sign in first."),
            Self::AlreadySignedIn => (
                "该窗口已有员工签到",
                "Another staff member is signed in at this counter.",
            ),
            Self::CounterClosed => ("窗口未开放", "The counter is closed."),
            Self::CounterPaused => ("窗口暂停中", "The counter is paused."),
            Self::CounterBusy => ("请先完成当前客户", "Finish the current customer first."),
            Self::NotCalling => ("当前没有呼叫中的号码", "No ticket is being called."),
            Self::NotServing => ("当前没有办理中的客户", "No customer is being served."),
            Self::NothingWaiting => ("没有等候的客户", "Nobody is waiting."),
            Self::NotInSkills => (
                "该窗口不办理此业务",
                "This counter does not serve that business.",
            ),
            Self::NoShowTooEarly => ("请先重呼后再过号", "Recall the ticket before skipping it."),
            Self::TicketNotWaiting => ("该号码不在等候中", "That ticket is not waiting."),
            Self::TicketNotSkipped => ("该号码未过号", "That ticket was not skipped."),
            Self::NothingToRate => ("当前没有可评价的服务", "There is no service to rate now."),
            Self::Internal => (
                "系统内部错误，请联系工作人员",
                "Internal error; please ask staff.",
            ),
            Self::BookingOff => (
                "本营业厅未开通预约，请直接取号",
                "This hall takes no appointments; please take a ticket.",
            ),
            Self::BadBookingCode => (
                "预约码无效，请核对后重新输入",
                "That is not a booking code; please check it and try again.",
            ),
            Self::UnknownBooking => (
                "未找到该预约，请核对预约码或手机号",
                "No such appointment; please check the code or the number.",
            ),
            Self::BookingNotToday => (
                "该预约不是今天的，请在预约当天签到",
                "The appointment is not for today; please check in on its day.",
            ),
            Self::BookingTooEarly => (
                "签到时间未到，请稍后再来",
                "Too early to check in; please come back later.",
            ),
            Self::BookingCheckedIn => (
                "该预约已签到，请留意叫号",
                "This appointment is already checked in; please wait for your number.",
            ),
            Self::BookingCancelled => (
                "该预约已取消，请直接取号",
                "This appointment was cancelled; please take a ticket.",
            ),
            Self::UnknownChecklist => ("本营业厅没有该检查表", "This hall has no such checklist."),
            Self::ChecklistIncomplete => (
                "检查表填写不完整：每项须填写一次，不合格项须写明情况",
                "The checklist is incomplete: answer every item once, and say what was found for each failed item.",
            ),
            Self::UnknownCorrection => (
                "找不到该待整改项，或已关闭",
                "No such open correction; it may be closed already.",
            ),
            Self::NoUndeliveredResult => (
                "该投诉没有发送失败的结果短信",
                "This complaint has no result SMS that failed.",
            ),
            Self::ContactPurged => (
                "客户留下的号码已按规定删除，无法重发短信，请以其他方式告知客户",
                "The customer's number was purged as the rules require: the SMS cannot be sent again; tell the customer another way.",
            ),
        };
        LocalText::new(zh, en)
    }

    /// Whether the same command may succeed if the device sends it again later (with a new id).
    /// A kiosk's outbox retries these; it never retries the others.
    pub fn is_transient(self) -> bool {
        matches!(self, Self::RateLimited | Self::Internal)
    }
}

/// An error as it travels in a reply: the stable code and both messages, with an optional detail
/// for engineers (never personal data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorInfo {
    /// The stable code.
    pub code: ErrorCode,
    /// The message in Chinese.
    pub zh: String,
    /// The message in English.
    pub en: String,
    /// Which field or value was wrong, for engineers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl ErrorInfo {
    /// The error `code` with its standard messages.
    pub fn new(code: ErrorCode) -> Self {
        let m = code.message();
        Self {
            code,
            zh: m.zh,
            en: m.en,
            detail: None,
        }
    }

    /// Adds an engineer's detail.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

impl From<ErrorCode> for ErrorInfo {
    fn from(code: ErrorCode) -> Self {
        Self::new(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_stable_snake_case() {
        assert_eq!(
            serde_json::to_string(&ErrorCode::NoShowTooEarly).unwrap(),
            "\"no_show_too_early\""
        );
        let e = ErrorInfo::new(ErrorCode::Forbidden);
        assert_eq!(e.zh, "此设备无权执行该操作");
        assert!(e.en.contains("may not"));
    }
}
