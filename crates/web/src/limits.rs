//! What the server accepts of what people and programs send it, and how much of it is repeated
//! back in a message or a log.

/// How many characters of a value a message or a log line repeats.
const SHOWN: usize = 40;

/// The start of a value, as a message or a log repeats it: at most a few dozen characters, so
/// that a huge or hostile value is never echoed whole.
pub(crate) fn prefix(text: &str) -> String {
    match text.char_indices().nth(SHOWN) {
        Some((end, _)) => format!("{}…", text.get(..end).unwrap_or_default()),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut() {
        assert_eq!(prefix("PM"), "PM");
        let long = "é".repeat(5_000_000);
        let shown = prefix(&long);
        assert_eq!(shown.chars().count(), SHOWN + 1);
        assert!(shown.ends_with('…'));
    }
}
