//! How a printed letter reached the family. Printing is not sending: a letter counts as sent
//! (and completes the worklist step that asked for it) only when someone records that it was
//! posted, handed over or emailed.

/// How a letter was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Put in the post.
    Posted,
    /// Handed to the parent, or sent home with the pupil.
    HandedOver,
    /// Sent by email, as a PDF.
    Emailed,
    /// Recorded as sent before the ways were told apart.
    Sent,
    /// A recording taken back.
    Undone,
}

impl Delivery {
    /// The ways a person records, in the order a form offers them.
    pub const CHOSEN: [Delivery; 3] = [Delivery::Posted, Delivery::HandedOver, Delivery::Emailed];

    /// Its name in data.
    pub fn id(self) -> &'static str {
        match self {
            Delivery::Posted => "posted",
            Delivery::HandedOver => "handed_over",
            Delivery::Emailed => "emailed",
            Delivery::Sent => "sent",
            Delivery::Undone => "undone",
        }
    }

    /// How people read it: "Posted".
    pub fn title(self) -> &'static str {
        match self {
            Delivery::Posted => "Posted",
            Delivery::HandedOver => "Handed over",
            Delivery::Emailed => "Emailed",
            Delivery::Sent => "Sent",
            Delivery::Undone => "Taken back",
        }
    }

    /// Reads a name in data.
    pub fn parse(text: &str) -> Option<Delivery> {
        [Delivery::Sent, Delivery::Undone]
            .into_iter()
            .chain(Delivery::CHOSEN)
            .find(|d| d.id() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deliveries_read_back() {
        for d in [Delivery::Sent, Delivery::Undone]
            .into_iter()
            .chain(Delivery::CHOSEN)
        {
            assert_eq!(Delivery::parse(d.id()), Some(d));
        }
        assert_eq!(Delivery::parse("faxed"), None);
    }
}
