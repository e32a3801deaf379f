//! Where everything of a certificate goes on A4 pages, from each character's advance alone.

use crate::certificates_api::CertificateContent;

/// A4 portrait, in points.
pub(super) const PAGE_W: f32 = 595.28;
pub(super) const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 62.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;
/// The lowest a table row or text line may reach (the footer is below).
const BOTTOM: f32 = 72.0;

/// Something drawn on a page (y from the bottom of the page, text at its baseline).
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
    },
    /// A stroked rectangle: left, bottom, width, height, line width.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        line: f32,
    },
}

/// The words for an ID document kind (`volunteer_signup::ID_TYPES`).
pub fn id_type_words(id_type: &str) -> &str {
    match id_type {
        "resident_id" => "居民身份证",
        "hk_macao_permit" => "港澳居民来往内地通行证",
        "taiwan_permit" => "台湾居民来往大陆通行证",
        "passport" => "护照",
        "foreign_permanent" => "外国人永久居留身份证",
        other => other,
    }
}

/// `2026-05-06` as `2026年5月6日` (anything else as it is).
fn cn_date(date: &str) -> String {
    let parts: Vec<&str> = date.split('-').collect();
    match parts[..] {
        [y, m, d] if m.parse::<u8>().is_ok() && d.parse::<u8>().is_ok() => format!(
            "{y}年{}月{}日",
            m.parse::<u8>().unwrap_or_default(),
            d.parse::<u8>().unwrap_or_default()
        ),
        _ => date.to_owned(),
    }
}

/// Hours as people write them: `5`, `2.5`, `1.33`.
fn hours(h: f64) -> String {
    format!("{}", (h * 100.0).round() / 100.0)
}

/// Places the lines of text and boxes of a certificate on pages. `advance` is a character's
/// advance in ems.
struct Layout<'a> {
    advance: &'a dyn Fn(char) -> f32,
    pages: Vec<Vec<Op>>,
    /// The top of the space left on the current page.
    y: f32,
    number: &'a str,
}

impl Layout<'_> {
    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| (self.advance)(c)).sum::<f32>() * size
    }

    fn text(&mut self, x: f32, y: f32, size: f32, text: &str) {
        if text.is_empty() {
            return;
        }
        self.pages.last_mut().expect("a page").push(Op::Text {
            x,
            y,
            size,
            text: text.to_owned(),
        });
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, line: f32) {
        self.pages
            .last_mut()
            .expect("a page")
            .push(Op::Rect { x, y, w, h, line });
    }

    /// `text` broken into lines no wider than `width` (between any two characters, as
    /// Chinese is, but never before closing punctuation).
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        let mut w = 0.0;
        for c in text.chars() {
            let cw = (self.advance)(c) * size;
            let closing = "，。、；：！？）》」』,.;:!?)".contains(c);
            if w + cw > width && !line.is_empty() && !closing {
                lines.push(std::mem::take(&mut line));
                w = 0.0;
            }
            line.push(c);
            w += cw;
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }

    /// The largest size up to `size` at which `text` fits in `width`.
    fn fit(&self, text: &str, size: f32, width: f32) -> f32 {
        let w = self.width(text, size);
        if w <= width {
            size
        } else {
            (size * width / w).max(5.0)
        }
    }

    /// Text centred (vertically on CJK characters' middle) in a box.
    fn in_box(&mut self, text: &str, size: f32, (x, w): (f32, f32), mid: f32, centre: bool) {
        let size = self.fit(text, size, w - 8.0);
        let tx = if centre {
            x + (w - self.width(text, size)) / 2.0
        } else {
            x + 5.0
        };
        self.text(tx, mid - 0.36 * size, size, text);
    }

    fn centred(&mut self, y: f32, size: f32, text: &str) {
        let size = self.fit(text, size, CONTENT_W);
        let x = (PAGE_W - self.width(text, size)) / 2.0;
        self.text(x, y, size, text);
    }

    /// Starts a page: the first has the title, the others say they continue it.
    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        if self.pages.len() == 1 {
            self.centred(PAGE_H - 88.0, 24.0, "志愿服务记录证明");
            let no = format!("证明编号：{}", self.number);
            let x = PAGE_W - MARGIN - self.width(&no, 10.5);
            self.text(x, PAGE_H - 118.0, 10.5, &no);
            self.y = PAGE_H - 132.0;
        } else {
            self.centred(PAGE_H - 70.0, 14.0, "志愿服务记录证明（续）");
            let no = format!("证明编号：{}", self.number);
            let x = PAGE_W - MARGIN - self.width(&no, 9.0);
            self.text(x, PAGE_H - 90.0, 9.0, &no);
            self.y = PAGE_H - 100.0;
        }
    }

    /// Makes room for `h` points, on a new page if need be; true when it took one.
    fn room(&mut self, h: f32) -> bool {
        if self.y - h < BOTTOM {
            self.new_page();
            true
        } else {
            false
        }
    }

    /// A paragraph, the first line indented by two characters.
    fn paragraph(&mut self, text: &str, size: f32, leading: f32) {
        let indent = 2.0 * size;
        let lines = self.wrap(text, size, CONTENT_W - indent);
        let first = lines.first().cloned().unwrap_or_default();
        let rest: String = lines.iter().skip(1).map(String::as_str).collect();
        let mut all = vec![(indent, first)];
        all.extend(
            self.wrap(&rest, size, CONTENT_W)
                .into_iter()
                .filter(|l| !l.is_empty())
                .map(|l| (0.0, l)),
        );
        for (indent, line) in all {
            self.room(leading);
            self.y -= leading;
            self.text(
                MARGIN + indent,
                self.y + (leading - size) / 2.0,
                size,
                &line,
            );
        }
    }
}

/// The service table's columns: 序号, 日期, 服务内容, 时长（小时）.
const COLUMNS: [f32; 4] = [42.0, 88.0, CONTENT_W - 42.0 - 88.0 - 86.0, 86.0];
const TABLE_SIZE: f32 = 10.5;

fn column(i: usize) -> (f32, f32) {
    (MARGIN + COLUMNS[..i].iter().sum::<f32>(), COLUMNS[i])
}

/// One row of cells with the given texts, `h` high, below `l.y`.
fn row(l: &mut Layout<'_>, cells: &[(usize, usize, Vec<String>, bool)], h: f32) {
    let top = l.y;
    for (first, last, lines, centre) in cells {
        let x = column(*first).0;
        let w = (*first..=*last).map(|i| COLUMNS[i]).sum::<f32>();
        l.rect(x, top - h, w, h, 0.6);
        let leading = TABLE_SIZE + 4.5;
        let block = leading * lines.len() as f32;
        let mut mid = top - (h - block) / 2.0 - leading / 2.0;
        for line in lines {
            l.in_box(line, TABLE_SIZE, (x, w), mid, *centre);
            mid -= leading;
        }
    }
    l.y -= h;
}

fn table_header(l: &mut Layout<'_>) {
    let cells: Vec<_> = ["序号", "日期", "服务内容", "时长（小时）"]
        .iter()
        .enumerate()
        .map(|(i, t)| (i, i, vec![(*t).to_owned()], true))
        .collect();
    row(l, &cells, 24.0);
}

/// The certificate laid out on A4 pages (at least one).
pub fn layout(c: &CertificateContent, advance: &dyn Fn(char) -> f32) -> Vec<Vec<Op>> {
    let mut l = Layout {
        advance,
        pages: Vec::new(),
        y: 0.0,
        number: &c.number,
    };
    l.new_page();

    // The volunteer.
    l.y -= 14.0;
    l.text(MARGIN, l.y - 12.0, 12.0, "一、志愿者信息");
    l.y -= 22.0;
    let info = [
        [
            ("姓名", c.name.as_str()),
            ("志愿者编号", &c.volunteer_number),
        ],
        [
            ("证件类型", id_type_words(&c.id_type)),
            ("证件号码", &c.id_number),
        ],
    ];
    let widths = [78.0, CONTENT_W / 2.0 - 78.0];
    for pair in info {
        let mut x = MARGIN;
        let mid = l.y - 13.0;
        for (label, value) in pair {
            l.rect(x, l.y - 26.0, widths[0], 26.0, 0.6);
            l.in_box(label, 11.0, (x, widths[0]), mid, true);
            x += widths[0];
            l.rect(x, l.y - 26.0, widths[1], 26.0, 0.6);
            l.in_box(value, 11.0, (x, widths[1]), mid, false);
            x += widths[1];
        }
        l.y -= 26.0;
    }

    // What is certified, in a sentence.
    let first = c.services.first().map(|s| s.date.as_str()).unwrap_or("");
    let last = c.services.last().map(|s| s.date.as_str()).unwrap_or("");
    let from = c.period_from.as_deref().unwrap_or(first);
    let to = c.period_to.as_deref().unwrap_or(last);
    l.y -= 10.0;
    l.paragraph(
        &format!(
            "兹证明{}于{}至{}期间在{}参加志愿服务，经记录核实，累计服务时长{}小时。具体情况如下：",
            c.name,
            cn_date(from),
            cn_date(to),
            c.issuer_name,
            hours(c.total_hours)
        ),
        12.0,
        22.0,
    );

    // The service, day by day.
    l.y -= 8.0;
    l.room(22.0 + 24.0 + 26.0);
    l.text(MARGIN, l.y - 14.0, 12.0, "二、志愿服务记录");
    l.y -= 22.0;
    table_header(&mut l);
    for (i, s) in c.services.iter().enumerate() {
        let content = l.wrap(&s.content, TABLE_SIZE, COLUMNS[2] - 10.0);
        let h = (content.len() as f32 * (TABLE_SIZE + 4.5) + 8.0).max(22.0);
        if l.room(h) {
            table_header(&mut l);
        }
        let cells = [
            (0, 0, vec![(i + 1).to_string()], true),
            (1, 1, vec![s.date.clone()], true),
            (2, 2, content, false),
            (3, 3, vec![hours(s.hours)], true),
        ];
        row(&mut l, &cells, h);
    }
    if l.room(24.0) {
        table_header(&mut l);
    }
    let total = [
        (0, 2, vec!["累计服务时长（小时）".to_owned()], true),
        (3, 3, vec![hours(c.total_hours)], true),
    ];
    row(&mut l, &total, 24.0);

    // Who issues it, the seal, and where it is checked: kept together.
    let verify = format!(
        "核验：本证明编号可在出具单位的服务器上核验（/api/certificates/verify/{}）。",
        c.number
    );
    let verify_lines = l.wrap(&verify, 9.0, CONTENT_W);
    let block = 30.0 + 5.0 * 24.0 + 16.0 + 14.0 * verify_lines.len() as f32;
    l.room(block);
    l.y -= 8.0;
    l.paragraph("特此证明。", 12.0, 22.0);
    let top = l.y - 6.0;
    let fields = [
        ("出具单位", c.issuer_name.as_str()),
        ("负责人", ""),
        ("经办人", c.issued_by.as_str()),
        ("联系方式", c.contact.as_str()),
        ("出具日期", &cn_date(&c.issued_on)),
    ];
    let seal = 118.0;
    let seal_x = PAGE_W - MARGIN - seal - 6.0;
    for (i, (label, value)) in fields.iter().enumerate() {
        let y = top - 24.0 * (i as f32 + 1.0) + 6.0;
        let text = format!("{label}：{value}");
        let size = l.fit(&text, 12.0, seal_x - MARGIN - 16.0);
        l.text(MARGIN + 24.0, y, size, &text);
    }
    l.rect(seal_x, top - seal, seal, seal, 0.5);
    let mid = top - seal / 2.0;
    l.in_box("（盖章）", 11.0, (seal_x, seal), mid, true);
    l.y = top - 5.0 * 24.0 - 10.0;
    for line in verify_lines {
        l.y -= 14.0;
        l.text(MARGIN, l.y, 9.0, &line);
    }

    // Each page's footer.
    let n = l.pages.len();
    for i in 0..n {
        let footer = format!("证明编号：{}　第{}页，共{}页", c.number, i + 1, n);
        let x = (PAGE_W - l.width(&footer, 9.0)) / 2.0;
        l.pages[i].push(Op::Text {
            x,
            y: 40.0,
            size: 9.0,
            text: footer,
        });
    }
    l.pages
}

#[cfg(test)]
mod tests {
    use super::super::font::*;
    use super::super::render::render;
    use super::*;
    use crate::certificates_api::ServiceLine;

    fn certificate(days: usize) -> CertificateContent {
        CertificateContent {
            number: "ZYFW-2026-0123ABCD".into(),
            issued_on: "2026-05-06".into(),
            name: "李秀兰".into(),
            id_type: "resident_id".into(),
            id_number: "11010519491231002X".into(),
            volunteer_number: "V2026000001".into(),
            period_from: Some("2025-01-01".into()),
            period_to: None,
            services: (0..days)
                .map(|i| ServiceLine {
                    date: format!("2025-{:02}-{:02}", i / 28 % 12 + 1, i % 28 + 1),
                    content: if i % 7 == 3 {
                        "为社区独居老人送餐并陪同聊天，检查家中燃气与用电安全，记录老人需求转交网格员跟进".into()
                    } else {
                        "助老送餐".into()
                    },
                    category: "elderly".into(),
                    hours: 1.5,
                })
                .collect(),
            total_hours: days as f64 * 1.5,
            issuer_org: "c01/s01/m01".into(),
            issuer_name: "幸福社区".into(),
            issued_by: "王芳".into(),
            contact: "0512-66881234".into(),
        }
    }

    /// Chinese a full em, the rest half.
    fn advance(c: char) -> f32 {
        if c.is_ascii() {
            0.5
        } else {
            1.0
        }
    }

    fn texts(pages: &[Vec<Op>]) -> Vec<String> {
        pages
            .iter()
            .flatten()
            .filter_map(|op| match op {
                Op::Text { text, .. } => Some(text.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_short_certificate_is_one_page_with_everything() {
        let pages = layout(&certificate(2), &advance);
        assert_eq!(pages.len(), 1);
        let all = texts(&pages).join("\n");
        for needed in [
            "志愿服务记录证明",
            "李秀兰",
            "居民身份证",
            "11010519491231002X",
            "V2026000001",
            "助老送餐",
            "累计服务时长（小时）",
            "出具单位：幸福社区",
            "经办人：王芳",
            "联系方式：0512-66881234",
            "出具日期：2026年5月6日",
            "（盖章）",
            "/api/certificates/verify/ZYFW-2026-0123ABCD",
            "第1页，共1页",
        ] {
            assert!(all.contains(needed), "{needed} in {all}");
        }
        assert!(all.contains("2025年1月1日至2025年1月2日"), "{all}");
    }

    #[test]
    fn long_tables_continue_on_further_pages_within_the_margins() {
        let pages = layout(&certificate(80), &advance);
        assert!(pages.len() > 1, "{} pages", pages.len());
        let all = texts(&pages);
        let headers = all.iter().filter(|t| *t == "服务内容").count();
        assert!(
            headers >= pages.len() - 1,
            "the table's header on every page it reaches: {headers}"
        );
        assert!(all.contains(&"80".to_owned()), "every line numbered");
        assert!(all.iter().any(|t| t.contains("第2页，共")));
        for op in pages.iter().flatten() {
            let (x, y) = match op {
                Op::Text { x, y, .. } | Op::Rect { x, y, .. } => (*x, *y),
            };
            assert!((30.0..PAGE_W - MARGIN).contains(&x), "{op:?}");
            assert!((30.0..PAGE_H).contains(&y), "{op:?}");
        }
        // The issuer's block and the seal are on the last page.
        let last = texts(&pages[pages.len() - 1..]).join("\n");
        assert!(
            last.contains("（盖章）") && last.contains("经办人"),
            "{last}"
        );
    }

    #[test]
    fn id_documents_are_named_in_words() {
        assert_eq!(id_type_words("hk_macao_permit"), "港澳居民来往内地通行证");
        assert_eq!(id_type_words("foreign_permanent"), "外国人永久居留身份证");
        assert_eq!(hours(5.0), "5");
        assert_eq!(hours(2.0 / 3.0), "0.67");
        assert_eq!(cn_date("2026-05-06"), "2026年5月6日");
    }

    /// With a CJK font installed (CI installs fonts-noto-cjk), a real PDF with the font
    /// embedded; skipped without one.
    #[test]
    fn renders_with_a_system_font() {
        let Ok(font) = CertificateFont::find(None) else {
            eprintln!("no CJK font installed: skipped");
            return;
        };
        let pdf = render(&certificate(80), &font).unwrap();
        // To look at it: LINLI_CERTIFICATE_PDF_OUT=/tmp/certificate.pdf cargo test …
        if let Ok(out) = std::env::var("LINLI_CERTIFICATE_PDF_OUT") {
            std::fs::write(out, &pdf).unwrap();
        }
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("/Identity-H") && text.contains("/ToUnicode"));
        assert!(
            pdf.len() < 400_000,
            "a subset, not the whole font: {}",
            pdf.len()
        );
    }
}
