//! Builders for tiny but structurally real MP4 and WebM files, for tests here, in the integration suite
//! and in other crates' tests.

/// An MP4: `ftyp`, a large-ish `mdat` of `payload` bytes, then `moov/mvhd` (version 0 or 1).
pub fn mp4(timescale: u32, duration: u64, version: u8, payload: usize) -> Vec<u8> {
    fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut out = u32::try_from(body.len() + 8)
            .unwrap_or(u32::MAX)
            .to_be_bytes()
            .to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(body);
        out
    }
    let mut mvhd = vec![version, 0, 0, 0];
    if version == 1 {
        mvhd.extend_from_slice(&[0; 16]);
        mvhd.extend_from_slice(&timescale.to_be_bytes());
        mvhd.extend_from_slice(&duration.to_be_bytes());
    } else {
        mvhd.extend_from_slice(&[0; 8]);
        mvhd.extend_from_slice(&timescale.to_be_bytes());
        mvhd.extend_from_slice(&u32::try_from(duration).unwrap_or(0).to_be_bytes());
    }
    // rate, volume, reserved, matrix, pre-defined, next track id: as a real mvhd has them.
    mvhd.extend_from_slice(&[0, 1, 0, 0, 1, 0]);
    mvhd.extend_from_slice(&[0; 10 + 36 + 24]);
    mvhd.extend_from_slice(&2u32.to_be_bytes());
    let mut file = boxed(b"ftyp", b"isom\0\0\x02\0isomiso2mp41");
    file.extend(boxed(b"free", &[]));
    file.extend(boxed(b"mdat", &vec![0x42; payload]));
    file.extend(boxed(b"moov", &boxed(b"mvhd", &mvhd)));
    file
}

/// A WebM: EBML header, then a Segment holding Info (`TimecodeScale`, float `Duration`) and a Cluster.
pub fn webm(timecode_scale: u32, duration_ticks: f64) -> Vec<u8> {
    fn element(id: &[u8], body: &[u8]) -> Vec<u8> {
        // An 8-byte size: the marker byte 0x01, then the length in 7 bytes.
        let mut out = id.to_vec();
        out.push(0x01);
        out.extend_from_slice(&u64::try_from(body.len()).unwrap_or(0).to_be_bytes()[1..]);
        out.extend_from_slice(body);
        out
    }
    let header = element(&[0x1A, 0x45, 0xDF, 0xA3], &element(&[0x42, 0x82], b"webm"));
    let mut info = element(&[0x2A, 0xD7, 0xB1], &timecode_scale.to_be_bytes());
    info.extend(element(&[0x44, 0x89], &duration_ticks.to_be_bytes()));
    let mut segment = element(&[0x11, 0x4D, 0x9B, 0x74], &[0xEC, 0x80]); // SeekHead with a Void
    segment.extend(element(&[0x15, 0x49, 0xA9, 0x66], &info));
    segment.extend(element(&[0x1F, 0x43, 0xB6, 0x75], &[0u8; 64]));
    let mut file = header;
    file.extend(element(&[0x18, 0x53, 0x80, 0x67], &segment));
    file
}
