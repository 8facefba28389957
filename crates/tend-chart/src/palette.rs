//! The one palette every chart draws with: Okabe and Ito's eight colours, chosen to stay
//! distinguishable with the common forms of colour blindness (Okabe & Ito, "Color Universal
//! Design", 2008), with a fixed meaning for sentiment.

/// A colour of the Okabe–Ito palette. Colours are written inline as `fill`/`stroke`
/// attributes (e-mail clients ignore style sheets).
///
/// Sentiment always uses the same three: [`Colour::POSITIVE`] is bluish green,
/// [`Colour::NEUTRAL`] grey and [`Colour::NEGATIVE`] vermillion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Colour {
    /// `#0072B2`, the first series colour.
    Blue,
    /// `#E69F00`.
    Orange,
    /// `#009E73`, also positive sentiment.
    BluishGreen,
    /// `#CC79A7`.
    ReddishPurple,
    /// `#56B4E9`.
    SkyBlue,
    /// `#D55E00`, also negative sentiment.
    Vermillion,
    /// `#F0E442` (light: best for areas and bars, not thin lines).
    Yellow,
    /// `#999999`, the palette's grey; also neutral sentiment.
    Grey,
}

impl Colour {
    /// Positive sentiment: bluish green.
    pub const POSITIVE: Colour = Colour::BluishGreen;
    /// Neutral sentiment: grey.
    pub const NEUTRAL: Colour = Colour::Grey;
    /// Negative sentiment: vermillion.
    pub const NEGATIVE: Colour = Colour::Vermillion;

    /// The order series get their colours in when the caller does not choose.
    pub const SERIES: [Colour; 8] = [
        Colour::Blue,
        Colour::Orange,
        Colour::BluishGreen,
        Colour::ReddishPurple,
        Colour::SkyBlue,
        Colour::Vermillion,
        Colour::Yellow,
        Colour::Grey,
    ];

    /// The `n`th series colour, repeating after eight.
    pub fn nth(n: usize) -> Colour {
        Colour::SERIES[n % Colour::SERIES.len()]
    }

    /// The colour as `#RRGGBB`.
    pub fn hex(self) -> &'static str {
        match self {
            Colour::Blue => "#0072B2",
            Colour::Orange => "#E69F00",
            Colour::BluishGreen => "#009E73",
            Colour::ReddishPurple => "#CC79A7",
            Colour::SkyBlue => "#56B4E9",
            Colour::Vermillion => "#D55E00",
            Colour::Yellow => "#F0E442",
            Colour::Grey => "#999999",
        }
    }

    /// Black or white, whichever contrasts more with this colour (WCAG relative luminance:
    /// only blue is dark enough for white text).
    pub(crate) fn text_on(self) -> &'static str {
        match self {
            Colour::Blue => "#ffffff",
            _ => "#000000",
        }
    }
}
