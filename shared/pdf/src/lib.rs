//! PDF reports: a title and paragraphs of text in a few styles, laid out on A4 pages with word wrapping,
//! in DejaVu Sans (shipped in `fonts/`, licence `fonts/LICENSE_DEJAVU`). Only the glyphs a report uses are
//! embedded (a subset), as a CID font with a `ToUnicode` map, so the text can be searched, copied and
//! read back.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use std::collections::BTreeMap;

/// DejaVu Sans: Latin, Greek and Cyrillic, so people's names print as they are written.
static FONT: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the report font cannot be read: {0}")]
    Font(String),
}

/// How a paragraph looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Title,
    Heading,
    Body,
    /// Dates, authors and other asides.
    Small,
}

impl Style {
    fn size(self) -> f32 {
        match self {
            Style::Title => 20.0,
            Style::Heading => 13.0,
            Style::Body => 10.0,
            Style::Small => 8.5,
        }
    }

    /// Space above the paragraph.
    fn space_before(self) -> f32 {
        match self {
            Style::Title => 0.0,
            Style::Heading => 14.0,
            Style::Body => 3.0,
            Style::Small => 5.0,
        }
    }

    fn gray(self) -> f32 {
        if self == Style::Small { 0.35 } else { 0.0 }
    }
}

/// A report: its title, then paragraphs in order.
#[derive(Clone, Debug, Default)]
pub struct Report {
    title: String,
    paragraphs: Vec<(Style, String)>,
}

impl Report {
    pub fn new(title: impl Into<String>) -> Self {
        let title = title.into();
        Report { paragraphs: vec![(Style::Title, title.clone())], title }
    }

    pub fn heading(&mut self, text: impl Into<String>) -> &mut Self {
        self.paragraphs.push((Style::Heading, text.into()));
        self
    }

    /// Body text; each line of `text` is a paragraph of its own.
    pub fn text(&mut self, text: impl AsRef<str>) -> &mut Self {
        self.lines(Style::Body, text.as_ref())
    }

    pub fn small(&mut self, text: impl AsRef<str>) -> &mut Self {
        self.lines(Style::Small, text.as_ref())
    }

    fn lines(&mut self, style: Style, text: &str) -> &mut Self {
        for line in text.lines() {
            self.paragraphs.push((style, line.to_owned()));
        }
        self
    }

    /// The report as a PDF document.
    pub fn render(&self) -> Result<Vec<u8>, PdfError> {
        let face = ttf_parser::Face::parse(FONT, 0).map_err(|e| PdfError::Font(e.to_string()))?;
        let font = Metrics::of(&face);
        let mut glyphs = Glyphs::default();
        let pages = self.lay_out(&face, &font, &mut glyphs);
        write(&self.title, &pages, &face, &font, &glyphs)
    }

    /// The report's lines, page by page, each placed at its baseline.
    fn lay_out(&self, face: &ttf_parser::Face, font: &Metrics, glyphs: &mut Glyphs) -> Vec<Vec<Line>> {
        let width = PAGE_WIDTH - 2.0 * MARGIN;
        let mut pages = vec![Vec::new()];
        let mut y = PAGE_HEIGHT - MARGIN;
        for (style, text) in &self.paragraphs {
            let size = style.size();
            let leading = size * 1.35;
            y -= style.space_before();
            for piece in wrap(text, width, |t| font.width(face, t, size)) {
                if y - leading < MARGIN {
                    pages.push(Vec::new());
                    y = PAGE_HEIGHT - MARGIN;
                }
                y -= leading;
                let codes = glyphs.encode(face, &piece);
                if let Some(page) = pages.last_mut() {
                    page.push(Line { style: *style, y, codes });
                }
            }
        }
        pages
    }
}

/// One laid-out line: its style, baseline, and glyph codes (two bytes each, as the subset numbers them).
struct Line {
    style: Style,
    y: f32,
    codes: Vec<u8>,
}

/// The font's measures, in thousandths of the font size as PDF counts them.
struct Metrics {
    units_per_em: f32,
}

impl Metrics {
    fn of(face: &ttf_parser::Face) -> Self {
        Metrics { units_per_em: f32::from(face.units_per_em()) }
    }

    fn scale(&self, units: f32) -> f32 {
        units * 1000.0 / self.units_per_em
    }

    fn advance(&self, face: &ttf_parser::Face, c: char) -> f32 {
        let glyph = face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
        self.scale(f32::from(face.glyph_hor_advance(glyph).unwrap_or(0)))
    }

    fn width(&self, face: &ttf_parser::Face, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(face, c)).sum::<f32>() * size / 1000.0
    }
}

/// The glyphs a report uses, renumbered for the subset, with the text each stands for.
#[derive(Default)]
struct Glyphs {
    remapper: subsetter::GlyphRemapper,
    text: BTreeMap<u16, char>,
}

impl Glyphs {
    fn encode(&mut self, face: &ttf_parser::Face, text: &str) -> Vec<u8> {
        let mut codes = Vec::with_capacity(text.len() * 2);
        for c in text.chars().filter(|c| !c.is_control()) {
            let old = face.glyph_index(c).map_or(0, |g| g.0);
            let new = self.remapper.remap(old);
            self.text.entry(new).or_insert(c);
            codes.extend(new.to_be_bytes());
        }
        codes
    }
}

/// `text` in lines no wider than `width`, broken between words (inside a word only when it alone is wider).
fn wrap(text: &str, width: f32, measure: impl Fn(&str) -> f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
        if measure(&candidate) <= width {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        for c in word.chars() {
            line.push(c);
            if measure(&line) > width && line.chars().count() > 1 {
                line.pop();
                lines.push(std::mem::take(&mut line));
                line.push(c);
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn write(
    title: &str,
    pages: &[Vec<Line>],
    face: &ttf_parser::Face,
    font: &Metrics,
    glyphs: &Glyphs,
) -> Result<Vec<u8>, PdfError> {
    let subset = subsetter::subset(FONT, 0, &glyphs.remapper).map_err(|e| PdfError::Font(format!("{e:?}")))?;
    let mut ids = (1..).map(Ref::new);
    let mut next = || ids.next().unwrap_or(Ref::new(1));
    let (catalog, tree, info) = (next(), next(), next());
    let (type0, cid, descriptor, file, to_unicode) = (next(), next(), next(), next(), next());
    let font_name = Name(b"F1");
    let base_font = Name(b"AAAAAA+DejaVuSans");
    let system = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.document_info(info).title(TextStr(title)).producer(TextStr("Serverless CRM"));
    let page_ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (next(), next())).collect();
    pdf.pages(tree).kids(page_ids.iter().map(|(page, _)| *page)).count(i32::try_from(pages.len()).unwrap_or(1));
    for ((page_id, content_id), lines) in page_ids.iter().zip(pages) {
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
        page.parent(tree);
        page.contents(*content_id);
        page.resources().fonts().pair(font_name, type0);
        page.finish();
        let mut content = Content::new();
        for line in lines {
            content.set_fill_gray(line.style.gray());
            content.begin_text();
            content.set_font(font_name, line.style.size());
            content.next_line(MARGIN, line.y);
            content.show(Str(&line.codes));
            content.end_text();
        }
        pdf.stream(*content_id, &content.finish());
    }

    pdf.type0_font(type0)
        .base_font(base_font)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(to_unicode);
    let mut cid_font = pdf.cid_font(cid);
    cid_font.subtype(CidFontType::Type2).base_font(base_font).system_info(system).font_descriptor(descriptor);
    cid_font.cid_to_gid_map_predefined(Name(b"Identity"));
    let widths: Vec<f32> = (0..glyphs.remapper.num_gids())
        .map(|new| glyphs.text.get(&new).map_or(0.0, |c| font.advance(face, *c)))
        .collect();
    cid_font.widths().consecutive(0, widths);
    cid_font.finish();

    let bbox = face.global_bounding_box();
    let scaled = |v: i16| font.scale(f32::from(v));
    pdf.font_descriptor(descriptor)
        .name(base_font)
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(scaled(bbox.x_min), scaled(bbox.y_min), scaled(bbox.x_max), scaled(bbox.y_max)))
        .italic_angle(0.0)
        .ascent(scaled(face.ascender()))
        .descent(scaled(face.descender()))
        .cap_height(scaled(face.capital_height().unwrap_or(face.ascender())))
        .stem_v(80.0)
        .font_file2(file);
    pdf.stream(file, &subset);

    let mut cmap = UnicodeCmap::new(Name(b"Custom"), system);
    for (glyph, c) in &glyphs.text {
        cmap.pair(*glyph, *c);
    }
    pdf.cmap(to_unicode, &cmap.finish());
    Ok(pdf.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_wraps_between_words_and_breaks_a_word_wider_than_the_line() {
        let measure = |t: &str| t.chars().count() as f32;
        assert_eq!(wrap("one two three four", 9.0, measure), ["one two", "three", "four"]);
        assert_eq!(wrap("abcdefghij", 4.0, measure), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4.0, measure), [""]);
    }

    #[test]
    fn a_report_is_a_pdf_with_its_font_subset_and_text_map() {
        let mut report = Report::new("Lead: Łukasz Żółw");
        report.heading("Notes");
        for n in 0..120 {
            report.text(format!("Note {n}: called about the renewal, will write back on Monday."));
        }
        let pdf = report.render().unwrap();
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.starts_with("%PDF-"));
        assert!(text.contains("/ToUnicode") && text.contains("/FontFile2"));
        assert!(text.contains("/Count 3"), "120 notes take three pages");
        // The subset holds the glyphs used, not the whole font.
        assert!(pdf.len() < 100_000, "{} bytes", pdf.len());
    }
}
