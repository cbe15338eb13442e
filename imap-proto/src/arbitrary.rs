//! `arbitrary` support (feature `arbitrary`): canonical values of every
//! type, built from unstructured bytes. Canonical means the values the
//! serializer writes and the parser reads back exactly, so fuzzers and the
//! property tests share one set of generators:
//!
//! ```
//! use arbitrary::{Arbitrary, Unstructured};
//! use imap_wire::{Command, Encode};
//!
//! let command = Command::arbitrary(&mut Unstructured::new(b"some fuzzer bytes")).unwrap();
//! assert_eq!(Command::parse(&command.to_bytes()), Ok(command));
//! ```

use std::num::NonZeroU32;

use ::arbitrary::{Arbitrary, Result as AResult, Unstructured};
use bytes::Bytes;

use crate::*;

const ATOM: &[u8] = b"!#$&'+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[^_`abcdefghijklmnopqrstuvwxyz|}~";

fn vec_of<T>(
    u: &mut Unstructured<'_>,
    max: usize,
    mut f: impl FnMut(&mut Unstructured<'_>) -> AResult<T>,
) -> AResult<Vec<T>> {
    let n = u.int_in_range(0..=max)?;
    (0..n).map(|_| f(u)).collect()
}

fn vec1_of<T>(
    u: &mut Unstructured<'_>,
    max: usize,
    mut f: impl FnMut(&mut Unstructured<'_>) -> AResult<T>,
) -> AResult<Vec<T>> {
    let n = u.int_in_range(1..=max)?;
    (0..n).map(|_| f(u)).collect()
}

fn from_alphabet(u: &mut Unstructured<'_>, alphabet: &[u8], min: usize, max: usize) -> AResult<String> {
    let n = u.int_in_range(min..=max)?;
    (0..n).map(|_| u.choose(alphabet).map(|&b| b as char)).collect()
}

fn atom(u: &mut Unstructured<'_>) -> AResult<Atom> {
    Ok(Atom::try_from(from_alphabet(u, ATOM, 1, 10)?).expect("atom alphabet"))
}

fn x_name(u: &mut Unstructured<'_>) -> AResult<Atom> {
    Ok(Atom::try_from(format!("X-{}", from_alphabet(u, b"ABCDEFGHIJ0123456789", 1, 8)?)).expect("x-name"))
}

fn istring(u: &mut Unstructured<'_>) -> AResult<IString> {
    Ok(IString::from(<Vec<u8>>::arbitrary(u)?))
}

fn nstring(u: &mut Unstructured<'_>) -> AResult<Option<IString>> {
    if u.arbitrary()? {
        Ok(Some(istring(u)?))
    } else {
        Ok(None)
    }
}

fn text(u: &mut Unstructured<'_>) -> AResult<Text> {
    let s = from_alphabet(u, b"abcXYZ 0129.,!()%{}", 0, 30)?;
    let s = s.trim_start_matches('[').to_string();
    Ok(Text::try_from(s.as_str()).expect("text alphabet"))
}

fn nz(u: &mut Unstructured<'_>) -> AResult<NonZeroU32> {
    Ok(NonZeroU32::new(u.arbitrary::<u32>()?.max(1)).expect("non-zero"))
}

fn seq(u: &mut Unstructured<'_>) -> AResult<SequenceSet> {
    let ranges = vec1_of(u, 4, |u| {
        let n = |u: &mut Unstructured<'_>| -> AResult<SeqNumber> {
            Ok(if u.ratio(1, 5)? { SeqNumber::Largest } else { SeqNumber::Value(nz(u)?) })
        };
        Ok(match u.int_in_range(0..=8)? {
            0 => SeqRange::Saved,
            1..=4 => SeqRange::Single(n(u)?),
            _ => SeqRange::Range(n(u)?, n(u)?),
        })
    })?;
    Ok(SequenceSet::new(ranges).expect("non-empty"))
}

fn date(u: &mut Unstructured<'_>) -> AResult<Date> {
    Ok(Date::new(u.int_in_range(0..=9999)?, u.int_in_range(1..=12)?, u.int_in_range(1..=28)?).expect("valid date"))
}

fn date_time(u: &mut Unstructured<'_>) -> AResult<DateTime> {
    let zone = u.int_in_range(-(99 * 60 + 59)..=(99 * 60 + 59))?;
    Ok(DateTime::new(date(u)?, u.int_in_range(0..=23)?, u.int_in_range(0..=59)?, u.int_in_range(0..=60)?, zone)
        .expect("valid"))
}

fn flag(u: &mut Unstructured<'_>) -> AResult<Flag> {
    Ok(match u.int_in_range(0..=6)? {
        0 => Flag::Answered,
        1 => Flag::Flagged,
        2 => Flag::Deleted,
        3 => Flag::Seen,
        4 => Flag::Draft,
        5 => Flag::Keyword(atom(u)?),
        _ => {
            let a = atom(u)?;
            if a.eq_ignore_case("Recent") {
                Flag::Seen
            } else {
                Flag::system_or_extension(a)
            }
        }
    })
}

fn mailbox(u: &mut Unstructured<'_>) -> AResult<Mailbox> {
    Ok(Mailbox::from(istring(u)?))
}

fn code(u: &mut Unstructured<'_>) -> AResult<Code> {
    Ok(match u.int_in_range(0..=23)? {
        23 => Code::BadEvent(vec1_of(u, 3, notify_event)?),
        17 => u.choose(Code::ARGUMENT_FREE)?.clone(),
        18 => Code::NoUpdate(Tag::try_from(from_alphabet(u, b"Aa0.", 1, 6)?).expect("tag")),
        19 => Code::MailboxId(object_id(u)?),
        20 => Code::Modified(seq(u)?),
        21 => Code::Metadata(match u.int_in_range(0..=3)? {
            0 => MetadataCode::LongEntries(u.arbitrary()?),
            1 => MetadataCode::MaxSize(u.arbitrary()?),
            2 => MetadataCode::TooMany,
            _ => MetadataCode::NoPrivate,
        }),
        0 => Code::Alert,
        1 => Code::BadCharset(vec_of(u, 3, |u| Ok(IString::from(from_alphabet(u, b"A-Z0-9_", 0, 8)?)))?),
        2 => Code::Capability(vec_of(u, 4, |u| Ok(Capability::from_atom(atom(u)?)))?),
        3 => Code::Parse,
        4 => Code::PermanentFlags(vec_of(u, 4, |u| {
            Ok(if u.arbitrary()? { FlagPerm::AnyKeyword } else { FlagPerm::Flag(flag(u)?) })
        })?),
        5 => Code::ReadOnly,
        6 => Code::ReadWrite,
        7 => Code::TryCreate,
        8 => Code::UidNext(nz(u)?),
        9 => Code::UidValidity(nz(u)?),
        10 => Code::Unseen(nz(u)?),
        11 => Code::AppendUid { uid_validity: nz(u)?, uids: seq(u)? },
        12 => Code::CopyUid { uid_validity: nz(u)?, source: seq(u)?, destination: seq(u)? },
        13 => Code::UidNotSticky,
        14 => Code::HighestModSeq(u.arbitrary()?),
        15 => Code::NoModSeq,
        16 => Code::Closed,
        _ => Code::Other {
            name: x_name(u)?,
            arguments: if u.arbitrary()? {
                Some(CodeText::new(format!("{}a", from_alphabet(u, b"abc 0%[", 0, 8)?)).expect("code text"))
            } else {
                None
            },
        },
    })
}

fn section(u: &mut Unstructured<'_>) -> AResult<Section> {
    let part = vec_of(u, 3, nz)?;
    let text = match u.int_in_range(0..=4)? {
        0 => None,
        1 => Some(SectionText::Header),
        2 => Some(SectionText::Text),
        3 if !part.is_empty() => Some(SectionText::Mime),
        _ => Some(SectionText::HeaderFields { not: u.arbitrary()?, fields: vec1_of(u, 3, istring)? }),
    };
    Ok(Section { part, text })
}

fn address(u: &mut Unstructured<'_>) -> AResult<Address> {
    Ok(Address { name: nstring(u)?, adl: nstring(u)?, mailbox: nstring(u)?, host: nstring(u)? })
}

fn envelope(u: &mut Unstructured<'_>) -> AResult<Envelope> {
    Ok(Envelope {
        date: nstring(u)?,
        subject: nstring(u)?,
        from: vec_of(u, 2, address)?,
        sender: vec_of(u, 2, address)?,
        reply_to: vec_of(u, 2, address)?,
        to: vec_of(u, 2, address)?,
        cc: vec_of(u, 2, address)?,
        bcc: vec_of(u, 2, address)?,
        in_reply_to: nstring(u)?,
        message_id: nstring(u)?,
    })
}

fn params(u: &mut Unstructured<'_>) -> AResult<Vec<BodyParameter>> {
    vec_of(u, 2, |u| Ok((istring(u)?, istring(u)?)))
}

fn body_extension(u: &mut Unstructured<'_>, depth: u32) -> AResult<BodyExtension> {
    Ok(match u.int_in_range(0..=2)? {
        0 => BodyExtension::NString(nstring(u)?),
        1 => BodyExtension::Number(u.arbitrary()?),
        _ if depth < 3 => BodyExtension::List(vec1_of(u, 3, |u| body_extension(u, depth + 1))?),
        _ => BodyExtension::Number(0),
    })
}

fn disposition_ext(u: &mut Unstructured<'_>) -> AResult<Option<DispositionExtension>> {
    if !u.arbitrary()? {
        return Ok(None);
    }
    let disposition =
        if u.arbitrary()? { Some(Disposition { kind: istring(u)?, parameters: params(u)? }) } else { None };
    let tail = if u.arbitrary()? {
        let languages = vec_of(u, 3, istring)?;
        let tail = if u.arbitrary()? {
            Some(LocationExtension { location: nstring(u)?, extensions: vec_of(u, 2, |u| body_extension(u, 0))? })
        } else {
            None
        };
        Some(LanguageExtension { languages, tail })
    } else {
        None
    };
    Ok(Some(DispositionExtension { disposition, tail }))
}

fn body(u: &mut Unstructured<'_>, depth: u32) -> AResult<BodyStructure> {
    let fields = |u: &mut Unstructured<'_>| -> AResult<BodyFields> {
        Ok(BodyFields {
            parameters: params(u)?,
            id: nstring(u)?,
            description: nstring(u)?,
            encoding: istring(u)?,
            octets: u.arbitrary()?,
        })
    };
    let single_ext = |u: &mut Unstructured<'_>| -> AResult<Option<SinglePartExtension>> {
        Ok(if u.arbitrary()? {
            Some(SinglePartExtension { md5: nstring(u)?, tail: disposition_ext(u)? })
        } else {
            None
        })
    };
    let choice = if depth >= 3 { u.int_in_range(0..=1)? } else { u.int_in_range(0..=3)? };
    Ok(match choice {
        0 => {
            let t = from_alphabet(u, b"ABCDIMGVX", 1, 8)?;
            let media_type =
                if t == "TEXT" || t == "MESSAGE" { IString::from("APPLICATION") } else { IString::from(t) };
            BodyStructure::Single {
                body: SinglePart {
                    kind: SinglePartKind::Basic { media_type, subtype: istring(u)? },
                    fields: fields(u)?,
                },
                extension: single_ext(u)?,
            }
        }
        1 => BodyStructure::Single {
            body: SinglePart {
                kind: SinglePartKind::Text { subtype: istring(u)?, lines: u.arbitrary()? },
                fields: fields(u)?,
            },
            extension: single_ext(u)?,
        },
        2 => BodyStructure::Multi {
            parts: vec1_of(u, 3, |u| body(u, depth + 1))?,
            subtype: istring(u)?,
            extension: if u.arbitrary()? {
                Some(MultiPartExtension { parameters: params(u)?, tail: disposition_ext(u)? })
            } else {
                None
            },
        },
        _ => {
            let subtype = IString::from(*u.choose(&["RFC822", "rfc822", "GLOBAL"])?);
            let f = fields(u)?;
            BodyStructure::Single {
                body: SinglePart {
                    kind: SinglePartKind::Message {
                        subtype,
                        envelope: Box::new(envelope(u)?),
                        body: Box::new(body(u, depth + 1)?),
                        lines: u.arbitrary()?,
                    },
                    fields: f,
                },
                extension: single_ext(u)?,
            }
        }
    })
}

fn raw_value(u: &mut Unstructured<'_>) -> AResult<RawValue> {
    let s = *u.choose(&["NIL", "12", "(\\Inbox \"a b\" (1 2))", "{3}\r\nabc", "\"q\""])?;
    Ok(RawValue::parse(Bytes::from_static(s.as_bytes())).expect("sample"))
}

fn message_attribute(u: &mut Unstructured<'_>) -> AResult<MessageAttribute> {
    Ok(match u.int_in_range(0..=22)? {
        0 => MessageAttribute::Flags(vec_of(u, 4, |u| {
            Ok(if u.ratio(1, 5)? { FlagFetch::Recent } else { FlagFetch::Flag(flag(u)?) })
        })?),
        1 => MessageAttribute::Envelope(Box::new(envelope(u)?)),
        2 => MessageAttribute::InternalDate(date_time(u)?),
        3 => MessageAttribute::Rfc822(nstring(u)?),
        4 => MessageAttribute::Rfc822Header(nstring(u)?),
        5 => MessageAttribute::Rfc822Text(nstring(u)?),
        6 => MessageAttribute::Rfc822Size(u.arbitrary()?),
        7 => MessageAttribute::Body(Box::new(body(u, 0)?)),
        8 => MessageAttribute::BodyStructure(Box::new(body(u, 0)?)),
        9 => MessageAttribute::BodySection { section: section(u)?, origin: u.arbitrary()?, data: nstring(u)? },
        10 => MessageAttribute::Uid(nz(u)?),
        11 => MessageAttribute::ModSeq(u.arbitrary()?),
        13 => MessageAttribute::Binary { part: vec_of(u, 3, nz)?, origin: u.arbitrary()?, data: nstring(u)? },
        14 => MessageAttribute::BinarySize { part: vec_of(u, 3, nz)?, size: u.arbitrary()? },
        15 => {
            if u.arbitrary()? {
                MessageAttribute::Preview(nstring(u)?)
            } else {
                MessageAttribute::Snippet { preview: u.arbitrary()?, algorithm: atom(u)?, text: nstring(u)? }
            }
        }
        16 => MessageAttribute::EmailId(object_id(u)?),
        17 => MessageAttribute::ThreadId(if u.arbitrary()? { Some(object_id(u)?) } else { None }),
        18 => MessageAttribute::SaveDate(if u.arbitrary()? { Some(date_time(u)?) } else { None }),
        19 => MessageAttribute::GmailMessageId(u.arbitrary()?),
        20 => MessageAttribute::GmailThreadId(u.arbitrary()?),
        21 => MessageAttribute::GmailLabels(vec_of(u, 3, |u| {
            Ok(if u.arbitrary()? { IString::from(format!("\\{}", atom(u)?)) } else { istring(u)? })
        })?),
        _ => MessageAttribute::Other { name: x_name(u)?, value: raw_value(u)? },
    })
}

fn raw_arguments(u: &mut Unstructured<'_>) -> AResult<RawArguments> {
    let s = from_alphabet(u, b"abc 01()\"", 0, 10)?;
    Ok(RawArguments::new(s).expect("no line breaks"))
}

fn status_attribute(u: &mut Unstructured<'_>) -> AResult<StatusAttribute> {
    Ok(match u.int_in_range(0..=10)? {
        8 => StatusAttribute::MailboxId,
        9 => StatusAttribute::AppendLimit,
        0 => StatusAttribute::Messages,
        1 => StatusAttribute::Recent,
        2 => StatusAttribute::UidNext,
        3 => StatusAttribute::UidValidity,
        4 => StatusAttribute::Unseen,
        5 => StatusAttribute::HighestModSeq,
        6 => StatusAttribute::Size,
        7 => StatusAttribute::Deleted,
        _ => StatusAttribute::Other(x_name(u)?),
    })
}

fn data(u: &mut Unstructured<'_>) -> AResult<Data> {
    let list_item = |u: &mut Unstructured<'_>| -> AResult<ListItem> {
        Ok(ListItem {
            attributes: vec_of(u, 3, |u| Ok(MailboxAttribute::from_name(atom(u)?)))?,
            delimiter: if u.arbitrary()? {
                Some(Delimiter::new(u.int_in_range(0x20u8..=0x7e)? as char).expect("ascii"))
            } else {
                None
            },
            mailbox: mailbox(u)?,
            extended: vec_of(u, 2, |u| {
                Ok(match u.int_in_range(0..=2)? {
                    0 => ListExtendedItem::ChildInfo(vec1_of(u, 2, istring)?),
                    1 => ListExtendedItem::OldName(mailbox(u)?),
                    _ => ListExtendedItem::Other {
                        tag: IString::from(x_name(u)?.as_str()),
                        value: RawValue::parse(Bytes::from_static(b"(1 (2 3))")).expect("sample"),
                    },
                })
            })?,
        })
    };
    Ok(match u.int_in_range(0..=14)? {
        0 => Data::Capability(vec_of(u, 4, |u| Ok(Capability::from_atom(atom(u)?)))?),
        1 => Data::List(list_item(u)?),
        2 => {
            if u.arbitrary()? {
                Data::Lsub(list_item(u)?)
            } else {
                Data::Xlist(list_item(u)?)
            }
        }
        3 => Data::Status {
            mailbox: mailbox(u)?,
            items: vec_of(u, 3, |u| {
                let attribute = status_attribute(u)?;
                let value = match u.int_in_range(0..=5)? {
                    0 => StatusValue::Nil,
                    1 if attribute == StatusAttribute::MailboxId => StatusValue::ObjectId(object_id(u)?),
                    2 => StatusValue::Other(RawValue::parse(Bytes::from_static(b"(X 1)")).expect("sample")),
                    _ => StatusValue::Number(u.arbitrary()?),
                };
                Ok(StatusItem { attribute, value })
            })?,
        },
        4 => match u.int_in_range(0..=3)? {
            0 => Data::Search { ids: vec_of(u, 8, nz)?, modseq: u.arbitrary()? },
            1 => Data::Sort { ids: vec_of(u, 8, nz)?, modseq: u.arbitrary()? },
            2 => Data::ESearch(ESearchResponse {
                tag: if u.arbitrary()? { Some(istring(u)?) } else { None },
                uid: u.arbitrary()?,
                data: vec_of(u, 4, search_return_data)?,
            }),
            _ => Data::Thread(vec_of(u, 3, |u| thread(u, 0))?),
        },
        14 => match u.int_in_range(0..=2)? {
            0 => Data::Quota {
                root: istring(u)?,
                resources: vec1_of(u, 3, |u| {
                    Ok(QuotaUsage { resource: quota_resource(u)?, usage: u.arbitrary()?, limit: u.arbitrary()? })
                })?,
            },
            1 => Data::QuotaRoot { mailbox: mailbox(u)?, roots: vec_of(u, 3, istring)? },
            _ => Data::Metadata {
                mailbox: mailbox(u)?,
                entries: if u.arbitrary()? {
                    MetadataEntries::Values(vec1_of(u, 3, |u| Ok((istring(u)?, nstring(u)?)))?)
                } else {
                    MetadataEntries::Changed(vec1_of(u, 3, istring)?)
                },
            },
        },
        5 => Data::Flags(vec_of(u, 4, flag)?),
        6 => Data::Exists(u.arbitrary()?),
        7 => Data::Recent(u.arbitrary()?),
        8 => {
            if u.arbitrary()? {
                Data::Expunge(nz(u)?)
            } else {
                Data::Vanished { earlier: u.arbitrary()?, uids: seq(u)? }
            }
        }
        9 => Data::Fetch { seq: nz(u)?, attributes: vec1_of(u, 3, message_attribute)? },
        10 => Data::Enabled(vec_of(u, 3, atom)?),
        11 => {
            let list = |u: &mut Unstructured<'_>| -> AResult<Option<Vec<NamespaceDescription>>> {
                if !u.arbitrary()? {
                    return Ok(None);
                }
                Ok(Some(vec_of(u, 3, |u| {
                    Ok(NamespaceDescription {
                        prefix: istring(u)?,
                        delimiter: if u.arbitrary()? {
                            Some(Delimiter::new(u.int_in_range(0x20u8..=0x7e)? as char).expect("ascii"))
                        } else {
                            None
                        },
                        extensions: vec_of(u, 2, |u| Ok((istring(u)?, vec1_of(u, 3, istring)?)))?,
                    })
                })?))
            };
            Data::Namespace { personal: list(u)?, other_users: list(u)?, shared: list(u)? }
        }
        12 => Data::Id(id_params(u)?),
        _ => Data::Other { name: x_name(u)?, number: u.arbitrary()?, arguments: raw_arguments(u)? },
    })
}

fn append_message(u: &mut Unstructured<'_>) -> AResult<AppendMessage> {
    Ok(AppendMessage {
        flags: vec_of(u, 3, flag)?,
        date: if u.arbitrary()? { Some(date_time(u)?) } else { None },
        content: if u.ratio(1, 4)? {
            AppendContent::Catenate(vec1_of(u, 3, |u| {
                Ok(if u.arbitrary()? { CatenatePart::Text(istring(u)?) } else { CatenatePart::Url(istring(u)?) })
            })?)
        } else if u.ratio(1, 8)? {
            AppendContent::Utf8(istring(u)?)
        } else {
            AppendContent::Literal(istring(u)?)
        },
    })
}

fn quota_resource(u: &mut Unstructured<'_>) -> AResult<QuotaResource> {
    Ok(match u.int_in_range(0..=4)? {
        0 => QuotaResource::Storage,
        1 => QuotaResource::Message,
        2 => QuotaResource::Mailbox,
        3 => QuotaResource::AnnotationStorage,
        _ => QuotaResource::Other(x_name(u)?),
    })
}

fn partial_range(u: &mut Unstructured<'_>) -> AResult<PartialRange> {
    Ok(PartialRange { from_end: u.arbitrary()?, first: nz(u)?, last: nz(u)? })
}

fn return_options(u: &mut Unstructured<'_>) -> AResult<Option<Vec<SearchReturnOption>>> {
    if !u.arbitrary()? {
        return Ok(None);
    }
    Ok(Some(vec_of(u, 4, |u| {
        use SearchReturnOption::*;
        Ok(match u.int_in_range(0..=9)? {
            8 => Partial(partial_range(u)?),
            9 => Other(modifier(u)?),
            n => [Min, Max, All, Count, Save, Context, Update, Relevancy][n as usize].clone(),
        })
    })?))
}

fn thread(u: &mut Unstructured<'_>, depth: u32) -> AResult<Thread> {
    let ids = vec_of(u, 3, nz)?;
    let children = if depth < 3 && u.arbitrary()? { vec_of(u, 3, |u| thread(u, depth + 1))? } else { Vec::new() };
    // A thread holds a message or two branches (a lone branch would be
    // part of the chain).
    Ok(match (ids.is_empty(), children.len()) {
        (true, 0 | 1) => Thread { ids: vec![nz(u)?], children: Vec::new() },
        (false, 1) => Thread { ids, children: Vec::new() },
        _ => Thread { ids, children },
    })
}

fn search_return_data(u: &mut Unstructured<'_>) -> AResult<SearchReturnData> {
    let positions = |u: &mut Unstructured<'_>| vec1_of(u, 3, |u| Ok((u.arbitrary()?, seq(u)?)));
    Ok(match u.int_in_range(0..=9)? {
        0 => SearchReturnData::Min(nz(u)?),
        1 => SearchReturnData::Max(nz(u)?),
        2 => SearchReturnData::All(seq(u)?),
        3 => SearchReturnData::Count(u.arbitrary()?),
        4 => SearchReturnData::ModSeq(u.arbitrary()?),
        5 => SearchReturnData::Partial {
            range: partial_range(u)?,
            results: if u.arbitrary()? { Some(seq(u)?) } else { None },
        },
        6 => SearchReturnData::AddTo(positions(u)?),
        7 => SearchReturnData::RemoveFrom(positions(u)?),
        8 => SearchReturnData::Relevancy(vec1_of(u, 4, |u| u.int_in_range(1..=100))?),
        _ => SearchReturnData::Other { name: x_name(u)?, value: raw_value(u)? },
    })
}

fn id_params(u: &mut Unstructured<'_>) -> AResult<IdParameters> {
    Ok(if u.arbitrary()? { Some(vec_of(u, 4, |u| Ok((istring(u)?, nstring(u)?)))?) } else { None })
}

fn greeting(u: &mut Unstructured<'_>) -> AResult<Greeting> {
    Ok(Greeting {
        kind: *u.choose(&[GreetingKind::Ok, GreetingKind::PreAuth, GreetingKind::Bye])?,
        code: if u.arbitrary()? { Some(Box::new(code(u)?)) } else { None },
        text: text(u)?,
    })
}

fn response(u: &mut Unstructured<'_>) -> AResult<Response> {
    Ok(match u.int_in_range(0..=4)? {
        0 => Response::Status(StatusResponse {
            tag: Some(Tag::try_from(from_alphabet(u, b"Aa0.", 1, 6)?).expect("tag")),
            kind: *u.choose(&[StatusKind::Ok, StatusKind::No, StatusKind::Bad])?,
            code: if u.arbitrary()? { Some(Box::new(code(u)?)) } else { None },
            text: text(u)?,
        }),
        1 => Response::Status(StatusResponse {
            tag: None,
            kind: *u.choose(&[
                StatusKind::Ok,
                StatusKind::No,
                StatusKind::Bad,
                StatusKind::Bye,
                StatusKind::PreAuth,
            ])?,
            code: if u.arbitrary()? { Some(Box::new(code(u)?)) } else { None },
            text: text(u)?,
        }),
        2 => {
            let code = if u.arbitrary()? { Some(Box::new(code(u)?)) } else { None };
            // Text without a code must not look like base64.
            let t =
                if code.is_none() { format!("go {}", from_alphabet(u, b"ab ", 0, 6)?) } else { text(u)?.to_string() };
            Response::Continuation(Continuation::Text { code, text: Text::try_from(t.as_str()).expect("text") })
        }
        3 => Response::Continuation(Continuation::Base64(IString::from(vec1_of(u, 20, |u| u.arbitrary::<u8>())?))),
        _ => Response::Data(data(u)?),
    })
}

fn search_key(u: &mut Unstructured<'_>, depth: u32) -> AResult<SearchKey> {
    let max = if depth >= 4 { 46 } else { 50 };
    Ok(match u.int_in_range(0..=max)? {
        0 => SearchKey::All,
        1 => SearchKey::Answered,
        2 => SearchKey::Deleted,
        3 => SearchKey::Draft,
        4 => SearchKey::Flagged,
        5 => SearchKey::New,
        6 => SearchKey::Old,
        7 => SearchKey::Recent,
        8 => SearchKey::Seen,
        9 => SearchKey::Unanswered,
        10 => SearchKey::Undeleted,
        11 => SearchKey::Undraft,
        12 => SearchKey::Unflagged,
        13 => SearchKey::Unseen,
        14 => SearchKey::Bcc(istring(u)?),
        15 => SearchKey::Body(istring(u)?),
        16 => SearchKey::Cc(istring(u)?),
        17 => SearchKey::From(istring(u)?),
        18 => SearchKey::Subject(istring(u)?),
        19 => SearchKey::Text(istring(u)?),
        20 => SearchKey::To(istring(u)?),
        21 => SearchKey::Header(istring(u)?, istring(u)?),
        22 => SearchKey::Before(date(u)?),
        23 => SearchKey::On(date(u)?),
        24 => SearchKey::Since(date(u)?),
        25 => SearchKey::SentBefore(date(u)?),
        26 => SearchKey::SentOn(date(u)?),
        27 => SearchKey::SentSince(date(u)?),
        28 => SearchKey::Keyword(atom(u)?),
        29 => SearchKey::Unkeyword(atom(u)?),
        30 => SearchKey::Larger(u.arbitrary()?),
        31 => SearchKey::Smaller(u.arbitrary()?),
        32 => SearchKey::Uid(seq(u)?),
        33 => SearchKey::SequenceSet(seq(u)?),
        34 => SearchKey::ModSeq {
            entry: if u.arbitrary()? { Some((istring(u)?, atom(u)?)) } else { None },
            modseq: u.arbitrary()?,
        },
        35 => SearchKey::Older(nz(u)?),
        36 => SearchKey::Younger(nz(u)?),
        37 => SearchKey::EmailId(object_id(u)?),
        38 => SearchKey::ThreadId(object_id(u)?),
        39 => SearchKey::SavedBefore(date(u)?),
        40 => SearchKey::SavedOn(date(u)?),
        41 => SearchKey::SavedSince(date(u)?),
        42 => SearchKey::SaveDateSupported,
        43 => SearchKey::GmailRaw(istring(u)?),
        44 => SearchKey::GmailMessageId(u.arbitrary()?),
        45 => SearchKey::GmailThreadId(u.arbitrary()?),
        46 => SearchKey::GmailLabels(istring(u)?),
        47 => SearchKey::Not(Box::new(search_key(u, depth + 1)?)),
        48 => SearchKey::Or(Box::new(search_key(u, depth + 1)?), Box::new(search_key(u, depth + 1)?)),
        49 => SearchKey::Fuzzy(Box::new(search_key(u, depth + 1)?)),
        _ => SearchKey::And(vec1_of(u, 3, |u| search_key(u, depth + 1))?),
    })
}

fn fetch_attribute(u: &mut Unstructured<'_>) -> AResult<FetchAttribute> {
    Ok(match u.int_in_range(0..=17)? {
        0 => FetchAttribute::Envelope,
        1 => FetchAttribute::Flags,
        2 => FetchAttribute::InternalDate,
        3 => FetchAttribute::Rfc822,
        4 => FetchAttribute::Rfc822Header,
        5 => FetchAttribute::Rfc822Size,
        6 => FetchAttribute::Rfc822Text,
        7 => FetchAttribute::Body,
        8 => FetchAttribute::BodyStructure,
        9 => FetchAttribute::Uid,
        10 => FetchAttribute::ModSeq,
        11 => FetchAttribute::Other {
            name: x_name(u)?,
            arguments: if u.arbitrary()? {
                Some(RawValue::parse(Bytes::from_static(b"(FUZZY 1)")).expect("sample"))
            } else {
                None
            },
        },
        13 => {
            let partial = if u.arbitrary()? { Some(Partial { origin: u.arbitrary()?, length: nz(u)? }) } else { None };
            FetchAttribute::Binary { peek: u.arbitrary()?, part: vec_of(u, 3, nz)?, partial }
        }
        14 => FetchAttribute::BinarySize { part: vec_of(u, 3, nz)? },
        15 => {
            if u.arbitrary()? {
                FetchAttribute::Preview { lazy: u.arbitrary()? }
            } else {
                FetchAttribute::Snippet { algorithms: vec_of(u, 2, atom)? }
            }
        }
        16 => u.choose(&FetchAttribute::plain())?.clone(),
        _ => FetchAttribute::BodySection {
            peek: u.arbitrary()?,
            section: section(u)?,
            partial: if u.arbitrary()? { Some(Partial { origin: u.arbitrary()?, length: nz(u)? }) } else { None },
        },
    })
}

fn modifier(u: &mut Unstructured<'_>) -> AResult<Modifier> {
    let value = if u.arbitrary()? {
        let s = *u.choose(&["12", "1:5,7", "(1 (2 3))"])?;
        Some(RawValue::parse(Bytes::from_static(s.as_bytes())).expect("sample"))
    } else {
        None
    };
    Ok(Modifier { name: x_name(u)?, value })
}

fn select_parameters(u: &mut Unstructured<'_>) -> AResult<Vec<SelectParameter>> {
    vec_of(u, 2, |u| {
        Ok(match u.int_in_range(0..=2)? {
            0 => SelectParameter::CondStore,
            1 => SelectParameter::QResync(QResync {
                uid_validity: nz(u)?,
                modseq: u.arbitrary()?,
                known_uids: if u.arbitrary()? { Some(seq(u)?) } else { None },
                seq_match: if u.arbitrary()? { Some((seq(u)?, seq(u)?)) } else { None },
            }),
            _ => SelectParameter::Other(modifier(u)?),
        })
    })
}

fn notify_event(u: &mut Unstructured<'_>) -> AResult<NotifyEvent> {
    Ok(match u.int_in_range(0..=8)? {
        0 => NotifyEvent::MessageNew(vec_of(u, 3, fetch_attribute)?),
        1 => NotifyEvent::MessageExpunge,
        2 => NotifyEvent::FlagChange,
        3 => NotifyEvent::AnnotationChange,
        4 => NotifyEvent::MailboxName,
        5 => NotifyEvent::SubscriptionChange,
        6 => NotifyEvent::MailboxMetadataChange,
        7 => NotifyEvent::ServerMetadataChange,
        // An extension's event: any atom that names none of the above.
        _ => NotifyEvent::from_atom(x_name(u)?),
    })
}

fn object_id(u: &mut Unstructured<'_>) -> AResult<ObjectId> {
    let alphabet = b"abcXYZ0189_-";
    Ok(ObjectId::try_from(from_alphabet(u, alphabet, 1, 40)?).expect("object id alphabet"))
}

fn command(u: &mut Unstructured<'_>) -> AResult<Command> {
    let tag = Tag::try_from(from_alphabet(u, b"Aa0.", 1, 6)?).expect("tag");
    let body = match u.int_in_range(0..=41)? {
        0 => CommandBody::Capability,
        1 => CommandBody::Noop,
        2 => CommandBody::Logout,
        3 => CommandBody::StartTls,
        4 => CommandBody::Check,
        5 => CommandBody::Close,
        6 => CommandBody::Expunge,
        7 => CommandBody::Idle,
        8 => CommandBody::Namespace,
        9 => CommandBody::Unselect,
        32 => CommandBody::Compress { algorithm: atom(u)? },
        10 => CommandBody::Authenticate {
            mechanism: atom(u)?,
            initial_response: if u.arbitrary()? { Some(istring(u)?) } else { None },
        },
        11 => CommandBody::Login { username: istring(u)?, password: istring(u)? },
        12 => CommandBody::Select { mailbox: mailbox(u)?, parameters: select_parameters(u)? },
        13 => CommandBody::Examine { mailbox: mailbox(u)?, parameters: select_parameters(u)? },
        14 => CommandBody::Create {
            mailbox: mailbox(u)?,
            parameters: vec_of(u, 2, |u| {
                Ok(if u.arbitrary()? {
                    CreateParameter::Use(vec_of(u, 3, |u| Ok(MailboxAttribute::from_name(atom(u)?)))?)
                } else {
                    CreateParameter::Other(modifier(u)?)
                })
            })?,
        },
        15 => CommandBody::Delete(mailbox(u)?),
        16 => CommandBody::Subscribe(mailbox(u)?),
        17 => CommandBody::Unsubscribe(mailbox(u)?),
        18 => CommandBody::Rename { from: mailbox(u)?, to: mailbox(u)? },
        19 => CommandBody::List {
            selection: vec_of(u, 3, |u| {
                use ListSelectOption::*;
                Ok(match u.int_in_range(0..=4)? {
                    4 => Other(modifier(u)?),
                    n => [Subscribed, Remote, RecursiveMatch, SpecialUse][n as usize].clone(),
                })
            })?,
            reference: mailbox(u)?,
            patterns: vec1_of(u, 3, istring)?,
            return_options: vec_of(u, 3, |u| {
                use ListReturnOption::*;
                Ok(match u.int_in_range(0..=4)? {
                    3 => Status(vec1_of(u, 3, status_attribute)?),
                    4 => Other(modifier(u)?),
                    n => [Subscribed, Children, SpecialUse][n as usize].clone(),
                })
            })?,
        },
        20 => CommandBody::Lsub { reference: mailbox(u)?, pattern: istring(u)? },
        21 => CommandBody::Status { mailbox: mailbox(u)?, attributes: vec1_of(u, 3, status_attribute)? },
        22 => CommandBody::Append { mailbox: mailbox(u)?, messages: vec1_of(u, 3, append_message)? },
        23 => CommandBody::Search {
            uid: u.arbitrary()?,
            return_options: return_options(u)?,
            charset: if u.arbitrary()? { Some(istring(u)?) } else { None },
            criteria: vec1_of(u, 3, |u| search_key(u, 0))?,
        },
        24 => CommandBody::Fetch {
            uid: u.arbitrary()?,
            sequence_set: seq(u)?,
            items: match u.int_in_range(0..=3)? {
                0 => FetchItems::All,
                1 => FetchItems::Fast,
                2 => FetchItems::Full,
                _ => FetchItems::Attributes(vec1_of(u, 4, fetch_attribute)?),
            },
            modifiers: vec_of(u, 2, |u| {
                Ok(match u.int_in_range(0..=3)? {
                    0 => FetchModifier::ChangedSince(u.arbitrary()?),
                    1 => FetchModifier::Vanished,
                    2 => FetchModifier::Partial(partial_range(u)?),
                    _ => FetchModifier::Other(modifier(u)?),
                })
            })?,
        },
        25 => CommandBody::Store {
            uid: u.arbitrary()?,
            sequence_set: seq(u)?,
            modifiers: vec_of(u, 2, |u| {
                Ok(if u.arbitrary()? {
                    StoreModifier::UnchangedSince(u.arbitrary()?)
                } else {
                    StoreModifier::Other(modifier(u)?)
                })
            })?,
            action: *u.choose(&[StoreAction::Replace, StoreAction::Add, StoreAction::Remove])?,
            silent: u.arbitrary()?,
            flags: vec_of(u, 3, flag)?,
        },
        26 => CommandBody::Copy { uid: u.arbitrary()?, sequence_set: seq(u)?, mailbox: mailbox(u)? },
        27 => CommandBody::Move { uid: u.arbitrary()?, sequence_set: seq(u)?, mailbox: mailbox(u)? },
        28 => CommandBody::UidExpunge(seq(u)?),
        29 => CommandBody::Enable(vec1_of(u, 3, atom)?),
        30 => CommandBody::Id(id_params(u)?),
        31 => CommandBody::Sort {
            uid: u.arbitrary()?,
            return_options: return_options(u)?,
            criteria: vec1_of(u, 3, |u| {
                let key = match u.int_in_range(0..=10)? {
                    10 => SortKey::Other(x_name(u)?),
                    n => SortKey::NAMED[n as usize].clone(),
                };
                Ok(SortCriterion { reverse: u.arbitrary()?, key })
            })?,
            charset: istring(u)?,
            search: vec1_of(u, 3, |u| search_key(u, 0))?,
        },
        33 => CommandBody::Thread {
            uid: u.arbitrary()?,
            algorithm: atom(u)?,
            charset: istring(u)?,
            search: vec1_of(u, 3, |u| search_key(u, 0))?,
        },
        34 => CommandBody::CancelUpdate(vec1_of(u, 3, istring)?),
        35 => match u.int_in_range(0..=2)? {
            0 => CommandBody::Unauthenticate,
            1 => CommandBody::Xlist { reference: mailbox(u)?, pattern: istring(u)? },
            _ => CommandBody::Replace {
                uid: u.arbitrary()?,
                message: if u.arbitrary()? { SeqNumber::Largest } else { SeqNumber::Value(nz(u)?) },
                mailbox: mailbox(u)?,
                replacement: append_message(u)?,
            },
        },
        36 => CommandBody::GetQuota(istring(u)?),
        37 => CommandBody::GetQuotaRoot(mailbox(u)?),
        38 => CommandBody::SetQuota {
            root: istring(u)?,
            limits: vec_of(u, 3, |u| Ok((quota_resource(u)?, u.arbitrary()?)))?,
        },
        39 => CommandBody::GetMetadata {
            options: vec_of(u, 3, |u| {
                Ok(match u.int_in_range(0..=2)? {
                    0 => MetadataOption::MaxSize(u.arbitrary()?),
                    1 => MetadataOption::Depth(*u.choose(&[
                        MetadataDepth::Zero,
                        MetadataDepth::One,
                        MetadataDepth::Infinity,
                    ])?),
                    _ => MetadataOption::Other(modifier(u)?),
                })
            })?,
            mailbox: mailbox(u)?,
            entries: vec1_of(u, 3, istring)?,
        },
        40 => CommandBody::SetMetadata {
            mailbox: mailbox(u)?,
            entries: vec1_of(u, 3, |u| Ok((istring(u)?, nstring(u)?)))?,
        },
        41 if u.arbitrary()? => CommandBody::Notify(if u.arbitrary()? {
            Notify::None
        } else {
            Notify::Set {
                status: u.arbitrary()?,
                groups: vec1_of(u, 3, |u| {
                    let filter = match u.int_in_range(0..=6)? {
                        0 => NotifyFilter::Selected,
                        1 => NotifyFilter::SelectedDelayed,
                        2 => NotifyFilter::Inboxes,
                        3 => NotifyFilter::Personal,
                        4 => NotifyFilter::Subscribed,
                        5 => NotifyFilter::Subtree(vec1_of(u, 3, mailbox)?),
                        _ => NotifyFilter::Mailboxes(vec1_of(u, 3, mailbox)?),
                    };
                    Ok(NotifyGroup { filter, events: vec_of(u, 4, notify_event)? })
                })?,
            }
        }),
        _ => CommandBody::Other { name: x_name(u)?, arguments: raw_arguments(u)? },
    };
    Ok(Command { tag, body })
}

/// `impl Arbitrary` through a generator function.
macro_rules! arbitrary_via {
    ($($ty:ty => $f:expr),* $(,)?) => {
        $(
            impl<'a> Arbitrary<'a> for $ty {
                fn arbitrary(u: &mut Unstructured<'a>) -> AResult<Self> {
                    $f(u)
                }
            }
        )*
    };
}

arbitrary_via! {
    Atom => atom,
    IString => istring,
    Text => text,
    SequenceSet => seq,
    Date => date,
    DateTime => date_time,
    Flag => flag,
    Mailbox => mailbox,
    Code => code,
    Section => section,
    Address => address,
    Envelope => envelope,
    BodyStructure => |u| body(u, 0),
    MessageAttribute => message_attribute,
    StatusAttribute => status_attribute,
    Data => data,
    Greeting => greeting,
    Response => response,
    SearchKey => |u| search_key(u, 0),
    FetchAttribute => fetch_attribute,
    Command => command,
}
