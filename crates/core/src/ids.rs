//! Identifiers issued by the Department for Education: the unique pupil number (UPN), the
//! unique reference number of a school (URN) and the LA/establishment number ("DfE number").
//!
//! Each is parsed once, at the edge, and is valid from then on.

use std::fmt;

use thiserror::Error;

/// The 23 letters a UPN may use: the alphabet without I, O and S.
const UPN_LETTERS: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

/// A unique pupil number: a check letter, a 3-digit LA number, a 4-digit establishment number,
/// a 2-digit year of allocation and a 3-character serial. A temporary UPN ends in a letter.
///
/// The check letter is the sum of each of characters 2–13 times its position (2..13), mod 23,
/// as an index into [`UPN_LETTERS`]; digits count as their value, letters as their index.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Upn([u8; 13]);

/// Why a string is not a UPN.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UpnError {
    /// Not 13 characters long.
    #[error("a UPN has 13 characters; this one has {0}")]
    Length(usize),
    /// A character that may not appear where it stands.
    #[error("character {position} of a UPN must be {expected}; found {found:?}")]
    Character {
        /// 1-based position in the UPN.
        position: usize,
        /// What may stand there.
        expected: &'static str,
        /// What does.
        found: char,
    },
    /// The check letter does not match the other twelve characters.
    #[error("the check letter should be {expected}, not {found}")]
    CheckLetter {
        /// The letter the other characters imply.
        expected: char,
        /// The letter given.
        found: char,
    },
}

fn upn_letter_index(byte: u8) -> Option<usize> {
    UPN_LETTERS.iter().position(|&l| l == byte)
}

impl Upn {
    /// Parses a UPN, accepting lower-case letters.
    pub fn parse(text: &str) -> Result<Upn, UpnError> {
        let bytes = text.as_bytes();
        let raw: [u8; 13] = bytes
            .try_into()
            .map_err(|_| UpnError::Length(text.chars().count()))?;
        let upper = raw.map(|b| b.to_ascii_uppercase());
        let mut sum = 0usize;
        for (offset, &byte) in upper.iter().enumerate().skip(1) {
            let position = offset + 1;
            let value = match byte {
                b'0'..=b'9' => usize::from(byte - b'0'),
                _ if position == 13 => upn_letter_index(byte).ok_or(UpnError::Character {
                    position,
                    expected: "a digit, or for a temporary UPN a letter other than I, O or S",
                    found: char::from(byte),
                })?,
                _ => {
                    return Err(UpnError::Character {
                        position,
                        expected: "a digit",
                        found: char::from(byte),
                    });
                }
            };
            sum += position * value;
        }
        let expected = UPN_LETTERS.get(sum % 23).copied().map_or('?', char::from);
        let [check, ..] = upper;
        if upn_letter_index(check).is_none() {
            return Err(UpnError::Character {
                position: 1,
                expected: "a check letter other than I, O or S",
                found: char::from(check),
            });
        }
        if char::from(check) != expected {
            return Err(UpnError::CheckLetter {
                expected,
                found: char::from(check),
            });
        }
        Ok(Upn(upper))
    }

    /// Issues the UPN whose last twelve characters are `rest`, with the check letter they imply;
    /// `None` unless `rest` is eleven digits and a digit or letter.
    pub fn issue(rest: &str) -> Option<Upn> {
        let bytes: [u8; 12] = rest.as_bytes().try_into().ok()?;
        let check = upn_check_letter(&bytes)?;
        Upn::parse(&format!("{check}{rest}")).ok()
    }

    /// The UPN as text.
    pub fn as_str(&self) -> &str {
        // Every byte was checked to be an ASCII digit or letter.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// Whether this is a temporary UPN (issued until the permanent one is known).
    pub fn is_temporary(&self) -> bool {
        self.0.last().is_some_and(u8::is_ascii_uppercase)
    }

    /// The number of the local authority that issued the UPN.
    pub fn la_number(&self) -> u16 {
        digits(self.0.get(1..4).unwrap_or_default())
    }
}

fn digits(bytes: &[u8]) -> u16 {
    bytes
        .iter()
        .fold(0u16, |n, b| n * 10 + u16::from(b.saturating_sub(b'0')))
}

impl fmt::Display for Upn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Upn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Upn({})", self.as_str())
    }
}

/// A school's unique reference number in Get Information about Schools: six digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Urn(u32);

/// Why a string is not a URN.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("a URN is six digits, such as 100000; found {0:?}")]
pub struct UrnError(String);

impl Urn {
    /// Parses a six-digit URN.
    pub fn parse(text: &str) -> Result<Urn, UrnError> {
        let text = text.trim();
        if text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit()) && !text.starts_with('0') {
            text.parse().map(Urn).map_err(|_| UrnError(text.to_owned()))
        } else {
            Err(UrnError(text.to_owned()))
        }
    }

    /// The URN as a number.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Urn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A school's LA and establishment number ("DfE number"), such as `801/2000`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LaEstab {
    la: u16,
    estab: u16,
}

/// Why a string is not an LA/establishment number.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "an LA/establishment number is 3 digits and 4 digits, such as 801/2000 or 8012000; found {0:?}"
)]
pub struct LaEstabError(String);

impl LaEstab {
    /// Parses `8012000`, `801/2000` or `801-2000`.
    pub fn parse(text: &str) -> Result<LaEstab, LaEstabError> {
        let trimmed = text.trim();
        let compact: String = trimmed
            .chars()
            .filter(|c| !matches!(c, '/' | '-'))
            .collect();
        let separators = trimmed.len() - compact.len();
        let separator_ok = separators == 0
            || (separators == 1 && matches!(trimmed.as_bytes().get(3), Some(b'/' | b'-')));
        if compact.len() != 7 || !separator_ok || !compact.bytes().all(|b| b.is_ascii_digit()) {
            return Err(LaEstabError(text.to_owned()));
        }
        let bytes = compact.as_bytes();
        let (la, estab) = bytes.split_at(3);
        Ok(LaEstab {
            la: digits(la),
            estab: digits(estab),
        })
    }

    /// The three-digit local authority number.
    pub fn la(self) -> u16 {
        self.la
    }

    /// The four-digit establishment number.
    pub fn estab(self) -> u16 {
        self.estab
    }
}

impl fmt::Display for LaEstab {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03}/{:04}", self.la, self.estab)
    }
}

/// Computes the check letter for the twelve characters after it; used to issue UPNs.
fn upn_check_letter(rest: &[u8; 12]) -> Option<char> {
    let mut sum = 0usize;
    for (i, &byte) in rest.iter().enumerate() {
        let value = match byte {
            b'0'..=b'9' => usize::from(byte - b'0'),
            _ if i == 11 => upn_letter_index(byte)?,
            _ => return None,
        };
        sum += (i + 2) * value;
    }
    UPN_LETTERS.get(sum % 23).copied().map(char::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check_upn(input: &str, expect: Result<&str, &str>) {
        let got = Upn::parse(input)
            .map(|u| u.to_string())
            .map_err(|e| e.to_string());
        match expect {
            Ok(text) => assert_eq!(got.as_deref(), Ok(text), "{input}"),
            Err(fragment) => {
                let message = got.expect_err(input);
                assert!(message.contains(fragment), "{input}: {message}");
            }
        }
    }

    #[test]
    fn upn_edges() {
        // The DfE's worked example and its corruption (issue 2, item 3).
        check_upn("B801200005001", Ok("B801200005001"));
        check_upn("A801200005001", Err("check letter should be B"));
        check_upn("b801200005001", Ok("B801200005001"));
        check_upn("B80120000500", Err("13 characters; this one has 12"));
        check_upn("B8012000050012", Err("this one has 14"));
        check_upn("B80120000500X", Err("check letter should be"));
        check_upn("B8012000X5001", Err("character 9 of a UPN must be a digit"));
        check_upn("I801200005001", Err("character 1"));
        // A temporary UPN ends in a letter; I, O and S are never used.
        check_upn("B80120000500O", Err("character 13"));
    }

    #[test]
    fn issuing_a_upn_adds_its_check_letter() {
        assert_eq!(
            Upn::issue("801200005001").map(|u| u.as_str().to_owned()),
            Some("B801200005001".to_owned())
        );
        assert_eq!(Upn::issue("80120000500"), None);
        assert_eq!(Upn::issue("8012000X5001"), None);
    }

    #[test]
    fn temporary_upns_end_in_a_letter() {
        let rest = *b"80120000500A";
        let check = upn_check_letter(&rest).unwrap();
        let text = format!("{check}80120000500A");
        let upn = Upn::parse(&text).unwrap();
        assert!(upn.is_temporary());
        assert!(!Upn::parse("B801200005001").unwrap().is_temporary());
        assert_eq!(upn.la_number(), 801);
    }

    #[test]
    fn urn_and_la_estab() {
        assert_eq!(Urn::parse("100000").unwrap().get(), 100_000);
        assert!(Urn::parse("012345").is_err());
        assert!(Urn::parse("12345").is_err());
        for ok in ["8012000", "801/2000", "801-2000"] {
            assert_eq!(LaEstab::parse(ok).unwrap().to_string(), "801/2000", "{ok}");
        }
        for bad in ["801200", "80/12000", "801/200a", "801//2000"] {
            assert!(LaEstab::parse(bad).is_err(), "{bad}");
        }
    }

    proptest! {
        #[test]
        fn issued_upns_parse(digits in proptest::collection::vec(0u8..10, 11), last in 0usize..33) {
            let mut rest = [0u8; 12];
            for (slot, d) in rest.iter_mut().zip(&digits) {
                *slot = b'0' + d;
            }
            rest[11] = b"0123456789ABCDEFGHJKLMNPQRTUVWXYZ"[last];
            let check = upn_check_letter(&rest).unwrap();
            let text = format!("{check}{}", std::str::from_utf8(&rest).unwrap());
            prop_assert_eq!(Upn::parse(&text).unwrap().to_string(), text.clone());
            // Every other check letter is refused.
            for other in UPN_LETTERS.iter().map(|&b| char::from(b)).filter(|&c| c != check) {
                let wrong = format!("{other}{}", std::str::from_utf8(&rest).unwrap());
                prop_assert!(Upn::parse(&wrong).is_err());
            }
        }
    }
}
