//! The tokenizer under the [`Parser`](super::Parser): the markup of a `&str`
//! cut into the tokens quick-xml's `Reader` would return for it, with the
//! configuration the parser used (`trim_text(false)`, `check_end_names`,
//! `check_comments`, no empty-element expansion), written for the few tokens an
//! assertion is made of.
//!
//! Text, references, start tags and end tags — nearly every token of a SAML
//! assertion — are cut here in one pass over the bytes (`memchr` for the
//! delimiters, the open elements' names as ranges of the input rather than
//! quick-xml's copy of each). The rare markup (`<!…>`: comments, CDATA,
//! DOCTYPE; `<?…?>`: the XML declaration, processing instructions) is handed to
//! a quick-xml `Reader` made for that one token over the rest of the input, so
//! those keep quick-xml's exact rules. The unit tests hold the whole tokenizer
//! to quick-xml's `Reader` token by token (the same kinds, the same bytes, an
//! error where it has one) over generated documents.

use quick_xml::errors::{IllFormedError, SyntaxError};
use quick_xml::events::Event;
use quick_xml::events::attributes::AttrError;
use quick_xml::reader::Reader;

use crate::saml::chars::name_class;

/// A token, borrowing from the input.
#[derive(Debug)]
pub(super) enum Token<'a> {
    /// A start tag: what is between `<` and `>`, and the length of its name
    /// (up to the first XML whitespace).
    Start { content: &'a str, name_len: usize },
    /// An empty-element tag: what is between `<` and `/>`, and its name's length.
    Empty { content: &'a str, name_len: usize },
    /// An end tag whose name matched the innermost open start tag's.
    End,
    /// Text up to the next `<` or `&` (never empty).
    Text(&'a str),
    /// A reference: what is between `&` and `;`.
    Ref(&'a str),
    /// A comment, CDATA section, DOCTYPE, XML declaration or processing
    /// instruction, as quick-xml read it.
    Other(Event<'a>),
    /// The end of the input.
    Eof,
}

/// A refusal: quick-xml's own error (so messages read as before) and the byte
/// offset it is reported at; boxed where it is returned, so that the usual
/// result, a token, is not moved about at the size of an error.
#[derive(Debug)]
pub(super) struct LexError {
    pub(super) error: quick_xml::Error,
    pub(super) at: usize,
}

/// What comes next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of the input: a byte-order mark is skipped.
    Init,
    /// Text or markup.
    Text,
    /// At an `&`.
    Ref,
    /// At a `<`.
    Markup,
    /// After the end or an error.
    Done,
}

pub(super) struct Lexer<'a> {
    text: &'a str,
    /// The offset of the next byte to read.
    pos: usize,
    state: State,
    /// The names of the open start tags, as ranges of `text`, and whether the
    /// name is a checked ASCII qualified name (cut by [`Lexer::cut_tag`]: no
    /// quote in it, so its end tag may be matched by a plain comparison).
    open: Vec<(usize, usize, bool)>,
    /// The last start tag, when [`Lexer::cut_tag`] cut it: the colon of its
    /// name (an offset in the name) and its attributes in `cuts`.
    cut: Option<Option<usize>>,
    cuts: Vec<Cut<'a>>,
    /// Unit tests turn the one-pass paths off to compare them with the
    /// general path.
    #[cfg(test)]
    pub(super) one_pass: bool,
}

/// An attribute of a start tag cut by [`Lexer::cut_tag`]: its key, a checked
/// ASCII qualified name, with the offset of its colon, and its value as
/// written (between the quotes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Cut<'a> {
    pub(super) key: &'a str,
    pub(super) colon: Option<usize>,
    pub(super) value: &'a str,
}

/// The end of the ASCII qualified name (`NCName` or `NCName:NCName`, the names
/// of `chars::name_class`) that starts at `at`, and the offset of its colon
/// from `at`; `None` if none starts there or a byte after it is not ASCII
/// (the general path decides those).
fn ascii_qname(bytes: &[u8], at: usize) -> Option<(usize, Option<usize>)> {
    if name_class(*bytes.get(at)?) != 2 {
        return None;
    }
    let mut i = at + 1;
    let mut colon = None;
    loop {
        let b = *bytes.get(i)?;
        if name_class(b) != 0 {
            i += 1;
        } else if b == b':' && colon.is_none() && name_class(*bytes.get(i + 1)?) == 2 {
            colon = Some(i - at);
            i += 2;
        } else {
            return Some((i, colon));
        }
    }
}

const fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\r' | b'\n' | b'\t')
}

impl<'a> Lexer<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Self {
            text,
            pos: 0,
            state: State::Init,
            open: Vec::with_capacity(16),
            cut: None,
            cuts: Vec::with_capacity(8),
            #[cfg(test)]
            one_pass: true,
        }
    }

    /// The last start or empty-element tag's name colon and attributes, when it
    /// was cut in one pass ([`Lexer::cut_tag`]); `None` when the general path
    /// cut it (the parser then cuts its attributes with [`AttrIter`] and checks
    /// its names itself). The attributes' vector is lent: hand it back with
    /// [`Lexer::return_cuts`] so the next tag reuses it.
    pub(super) fn take_cut(&mut self) -> Option<(Option<usize>, Vec<Cut<'a>>)> {
        self.cut
            .take()
            .map(|colon| (colon, std::mem::take(&mut self.cuts)))
    }

    /// Gives back the vector [`Lexer::take_cut`] lent.
    pub(super) fn return_cuts(&mut self, cuts: Vec<Cut<'a>>) {
        self.cuts = cuts;
    }

    #[cfg(not(test))]
    fn one_pass(&self) -> bool {
        true
    }

    #[cfg(test)]
    fn one_pass(&self) -> bool {
        self.one_pass
    }

    /// The offset just after the last token.
    pub(super) fn position(&self) -> usize {
        self.pos
    }

    fn rest(&self) -> &'a [u8] {
        self.text.as_bytes().get(self.pos..).unwrap_or_default()
    }

    /// `text[from..to]`; the ranges cut here end at ASCII delimiters.
    fn slice(&self, from: usize, to: usize) -> Result<&'a str, Box<LexError>> {
        self.text.get(from..to).ok_or_else(|| {
            Box::new(LexError {
                error: quick_xml::Error::Syntax(SyntaxError::UnclosedTag),
                at: from,
            })
        })
    }

    fn fail<T>(&mut self, error: quick_xml::Error, at: usize) -> Result<T, Box<LexError>> {
        self.state = State::Done;
        Err(Box::new(LexError { error, at }))
    }

    /// The next token.
    pub(super) fn next(&mut self) -> Result<Token<'a>, Box<LexError>> {
        loop {
            match self.state {
                State::Init => {
                    if self.rest().starts_with(b"\xEF\xBB\xBF") {
                        self.pos += 3;
                    }
                    self.state = State::Text;
                }
                State::Text => {
                    let rest = self.rest();
                    // Markup right after markup (compact XML): no search.
                    if rest.first() == Some(&b'<') {
                        return self.markup();
                    }
                    match memchr::memchr2(b'<', b'&', rest) {
                        Some(0) => {
                            self.state = if rest.first() == Some(&b'<') {
                                State::Markup
                            } else {
                                State::Ref
                            };
                        }
                        Some(i) => {
                            self.state = if rest.get(i) == Some(&b'<') {
                                State::Markup
                            } else {
                                State::Ref
                            };
                            let from = self.pos;
                            self.pos += i;
                            return self.slice(from, self.pos).map(Token::Text);
                        }
                        None => {
                            self.state = State::Done;
                            if rest.is_empty() {
                                return Ok(Token::Eof);
                            }
                            let from = self.pos;
                            self.pos = self.text.len();
                            return self.slice(from, self.pos).map(Token::Text);
                        }
                    }
                }
                State::Ref => return self.reference(),
                State::Markup => return self.markup(),
                State::Done => return Ok(Token::Eof),
            }
        }
    }

    /// At an `&`: up to the `;`, with no `<` or `&` before it.
    fn reference(&mut self) -> Result<Token<'a>, Box<LexError>> {
        let start = self.pos;
        let after = self.rest().get(1..).unwrap_or_default();
        match memchr::memchr3(b';', b'&', b'<', after) {
            Some(i) if after.get(i) == Some(&b';') => {
                self.pos = start + i + 2;
                self.state = State::Text;
                self.slice(start + 1, start + 1 + i).map(Token::Ref)
            }
            _ => self.fail(
                quick_xml::Error::IllFormed(IllFormedError::UnclosedReference),
                start,
            ),
        }
    }

    /// At a `<`.
    fn markup(&mut self) -> Result<Token<'a>, Box<LexError>> {
        let start = self.pos;
        let rest = self.rest();
        self.state = State::Text;
        match rest.get(1) {
            None => self.fail(quick_xml::Error::Syntax(SyntaxError::UnclosedTag), start),
            Some(b'!' | b'?') => self.by_quick_xml(),
            Some(b'/') => {
                // The innermost open element's name, written as it was and then
                // `>`: the end tag the general path would read, when the name
                // has no quote in it (a quote would open a quoted region there).
                if let (Some(&(from, to, true)), true) = (self.open.last(), self.one_pass()) {
                    let name = self.text.as_bytes().get(from..to).unwrap_or_default();
                    let after = 2 + name.len();
                    if rest.get(2..after) == Some(name) && rest.get(after) == Some(&b'>') {
                        self.open.pop();
                        self.pos = start + after + 1;
                        return Ok(Token::End);
                    }
                }
                let Some(close) = tag_end(rest) else {
                    return self.fail(quick_xml::Error::Syntax(unclosed(rest)), start);
                };
                self.pos = start + close + 1;
                let content = rest.get(2..close).unwrap_or_default();
                let name_len = content
                    .iter()
                    .rposition(|&b| !is_whitespace(b))
                    .map_or(content.len(), |p| p + 1);
                let name = content.get(..name_len).unwrap_or_default();
                match self.open.pop() {
                    Some((from, to, _)) => {
                        let expected = self.text.as_bytes().get(from..to).unwrap_or_default();
                        if name != expected {
                            let error = IllFormedError::MismatchedEndTag {
                                expected: String::from_utf8_lossy(expected).into_owned(),
                                found: String::from_utf8_lossy(name).into_owned(),
                            };
                            return self.fail(quick_xml::Error::IllFormed(error), start);
                        }
                        Ok(Token::End)
                    }
                    None => {
                        let error = IllFormedError::UnmatchedEndTag(
                            String::from_utf8_lossy(name).into_owned(),
                        );
                        self.fail(quick_xml::Error::IllFormed(error), start)
                    }
                }
            }
            Some(_) => {
                self.cut = None;
                if let Some(token) = self.cut_tag(start) {
                    return token;
                }
                let Some(close) = tag_end(rest) else {
                    return self.fail(quick_xml::Error::Syntax(unclosed(rest)), start);
                };
                self.pos = start + close + 1;
                // Between `<` and `>`.
                let inner = rest.get(1..close).unwrap_or_default();
                let (inner, empty) = match inner.strip_suffix(b"/") {
                    Some(inner) => (inner, true),
                    None => (inner, false),
                };
                let name_len = inner
                    .iter()
                    .position(|&b| is_whitespace(b))
                    .unwrap_or(inner.len());
                let content = self.slice(start + 1, start + 1 + inner.len())?;
                if empty {
                    Ok(Token::Empty { content, name_len })
                } else {
                    self.open.push((start + 1, start + 1 + name_len, false));
                    Ok(Token::Start { content, name_len })
                }
            }
        }
    }

    /// A start or empty-element tag of the usual shape cut in one pass: ASCII
    /// qualified names, each attribute `key="value"` or `key='value'` after
    /// white space, then `>` or `/>`. The name colons and the attributes go to
    /// `cut`/`cuts`; the token, the position and the open element are what the
    /// general path gives for the same tag (the unit tests hold it to that).
    /// `None` (nothing changed but `cuts`) for any other shape, which the
    /// general path reads and, if it must, refuses with its own message.
    fn cut_tag(&mut self, start: usize) -> Option<Result<Token<'a>, Box<LexError>>> {
        if !self.one_pass() {
            return None;
        }
        let bytes = self.text.as_bytes();
        let (name_end, colon) = ascii_qname(bytes, start + 1)?;
        self.cuts.clear();
        let mut at = name_end;
        let (close, empty) = loop {
            match *bytes.get(at)? {
                b'>' => break (at, false),
                b'/' if bytes.get(at + 1) == Some(&b'>') => break (at + 1, true),
                b' ' | b'\n' | b'\t' | b'\r' => {
                    at += 1;
                    while is_whitespace(*bytes.get(at)?) {
                        at += 1;
                    }
                    if matches!(bytes.get(at), Some(b'>' | b'/')) {
                        continue;
                    }
                    let (key_end, key_colon) = ascii_qname(bytes, at)?;
                    let quote = match bytes.get(key_end..key_end + 2)? {
                        [b'=', q @ (b'"' | b'\'')] => *q,
                        _ => return None,
                    };
                    let value_start = key_end + 2;
                    let value_end = value_start + memchr::memchr(quote, bytes.get(value_start..)?)?;
                    self.cuts.push(Cut {
                        key: self.text.get(at..key_end)?,
                        colon: key_colon,
                        value: self.text.get(value_start..value_end)?,
                    });
                    at = value_end + 1;
                }
                _ => return None,
            }
        };
        let content_end = if empty { close - 1 } else { close };
        let content = self.text.get(start + 1..content_end)?;
        let name_len = name_end - (start + 1);
        self.pos = close + 1;
        self.cut = Some(colon);
        Some(Ok(if empty {
            Token::Empty { content, name_len }
        } else {
            self.open.push((start + 1, name_end, true));
            Token::Start { content, name_len }
        }))
    }

    /// `<!…>` or `<?…?>`: one token read by a quick-xml `Reader` over the rest of
    /// the input (no open element is involved in either).
    fn by_quick_xml(&mut self) -> Result<Token<'a>, Box<LexError>> {
        let start = self.pos;
        let rest = self.text.get(start..).unwrap_or_default();
        let mut reader = Reader::from_str(rest);
        let config = reader.config_mut();
        config.trim_text(false);
        config.check_end_names = true;
        config.check_comments = true;
        config.expand_empty_elements = false;
        match reader.read_event() {
            Ok(event) => {
                let used = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
                self.pos = start.saturating_add(used).min(self.text.len());
                Ok(Token::Other(event))
            }
            Err(error) => {
                let at = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
                self.fail(error, start.saturating_add(at))
            }
        }
    }
}

/// The index of the `>` that ends the tag `bytes` starts with, outside quoted
/// regions (quick-xml's `ElementParser`).
fn tag_end(bytes: &[u8]) -> Option<usize> {
    let mut quote = None;
    for i in memchr::memchr3_iter(b'>', b'\'', b'"', bytes) {
        let b = *bytes.get(i)?;
        match (quote, b) {
            (None, b'>') => return Some(i),
            (None, q) => quote = Some(q),
            (Some(q), b) if q == b => quote = None,
            _ => {}
        }
    }
    None
}

/// quick-xml's error for a tag the input ends in: inside a quoted value or not.
fn unclosed(bytes: &[u8]) -> SyntaxError {
    let mut quote = None;
    for i in memchr::memchr2_iter(b'\'', b'"', bytes) {
        let Some(&b) = bytes.get(i) else { break };
        match quote {
            None => quote = Some(b),
            Some(q) if q == b => quote = None,
            Some(_) => {}
        }
    }
    match quote {
        None => SyntaxError::UnclosedTag,
        Some(b'\'') => SyntaxError::UnclosedSingleQuotedAttributeValue,
        Some(_) => SyntaxError::UnclosedDoubleQuotedAttributeValue,
    }
}

/// The attributes of a start tag's `content` after its name, as quick-xml's
/// `Attributes::new(content, name_len).with_checks(false)` cuts them: a key runs
/// to the next `=` or whitespace, whitespace may surround the `=`, the value is
/// single- or double-quoted; each refusal is quick-xml's, at the same offset.
/// Duplicates are not looked for (the parser checks expanded names).
pub(super) struct AttrIter<'a> {
    content: &'a str,
    pos: usize,
    done: bool,
}

impl<'a> AttrIter<'a> {
    pub(super) fn new(content: &'a str, name_len: usize) -> Self {
        Self {
            content,
            pos: name_len,
            done: false,
        }
    }

    fn skip_whitespace(&self, from: usize) -> Option<usize> {
        let bytes = self.content.as_bytes();
        (from..bytes.len()).find(|&i| bytes.get(i).is_some_and(|&b| !is_whitespace(b)))
    }

    fn fail(&mut self, e: AttrError) -> Option<Result<(&'a str, &'a str), AttrError>> {
        self.done = true;
        Some(Err(e))
    }
}

impl<'a> Iterator for AttrIter<'a> {
    /// The key and the raw value (between the quotes).
    type Item = Result<(&'a str, &'a str), AttrError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let bytes = self.content.as_bytes();
        let len = bytes.len();
        let Some(key_start) = self.skip_whitespace(self.pos) else {
            self.done = true;
            return None;
        };
        // The key's first byte is never its end (quick-xml's iterator has passed it).
        let key_end = (key_start + 1..len)
            .find(|&i| bytes.get(i).is_some_and(|&b| b == b'=' || is_whitespace(b)))
            .unwrap_or(len);
        let eq = match bytes.get(key_end) {
            None => return self.fail(AttrError::ExpectedEq(len)),
            Some(b'=') => key_end,
            Some(_) => match self.skip_whitespace(key_end) {
                None => return self.fail(AttrError::ExpectedEq(len)),
                Some(i) if bytes.get(i) == Some(&b'=') => i,
                Some(i) => return self.fail(AttrError::ExpectedEq(i)),
            },
        };
        let Some(open) = self.skip_whitespace(eq + 1) else {
            return self.fail(AttrError::ExpectedValue(len));
        };
        let quote = match bytes.get(open) {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => return self.fail(AttrError::UnquotedValue(open)),
        };
        let value_start = open + 1;
        let Some(close) = bytes
            .get(value_start..)
            .and_then(|rest| memchr::memchr(quote, rest))
            .map(|i| value_start + i)
        else {
            return self.fail(AttrError::ExpectedQuote(len, quote));
        };
        self.pos = close + 1;
        // Every cut is at an ASCII byte of a `&str`.
        match (
            self.content.get(key_start..key_end),
            self.content.get(value_start..close),
        ) {
            (Some(key), Some(value)) => Some(Ok((key, value))),
            _ => self.fail(AttrError::ExpectedEq(key_start)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A token as both tokenizers report it: its kind, its bytes as offsets of
    /// the input, and the offset after it.
    #[derive(Debug, PartialEq, Eq)]
    enum Seen {
        Token(String, usize, usize, usize),
        Error(String),
    }

    fn span(text: &str, part: &[u8]) -> (usize, usize) {
        let from = (part.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
        (from, from + part.len())
    }

    fn ours(text: &str) -> Vec<Seen> {
        let mut lexer = Lexer::new(text);
        let mut seen = Vec::new();
        loop {
            let token = match lexer.next() {
                Ok(token) => token,
                Err(e) => {
                    seen.push(Seen::Error(e.error.to_string()));
                    return seen;
                }
            };
            let after = lexer.position();
            let (kind, (from, to)) = match &token {
                Token::Start { content, name_len } => {
                    (format!("start {name_len}"), span(text, content.as_bytes()))
                }
                Token::Empty { content, name_len } => {
                    (format!("empty {name_len}"), span(text, content.as_bytes()))
                }
                Token::End => ("end".into(), (0, 0)),
                Token::Text(t) => ("text".into(), span(text, t.as_bytes())),
                Token::Ref(r) => ("ref".into(), span(text, r.as_bytes())),
                Token::Other(event) => other(text, event),
                Token::Eof => {
                    seen.push(Seen::Token("eof".into(), 0, 0, 0));
                    return seen;
                }
            };
            seen.push(Seen::Token(kind, from, to, after));
        }
    }

    fn other(text: &str, event: &Event<'_>) -> (String, (usize, usize)) {
        match event {
            Event::Comment(c) => ("comment".into(), span(text, c)),
            Event::CData(c) => ("cdata".into(), span(text, c)),
            Event::DocType(d) => ("doctype".into(), span(text, d)),
            Event::Decl(d) => ("decl".into(), span(text, d)),
            Event::PI(p) => (format!("pi {}", p.target().len()), span(text, p)),
            other => (format!("unexpected {other:?}"), (0, 0)),
        }
    }

    /// quick-xml's `Reader` with the configuration the parser used before. Its
    /// positions leave out a byte-order mark it skipped (the lexer's are offsets
    /// of the input, which the tree's `end` needs): they are shifted here.
    fn quick_xml(text: &str) -> Vec<Seen> {
        let bom = if text.starts_with('\u{FEFF}') { 3 } else { 0 };
        let mut reader = Reader::from_str(text);
        let config = reader.config_mut();
        config.trim_text(false);
        config.check_end_names = true;
        config.check_comments = true;
        config.expand_empty_elements = false;
        let mut seen = Vec::new();
        loop {
            let event = match reader.read_event() {
                Ok(event) => event,
                Err(e) => {
                    seen.push(Seen::Error(e.to_string()));
                    return seen;
                }
            };
            let after = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX) + bom;
            let (kind, (from, to)) = match &event {
                Event::Start(s) => (format!("start {}", s.name().as_ref().len()), span(text, s)),
                Event::Empty(s) => (format!("empty {}", s.name().as_ref().len()), span(text, s)),
                Event::End(_) => ("end".into(), (0, 0)),
                Event::Text(t) => ("text".into(), span(text, t)),
                Event::GeneralRef(r) => ("ref".into(), span(text, r)),
                Event::Eof => {
                    seen.push(Seen::Token("eof".into(), 0, 0, 0));
                    return seen;
                }
                event => other(text, event),
            };
            seen.push(Seen::Token(kind, from, to, after));
        }
    }

    const PIECES: [&str; 44] = [
        "<a",
        "<b:c",
        "<a:",
        "< a",
        "<",
        ">",
        "/>",
        "/",
        " />",
        "</a>",
        "</a >",
        "</a\n>",
        "</b:c>",
        "</ a>",
        "</",
        " x='1'",
        " y=\"2\"",
        " z='>'",
        "'",
        "\"",
        "&amp;",
        "&#65;",
        "&",
        ";",
        "&;",
        "<!--c-->",
        "<!-- - -->",
        "<!--",
        "-->",
        "<!---->",
        "<![CDATA[x]]>",
        "<![CDATA[",
        "]]>",
        "<?pi d?>",
        "<?xml version='1.0'?>",
        "<?",
        "?>",
        "<!DOCTYPE a>",
        "<!DOCTYPE a [<!ENTITY e 'x'>]>",
        "<!doctype b>",
        "t",
        " \n",
        "\u{FEFF}",
        "\u{e9}",
    ];

    fn agree(text: &str) {
        assert_eq!(ours(text), quick_xml(text), "{text:?}");
        paths_agree(text);
    }

    /// A name as the parser splits it: the colon's offset, or the refusal.
    fn colon_of(name: &str) -> String {
        match super::super::split_qname(name) {
            Ok((prefix, _)) => format!("{:?}", prefix.map(str::len)),
            Err(e) => format!("refused: {e}"),
        }
    }

    /// Every token of `text`, and for each start or empty tag its name's colon
    /// and its attributes (key and value as offsets, the key's colon): taken
    /// from the one-pass cut when the lexer made one, else cut by [`AttrIter`]
    /// and split as the parser splits names. Also how many tags were cut.
    fn tokens_and_cuts(text: &str, one_pass: bool) -> (Vec<String>, usize) {
        let mut lexer = Lexer::new(text);
        lexer.one_pass = one_pass;
        let mut log = Vec::new();
        let mut cut_tags = 0;
        loop {
            let token = match lexer.next() {
                Ok(token) => token,
                Err(e) => {
                    log.push(format!("error at {}: {}", e.at, e.error));
                    return (log, cut_tags);
                }
            };
            log.push(format!("{token:?} then {}", lexer.position()));
            let (content, name_len) = match token {
                Token::Start { content, name_len } | Token::Empty { content, name_len } => {
                    (content, name_len)
                }
                Token::Eof => return (log, cut_tags),
                _ => continue,
            };
            let name = content.get(..name_len).unwrap_or_default();
            match lexer.take_cut() {
                Some((colon, cuts)) => {
                    cut_tags += 1;
                    log.push(format!("name colon {colon:?}"));
                    for cut in &cuts {
                        log.push(format!(
                            "attr {:?} {:?} colon {:?}",
                            span(text, cut.key.as_bytes()),
                            span(text, cut.value.as_bytes()),
                            cut.colon
                        ));
                    }
                    lexer.return_cuts(cuts);
                }
                None => {
                    log.push(format!("name colon {}", colon_of(name)));
                    for attr in AttrIter::new(content, name_len) {
                        match attr {
                            Ok((key, value)) => log.push(format!(
                                "attr {:?} {:?} colon {}",
                                span(text, key.as_bytes()),
                                span(text, value.as_bytes()),
                                colon_of(key)
                            )),
                            Err(e) => {
                                log.push(format!("attr error {e}"));
                                break;
                            }
                        }
                    }
                }
            }
        }
    }

    /// The one-pass paths (start tags cut with their attributes, end tags
    /// matched by comparison) give what the general path gives: the same
    /// tokens, positions and refusals, and for a tag they cut, the attributes
    /// `AttrIter` cuts with names the parser would accept, split at the same
    /// colons. Returns whether the one-pass cut was used.
    fn paths_agree(text: &str) -> usize {
        let (one_pass, cut) = tokens_and_cuts(text, true);
        let (general, none) = tokens_and_cuts(text, false);
        assert_eq!(none, 0);
        assert_eq!(one_pass, general, "{text:?}");
        cut
    }

    /// Tags of every shape the one-pass cut takes or must leave alone (names
    /// with bad colons, digits or non-ASCII first, white space around `=`, no
    /// white space between attributes, unquoted or unclosed values, `/` not
    /// before `>`, the input ending inside the tag), 200 000 of them from a
    /// fixed generator, each alone, followed by text and an end tag, and
    /// nested, the end tags with and without white space, longer names, a
    /// missing `>`: the one-pass paths agree with the general path on all.
    #[test]
    fn one_pass_tags_agree_with_the_general_path() {
        const NAMES: [&str; 18] = [
            "a",
            "b:c",
            "a:",
            ":a",
            "a:b:c",
            "1a",
            "_x.y-z",
            "xmlns",
            "xmlns:p",
            "x:1",
            "\u{e9}",
            "a\u{e9}",
            "saml:Assertion",
            "a\"b",
            "xml:lang",
            "p:xmlns",
            "xmlns:",
            "a/",
        ];
        const SEPARATORS: [&str; 7] = [" ", "\n", "\t ", "", " = ", "=", "= "];
        const VALUES: [&str; 13] = [
            "'1'", "\"2\"", "'a\"b'", "\"x'>\"", "'&lt;'", "\"<\"", "'\n'", "''", "v", "'open",
            "'/'", "\"/>\"", "'>'",
        ];
        const ENDS: [&str; 7] = [">", "/>", " />", "/ >", "", " >", "\n>"];
        let mut next = crate::testing::below(0x9e37_79b9_7f4a_7c15_u64);
        let mut cut = 0;
        for _ in 0..200_000 {
            let name = NAMES[next(NAMES.len())];
            let mut tag = format!("<{name}");
            for _ in 0..next(4) {
                tag.push_str([" ", "\n", "", "  ", "\t", "\n\t "][next(6)]);
                tag.push_str(NAMES[next(NAMES.len())]);
                // Mostly well formed, so that later attributes are reached.
                if next(3) == 0 {
                    tag.push_str(SEPARATORS[next(SEPARATORS.len())]);
                    tag.push_str(VALUES[next(VALUES.len())]);
                } else {
                    tag.push('=');
                    tag.push_str(VALUES[next(3)]);
                }
            }
            tag.push_str(ENDS[next(ENDS.len())]);
            let end = ["", " ", "\n", "x", ":x", "/"][next(6)];
            let close = [">", ">", "", "/>"][next(4)];
            cut += paths_agree(&tag);
            cut += paths_agree(&format!("{tag}t</{name}{end}{close}"));
            cut += paths_agree(&format!("<r>{tag}{tag}</{name}></{name}{end}{close}</r>"));
        }
        assert!(cut > 150_000, "the one-pass cut was taken {cut} times");
    }

    /// Every sequence of up to three pieces, and 40 000 longer ones drawn from a
    /// fixed generator, are cut into the same tokens (kinds, bytes, positions) and
    /// refused at the same token with the same message as quick-xml's `Reader`.
    #[test]
    fn lexer_agrees_with_quick_xml_on_generated_documents() {
        let mut count = 0usize;
        for a in PIECES {
            agree(a);
            for b in PIECES {
                agree(&format!("{a}{b}"));
                for c in PIECES {
                    agree(&format!("{a}{b}{c}"));
                    count += 1;
                }
            }
        }
        // Documents shaped like assertions: well-formed skeletons with pieces
        // spliced in.
        let mut next = crate::testing::below(0x2545_f491_4f6c_dd1d_u64);
        for _ in 0..40_000 {
            let mut doc = String::from("<r>");
            let mut open = vec!["r"];
            for _ in 0..next(24) {
                match next(6) {
                    0 => {
                        let name = ["a", "b:c", "d"][next(3)];
                        doc.push('<');
                        doc.push_str(name);
                        open.push(name);
                        if next(2) == 0 {
                            doc.push_str(" x='1' y=\"&lt;\"");
                        }
                        doc.push('>');
                    }
                    1 => {
                        if let Some(name) = open.pop() {
                            doc.push_str("</");
                            doc.push_str(name);
                            doc.push('>');
                        }
                    }
                    2 => doc.push_str("text&amp;more"),
                    _ => doc.push_str(PIECES[next(PIECES.len())]),
                }
            }
            while let Some(name) = open.pop() {
                doc.push_str("</");
                doc.push_str(name);
                doc.push('>');
            }
            agree(&doc);
            count += 1;
        }
        assert!(count > 120_000);
    }

    fn attrs_agree(content: &str) {
        let name_len = content
            .bytes()
            .position(is_whitespace)
            .unwrap_or(content.len());
        let ours: Vec<_> = AttrIter::new(content, name_len)
            .map(|r| r.map(|(k, v)| (span(content, k.as_bytes()), span(content, v.as_bytes()))))
            .collect();
        let theirs: Vec<_> = quick_xml::events::attributes::Attributes::new(content, name_len)
            .with_checks(false)
            .map(|r| {
                r.map(|a| {
                    let value = match &a.value {
                        std::borrow::Cow::Borrowed(v) => span(content, v),
                        std::borrow::Cow::Owned(_) => (usize::MAX, 0),
                    };
                    (span(content, a.key.into_inner()), value)
                })
            })
            .collect();
        // quick-xml goes on after an error; the parser stops at the first.
        let mut theirs = theirs;
        if let Some(first) = theirs.iter().position(Result::is_err) {
            theirs.truncate(first + 1);
        }
        assert_eq!(ours, theirs, "{content:?}");
    }

    /// Every tag content of up to five pieces after a name is cut into the same
    /// keys and values, and refused with the same error at the same offset, as by
    /// quick-xml's `Attributes` without its duplicate check (up to its first
    /// error: the parser stops there).
    #[test]
    fn attributes_agree_with_quick_xml() {
        let pieces = [
            "x", "b:c", "=", " ", "\n", "'", "\"", "v", "'1'", "\"2\"", " = ", "\t", "&lt;",
            "\u{e9}", ">", "/",
        ];
        let mut contents = vec![String::from("a")];
        for _ in 0..5 {
            let longer: Vec<String> = contents
                .iter()
                .filter(|c| c.len() >= contents.last().map_or(0, |l| l.len().min(6)))
                .flat_map(|c| pieces.iter().map(move |p| format!("{c}{p}")))
                .collect();
            contents.extend(longer);
        }
        contents.extend(pieces.iter().map(|p| format!("a {p}")));
        for content in &contents {
            attrs_agree(content);
            paths_agree(&format!("<{content}>"));
            paths_agree(&format!("<{content}/></a>"));
        }
        assert!(contents.len() > 100_000, "{}", contents.len());
    }

    /// The fuzz corpora of the XML targets, whole and cut at every tenth byte.
    #[test]
    fn lexer_agrees_with_quick_xml_on_the_fuzz_corpora() {
        for text in crate::testing::xml_fuzz_corpora() {
            agree(&text);
            for cut in (0..text.len()).step_by(10) {
                if let Some(head) = text.get(..cut) {
                    agree(head);
                }
            }
        }
    }
}
