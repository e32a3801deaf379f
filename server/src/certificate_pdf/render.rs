//! The PDF: the laid-out pages with the font subset to the characters used.

use std::collections::BTreeMap;
use std::io::Write;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, GlyphId, MetadataProvider, Tag};

use super::font::CertificateFont;
use super::layout::*;
use crate::certificates_api::CertificateContent;

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec does not fail.
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

/// The certificate as a PDF, its text in `font` (embedded, subset to the characters used).
pub fn render(c: &CertificateContent, font: &CertificateFont) -> Result<Vec<u8>, String> {
    let face = font.face()?;
    let metrics = face.metrics(Size::unscaled(), LocationRef::default());
    let upem = f32::from(metrics.units_per_em.max(1));
    let to_1000 = |v: f32| v * 1000.0 / upem;
    let charmap = face.charmap();
    let glyph_metrics = face.glyph_metrics(Size::unscaled(), LocationRef::default());
    let glyph = |ch: char| {
        charmap
            .map(ch)
            .and_then(|g| u16::try_from(g.to_u32()).ok())
            .unwrap_or(0)
    };
    let width = |g: u16| {
        glyph_metrics
            .advance_width(GlyphId::new(u32::from(g)))
            .unwrap_or(0.0)
    };
    let advance = |ch: char| width(glyph(ch)) / upem;
    let pages = layout(c, &advance);

    // The glyphs used, numbered anew in the subset (0 stays .notdef).
    let mut remapper = subsetter::GlyphRemapper::new();
    let mut unicode: BTreeMap<u16, char> = BTreeMap::new();
    for op in pages.iter().flatten() {
        if let Op::Text { text, .. } = op {
            for ch in text.chars() {
                let new = remapper.remap(glyph(ch));
                if new != 0 {
                    unicode.entry(new).or_insert(ch);
                }
            }
        }
    }
    let subset = subsetter::subset(&font.data, font.index, &remapper)
        .map_err(|e| format!("subsetting {}: {e}", font.path.display()))?;
    let cff_tag = Tag::new(b"CFF ");
    let cff = face.table_data(cff_tag).is_some();
    let font_program = if cff {
        FontRef::new(&subset)
            .ok()
            .and_then(|f| f.table_data(cff_tag))
            .ok_or("the subset has no CFF table")?
            .as_bytes()
            .to_vec()
    } else {
        subset
    };

    let mut pdf = Pdf::new();
    let mut next = 1;
    let mut id = || {
        next += 1;
        Ref::new(next - 1)
    };
    let (catalog, tree, info) = (id(), id(), id());
    let (type0, cid, descriptor, cmap, file) = (id(), id(), id(), id(), id());
    let page_ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (id(), id())).collect();
    let font_name = Name(b"F1");

    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().map(|(p, _)| *p))
        .count(page_ids.len() as i32);
    pdf.document_info(info)
        .title(TextStr(&format!("志愿服务记录证明 {}", c.number)))
        .author(TextStr(&c.issuer_name))
        .creator(TextStr("Linli"));

    // The font: a subset tag, then the face's own name.
    let tag: String = {
        let mut h = c
            .number
            .bytes()
            .fold(5381u32, |h, b| h.wrapping_mul(33) ^ u32::from(b));
        (0..6)
            .map(|_| {
                let ch = char::from(b'A' + (h % 26) as u8);
                h /= 26;
                ch
            })
            .collect()
    };
    let base = format!("{tag}+{}", font.name);
    let system = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    pdf.type0_font(type0)
        .base_font(Name(base.as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(cmap);
    let mut cid_font = pdf.cid_font(cid);
    cid_font
        .subtype(if cff {
            CidFontType::Type0
        } else {
            CidFontType::Type2
        })
        .base_font(Name(base.as_bytes()))
        .system_info(system)
        .font_descriptor(descriptor)
        .default_width(1000.0);
    if !cff {
        cid_font.cid_to_gid_map_predefined(Name(b"Identity"));
    }
    {
        let mut widths = cid_font.widths();
        for (old, new) in remapper
            .remapped_gids()
            .enumerate()
            .map(|(n, g)| (g, n as u16))
        {
            widths.consecutive(new, [to_1000(width(old))]);
        }
    }
    cid_font.finish();
    let bbox = metrics.bounds.unwrap_or_default();
    let mut flags = FontFlags::SYMBOLIC;
    if font.name.contains("Serif") || font.name.contains("Song") {
        flags |= FontFlags::SERIF;
    }
    let mut d = pdf.font_descriptor(descriptor);
    d.name(Name(base.as_bytes()))
        .flags(flags)
        .bbox(Rect::new(
            to_1000(bbox.x_min),
            to_1000(bbox.y_min),
            to_1000(bbox.x_max),
            to_1000(bbox.y_max),
        ))
        .italic_angle(0.0)
        .ascent(to_1000(metrics.ascent))
        .descent(to_1000(metrics.descent))
        .cap_height(to_1000(metrics.cap_height.unwrap_or(metrics.ascent)))
        .stem_v(80.0);
    if cff {
        d.font_file3(file);
    } else {
        d.font_file2(file);
    }
    d.finish();
    let mut map = pdf_writer::types::UnicodeCmap::new(Name(b"Linli-UTF16"), system);
    for (g, ch) in &unicode {
        map.pair(*g, *ch);
    }
    let map = deflate(map.finish().as_slice());
    pdf.cmap(cmap, &map).filter(Filter::FlateDecode);
    let packed = deflate(&font_program);
    let mut stream = pdf.stream(file, &packed);
    stream.filter(Filter::FlateDecode);
    if cff {
        stream.pair(Name(b"Subtype"), Name(b"CIDFontType0C"));
    } else {
        stream.pair(Name(b"Length1"), font_program.len() as i32);
    }
    stream.finish();

    for (ops, (page_id, content_id)) in pages.iter().zip(&page_ids) {
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .parent(tree)
            .contents(*content_id);
        page.resources().fonts().pair(font_name, type0);
        page.finish();
        let mut content = Content::new();
        for op in ops {
            match op {
                Op::Rect { x, y, w, h, line } => {
                    content.set_line_width(*line);
                    content.rect(*x, *y, *w, *h);
                    content.stroke();
                }
                Op::Text { x, y, size, text } => {
                    let codes: Vec<u8> = text
                        .chars()
                        .flat_map(|ch| remapper.get(glyph(ch)).unwrap_or(0).to_be_bytes())
                        .collect();
                    content.begin_text();
                    content.set_font(font_name, *size);
                    content.next_line(*x, *y);
                    content.show(Str(&codes));
                    content.end_text();
                }
            }
        }
        let packed = deflate(&content.finish());
        pdf.stream(*content_id, &packed).filter(Filter::FlateDecode);
    }
    Ok(pdf.finish())
}
