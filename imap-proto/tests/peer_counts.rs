//! A number the peer announces never sizes an allocation: the client's
//! memory follows what the server actually sent. This test binary runs
//! under an allocator that refuses any single allocation above 64 MiB, so
//! a machine that trusts `* 4294967295 EXISTS` (16 GiB of UID slots)
//! aborts here instead of exhausting the machine.

use std::alloc::{GlobalAlloc, Layout, System};
use std::num::NonZeroU32;

use imap_wire::client::{Client, ClientConfig, ClientEvent};
use imap_wire::{CommandBody, Mailbox};

struct Capped;

const CAP: usize = 64 << 20;

// SAFETY: forwards to the system allocator; a refusal is the null pointer
// GlobalAlloc allows.
unsafe impl GlobalAlloc for Capped {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() > CAP {
            return std::ptr::null_mut();
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > CAP {
            return std::ptr::null_mut();
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Capped = Capped;

fn selected(server_lines: &str) -> Client {
    let mut client = Client::new(ClientConfig::default());
    client.receive(b"* PREAUTH [CAPABILITY IMAP4rev1 QRESYNC] ready\r\n");
    assert!(matches!(client.poll_event(), Some(ClientEvent::Greeting(_))));
    client.send(CommandBody::Select { mailbox: Mailbox::from("INBOX"), parameters: vec![] }).unwrap();
    let sent = client.poll_transmit().unwrap();
    let tag = String::from_utf8_lossy(&sent).split(' ').next().unwrap().to_string();
    client.receive(server_lines.as_bytes());
    client.receive(format!("{tag} OK [READ-WRITE] SELECT completed\r\n").as_bytes());
    while client.poll_event().is_some() {}
    client
}

fn n(v: u32) -> NonZeroU32 {
    NonZeroU32::new(v).unwrap()
}

#[test]
fn a_huge_exists_allocates_nothing_and_the_uids_sent_are_kept() {
    let mut client = selected(
        "* 4294967295 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 7] ok\r\n\
         * 4294967295 FETCH (UID 99)\r\n* 12 FETCH (UID 5)\r\n",
    );
    let mailbox = client.mailbox().expect("selected");
    assert_eq!(mailbox.exists, u32::MAX);
    assert_eq!(mailbox.known_uids(), 2);
    assert_eq!(mailbox.uid(n(u32::MAX)), Some(n(99)));
    assert_eq!(mailbox.seq_of_uid(n(5)), Some(n(12)));
    // Renumbering after an EXPUNGE and a VANISHED in the huge mailbox.
    client.receive(b"* 1 EXPUNGE\r\n* 3000000000 EXPUNGE\r\n");
    while client.poll_event().is_some() {}
    let mailbox = client.mailbox().unwrap();
    assert_eq!(mailbox.exists, u32::MAX - 2);
    assert_eq!(mailbox.uid(n(11)), Some(n(5)));
    assert_eq!(mailbox.uid(n(u32::MAX - 2)), Some(n(99)));
}

#[test]
fn vanished_over_a_huge_range_renumbers_without_allocating_by_it() {
    let mut client = Client::new(ClientConfig::default());
    client.receive(b"* PREAUTH [CAPABILITY IMAP4rev1 QRESYNC ENABLE] ready\r\n");
    while client.poll_event().is_some() {}
    client.send(CommandBody::Enable(vec![imap_wire::Atom::try_from("QRESYNC").unwrap()])).unwrap();
    let sent = client.poll_transmit().unwrap();
    let tag = String::from_utf8_lossy(&sent).split(' ').next().unwrap().to_string();
    client.receive(format!("* ENABLED QRESYNC\r\n{tag} OK done\r\n").as_bytes());
    while client.poll_event().is_some() {}
    client.send(CommandBody::Select { mailbox: Mailbox::from("INBOX"), parameters: vec![] }).unwrap();
    let sent = client.poll_transmit().unwrap();
    let tag = String::from_utf8_lossy(&sent).split(' ').next().unwrap().to_string();
    client.receive(
        format!(
            "* 4294967295 EXISTS\r\n* 3 FETCH (UID 30)\r\n* 4 FETCH (UID 40)\r\n{tag} OK [READ-WRITE] done\r\n\
             * VANISHED 1:30,41:4294967295\r\n"
        )
        .as_bytes(),
    );
    while client.poll_event().is_some() {}
    let mailbox = client.mailbox().unwrap();
    // 4294967285 UIDs vanished: UID 30 was known (message 3); the other
    // 4294967284 are taken from the messages whose UID was never said,
    // latest first (12 and up). Left: 1, 2, UID 40 (now 3), then 5..=11.
    assert_eq!(mailbox.exists, 10);
    assert_eq!(mailbox.known_uids(), 1);
    assert_eq!(mailbox.seq_of_uid(n(40)), Some(n(3)));
}
