//! Reads a video's duration from its container without decoding: MP4 `moov/mvhd` (versions 0 and 1,
//! duration ÷ timescale) and WebM `Segment/Info/Duration` × `TimecodeScale`. Boxes and elements are
//! skipped by seeking, so a 1 GB `mdat` or `Cluster` costs a seek, not a read; malformed input is a `None`,
//! never a panic or an endless loop.

use std::io::{Read, Seek, SeekFrom};

/// Stops a crafted file with millions of tiny boxes from keeping a worker busy.
const MAX_ELEMENTS: usize = 10_000;

/// The duration in seconds of the MP4 or WebM in `reader`, if the container says.
pub fn read_duration<R: Read + Seek>(reader: &mut R, extension: &str) -> Option<f64> {
    let end = reader.seek(SeekFrom::End(0)).ok()?;
    reader.seek(SeekFrom::Start(0)).ok()?;
    let seconds = match extension {
        "mp4" => mp4_duration(reader, end),
        "webm" => webm_duration(reader, end),
        _ => None,
    }?;
    (seconds.is_finite() && seconds >= 0.0).then_some(seconds)
}

fn read_array<const N: usize, R: Read>(reader: &mut R) -> Option<[u8; N]> {
    let mut buf = [0u8; N];
    reader.read_exact(&mut buf).ok()?;
    Some(buf)
}

fn read_u32<R: Read>(reader: &mut R) -> Option<u32> {
    read_array::<4, _>(reader).map(u32::from_be_bytes)
}

fn read_u64<R: Read>(reader: &mut R) -> Option<u64> {
    read_array::<8, _>(reader).map(u64::from_be_bytes)
}

/// Finds `moov`, then `mvhd` inside it, and divides its duration by its timescale.
fn mp4_duration<R: Read + Seek>(reader: &mut R, end: u64) -> Option<f64> {
    let (moov_start, moov_end) = find_box(reader, 0, end, *b"moov")?;
    let (mvhd_start, mvhd_end) = find_box(reader, moov_start, moov_end, *b"mvhd")?;
    reader.seek(SeekFrom::Start(mvhd_start)).ok()?;
    let version = read_array::<4, _>(reader)?[0];
    let (timescale, duration) = match version {
        0 => {
            read_array::<8, _>(reader)?; // creation and modification times
            (read_u32(reader)?, u64::from(read_u32(reader)?))
        }
        1 => {
            read_array::<16, _>(reader)?;
            (read_u32(reader)?, read_u64(reader)?)
        }
        _ => return None,
    };
    if reader.stream_position().ok()? > mvhd_end || timescale == 0 {
        return None;
    }
    // An all-ones duration means "unknown" in ISO BMFF.
    if (version == 0 && duration == u64::from(u32::MAX)) || duration == u64::MAX {
        return None;
    }
    #[expect(clippy::cast_precision_loss, reason = "durations fit f64 well enough")]
    Some(duration as f64 / f64::from(timescale))
}

/// The payload range `(start, end)` of the first box named `name` between `start` and `end`.
fn find_box<R: Read + Seek>(
    reader: &mut R,
    start: u64,
    end: u64,
    name: [u8; 4],
) -> Option<(u64, u64)> {
    let mut pos = start;
    for _ in 0..MAX_ELEMENTS {
        if pos.checked_add(8)? > end {
            return None;
        }
        reader.seek(SeekFrom::Start(pos)).ok()?;
        let size = read_u32(reader)?;
        let kind = read_array::<4, _>(reader)?;
        let (header, size) = match size {
            0 => (8, end - pos),
            1 => (16, read_u64(reader)?),
            n => (8, u64::from(n)),
        };
        let box_end = pos.checked_add(size)?;
        if size < header || box_end > end {
            return None;
        }
        if kind == name {
            return Some((pos + header, box_end));
        }
        pos = box_end;
    }
    None
}

const EBML_HEADER: u64 = 0x1A45_DFA3;
const SEGMENT: u64 = 0x1853_8067;
const INFO: u64 = 0x1549_A966;
const TIMECODE_SCALE: u64 = 0x2A_D7B1;
const DURATION: u64 = 0x4489;
const CLUSTER: u64 = 0x1F43_B675;

/// An EBML variable-length integer: `(value, length)`. IDs keep their marker bit, sizes drop it.
fn read_vint<R: Read>(reader: &mut R, keep_marker: bool) -> Option<(u64, usize)> {
    let first = read_array::<1, _>(reader)?[0];
    let len = first.leading_zeros() as usize + 1;
    if len > 8 || (keep_marker && len > 4) {
        return None;
    }
    let mut value = u64::from(if keep_marker {
        first
    } else {
        // `len` is 1..=8; a u8 shifted by 8 would overflow, so shift in u16.
        first & u8::try_from(0xFFu16 >> len).unwrap_or(0)
    });
    for _ in 1..len {
        value = (value << 8) | u64::from(read_array::<1, _>(reader)?[0]);
    }
    Some((value, len))
}

/// One element header: `(id, payload start, payload size)`; a size of `None` is "unknown".
fn read_element<R: Read + Seek>(reader: &mut R) -> Option<(u64, u64, Option<u64>)> {
    let (id, _) = read_vint(reader, true)?;
    let (size, len) = read_vint(reader, false)?;
    let unknown = size == (1u64 << (7 * len)) - 1;
    let start = reader.stream_position().ok()?;
    Some((id, start, (!unknown).then_some(size)))
}

fn webm_duration<R: Read + Seek>(reader: &mut R, end: u64) -> Option<f64> {
    let (id, start, size) = read_element(reader)?;
    if id != EBML_HEADER {
        return None;
    }
    reader
        .seek(SeekFrom::Start(start.checked_add(size?)?))
        .ok()?;
    let (id, segment_start, size) = read_element(reader)?;
    if id != SEGMENT {
        return None;
    }
    let segment_end = size
        .map_or(Some(end), |s| segment_start.checked_add(s))?
        .min(end);
    let mut pos = segment_start;
    for _ in 0..MAX_ELEMENTS {
        if pos >= segment_end {
            return None;
        }
        reader.seek(SeekFrom::Start(pos)).ok()?;
        let (id, start, size) = read_element(reader)?;
        // Info comes before the media data; a cluster (or an element of unknown size) means it is absent.
        if id == CLUSTER {
            return None;
        }
        let size = size?;
        if id == INFO {
            return info_duration(reader, start, start.checked_add(size)?.min(segment_end));
        }
        pos = start.checked_add(size)?;
    }
    None
}

fn info_duration<R: Read + Seek>(reader: &mut R, start: u64, end: u64) -> Option<f64> {
    let mut scale: u64 = 1_000_000;
    let mut duration = None;
    let mut pos = start;
    for _ in 0..MAX_ELEMENTS {
        if pos >= end {
            break;
        }
        reader.seek(SeekFrom::Start(pos)).ok()?;
        let (id, payload, size) = read_element(reader)?;
        let size = size?;
        match (id, size) {
            (TIMECODE_SCALE, 1..=8) => {
                let mut value = 0u64;
                for byte in read_bytes(reader, size)? {
                    value = (value << 8) | u64::from(byte);
                }
                scale = value;
            }
            (DURATION, 4) => {
                duration = Some(f64::from(f32::from_be_bytes(read_array(reader)?)));
            }
            (DURATION, 8) => duration = Some(f64::from_be_bytes(read_array(reader)?)),
            _ => {}
        }
        pos = payload.checked_add(size)?;
    }
    #[expect(
        clippy::cast_precision_loss,
        reason = "a timecode scale fits f64 well enough"
    )]
    duration.map(|ticks| ticks * scale as f64 / 1e9)
}

fn read_bytes<R: Read>(reader: &mut R, size: u64) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; usize::try_from(size).ok()?];
    reader.read_exact(&mut buf).ok()?;
    Some(buf)
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use proptest::prelude::*;

    use super::read_duration;
    use crate::media::fixtures::{mp4, webm};

    fn duration(bytes: &[u8], ext: &str) -> Option<f64> {
        read_duration(&mut Cursor::new(bytes), ext)
    }

    #[test]
    fn mp4_durations_are_read_from_mvhd_versions_0_and_1() {
        assert_eq!(duration(&mp4(1000, 12_345, 0, 100), "mp4"), Some(12.345));
        assert_eq!(duration(&mp4(90_000, 900_000, 1, 10), "mp4"), Some(10.0));
        assert_eq!(duration(&mp4(0, 10, 0, 10), "mp4"), None, "zero timescale");
    }

    #[test]
    fn webm_durations_use_the_timecode_scale() {
        assert_eq!(duration(&webm(1_000_000, 4_500.0), "webm"), Some(4.5));
        assert_eq!(duration(&webm(500_000, 4_000.0), "webm"), Some(2.0));
    }

    #[test]
    fn truncated_or_foreign_files_have_no_duration() {
        let file = mp4(1000, 5000, 0, 100);
        assert_eq!(duration(&file[..file.len() - 20], "mp4"), None);
        assert_eq!(duration(b"\x89PNG\r\n\x1a\n", "mp4"), None);
        assert_eq!(duration(&webm(1_000_000, 1.0)[..20], "webm"), None);
        assert_eq!(duration(&file, "gif"), None);
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = duration(&bytes, "mp4");
            let _ = duration(&bytes, "webm");
        }

        #[test]
        fn corrupting_a_real_file_never_panics(index in 0usize..300, byte in any::<u8>()) {
            let mut file = mp4(600, 6000, 1, 40);
            let i = index % file.len();
            file[i] = byte;
            let _ = duration(&file, "mp4");
            let mut file = webm(1_000_000, 1234.0);
            let i = index % file.len();
            file[i] = byte;
            let _ = duration(&file, "webm");
        }
    }
}
