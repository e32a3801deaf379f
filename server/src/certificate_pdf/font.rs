//! The CJK font certificates are set in: found on disk, its Simplified Chinese face chosen.

use std::path::{Path, PathBuf};

use skrifa::raw::FileRef;
use skrifa::string::StringId;
use skrifa::{FontRef, MetadataProvider, Tag};

/// Where CJK fonts usually are, tried in turn when `--certificate-font` is not given: Debian's
/// and Ubuntu's fonts-noto-cjk, Fedora's Noto CJK, Arch's, then WenQuanYi (TrueType) and macOS.
pub const WELL_KNOWN_FONTS: &[&str] = &[
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-serif-cjk-fonts/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-sans-cjk-fonts/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/System/Library/Fonts/Supplemental/Songti.ttc",
];

/// What every certificate prints whatever its content: a font must have these.
const NEEDED: &str =
    "志愿服务记录证明姓名证件类型号码编号日期内容时长小时累计出具单位经办人联系方式盖章核验";

/// A CJK font for certificates: the file's bytes and the face chosen in it.
pub struct CertificateFont {
    pub(super) data: Vec<u8>,
    pub(super) index: u32,
    /// The PostScript name (the PDF's BaseFont, after the subset's tag).
    pub(super) name: String,
    pub path: PathBuf,
}

impl std::fmt::Debug for CertificateFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateFont")
            .field("path", &self.path)
            .field("index", &self.index)
            .field("name", &self.name)
            .finish()
    }
}

impl CertificateFont {
    /// The font at `path`, or else the first of [`WELL_KNOWN_FONTS`] that exists.
    pub fn find(path: Option<&Path>) -> Result<Self, String> {
        match path {
            Some(path) => Self::load(path),
            None => {
                let found = WELL_KNOWN_FONTS
                    .iter()
                    .map(Path::new)
                    .find(|p| p.is_file())
                    .ok_or_else(|| format!("none of {} exists", WELL_KNOWN_FONTS.join(", ")))?;
                Self::load(found)
            }
        }
    }

    /// Reads a .ttf, .otf, .ttc or .otc file. In a collection, the face for Simplified
    /// Chinese: its family name ends in `SC` (Noto CJK's `Noto Serif CJK SC`, face 2 of
    /// Debian's NotoSerifCJK-Regular.ttc), else it has names in Chinese (PRC), else it is
    /// the first face with the characters every certificate prints.
    pub fn load(path: &Path) -> Result<Self, String> {
        let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let faces = match FileRef::new(&data).map_err(|e| format!("{}: {e}", path.display()))? {
            FileRef::Font(_) => 1,
            FileRef::Collection(c) => c.len(),
        };
        let mut best: Option<(u8, u32, String)> = None;
        for index in 0..faces {
            let Ok(face) = FontRef::from_index(&data, index) else {
                continue;
            };
            let charmap = face.charmap();
            if !NEEDED.chars().all(|c| charmap.map(c).is_some()) {
                continue;
            }
            let strings = |id| face.localized_strings(id).map(|s| s.to_string());
            let sc = [StringId::TYPOGRAPHIC_FAMILY_NAME, StringId::FAMILY_NAME]
                .into_iter()
                .flat_map(strings)
                .any(|f| f.ends_with("SC"));
            let prc = face
                .localized_strings(StringId::FAMILY_NAME)
                .any(|s| s.language() == Some("zh-CN"));
            let score = if sc {
                3
            } else if prc {
                2
            } else {
                1
            };
            if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
                let name = face
                    .localized_strings(StringId::POSTSCRIPT_NAME)
                    .english_or_first()
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "CJKFont".into())
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                    .collect();
                best = Some((score, index, name));
            }
        }
        let (_, index, name) = best.ok_or_else(|| {
            format!(
                "{}: no face with the Chinese characters certificates print",
                path.display()
            )
        })?;
        let face = FontRef::from_index(&data, index).map_err(|e| e.to_string())?;
        if face.table_data(Tag::new(b"CFF2")).is_some()
            && face.table_data(Tag::new(b"CFF ")).is_none()
        {
            return Err(format!(
                "{}: CFF2 (variable) fonts are not supported",
                path.display()
            ));
        }
        Ok(CertificateFont {
            index,
            name,
            path: path.to_owned(),
            data,
        })
    }

    /// The face chosen in the file (0 unless it is a collection).
    pub fn face_index(&self) -> u32 {
        self.index
    }

    pub(super) fn face(&self) -> Result<FontRef<'_>, String> {
        FontRef::from_index(&self.data, self.index).map_err(|e| e.to_string())
    }
}
