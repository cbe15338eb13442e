//! RFC 5465 (NOTIFY): the examples of the RFC, parsed and written back.

use imap_wire::{Code, Command, CommandBody, Encode, FetchAttribute, Notify, NotifyEvent, NotifyFilter, Response};

fn round_trip(line: &[u8]) -> Command {
    let command = Command::parse(line).unwrap_or_else(|e| panic!("{}: {e}", String::from_utf8_lossy(line)));
    let written = command.to_bytes();
    assert_eq!(Command::parse(&written).unwrap(), command, "{}", String::from_utf8_lossy(&written));
    command
}

#[test]
fn the_rfc_5465_examples_parse_and_write_back() {
    // Section 3's example, as the RFC writes it.
    let c = round_trip(b"b notify set status (selected MessageNew (uid body.peek[header.fields (from to subject)]) MessageExpunge) (subtree Lists MessageNew)\r\n");
    let CommandBody::Notify(Notify::Set { status: true, groups }) = &c.body else { panic!("{c:?}") };
    // Written as the grammar has it: the filter and the events are
    // separate: `(selected (MessageNew ...))`. The RFC's own example
    // leaves the parentheses out; both are accepted.
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0].filter, NotifyFilter::Selected);
    let NotifyEvent::MessageNew(items) = &groups[0].events[0] else { panic!() };
    assert!(matches!(items[0], FetchAttribute::Uid));
    assert_eq!(groups[0].events[1], NotifyEvent::MessageExpunge);
    assert_eq!(groups[1].filter, NotifyFilter::Subtree(vec![imap_wire::Mailbox::from_utf8("Lists")]));
    // Section 5's examples, and the grammar's other forms.
    round_trip(b"a notify set (mailboxes INBOX (Messagenew messageExpunge)) (personal (SubscriptionChange))\r\n");
    round_trip(b"a notify set (selected (Messagenew (uid flags) messageExpunge)) (personal (MessageNew FlagChange MessageExpunge))\r\n");
    let c = round_trip(b"A NOTIFY SET (selected (MessageExpunge MessageNew FlagChange)) (personal (MailboxName SubscriptionChange)) (mailboxes (INBOX \"a b\") NONE)\r\n");
    let CommandBody::Notify(Notify::Set { status: false, groups }) = &c.body else { panic!("{c:?}") };
    assert_eq!(groups[1].events, [NotifyEvent::MailboxName, NotifyEvent::SubscriptionChange]);
    assert!(groups[2].events.is_empty());
    assert!(matches!(&groups[2].filter, NotifyFilter::Mailboxes(m) if m.len() == 2));
    let c = round_trip(b"a NOTIFY NONE\r\n");
    assert_eq!(c.body, CommandBody::Notify(Notify::None));
    let c = round_trip(b"a notify set (SELECTED-DELAYED (messagenew messageexpunge XFuture)) (INBOXES (MessageNew MessageExpunge))\r\n");
    let CommandBody::Notify(Notify::Set { groups, .. }) = &c.body else { panic!() };
    assert_eq!(groups[0].filter, NotifyFilter::SelectedDelayed);
    assert!(matches!(&groups[0].events[2], NotifyEvent::Other(a) if a.as_str() == "XFuture"));
    for bad in [
        &b"a NOTIFY\r\n"[..],
        b"a NOTIFY SET\r\n",
        b"a NOTIFY SET ()\r\n",
        b"a NOTIFY SET (nowhere (MessageNew))\r\n",
        b"a NOTIFY SET (selected ())\r\n",
        b"a NOTIFY SET (mailboxes () (MessageNew))\r\n",
        b"a NOTIFY SET STATUS\r\n",
        b"a NOTIFY ALL\r\n",
    ] {
        assert!(Command::parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
    }
}

#[test]
fn the_notify_response_codes_parse_and_write_back() {
    for line in [
        &b"a NO [BADEVENT (MessageNew MessageExpunge FlagChange AnnotationChange)] Unsupported events\r\n"[..],
        b"* OK [NOTIFICATIONOVERFLOW] Too many notifications\r\n",
    ] {
        let response = Response::parse(line).unwrap();
        assert_eq!(response.to_bytes(), line, "{}", String::from_utf8_lossy(line));
        let Response::Status(status) = response else { panic!() };
        assert!(matches!(*status.code.unwrap(), Code::BadEvent(_) | Code::NotificationOverflow));
    }
}
