//! MD5 of part bodies (S3's `Content-MD5` and plain ETags) through AWS-LC's assembly
//! implementation: hashing every byte before it is sent is the client's biggest CPU
//! cost, and AWS-LC is already linked for the S3 SDK's TLS.

/// An MD5 in progress.
pub struct Md5(aws_lc_sys::MD5_CTX);

impl Md5 {
    pub fn new() -> Self {
        // SAFETY: MD5_CTX is plain data; MD5_Init fully initialises it and cannot fail.
        let mut ctx: aws_lc_sys::MD5_CTX = unsafe { std::mem::zeroed() };
        unsafe { aws_lc_sys::MD5_Init(&mut ctx) };
        Self(ctx)
    }

    pub fn update(&mut self, data: &[u8]) {
        // SAFETY: the pointer and length come from one live slice.
        unsafe { aws_lc_sys::MD5_Update(&mut self.0, data.as_ptr().cast(), data.len()) };
    }

    pub fn finish(mut self) -> [u8; 16] {
        let mut out = [0u8; 16];
        // SAFETY: `out` has the 16 bytes MD5_Final writes.
        unsafe { aws_lc_sys::MD5_Final(out.as_mut_ptr(), &mut self.0) };
        out
    }
}

impl Default for Md5 {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::Md5;

    fn md5_hex(chunks: &[&[u8]]) -> String {
        let mut h = Md5::new();
        for c in chunks {
            h.update(c);
        }
        hex::encode(h.finish())
    }

    #[test]
    fn matches_the_rfc_1321_vectors() {
        assert_eq!(md5_hex(&[]), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(md5_hex(&[b"abc"]), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            md5_hex(&[
                b"12345678901234567890123456789012345678901234567890123456789012345678901234567890"
            ]),
            "57edf4a22be3c955ac49da2e2107b67a"
        );
    }

    #[test]
    fn agrees_with_md5_crate_across_uneven_chunks() {
        use md5::Digest;
        let data: Vec<u8> = (0..1_000_003u32).map(|i| (i * 31 % 251) as u8).collect();
        let chunks: Vec<&[u8]> = data.chunks(65_537).collect();
        assert_eq!(md5_hex(&chunks), hex::encode(md5::Md5::digest(&data)));
    }
}
