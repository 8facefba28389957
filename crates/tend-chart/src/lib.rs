//! Charts drawn as SVG on the server, so the same chart serves the web app, e-mails and
//! reports, plus the CSV export of the numbers behind them.
//!
//! ```
//! use tend_chart::{Labels, NumberStyle, Series, SeriesChart, line};
//!
//! let chart = SeriesChart {
//!     labels: Labels {
//!         title: "Meddelanden per dag".into(),
//!         x: vec!["1 maj".into(), "2 maj".into(), "3 maj".into()],
//!         number: NumberStyle::Sv,
//!         ..Labels::default()
//!     },
//!     series: vec![Series { name: "In".into(), values: vec![1200.0, 1350.5, 980.0], colour: None }],
//!     highlights: vec![(1, 1)],
//! };
//! let svg = line(&chart);
//! assert!(svg.starts_with("<svg "));
//! assert!(svg.contains("1\u{a0}350,5"));
//! ```
//!
//! The crate knows nothing of HTTP, SQL or the app: callers pass numbers and already-localised
//! text and get a string back. What every chart guarantees:
//!
//! - well-formed XML with every piece of text escaped, and no script;
//! - `role="img"`, an `aria-label` and `<title>` naming the chart, and a `<desc>` listing the
//!   data;
//! - colours written inline (e-mail clients drop style sheets) from the colour-blind-safe
//!   Okabe–Ito palette ([`Colour`]), sentiment always positive = bluish green, neutral = grey,
//!   negative = vermillion;
//! - a `viewBox` and `width="100%"`, so it scales to its container;
//! - coordinates rounded to one decimal, and output that depends only on the input;
//! - empty, all-zero, single-point, NaN and infinite data render (non-finite values are
//!   skipped by lines and count as 0 elsewhere) and never put `NaN` into the markup.
//!
//! Text widths are estimated (about 0.6 em per character), not measured: there is no font
//! here. Labels are cut with an ellipsis to fit, with the full text in a `<title>` tooltip.

mod bars;
mod csv;
mod number;
mod palette;
mod series;
mod svg;

pub use bars::{Bar, BarChart, ShareChart, bar, share_of_voice};
pub use csv::csv;
pub use number::{NumberStyle, format_number};
pub use palette::Colour;
pub use series::{Labels, Series, SeriesChart, line, stacked_area};
