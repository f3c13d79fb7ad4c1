//! [`ReportError`]: the one error type of the crate.

/// What can stop a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The journal could not be opened or is of another schema.
    #[error("journal: {0}")]
    Journal(#[from] hallq_journal::JournalError),
    /// A query of the journal failed.
    #[error("journal query: {0}")]
    Sql(#[from] rusqlite::Error),
    /// An event's body is not an event this build knows.
    #[error("event {seq}: {source}")]
    Event {
        /// The event's seq.
        seq: i64,
        /// Why it could not be read.
        source: serde_json::Error,
    },
    /// The options make no report (an empty date range, say).
    #[error("{0}")]
    Options(String),
    /// Drawing a chart failed.
    #[error("chart {chart}: {detail}")]
    Chart {
        /// Which chart.
        chart: &'static str,
        /// What the charting library said.
        detail: String,
    },
    /// Writing an output failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being written.
        what: String,
        /// Why it failed.
        source: std::io::Error,
    },
}
