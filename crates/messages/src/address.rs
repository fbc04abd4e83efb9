//! Whether a contact's number or address can take a message.

/// A UK mobile number in international form (`+447700900123`), from the ways people write one
/// (`07700 900123`, `+44 7700 900123`, `0044 7700-900123`); `None` for a landline or anything
/// that is not a mobile number, which a text cannot reach.
pub fn uk_mobile(number: &str) -> Option<String> {
    let digits: String = number
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
        .collect();
    let national = if let Some(rest) = digits.strip_prefix("+44") {
        rest.strip_prefix('0').unwrap_or(rest).to_owned()
    } else if let Some(rest) = digits.strip_prefix("0044") {
        rest.to_owned()
    } else {
        digits.strip_prefix('0')?.to_owned()
    };
    (national.len() == 10
        && national.starts_with('7')
        && national.bytes().all(|b| b.is_ascii_digit()))
    .then(|| format!("+44{national}"))
}

/// The address, trimmed, when it looks deliverable: one `@`, something before it, and a
/// domain with a dot and no spaces. The mail server has the last word.
pub fn email_address(address: &str) -> Option<String> {
    let address = address.trim();
    let (local, domain) = address.split_once('@')?;
    let plausible = !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !address.chars().any(char::is_whitespace);
    plausible.then(|| address.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles() {
        let cases = [
            ("07700 900123", Some("+447700900123")),
            ("+44 7700 900123", Some("+447700900123")),
            ("+44 (0)7700 900123", Some("+447700900123")),
            ("0044 7700-900123", Some("+447700900123")),
            ("01632 960 100", None),
            ("07700 90012", None),
            ("", None),
            ("ring the office", None),
        ];
        for (written, want) in cases {
            assert_eq!(uk_mobile(written).as_deref(), want, "{written}");
        }
    }

    #[test]
    fn email_addresses() {
        let cases = [
            ("parent@example.org", Some("parent@example.org")),
            (" parent@example.org ", Some("parent@example.org")),
            ("parent@localhost", None),
            ("parent example@example.org", None),
            ("@example.org", None),
            ("parent@@example.org", None),
            ("parent@example.", None),
        ];
        for (written, want) in cases {
            assert_eq!(email_address(written).as_deref(), want, "{written}");
        }
    }
}
