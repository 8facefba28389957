//! A review's star rating: 1 to 5 stars, kept to a tenth of a star (app stores
//! give whole stars, review sites halves, some averages a decimal). Stored as an
//! integer number of tenths so no float is ever bound to SQL and equality is exact.

use crate::ValidationError;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A star rating from 1.0 to 5.0 in tenths of a star (10..=50).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Rating(u8);

impl Rating {
    /// The lowest rating, one star.
    pub const MIN: Rating = Rating(10);
    /// The highest rating, five stars.
    pub const MAX: Rating = Rating(50);

    /// A rating of `tenths` tenths of a star (10 = one star, 45 = four and a half).
    pub fn from_tenths(tenths: i64) -> Result<Rating, ValidationError> {
        u8::try_from(tenths)
            .ok()
            .filter(|t| (10..=50).contains(t))
            .map(Rating)
            .ok_or_else(|| {
                ValidationError::new(
                    "rating",
                    format!("{tenths} tenths of a star; ratings are from 1 to 5 stars"),
                )
            })
    }

    /// A rating of `stars` (1 to 5, fractions allowed), rounded to a tenth of a star.
    /// Not-a-number, infinities and values outside 1–5 are refused.
    pub fn from_stars(stars: f64) -> Result<Rating, ValidationError> {
        if !stars.is_finite() || !(1.0..=5.0).contains(&stars) {
            return Err(ValidationError::new(
                "rating",
                format!("is {stars}; ratings are from 1 to 5"),
            ));
        }
        // In range, so the cast cannot truncate.
        Rating::from_tenths((stars * 10.0).round() as i64)
    }

    /// Parses a star count written as text: digits with an optional decimal point
    /// (`4`, `4.5`); signs, exponents, `NaN` and `inf` are refused.
    pub fn parse(text: &str) -> Result<Rating, ValidationError> {
        let text = text.trim();
        let plain = !text.is_empty()
            && text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && text.bytes().filter(|b| *b == b'.').count() <= 1;
        match text.parse::<f64>() {
            Ok(stars) if plain => Rating::from_stars(stars),
            _ => Err(ValidationError::new(
                "rating",
                format!("{text:?} is not a number from 1 to 5"),
            )),
        }
    }

    /// The rating in tenths of a star (10..=50), as stored.
    pub fn tenths(self) -> u8 {
        self.0
    }

    /// The rating in stars (1.0..=5.0).
    pub fn stars(self) -> f64 {
        f64::from(self.0) / 10.0
    }

    /// Whole stars to draw filled, rounding halves up (4.5 shows five).
    pub fn filled_stars(self) -> u8 {
        self.0.div_ceil(10).min(5)
    }
}

/// `4.5`, and `4` for whole stars.
impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, tenth) = (self.0 / 10, self.0 % 10);
        if tenth == 0 {
            write!(f, "{whole}")
        } else {
            write!(f, "{whole}.{tenth}")
        }
    }
}

/// Serialised as a number of stars (`4.5`).
impl Serialize for Rating {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.stars())
    }
}

impl<'de> Deserialize<'de> for Rating {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Rating, D::Error> {
        let stars = f64::deserialize(deserializer)?;
        Rating::from_stars(stars).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn stars_are_kept_to_a_tenth() {
        assert_eq!(Rating::from_stars(4.5).unwrap().tenths(), 45);
        assert_eq!(Rating::from_stars(4.25).unwrap().tenths(), 43);
        assert_eq!(Rating::parse(" 5 ").unwrap(), Rating::MAX);
        assert_eq!(Rating::parse("1.0").unwrap(), Rating::MIN);
        assert_eq!(Rating::from_tenths(45).unwrap().to_string(), "4.5");
        assert_eq!(Rating::from_tenths(40).unwrap().to_string(), "4");
        assert_eq!(Rating::from_tenths(45).unwrap().filled_stars(), 5);
        assert_eq!(Rating::from_tenths(41).unwrap().filled_stars(), 5);
        assert_eq!(Rating::from_tenths(40).unwrap().filled_stars(), 4);
    }

    #[test]
    fn out_of_range_and_odd_spellings_are_refused() {
        for bad in [
            "0", "6", "5.1", "0.9", "NaN", "inf", "-4", "+4", "4e0", "4.5.1", "", ".",
        ] {
            assert_eq!(Rating::parse(bad).unwrap_err().field, "rating", "{bad:?}");
        }
        assert!(Rating::from_stars(f64::NAN).is_err());
        assert!(Rating::from_tenths(9).is_err());
        assert!(Rating::from_tenths(51).is_err());
        assert!(Rating::from_tenths(-10).is_err());
        assert!(Rating::from_tenths(266).is_err());
    }

    #[test]
    fn json_is_a_number_of_stars() {
        let r = Rating::from_tenths(35).unwrap();
        assert_eq!(serde_json::to_string(&r).unwrap(), "3.5");
        assert_eq!(serde_json::from_str::<Rating>("3.5").unwrap(), r);
        assert!(serde_json::from_str::<Rating>("7").is_err());
    }

    proptest! {
        #[test]
        fn every_tenth_round_trips_through_display_and_parse(t in 10i64..=50) {
            let r = Rating::from_tenths(t).unwrap();
            prop_assert_eq!(Rating::parse(&r.to_string()).unwrap(), r);
            prop_assert_eq!(Rating::from_stars(r.stars()).unwrap(), r);
        }

        #[test]
        fn parse_never_panics(s in ".{0,12}") {
            let _ = Rating::parse(&s);
        }
    }
}
