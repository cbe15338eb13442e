//! Feeding a 1 MiB response stream whole, in 16-byte chunks and one byte at
//! a time: the framer keeps its scan position, so the cost stays linear.
//!
//! Run: `cargo bench -p mail-benches --bench imap_feed`

use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use imap_wire::{Limits, ResponseDecoder};

fn decode_in_chunks(input: &[u8], chunk: usize) -> usize {
    let mut dec = ResponseDecoder::new(Limits::default());
    let mut buf = BytesMut::with_capacity(64 * 1024);
    let mut n = 0;
    for piece in input.chunks(chunk) {
        buf.extend_from_slice(piece);
        while let Some(m) = dec.decode(&mut buf).expect("valid stream") {
            std::hint::black_box(&m);
            n += 1;
        }
    }
    n
}

fn feed(c: &mut Criterion) {
    let input = mail_benches::fetch_stream(1 << 20, 42);
    let expected = decode_in_chunks(&input, input.len());
    let mut group = c.benchmark_group("imap_feed_1MiB_fetch_stream");
    group.throughput(Throughput::Bytes(input.len() as u64));
    group.sample_size(20);
    for (name, chunk) in [("whole", input.len()), ("4KiB", 4096), ("16B", 16), ("1B", 1)] {
        group.bench_with_input(BenchmarkId::from_parameter(name), &chunk, |b, &chunk| {
            b.iter(|| assert_eq!(decode_in_chunks(&input, chunk), expected))
        });
    }
    group.finish();
}

criterion_group!(benches, feed);
criterion_main!(benches);
