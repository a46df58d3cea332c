//! The checksum signed into each part's URL and sent with its bytes: storage refuses a
//! part whose bytes do not match it. CRC32C where the server says storage checks it
//! (hardware CRC instructions: a fraction of MD5's CPU), MD5 (`Content-MD5`) elsewhere.

use crate::queue::PartChecksum;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use idance_contract::wire::{PartToSign, PutChecksum, StoredPart};

/// A part's checksum, computed from its bytes on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Digest {
    Md5([u8; 16]),
    Crc32c(u32),
}

/// Hashes bytes as they are read.
pub enum Hasher {
    Md5(super::md5::Md5),
    Crc32c(u32),
}

impl Hasher {
    pub fn new(kind: PartChecksum) -> Self {
        match kind {
            PartChecksum::Md5 => Self::Md5(super::md5::Md5::new()),
            PartChecksum::Crc32c => Self::Crc32c(0),
        }
    }

    pub fn update(&mut self, data: &[u8]) {
        match self {
            Self::Md5(h) => h.update(data),
            Self::Crc32c(c) => *c = crc32c::crc32c_append(*c, data),
        }
    }

    pub fn finish(self) -> Digest {
        match self {
            Self::Md5(h) => Digest::Md5(h.finish()),
            Self::Crc32c(c) => Digest::Crc32c(c),
        }
    }
}

impl Digest {
    /// The header that carries it on the PUT, and its value (base64, as S3 wants).
    pub fn header(&self) -> (&'static str, String) {
        match self {
            Self::Md5(d) => ("content-md5", B64.encode(d)),
            Self::Crc32c(c) => ("x-amz-checksum-crc32c", B64.encode(c.to_be_bytes())),
        }
    }

    /// What the sign call asks to be signed in for part `n`.
    pub fn signing(self, n: u32) -> PartToSign {
        let (_, value) = self.header();
        let (content_md5, checksum_crc32c) = match self {
            Self::Md5(_) => (Some(value), None),
            Self::Crc32c(_) => (None, Some(value)),
        };
        PartToSign {
            part_number: i64::from(n),
            content_md5,
            checksum_crc32c,
        }
    }

    /// What a single PUT's presign call asks to be signed in.
    pub fn put_checksum(self) -> PutChecksum {
        let signed = self.signing(1);
        PutChecksum {
            content_md5: signed.content_md5,
            checksum_crc32c: signed.checksum_crc32c,
        }
    }

    /// The hex MD5, which is a plain part ETag.
    pub fn md5_hex(&self) -> Option<String> {
        match self {
            Self::Md5(d) => Some(hex::encode(d)),
            Self::Crc32c(_) => None,
        }
    }

    /// Whether a part storage holds has these bytes, judged by what storage reports:
    /// the recorded CRC32C, or an ETag that is a plain MD5. None: storage says nothing
    /// this checksum can be compared with.
    pub fn matches(&self, stored: &StoredPart) -> Option<bool> {
        match self {
            Self::Crc32c(_) => stored
                .checksum_crc32c
                .as_deref()
                .map(|c| c == self.header().1),
            Self::Md5(d) => Some(stored.etag.eq_ignore_ascii_case(&hex::encode(d))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(kind: PartChecksum, chunks: &[&[u8]]) -> Digest {
        let mut h = Hasher::new(kind);
        for c in chunks {
            h.update(c);
        }
        h.finish()
    }

    #[test]
    fn crc32c_is_the_castagnoli_check_value_in_s3s_encoding() {
        // RFC 3720's check value: CRC-32C("123456789") = 0xE3069283.
        let d = digest(PartChecksum::Crc32c, &[b"1234", b"56789"]);
        assert_eq!(d, Digest::Crc32c(0xE306_9283));
        assert_eq!(
            d.header(),
            ("x-amz-checksum-crc32c", "4waSgw==".to_string())
        );
        let signed = d.signing(3);
        assert_eq!(
            (signed.content_md5, signed.checksum_crc32c.as_deref()),
            (None, Some("4waSgw=="))
        );
    }

    #[test]
    fn md5_goes_in_content_md5() {
        let d = digest(PartChecksum::Md5, &[b"abc"]);
        assert_eq!(
            d.md5_hex().as_deref(),
            Some("900150983cd24fb0d6963f7d28e17f72")
        );
        assert_eq!(d.header().0, "content-md5");
        assert!(d.signing(1).checksum_crc32c.is_none());
    }

    #[test]
    fn a_stored_part_is_recognised_by_its_own_checksum_only() {
        let part = |etag: &str, crc: Option<&str>| StoredPart {
            part_number: 1,
            etag: etag.into(),
            size: 9,
            checksum_crc32c: crc.map(str::to_string),
        };
        let crc = digest(PartChecksum::Crc32c, &[b"123456789"]);
        assert_eq!(crc.matches(&part("x", Some("4waSgw=="))), Some(true));
        assert_eq!(crc.matches(&part("x", Some("AAAAAA=="))), Some(false));
        assert_eq!(crc.matches(&part("x", None)), None);
        let md5 = digest(PartChecksum::Md5, &[b"abc"]);
        assert_eq!(
            md5.matches(&part("900150983CD24FB0D6963F7D28E17F72", None)),
            Some(true)
        );
    }
}
