//! The certificate of volunteer service as a PDF (issue #20): A4 portrait, in Chinese, in the
//! form 民发〔2015〕149号 recommends for a 志愿服务记录证明 — the volunteer (name, ID document in
//! words and its number, volunteer number), a table of each day's service and the total, the
//! issuing unit, who issued it and a contact, the certificate's number and day, where the number
//! is checked, and a box for the seal. Long tables continue on further pages.
//!
//! The text is set in a CJK font read from disk ([`CertificateFont`], `--certificate-font`),
//! embedded as a subset: a Type0 font with Identity-H encoding over a CIDFontType0 (CFF outlines,
//! FontFile3/CIDFontType0C) or CIDFontType2 (TrueType outlines, FontFile2), with a ToUnicode
//! CMap so that the text can be searched and copied.
//!
//! [`layout`] places everything on pages with nothing but each character's advance; [`render`]
//! then subsets the font to the characters used and writes the PDF.

mod font;
mod layout;
mod render;

pub use font::CertificateFont;
pub use render::render;
