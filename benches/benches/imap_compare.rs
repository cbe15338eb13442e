//! Response and command decoding beside the peer crates, on the same
//! inputs in the same run: imap-codec 2.0.0-alpha.10 and djc's
//! imap-proto 0.17 (renamed `djc-imap-proto`), plus a memchr pass over the
//! same bytes as the ceiling for literal-heavy input. Each input is
//! decoded whole and through a read loop fed 16 bytes and 1 byte at a time.
//!
//! Before the timings, allocations per decoded message are printed (a
//! counting global allocator wraps the system one).
//!
//! Run: `cargo bench -p mail-benches --bench imap_compare`
//! (a subset: `cargo bench -p mail-benches --bench imap_compare -- sync_fetch`)

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use bytes::BytesMut;
use criterion::{BenchmarkId, Criterion, Throughput};
use imap_codec::decode::{CommandDecodeError, Decoder, ResponseDecodeError};
use imap_wire::{CommandDecoder, Limits, ResponseDecoder};
use mail_benches::corpus;

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
/// Counting is on only while the allocation table is made, so that the
/// timings do not include an atomic increment per allocation.
static COUNTING: AtomicBool = AtomicBool::new(false);

fn count_allocation() {
    if COUNTING.load(Ordering::Relaxed) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_allocation();
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_allocation();
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn limits() -> Limits {
    Limits { max_line_length: 64 << 20, max_literal_size: 64 << 20, max_message_size: 256 << 20, max_depth: 64 }
}

thread_local! {
    /// The receive buffer of our read loops, kept across runs like a
    /// connection's buffer: each run starts with it empty, and its memory
    /// is reused once the previous run's messages are dropped.
    static OUR_BUFFER: std::cell::RefCell<BytesMut> = std::cell::RefCell::new(BytesMut::with_capacity(64 * 1024));
    /// The same for the peers' read loop.
    static PEER_BUFFER: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(Vec::with_capacity(64 * 1024));
}

/// One of our decoders through a read loop fed `chunk` bytes at a time.
fn ours<M>(
    input: &[u8],
    chunk: usize,
    mut decode: impl FnMut(&mut BytesMut) -> Result<Option<M>, imap_wire::DecodeError>,
) -> usize {
    OUR_BUFFER.with_borrow_mut(|buf| {
        buf.clear();
        let mut n = 0;
        for piece in input.chunks(chunk) {
            buf.extend_from_slice(piece);
            while let Some(m) = decode(buf).expect("valid input") {
                std::hint::black_box(&m);
                n += 1;
            }
        }
        n
    })
}

fn ours_responses(input: &[u8], chunk: usize) -> usize {
    let mut dec = ResponseDecoder::after_greeting(limits());
    ours(input, chunk, |buf| dec.decode(buf))
}

/// The client state machine over the same stream: a mailbox selected
/// (100,000 messages, so FETCH UIDs fill the sequence-to-UID map) and a
/// FETCH in flight that the data is attributed to. Counts the data events.
fn ours_client(input: &[u8], chunk: usize) -> usize {
    use imap_wire::client::{Client, ClientConfig, ClientEvent};
    let mut client = Client::new(ClientConfig { limits: limits(), ..ClientConfig::default() });
    let select = imap_wire::Command::parse(b"A0 SELECT INBOX\r\n").expect("command");
    let fetch = imap_wire::Command::parse(b"A1 FETCH 1:* (FLAGS UID)\r\n").expect("command");
    client.assume_sent(select, 0);
    client.receive(b"* PREAUTH ready\r\n* 100000 EXISTS\r\nA0 OK [READ-WRITE] selected\r\n");
    while client.poll_event().is_some() {}
    client.assume_sent(fetch, 0);
    let mut n = 0;
    for piece in input.chunks(chunk) {
        client.receive(piece);
        while let Some(event) = client.poll_event() {
            if let ClientEvent::Data { .. } = &event {
                n += 1;
            }
            std::hint::black_box(&event);
        }
    }
    n
}

fn ours_commands(input: &[u8], chunk: usize) -> usize {
    let mut dec = CommandDecoder::new(limits());
    ours(input, chunk, |buf| dec.decode(buf))
}

/// A peer through the read loop its documentation suggests: append, try to
/// parse from the start of the unparsed bytes, keep the rest on
/// "incomplete".
fn read_loop(input: &[u8], chunk: usize, mut parse: impl FnMut(&[u8]) -> Result<Option<usize>, ()>) -> usize {
    PEER_BUFFER.with_borrow_mut(|buf| {
        buf.clear();
        let mut start = 0;
        let mut n = 0;
        for piece in input.chunks(chunk) {
            buf.extend_from_slice(piece);
            while let Ok(Some(remaining)) = parse(&buf[start..]) {
                start = buf.len() - remaining;
                n += 1;
            }
            if start > 0 && start * 2 > buf.len() {
                buf.drain(..start);
                start = 0;
            }
        }
        n
    })
}

/// Appends the input piece by piece to the reused buffer, emptying it now
/// and then, without decoding: what a read loop costs by itself.
fn read_loop_only(input: &[u8], chunk: usize) -> usize {
    OUR_BUFFER.with_borrow_mut(|buf| {
        buf.clear();
        for piece in input.chunks(chunk) {
            buf.extend_from_slice(piece);
            if buf.len() >= 4096 {
                std::hint::black_box(&buf[..]);
                buf.clear();
            }
        }
        std::hint::black_box(buf.len())
    })
}

fn codec_responses(input: &[u8], chunk: usize) -> usize {
    let codec = imap_codec::ResponseCodec::default();
    read_loop(input, chunk, |b| match codec.decode(b) {
        Ok((rem, m)) => {
            std::hint::black_box(&m);
            Ok(Some(rem.len()))
        }
        Err(ResponseDecodeError::Incomplete | ResponseDecodeError::LiteralFound { .. }) => Ok(None),
        Err(ResponseDecodeError::Failed) => Err(()),
    })
}

fn codec_commands(input: &[u8], chunk: usize) -> usize {
    let codec = imap_codec::CommandCodec::default();
    read_loop(input, chunk, |b| match codec.decode(b) {
        Ok((rem, m)) => {
            std::hint::black_box(&m);
            Ok(Some(rem.len()))
        }
        Err(CommandDecodeError::Incomplete | CommandDecodeError::LiteralFound { .. }) => Ok(None),
        Err(CommandDecodeError::Failed) => Err(()),
    })
}

fn djc_responses(input: &[u8], chunk: usize) -> usize {
    read_loop(input, chunk, |b| match djc_imap_proto::Response::parse(b) {
        Ok((rem, m)) => {
            std::hint::black_box(&m);
            Ok(Some(rem.len()))
        }
        Err(e) if e.is_incomplete() => Ok(None),
        Err(_) => Err(()),
    })
}

type Run = fn(&[u8], usize) -> usize;

struct Input {
    name: &'static str,
    /// Decoded whole.
    bytes: Vec<u8>,
    /// A smaller input of the same shape for the 16-byte and 1-byte read
    /// loops: the peers re-parse from the start of a message on every
    /// short read, which is quadratic on the big inputs.
    small: Vec<u8>,
    commands: bool,
}

fn inputs() -> Vec<Input> {
    vec![
        Input {
            name: "sync_fetch_10k",
            bytes: corpus::sync_fetch(10_000, 1),
            small: corpus::sync_fetch(300, 1),
            commands: false,
        },
        Input {
            name: "uid_flags_100k",
            bytes: corpus::uid_flags(100_000, 2),
            small: corpus::uid_flags(5_000, 2),
            commands: false,
        },
        Input { name: "list_10k", bytes: corpus::list(10_000, 3), small: corpus::list(2_000, 3), commands: false },
        Input { name: "search_100k", bytes: corpus::search(100_000), small: corpus::search(3_000), commands: false },
        Input {
            name: "literals_1k_4m",
            bytes: corpus::literals(48, 4),
            small: corpus::small_literals(24, 4),
            commands: false,
        },
        Input {
            name: "commands_10k",
            bytes: corpus::commands(10_000, 5),
            small: corpus::commands(500, 5),
            commands: true,
        },
    ]
}

fn peers(commands: bool) -> Vec<(&'static str, Run)> {
    if commands {
        vec![("ours", ours_commands), ("imap-codec", codec_commands)]
    } else {
        vec![
            ("ours", ours_responses),
            ("ours_client_machine", ours_client),
            ("imap-codec", codec_responses),
            ("djc-imap-proto", djc_responses),
        ]
    }
}

fn count(input: &Input, bytes: &[u8]) -> usize {
    if input.commands {
        ours_commands(bytes, bytes.len())
    } else {
        ours_responses(bytes, bytes.len())
    }
}

fn print_allocations(inputs: &[Input]) {
    println!("allocations per decoded message (whole-buffer decoding):");
    COUNTING.store(true, Ordering::Relaxed);
    for input in inputs {
        let expected = count(input, &input.bytes);
        let mut line = format!("  {:<16} {:>7} messages {:>10} bytes", input.name, expected, input.bytes.len());
        for (peer, run) in peers(input.commands) {
            let before = ALLOCATIONS.load(Ordering::Relaxed);
            let n = run(&input.bytes, input.bytes.len());
            let allocs = ALLOCATIONS.load(Ordering::Relaxed) - before;
            if n == expected {
                line.push_str(&format!(" | {peer}: {:.2}", allocs as f64 / n.max(1) as f64));
            } else {
                line.push_str(&format!(" | {peer}: cannot parse ({n} of {expected})"));
            }
        }
        println!("{line}");
    }
    COUNTING.store(false, Ordering::Relaxed);
}

fn main() {
    let inputs = inputs();
    print_allocations(&inputs);
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    for input in &inputs {
        for (size, bytes, feeds) in [
            ("", &input.bytes, &[("whole", 0usize)][..]),
            ("_small", &input.small, &[("whole", 0), ("16B", 16), ("1B", 1)][..]),
        ] {
            let expected = count(input, bytes);
            let mut group = c.benchmark_group(format!("{}{size}", input.name));
            group.throughput(Throughput::Bytes(bytes.len() as u64));
            group.sample_size(10);
            for (peer, run) in peers(input.commands) {
                if run(bytes, bytes.len()) != expected {
                    continue; // the peer cannot parse this input
                }
                for &(feed, chunk) in feeds {
                    let chunk = if chunk == 0 { bytes.len() } else { chunk };
                    group.bench_with_input(BenchmarkId::new(peer, feed), &chunk, |b, &chunk| {
                        b.iter(|| assert_eq!(run(bytes, chunk), expected))
                    });
                }
            }
            if input.name.starts_with("literals") {
                group.bench_function("memchr_ceiling", |b| b.iter(|| memchr::memchr_iter(b'\n', bytes).count()));
            }
            // The read loop alone (append each piece, no decoding): the
            // floor under any decoder fed this way.
            for &(feed, chunk) in feeds.iter().filter(|(_, chunk)| *chunk > 0) {
                group.bench_with_input(BenchmarkId::new("read_loop_only", feed), &chunk, |b, &chunk| {
                    b.iter(|| read_loop_only(bytes, chunk))
                });
            }
            group.finish();
        }
    }
    c.final_summary();
}
