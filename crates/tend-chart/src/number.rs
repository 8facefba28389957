//! Numbers as people read them: locale-style formatting for axis ticks, tooltips and
//! percentages, and the "nice" 1-2-5 axis scale every chart shares.

/// How numbers are written in a chart. The caller picks it from the reader's locale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NumberStyle {
    /// `1,234.5`, `-3`, `42%`.
    #[default]
    En,
    /// `1 234,5` with a non-breaking space (U+00A0) between thousands, `−3` with a real minus
    /// sign (U+2212) and `42 %` with a non-breaking space before the percent sign.
    Sv,
}

impl NumberStyle {
    /// `value` with exactly `decimals` fractional digits (at most 6) and thousands grouped.
    /// A non-finite value is written as `0`, like everywhere else in this crate.
    pub fn format_fixed(self, value: f64, decimals: usize) -> String {
        let value = finite_or_zero(value);
        let decimals = decimals.min(6);
        // Half away from zero, as people round (`format!` rounds 0.125 to even, 0.12).
        let scale = 10f64.powi(decimals as i32);
        let digits = format!("{:.*}", decimals, (value.abs() * scale).round() / scale);
        let (int_part, frac_part) = match digits.split_once('.') {
            Some((int_part, frac_part)) => (int_part, Some(frac_part)),
            None => (digits.as_str(), None),
        };
        let (group, point, minus) = match self {
            NumberStyle::En => (',', '.', '-'),
            NumberStyle::Sv => ('\u{a0}', ',', '\u{2212}'),
        };
        let mut out = String::with_capacity(digits.len() + 8);
        // "-0.0" is not a number anyone wants to read: the sign only shows when a digit does.
        if value < 0.0 && digits.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
            out.push(minus);
        }
        let n_int = int_part.len();
        for (i, digit) in int_part.chars().enumerate() {
            if i > 0 && (n_int - i) % 3 == 0 {
                out.push(group);
            }
            out.push(digit);
        }
        if let Some(frac_part) = frac_part {
            out.push(point);
            out.push_str(frac_part);
        }
        out
    }

    /// A share in percent, rounded to a whole number: `42%` / `42 %`.
    pub fn format_percent(self, percent: f64) -> String {
        let number = self.format_fixed(percent.round(), 0);
        match self {
            NumberStyle::En => format!("{number}%"),
            NumberStyle::Sv => format!("{number}\u{a0}%"),
        }
    }
}

/// `value` with at most two decimals, trailing zeros dropped, thousands grouped:
/// `format_number(1234.5, NumberStyle::En)` is `"1,234.5"`, in `Sv` it is `"1 234,5"` (with
/// U+00A0). Non-finite values are written as `0`.
pub fn format_number(value: f64, style: NumberStyle) -> String {
    let fixed = style.format_fixed(value, 2);
    let point = match style {
        NumberStyle::En => '.',
        NumberStyle::Sv => ',',
    };
    if fixed.contains(point) {
        let trimmed = fixed.trim_end_matches('0').trim_end_matches(point);
        // Only the minus sign can be left over from e.g. "-0.001" rounded away.
        match trimmed {
            "-" | "\u{2212}" | "" => "0".to_owned(),
            _ => trimmed.to_owned(),
        }
    } else {
        fixed
    }
}

/// Values beyond this magnitude are clamped so that axis arithmetic stays finite.
pub(crate) const MAX_MAGNITUDE: f64 = 1e15;

/// NaN and infinities become 0; huge values are clamped to ±[`MAX_MAGNITUDE`].
pub(crate) fn finite_or_zero(value: f64) -> f64 {
    if value.is_finite() {
        value.clamp(-MAX_MAGNITUDE, MAX_MAGNITUDE)
    } else {
        0.0
    }
}

/// A linear value axis: `lo..=hi` split into ticks `step` apart. Always contains 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Scale {
    pub lo: f64,
    pub hi: f64,
    pub step: f64,
}

impl Scale {
    /// The nice scale for data between `min` and `max`, about `target_ticks` intervals, with
    /// steps of 1, 2 or 5 times a power of ten. All-zero (or empty) data gets `0..=5` in
    /// whole steps, which reads right for counts, the common case.
    pub fn nice(min: f64, max: f64, target_ticks: usize) -> Scale {
        let min = finite_or_zero(min).min(0.0);
        let max = finite_or_zero(max).max(0.0);
        if max - min <= 0.0 {
            return Scale {
                lo: 0.0,
                hi: 5.0,
                step: 1.0,
            };
        }
        let rough = (max - min) / target_ticks.max(1) as f64;
        let magnitude = 10f64.powf(rough.log10().floor());
        let step = [1.0, 2.0, 5.0, 10.0]
            .into_iter()
            .map(|m| m * magnitude)
            .find(|step| *step >= rough)
            .unwrap_or(10.0 * magnitude);
        Scale {
            lo: (min / step).floor() * step,
            hi: (max / step).ceil() * step,
            step,
        }
    }

    /// The tick values from `lo` to `hi`, computed by index so no rounding error accumulates.
    pub fn ticks(&self) -> Vec<f64> {
        let n = ((self.hi - self.lo) / self.step).round().max(0.0) as usize;
        (0..=n.min(50))
            .map(|i| self.lo + i as f64 * self.step)
            .collect()
    }

    /// How many decimals a tick label needs so that neighbouring ticks differ.
    pub fn decimals(&self) -> usize {
        (-self.step.log10().floor()).clamp(0.0, 6.0) as usize
    }

    /// Where `value` falls between `lo` (0.0) and `hi` (1.0).
    pub fn fraction(&self, value: f64) -> f64 {
        ((finite_or_zero(value) - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_and_swedish_group_thousands_and_mark_decimals_differently() {
        assert_eq!(format_number(1234.5, NumberStyle::En), "1,234.5");
        assert_eq!(format_number(1234.5, NumberStyle::Sv), "1\u{a0}234,5");
        assert_eq!(format_number(-1234567.0, NumberStyle::En), "-1,234,567");
        assert_eq!(
            format_number(-1234567.0, NumberStyle::Sv),
            "\u{2212}1\u{a0}234\u{a0}567"
        );
        assert_eq!(format_number(999.0, NumberStyle::Sv), "999");
        assert_eq!(format_number(0.125, NumberStyle::En), "0.13");
        assert_eq!(format_number(2.50, NumberStyle::Sv), "2,5");
    }

    #[test]
    fn tiny_negative_values_and_non_finite_values_read_as_zero() {
        assert_eq!(format_number(-0.001, NumberStyle::En), "0");
        assert_eq!(format_number(-0.001, NumberStyle::Sv), "0");
        assert_eq!(format_number(f64::NAN, NumberStyle::En), "0");
        assert_eq!(format_number(f64::INFINITY, NumberStyle::Sv), "0");
        assert_eq!(NumberStyle::En.format_fixed(-0.0, 1), "0.0");
    }

    #[test]
    fn percentages_follow_the_locale() {
        assert_eq!(NumberStyle::En.format_percent(41.6), "42%");
        assert_eq!(NumberStyle::Sv.format_percent(41.6), "42\u{a0}%");
    }

    #[test]
    fn nice_scales_start_at_zero_and_step_by_one_two_or_five() {
        let scale = Scale::nice(3.0, 87.0, 5);
        assert_eq!((scale.lo, scale.hi, scale.step), (0.0, 100.0, 20.0));
        assert_eq!(scale.ticks(), [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        let scale = Scale::nice(0.0, 7.0, 5);
        assert_eq!((scale.lo, scale.hi, scale.step), (0.0, 8.0, 2.0));
        let scale = Scale::nice(-0.4, 0.9, 5);
        assert_eq!(scale.step, 0.5);
        assert_eq!((scale.lo, scale.hi), (-0.5, 1.0));
        assert_eq!(scale.decimals(), 1);
        assert_eq!(Scale::nice(0.0, 0.0, 5).ticks().len(), 6);
        assert_eq!(Scale::nice(f64::NAN, f64::INFINITY, 5).hi, 5.0);
    }
}
