//! Bytes of a text file → text. Lists reach a mission as spreadsheet exports: UTF-8
//! (with or without a byte-order mark), UTF-16 from "Unicode text", or a Windows code
//! page: 1251 where Excel ran in Russian, Kyrgyz or Uzbek, 1252 in Western locales.
//! Rejecting every line that is not UTF-8 would throw away the whole list.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1251, WINDOWS_1252};

/// Decoded text and how it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded<'a> {
    /// The text, without a byte-order mark.
    pub text: Cow<'a, str>,
    /// The encoding used: "UTF-8", "UTF-16LE", "UTF-16BE", "windows-1251" or
    /// "windows-1252".
    pub encoding: &'static str,
    /// Bytes that were not valid in it and became U+FFFD (only in mostly-UTF-8 text).
    pub replaced: usize,
}

impl Decoded<'_> {
    /// What a user should be told about how the file was read: nothing for clean UTF-8.
    pub fn remark(&self) -> Option<String> {
        match (self.encoding == UTF_8.name(), self.replaced) {
            (true, 0) => None,
            (true, n) => Some(format!("UTF-8 with {n} invalid byte(s) replaced by U+FFFD")),
            (false, _) => Some(format!("{}: the file is not UTF-8", self.encoding)),
        }
    }
}

/// Decodes a whole file: a byte-order mark decides; else UTF-8 if the bytes are valid
/// UTF-8, or mostly so (a few stray bytes in a UTF-8 file are replaced, not taken as a
/// sign that every letter is in another code page); else Windows-1251 when the bytes
/// look Cyrillic, Windows-1252 otherwise. Single-byte code pages map every byte, so
/// nothing is lost or rejected.
pub fn decode_text(bytes: &[u8]) -> Decoded<'_> {
    if let Some((enc, bom)) = Encoding::for_bom(bytes) {
        let (text, _) = enc.decode_without_bom_handling(&bytes[bom..]);
        return Decoded {
            text,
            encoding: enc.name(),
            replaced: 0,
        };
    }
    let (mut multibyte, mut invalid) = (0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        multibyte += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        invalid += chunk.invalid().len();
    }
    let encoding = if invalid == 0 || multibyte > invalid {
        UTF_8
    } else if looks_cyrillic(bytes) {
        WINDOWS_1251
    } else {
        WINDOWS_1252
    };
    let (text, _) = encoding.decode_without_bom_handling(bytes);
    Decoded {
        text,
        encoding: encoding.name(),
        replaced: if encoding == UTF_8 { invalid } else { 0 },
    }
}

/// In Windows-1251 the Cyrillic letters are the bytes 0xC0–0xFF, so Cyrillic words are
/// runs of them; in Windows-1252 those bytes are accented Latin letters, mostly alone
/// between ASCII letters ("Müller", "Gómez"). Cyrillic when most such bytes have one as
/// a neighbour.
fn looks_cyrillic(bytes: &[u8]) -> bool {
    let letter = |b: u8| b >= 0xC0;
    let (mut high, mut paired) = (0usize, 0usize);
    for (i, &b) in bytes.iter().enumerate() {
        if !letter(b) {
            continue;
        }
        high += 1;
        let before = i > 0 && letter(bytes[i - 1]);
        let after = bytes.get(i + 1).is_some_and(|&n| letter(n));
        if before || after {
            paired += 1;
        }
    }
    high > 0 && paired * 2 > high
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_is_kept_and_its_mark_dropped() {
        let d = decode_text("Усмонов Шерзод".as_bytes());
        assert_eq!((d.text.as_ref(), d.encoding), ("Усмонов Шерзод", "UTF-8"));
        assert_eq!(d.remark(), None);
        let d = decode_text(b"\xEF\xBB\xBFname\n");
        assert_eq!(d.text, "name\n");
    }

    #[test]
    fn a_russian_excel_export_is_read_as_windows_1251() {
        let (bytes, _, _) = WINDOWS_1251.encode("id,ФИО\n1,Усмонов Шерзод\n2,Ёқубов\n");
        let d = decode_text(&bytes);
        assert_eq!(d.encoding, "windows-1251");
        assert!(d.text.contains("Усмонов Шерзод"));
        assert_eq!(
            d.remark().as_deref(),
            Some("windows-1251: the file is not UTF-8")
        );
    }

    #[test]
    fn a_western_export_is_read_as_windows_1252() {
        let (bytes, _, _) = WINDOWS_1252.encode("id,name\n1,Müller\n2,José Gómez\n3,Françoise\n");
        let d = decode_text(&bytes);
        assert_eq!(d.encoding, "windows-1252");
        assert!(d.text.contains("José Gómez") && d.text.contains("Müller"));
    }

    #[test]
    fn a_stray_byte_in_utf8_is_replaced_not_taken_for_a_code_page() {
        let mut bytes = "id,name\n1,Усмонов\n2,Usmonov".as_bytes().to_vec();
        bytes.push(0xE9);
        bytes.extend_from_slice("\n3,Шерзод\n".as_bytes());
        let d = decode_text(&bytes);
        assert_eq!((d.encoding, d.replaced), ("UTF-8", 1));
        assert!(d.text.contains("Усмонов") && d.text.contains("Usmonov\u{FFFD}"));
        assert!(d.remark().is_some());
    }

    #[test]
    fn utf16_with_a_mark_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "id,name\n1,Анвар\n".encode_utf16() {
            bytes.extend(u.to_le_bytes());
        }
        let d = decode_text(&bytes);
        assert_eq!(
            (d.text.as_ref(), d.encoding),
            ("id,name\n1,Анвар\n", "UTF-16LE")
        );
    }
}
