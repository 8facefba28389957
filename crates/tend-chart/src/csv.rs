//! CSV export of the numbers behind a chart: RFC 4180, safe to open in a spreadsheet.

/// An RFC 4180 document: the header row, then `rows`, each line ending in CRLF. A field is
/// quoted when it holds a comma, a double quote, CR or LF, with inner quotes doubled.
///
/// Guard against formula injection (OWASP "CSV Injection"): a field starting with `=`, `+`,
/// `-`, `@`, a tab or CR gets a leading `'` so spreadsheets show it as text instead of
/// running it, unless the field is a plain number such as `-3.5` or `+2,5`.
pub fn csv(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    write_record(&mut out, headers.iter().copied());
    for row in rows {
        write_record(&mut out, row.iter().map(String::as_str));
    }
    out
}

fn write_record<'a>(out: &mut String, fields: impl Iterator<Item = &'a str>) {
    for (i, field) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        let guarded = needs_guard(field);
        if guarded || field.contains([',', '"', '\r', '\n']) {
            out.push('"');
            if guarded {
                out.push('\'');
            }
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push_str("\r\n");
}

fn needs_guard(field: &str) -> bool {
    field.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_plain_number(field)
}

/// An optional sign, digits, and optionally one `.` or `,` followed by digits.
fn is_plain_number(field: &str) -> bool {
    let unsigned = field.strip_prefix(['+', '-']).unwrap_or(field);
    let (int_part, frac_part) = match unsigned.split_once(['.', ',']) {
        Some((int_part, frac_part)) => (int_part, Some(frac_part)),
        None => (unsigned, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(int_part) && frac_part.is_none_or(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_separators_quotes_or_line_breaks_are_quoted() {
        let rows = vec![
            vec!["3 May".to_owned(), "12".to_owned()],
            vec!["a,b".to_owned(), "say \"hi\"".to_owned()],
            vec!["two\nlines".to_owned(), "cr\rhere".to_owned()],
            vec![String::new(), "plain".to_owned()],
        ];
        assert_eq!(
            csv(&["day", "count"], &rows),
            "day,count\r\n3 May,12\r\n\"a,b\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",\"cr\rhere\"\r\n,plain\r\n"
        );
    }

    #[test]
    fn formula_like_fields_are_defused_but_numbers_are_not() {
        let rows = vec![vec![
            "=HYPERLINK(\"http://x\")".to_owned(),
            "+1+1".to_owned(),
            "-2+3".to_owned(),
            "@SUM(A1)".to_owned(),
            "\tx".to_owned(),
            "\rx".to_owned(),
            "-3.5".to_owned(),
            "+2,5".to_owned(),
            "-".to_owned(),
            "-.5".to_owned(),
        ]];
        assert_eq!(
            csv(&["=h"], &rows),
            "\"'=h\"\r\n\"'=HYPERLINK(\"\"http://x\"\")\",\"'+1+1\",\"'-2+3\",\"'@SUM(A1)\",\"'\tx\",\"'\rx\",-3.5,\"+2,5\",\"'-\",\"'-.5\"\r\n"
        );
    }

    #[test]
    fn no_rows_give_the_header_line_only() {
        assert_eq!(csv(&["a", "b"], &[]), "a,b\r\n");
        assert_eq!(csv(&[], &[]), "\r\n");
    }
}
