//! Header fields: splitting a header into fields, the content fields of a
//! part (RFC 2045, 2183, 3066, 2557), the envelope fields of a message
//! (RFC 5322), and the field filter of `HEADER.FIELDS`.

/// Each field of a header as written: its first line and every
/// continuation line.
fn raw_fields(header: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = header;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut end = 0;
        loop {
            end = memchr::memchr(b'\n', &rest[end..]).map_or(rest.len(), |i| end + i + 1);
            if !matches!(rest.get(end), Some(b' ' | b'\t')) {
                break;
            }
        }
        let (field, tail) = rest.split_at(end);
        rest = tail;
        Some(field)
    })
}

/// A header split into (name, raw value with its folding), in order.
/// Lines that are not fields (no colon, or a space in the name) are
/// skipped, as a continuation of nothing is.
pub fn unfold_fields(header: &[u8]) -> Vec<(&[u8], &[u8])> {
    let mut out = Vec::new();
    for field in raw_fields(header) {
        let Some(colon) = memchr::memchr(b':', field) else { continue };
        let name = trim(&field[..colon]);
        if name.is_empty() || name.iter().any(|&b| b <= b' ' || b >= 0x7f) {
            continue;
        }
        out.push((name, &field[colon + 1..]));
    }
    out
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t' | b'\r' | b'\n', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t' | b'\r' | b'\n'] = s {
        s = rest;
    }
    s
}

/// A field value unfolded (line breaks removed) and trimmed.
pub fn unfold(value: &[u8]) -> Vec<u8> {
    let mut out: Vec<u8> = value.iter().copied().filter(|&b| b != b'\r' && b != b'\n').collect();
    let t = trim(&out);
    let (start, len) = (t.as_ptr() as usize - out.as_ptr() as usize, t.len());
    out.drain(..start);
    out.truncate(len);
    out
}

/// The lines of `header` whose field names are (`not`: are not) among
/// `names`, with the blank line that ends a header (RFC 3501
/// `HEADER.FIELDS`).
pub fn header_fields(header: &[u8], names: &[Vec<u8>], not: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for field in raw_fields(header) {
        let Some(colon) = memchr::memchr(b':', field) else { continue };
        let name = trim(&field[..colon]);
        let listed = names.iter().any(|n| n.eq_ignore_ascii_case(name));
        if listed != not {
            out.extend_from_slice(field);
            if !field.ends_with(b"\n") {
                out.extend_from_slice(b"\r\n");
            }
        }
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// A parameter (`name=value`, the name lower case, the value unquoted).
pub type Param = (Box<[u8]>, Box<[u8]>);

/// The raw values of the header fields ENVELOPE is made of (the first of
/// each), unfolded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvelopeFields {
    /// `Date`.
    pub date: Option<Box<[u8]>>,
    /// `Subject`.
    pub subject: Option<Box<[u8]>>,
    /// `From`.
    pub from: Option<Box<[u8]>>,
    /// `Sender`.
    pub sender: Option<Box<[u8]>>,
    /// `Reply-To`.
    pub reply_to: Option<Box<[u8]>>,
    /// `To`.
    pub to: Option<Box<[u8]>>,
    /// `Cc`.
    pub cc: Option<Box<[u8]>>,
    /// `Bcc`.
    pub bcc: Option<Box<[u8]>>,
    /// `In-Reply-To`.
    pub in_reply_to: Option<Box<[u8]>>,
    /// `Message-ID`.
    pub message_id: Option<Box<[u8]>>,
}

/// A part's content fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fields {
    /// The media type, lower case (`text` when the part has none).
    pub media_type: Box<[u8]>,
    /// The subtype, lower case.
    pub subtype: Box<[u8]>,
    /// Whether Content-Type was given (and understood).
    pub explicit_type: bool,
    /// The Content-Type parameters.
    pub params: Vec<Param>,
    /// `Content-ID`.
    pub id: Option<Box<[u8]>>,
    /// `Content-Description`.
    pub description: Option<Box<[u8]>>,
    /// `Content-Transfer-Encoding`, lower case.
    pub encoding: Option<Box<[u8]>>,
    /// `Content-MD5`.
    pub md5: Option<Box<[u8]>>,
    /// `Content-Disposition`: the disposition (lower case) and its
    /// parameters.
    pub disposition: Option<(Box<[u8]>, Vec<Param>)>,
    /// `Content-Language` tags.
    pub language: Vec<Box<[u8]>>,
    /// `Content-Location`.
    pub location: Option<Box<[u8]>>,
    /// The envelope fields, for a message's top part.
    pub envelope: Option<Box<EnvelopeFields>>,
}

impl Default for Fields {
    fn default() -> Fields {
        Fields {
            media_type: Box::from(&b"text"[..]),
            subtype: Box::from(&b"plain"[..]),
            explicit_type: false,
            params: Vec::new(),
            id: None,
            description: None,
            encoding: None,
            md5: None,
            disposition: None,
            language: Vec::new(),
            location: None,
            envelope: None,
        }
    }
}

fn boxed(value: &[u8]) -> Option<Box<[u8]>> {
    Some(unfold(value).into_boxed_slice())
}

impl Fields {
    /// The fields of a part's header. In a multipart/digest a part without
    /// Content-Type is message/rfc822 (RFC 2046 5.1.5).
    pub fn parse(header: &[u8], in_digest: bool, message_root: bool) -> Fields {
        let mut fields = Fields::default();
        if in_digest {
            fields.media_type = Box::from(&b"message"[..]);
            fields.subtype = Box::from(&b"rfc822"[..]);
        }
        let mut envelope = message_root.then(EnvelopeFields::default);
        let mut seen_type = false;
        for (name, value) in unfold_fields(header) {
            let lower = name.to_ascii_lowercase();
            match &lower[..] {
                b"content-type" if !seen_type => {
                    seen_type = true;
                    fields.content_type(&unfold(value));
                }
                b"content-id" => fields.id = fields.id.take().or_else(|| boxed(value)),
                b"content-description" => fields.description = fields.description.take().or_else(|| boxed(value)),
                b"content-transfer-encoding" => {
                    if fields.encoding.is_none() {
                        fields.encoding = Some(unfold(value).to_ascii_lowercase().into_boxed_slice());
                    }
                }
                b"content-md5" => fields.md5 = fields.md5.take().or_else(|| boxed(value)),
                b"content-location" => fields.location = fields.location.take().or_else(|| boxed(value)),
                b"content-language" if fields.language.is_empty() => {
                    fields.language = unfold(value)
                        .split(|&b| b == b',')
                        .map(trim)
                        .filter(|l| !l.is_empty())
                        .map(Box::from)
                        .collect();
                }
                b"content-disposition" if fields.disposition.is_none() => {
                    let value = unfold(value);
                    let (kind, params) = split_params(&value);
                    if !kind.is_empty() {
                        fields.disposition = Some((kind.to_ascii_lowercase().into_boxed_slice(), params));
                    }
                }
                _ => {
                    if let Some(env) = &mut envelope {
                        let slot = match &lower[..] {
                            b"date" => &mut env.date,
                            b"subject" => &mut env.subject,
                            b"from" => &mut env.from,
                            b"sender" => &mut env.sender,
                            b"reply-to" => &mut env.reply_to,
                            b"to" => &mut env.to,
                            b"cc" => &mut env.cc,
                            b"bcc" => &mut env.bcc,
                            b"in-reply-to" => &mut env.in_reply_to,
                            b"message-id" => &mut env.message_id,
                            _ => continue,
                        };
                        if slot.is_none() {
                            *slot = boxed(value);
                        }
                    }
                }
            }
        }
        fields.envelope = envelope.map(Box::new);
        fields
    }

    fn content_type(&mut self, value: &[u8]) {
        let (kind, params) = split_params(value);
        let Some(slash) = kind.iter().position(|&b| b == b'/') else { return };
        let (media, sub) = (trim(&kind[..slash]), trim(&kind[slash + 1..]));
        let token =
            |s: &[u8]| !s.is_empty() && s.iter().all(|&b| b > b' ' && b < 0x7f && !b"()<>@,;:\\\"/[]?=".contains(&b));
        if !token(media) || !token(sub) {
            return;
        }
        self.media_type = media.to_ascii_lowercase().into_boxed_slice();
        self.subtype = sub.to_ascii_lowercase().into_boxed_slice();
        self.explicit_type = true;
        self.params = params;
    }

    /// A Content-Type parameter's value (names compared without case).
    pub fn param(&self, name: &[u8]) -> Option<&[u8]> {
        self.params.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| &v[..])
    }
}

/// `value; a=b; c="d e"` into the value and its parameters (names lower
/// case, quoted strings unquoted).
fn split_params(value: &[u8]) -> (Vec<u8>, Vec<Param>) {
    let mut params = Vec::new();
    let mut i = value.iter().position(|&b| b == b';').unwrap_or(value.len());
    let head = trim(&value[..i]).to_vec();
    while i < value.len() {
        // Past the ';'.
        i += 1;
        let rest = &value[i..];
        let Some(eq) = rest.iter().position(|&b| b == b'=' || b == b';') else { break };
        if rest[eq] == b';' {
            i += eq;
            continue;
        }
        let name = trim(&rest[..eq]).to_ascii_lowercase();
        let mut j = eq + 1;
        while matches!(rest.get(j), Some(b' ' | b'\t')) {
            j += 1;
        }
        let mut val = Vec::new();
        if rest.get(j) == Some(&b'"') {
            j += 1;
            while j < rest.len() && rest[j] != b'"' {
                if rest[j] == b'\\' && j + 1 < rest.len() {
                    j += 1;
                }
                val.push(rest[j]);
                j += 1;
            }
            // Past the closing quote, to the next ';'.
            j += 1;
            while j < rest.len() && rest[j] != b';' {
                j += 1;
            }
        } else {
            let end = rest[j..].iter().position(|&b| b == b';').map_or(rest.len(), |k| j + k);
            val.extend_from_slice(trim(&rest[j..end]));
            j = end;
        }
        if !name.is_empty() {
            params.push((name.into_boxed_slice(), val.into_boxed_slice()));
        }
        i += j;
    }
    (head, params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_and_parameters() {
        let f = Fields::parse(
            b"Content-Type: Multipart/Mixed;\r\n boundary=\"a b;c\"; charset=UTF-8 ; x=\"q\\\"q\"\r\n\r\n",
            false,
            false,
        );
        assert_eq!((&*f.media_type, &*f.subtype), (&b"multipart"[..], &b"mixed"[..]));
        assert_eq!(f.param(b"BOUNDARY"), Some(&b"a b;c"[..]));
        assert_eq!(f.param(b"charset"), Some(&b"UTF-8"[..]));
        assert_eq!(f.param(b"x"), Some(&b"q\"q"[..]));
        let bad = Fields::parse(b"Content-Type: garbage\r\n", false, false);
        assert!(!bad.explicit_type && &*bad.media_type == b"text");
        let digest = Fields::parse(b"Subject: x\r\n", true, true);
        assert_eq!(&*digest.media_type, b"message");
        assert_eq!(digest.envelope.unwrap().subject.as_deref(), Some(&b"x"[..]));
    }

    #[test]
    fn header_field_filter() {
        let h = b"From: a\r\nTo: b,\r\n c\r\nSubject: s\r\n\r\n";
        assert_eq!(header_fields(h, &[b"to".to_vec()], false), b"To: b,\r\n c\r\n\r\n");
        assert_eq!(header_fields(h, &[b"to".to_vec()], true), b"From: a\r\nSubject: s\r\n\r\n");
        assert_eq!(unfold(b" a\r\n b \r\n"), b"a b");
    }
}
