//! A file read into elements with their line numbers, so that every error can name the element,
//! where it is and the value it held. CTFs are small (a school's leavers), and a tree lets the
//! reader ask for elements by name in any order and ignore the many it does not keep.

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::CtfError;

/// An element: its name, its line, its text and the elements inside it.
#[derive(Debug, Default)]
pub(crate) struct Element {
    pub(crate) name: String,
    pub(crate) line: usize,
    pub(crate) text: String,
    pub(crate) children: Vec<Element>,
}

/// Where an element sits, as a path for errors: `CTfile/CTFpupilData/Pupil[2]/DOB`.
#[derive(Debug, Clone)]
pub(crate) struct At<'a> {
    pub(crate) element: &'a Element,
    path: String,
}

impl Element {
    /// Reads a whole document; a file that is not well-formed XML is refused at the line it
    /// breaks.
    pub(crate) fn parse(text: &str) -> Result<Element, CtfError> {
        // Text is kept whole (an entity splits it into pieces) and trimmed where it is read.
        let mut reader = Reader::from_str(text);
        let mut open: Vec<Element> = Vec::new();
        let line_at = |position: u64| {
            let end = usize::try_from(position)
                .unwrap_or(usize::MAX)
                .min(text.len());
            1 + text
                .as_bytes()
                .get(..end)
                .unwrap_or_default()
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
        };
        let path = |open: &[Element]| {
            open.iter()
                .map(|e| e.name.as_str())
                .collect::<Vec<_>>()
                .join("/")
        };
        loop {
            let event = reader.read_event().map_err(|e| {
                CtfError::new(
                    line_at(reader.error_position()),
                    &path(&open),
                    None,
                    e.to_string(),
                )
            })?;
            let line = line_at(reader.buffer_position());
            match event {
                Event::Start(start) => {
                    open.push(Element::named(start.name().as_ref(), line));
                }
                Event::Empty(start) => {
                    let element = Element::named(start.name().as_ref(), line);
                    if let Some(parent) = open.last_mut() {
                        parent.children.push(element);
                    } else {
                        return Ok(element);
                    }
                }
                Event::End(_) => {
                    let Some(done) = open.pop() else {
                        return Err(CtfError::new(
                            line,
                            "",
                            None,
                            "a closing tag with no opening tag",
                        ));
                    };
                    match open.last_mut() {
                        Some(parent) => parent.children.push(done),
                        None => return Ok(done),
                    }
                }
                Event::Text(t) => push_text(&mut open, &t.xml10_content()),
                Event::CData(c) => push_text(&mut open, &c.xml10_content()),
                Event::GeneralRef(r) => {
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        _ => {
                            let name = r.xml10_content();
                            match quick_xml::escape::resolve_predefined_entity(&name) {
                                Some(s) => s.to_owned(),
                                None => {
                                    return Err(CtfError::new(
                                        line,
                                        &path(&open),
                                        Some(&format!("&{name};")),
                                        "an entity XML does not define",
                                    ));
                                }
                            }
                        }
                    };
                    push_text(&mut open, &resolved);
                }
                Event::DocType(_) => {
                    return Err(CtfError::new(
                        line,
                        "",
                        None,
                        "a DOCTYPE, which a CTF never has",
                    ));
                }
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
                Event::Eof => {
                    return Err(CtfError::new(
                        line,
                        &path(&open),
                        None,
                        if open.is_empty() {
                            "the file holds no XML"
                        } else {
                            "the file ends before this element is closed"
                        },
                    ));
                }
            }
        }
    }

    fn named(name: &str, line: usize) -> Element {
        Element {
            name: name.to_owned(),
            line,
            ..Element::default()
        }
    }

    /// The element as the root of paths.
    pub(crate) fn at(&self) -> At<'_> {
        At {
            element: self,
            path: self.name.clone(),
        }
    }
}

fn push_text(open: &mut [Element], text: &str) {
    if let Some(element) = open.last_mut() {
        element.text.push_str(text);
    }
}

impl<'a> At<'a> {
    /// An error about this element and its value.
    pub(crate) fn error(&self, problem: impl Into<String>) -> CtfError {
        let value = self.element.text.trim();
        CtfError::new(
            self.element.line,
            &self.path,
            (!value.is_empty()).then_some(value),
            problem,
        )
    }

    /// The first child of a name.
    pub(crate) fn child(&self, name: &str) -> Option<At<'a>> {
        self.element
            .children
            .iter()
            .find(|c| c.name == name)
            .map(|element| At {
                element,
                path: format!("{}/{name}", self.path),
            })
    }

    /// Every child of a name, numbered for paths.
    pub(crate) fn children(&self, name: &'a str) -> impl Iterator<Item = At<'a>> + use<'a, '_> {
        self.element
            .children
            .iter()
            .filter(move |c| c.name == name)
            .enumerate()
            .map(move |(i, element)| At {
                element,
                path: format!("{}/{name}[{}]", self.path, i + 1),
            })
    }

    /// A child that must be there, with text.
    pub(crate) fn required(&self, name: &str) -> Result<At<'a>, CtfError> {
        match self.child(name) {
            Some(child) if !child.element.text.trim().is_empty() => Ok(child),
            Some(child) => Err(child.error("is empty")),
            None => Err(self.missing(name)),
        }
    }

    /// The error for a child that is not there.
    pub(crate) fn missing(&self, name: &str) -> CtfError {
        CtfError::new(
            self.element.line,
            &format!("{}/{name}", self.path),
            None,
            "is missing",
        )
    }

    /// A child's text, when it is there and not empty.
    pub(crate) fn optional(&self, name: &str) -> Option<&'a str> {
        self.element
            .children
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.text.trim())
            .filter(|t| !t.is_empty())
    }

    /// This element's text, trimmed.
    pub(crate) fn text(&self) -> &'a str {
        self.element.text.trim()
    }

    /// This element's text read by `parse`; its error becomes the element's.
    pub(crate) fn parse<T, E: std::fmt::Display>(
        &self,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, CtfError> {
        parse(self.text()).map_err(|e| self.error(e.to_string()))
    }
}
