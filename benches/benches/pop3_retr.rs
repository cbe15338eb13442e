//! POP3 RETR decoding: a 64 MiB dot-stuffed message through the client
//! state machine (streamed and collected) and through the dot-unstuffer
//! alone, beside a memchr scan of the same bytes as the ceiling.
//!
//! Run: `cargo bench -p mail-benches --bench pop3_retr`

use std::num::NonZeroU32;

use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use pop3_wire::client::{Client, ClientConfig, ClientEvent};
use pop3_wire::dot::{BodyPiece, DotDecoder};
use pop3_wire::Command;

const READ: usize = 64 * 1024;

/// Feeds a RETR reply to a client that has just been greeted; returns the
/// content bytes it delivered (streamed chunks or one collected message).
fn retr_through_client(wire: &[u8], collect: bool) -> usize {
    let mut client = Client::new(ClientConfig { collect_messages: collect, ..ClientConfig::default() });
    client.receive(b"+OK ready\r\n");
    let _ = client.poll_event();
    client.assume_sent(Command::Retr(NonZeroU32::MIN));
    let mut got = 0;
    for piece in wire.chunks(READ) {
        client.receive(piece);
        while let Some(e) = client.poll_event() {
            match e {
                ClientEvent::MessageData(d) => got += d.len(),
                ClientEvent::Message { data, .. } => got = data.len(),
                _ => {}
            }
        }
    }
    got
}

fn retr(c: &mut Criterion) {
    let message = mail_benches::large_message(64 << 20, 7);
    let mut wire = BytesMut::from(&b"+OK message follows\r\n"[..]);
    pop3_wire::dot::stuff(&message, &mut wire);
    let wire = wire.freeze();
    let body_len = message.len();

    let mut group = c.benchmark_group("pop3_retr_64MiB");
    group.throughput(Throughput::Bytes(wire.len() as u64));
    group.sample_size(10);

    for (name, collect) in [("client_streamed", false), ("client_collected", true)] {
        group.bench_function(name, |b| b.iter(|| assert_eq!(retr_through_client(&wire, collect), body_len)));
    }

    group.bench_function("dot_decoder", |b| {
        b.iter(|| {
            let mut dec = DotDecoder::new();
            let mut buf = BytesMut::with_capacity(2 * READ);
            let mut got = 0;
            for piece in wire[21..].chunks(READ) {
                buf.extend_from_slice(piece);
                while let Some(BodyPiece::Data(d)) = dec.next_piece(&mut buf) {
                    got += d.len();
                }
            }
            assert_eq!(got, body_len);
        })
    });

    group.bench_function("memchr_ceiling", |b| {
        b.iter(|| std::hint::black_box(memchr::memmem::find_iter(&wire, b"\n.").count()))
    });
    group.finish();
}

criterion_group!(benches, retr);
criterion_main!(benches);
