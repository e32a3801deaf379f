//! What an export covers, said where a person sees it: in the file's name
//! (`走访记录-幸福社区-2026-11.csv`, sent as RFC 6266/5987 `filename*` with an ASCII
//! `filename` beside it) and, in XLSX, on a second sheet (说明 / About): dataset, unit, period
//! (or the day a register is "as of"), language and when the file was made.

use crate::export::Dataset;
use crate::indicators::Period;

/// What a file covers.
#[derive(Debug, Clone)]
pub struct Cover<'a> {
    pub dataset: Dataset,
    pub english: bool,
    /// The unit's org path and name.
    pub org: &'a str,
    pub unit: &'a str,
    /// The period of a dated dataset; `None`: a register as of `today`.
    pub period: Option<&'a Period>,
    /// Today's local date.
    pub today: &'a str,
    /// When the file was made, local time with its offset.
    pub generated: &'a str,
}

/// A dataset's name: (Chinese, English), as the app's words name it.
pub fn dataset_name(dataset: Dataset) -> (&'static str, &'static str) {
    match dataset {
        Dataset::Households => ("住户", "Households"),
        Dataset::Residents => ("居民", "Residents"),
        Dataset::Visits => ("走访记录", "Visits"),
        Dataset::VolunteerHours => ("志愿服务时长", "Volunteer hours"),
        Dataset::Indicators => ("指标", "Indicators"),
    }
}

impl Cover<'_> {
    fn pick<'s>(&self, zh: &'s str, en: &'s str) -> &'s str {
        if self.english {
            en
        } else {
            zh
        }
    }

    /// The period as a file name says it: `2026-11`, `2026-Q4`, `2026-01-15至2026-03-31`,
    /// or `截至2026-11-26` for a register.
    fn period_words(&self) -> String {
        match self.period {
            Some(p) if p.kind == "range" => {
                format!("{}{}{}", p.from, self.pick("至", " to "), p.to)
            }
            Some(p) => p.label.clone(),
            None => format!("{}{}", self.pick("截至", "as of "), self.today),
        }
    }

    /// The file's name: dataset, unit and period.
    pub fn file_name(&self, extension: &str) -> String {
        let (zh, en) = dataset_name(self.dataset);
        let name = format!(
            "{}-{}-{}.{extension}",
            self.pick(zh, en),
            self.unit,
            self.period_words()
        );
        name.chars()
            .map(|c| {
                if c.is_control() || "/\\:*?\"<>|".contains(c) {
                    '_'
                } else {
                    c
                }
            })
            .collect()
    }

    /// An ASCII name for clients that do not read `filename*`: dataset code, org path and
    /// period (`visits-c01-s01-m01-2026-11.csv`).
    pub fn ascii_file_name(&self, file: &str, extension: &str) -> String {
        let period = match self.period {
            Some(p) if p.kind == "range" => format!("{}_{}", p.from, p.to),
            Some(p) => p.label.clone(),
            None => format!("as-of-{}", self.today),
        };
        format!("{file}-{}-{period}.{extension}", self.org.replace('/', "-"))
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    }

    /// The `Content-Disposition` header: `attachment; filename="…"; filename*=UTF-8''…`.
    pub fn content_disposition(&self, file: &str, extension: &str) -> String {
        format!(
            "attachment; filename=\"{}\"; filename*=UTF-8''{}",
            self.ascii_file_name(file, extension),
            rfc5987(&self.file_name(extension))
        )
    }

    /// The XLSX's second sheet: its name and its rows.
    pub fn about(&self) -> (&'static str, Vec<(String, String)>) {
        let (zh, en) = dataset_name(self.dataset);
        let period = match self.period {
            Some(p) if self.english => format!("{} ({} to {})", p.label, p.from, p.to),
            Some(p) => format!("{}（{} 至 {}）", p.label, p.from, p.to),
            None => format!("{}{}", self.pick("截至 ", "as of "), self.today),
        };
        let rows = [
            (("数据", "Dataset"), self.pick(zh, en).to_owned()),
            (("单位", "Unit"), self.unit.to_owned()),
            (("组织代码", "Org code"), self.org.to_owned()),
            (
                (
                    if self.period.is_some() {
                        "期间"
                    } else {
                        "名册日期"
                    },
                    if self.period.is_some() {
                        "Period"
                    } else {
                        "Register"
                    },
                ),
                period,
            ),
            (
                ("语言", "Language"),
                self.pick("中文", "English").to_owned(),
            ),
            (("生成时间", "Generated"), self.generated.to_owned()),
        ];
        (
            self.pick("说明", "About"),
            rows.into_iter()
                .map(|((zh, en), v)| (self.pick(zh, en).to_owned(), v))
                .collect(),
        )
    }
}

/// Bytes `filename*` must percent-encode: all but RFC 5987's `attr-char`.
const NOT_ATTR_CHAR: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// Percent-encodes a value for `filename*` (RFC 5987 `attr-char` stays as it is).
pub(crate) fn rfc5987(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, NOT_ATTR_CHAR).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_say_unit_and_period() {
        let period = Period::parse(Some("2026-11"), None, None, "2026-11-26").unwrap();
        let cover = Cover {
            dataset: Dataset::Visits,
            english: false,
            org: "c01/s01/m01",
            unit: "幸福社区",
            period: Some(&period),
            today: "2026-11-26",
            generated: "2026-11-26T10:00:00+08:00",
        };
        assert_eq!(cover.file_name("csv"), "走访记录-幸福社区-2026-11.csv");
        let header = cover.content_disposition("visits", "csv");
        assert!(
            header.starts_with("attachment; filename=\"visits-c01-s01-m01-2026-11.csv\"; filename*=UTF-8''%E8%B5%B0"),
            "{header}"
        );
        let register = Cover {
            dataset: Dataset::Households,
            english: true,
            period: None,
            ..cover
        };
        assert_eq!(
            register.file_name("xlsx"),
            "Households-幸福社区-as of 2026-11-26.xlsx"
        );
        let (sheet, rows) = register.about();
        assert_eq!(sheet, "About");
        assert!(rows.contains(&("Register".into(), "as of 2026-11-26".into())));
    }
}
