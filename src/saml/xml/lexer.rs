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
/// offset it is reported at.
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
    /// The names of the open start tags, as ranges of `text`.
    open: Vec<(usize, usize)>,
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
        }
    }

    /// The offset just after the last token.
    pub(super) fn position(&self) -> usize {
        self.pos
    }

    fn rest(&self) -> &'a [u8] {
        self.text.as_bytes().get(self.pos..).unwrap_or_default()
    }

    /// `text[from..to]`; the ranges cut here end at ASCII delimiters.
    fn slice(&self, from: usize, to: usize) -> Result<&'a str, LexError> {
        self.text.get(from..to).ok_or(LexError {
            error: quick_xml::Error::Syntax(SyntaxError::UnclosedTag),
            at: from,
        })
    }

    fn fail<T>(&mut self, error: quick_xml::Error, at: usize) -> Result<T, LexError> {
        self.state = State::Done;
        Err(LexError { error, at })
    }

    /// The next token.
    pub(super) fn next(&mut self) -> Result<Token<'a>, LexError> {
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
    fn reference(&mut self) -> Result<Token<'a>, LexError> {
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
    fn markup(&mut self) -> Result<Token<'a>, LexError> {
        let start = self.pos;
        let rest = self.rest();
        self.state = State::Text;
        match rest.get(1) {
            None => self.fail(quick_xml::Error::Syntax(SyntaxError::UnclosedTag), start),
            Some(b'!' | b'?') => self.by_quick_xml(),
            Some(b'/') => {
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
                    Some((from, to)) => {
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
                    self.open.push((start + 1, start + 1 + name_len));
                    Ok(Token::Start { content, name_len })
                }
            }
        }
    }

    /// `<!…>` or `<?…?>`: one token read by a quick-xml `Reader` over the rest of
    /// the input (no open element is involved in either).
    fn by_quick_xml(&mut self) -> Result<Token<'a>, LexError> {
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
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % n as u64).unwrap_or(0)
        };
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
        }
        assert!(contents.len() > 100_000, "{}", contents.len());
    }

    /// The fuzz corpora of the XML targets, whole and cut at every tenth byte.
    #[test]
    fn lexer_agrees_with_quick_xml_on_the_fuzz_corpora() {
        let mut files = 0;
        for target in ["saml_verify", "saml_canonicalize"] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("fuzz/corpus")
                .join(target);
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let Ok(bytes) = std::fs::read(entry.path()) else {
                    continue;
                };
                let text = String::from_utf8_lossy(&bytes);
                agree(&text);
                for cut in (0..text.len()).step_by(10) {
                    if let Some(head) = text.get(..cut) {
                        agree(head);
                    }
                }
                files += 1;
            }
        }
        assert!(files > 100, "the fuzz corpora were not found");
    }
}
