//! The page's frame: its style sheet, and the HTML pieces every section uses (a table of
//! figures, a figure with its reading).

use std::fmt::Write as _;

use super::super::svg::escape;

/// The page's style: readable on a laptop (a column of at most 62 rem), in a light and a
/// dark scheme (the charts' backgrounds, grid and text follow it), and printable (no
/// section split across pages where avoidable, charts at the page's width).
pub(in crate::report) const STYLE: &str = "\
:root{color-scheme:light dark;--fg:#1b1b1b;--muted:#555;--bg:#fff;--panel:#f5f5f5;--line:#d0d0d0;--grid:#e4e4e4;--warn:#8a4b00;--warn-bg:#fff4e0;--accent:#0b5cad}\
@media (prefers-color-scheme:dark){:root{--fg:#e8e8e8;--muted:#b0b0b0;--bg:#161616;--panel:#222;--line:#444;--grid:#3a3a3a;--warn:#ffcf8a;--warn-bg:#3a2a10;--accent:#8cc4ff}}\
*{box-sizing:border-box}\
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif}\
main{max-width:62rem;margin:0 auto;padding:1.5rem 1rem 3rem}\
h1{font-size:1.6rem;margin:0 0 .25rem}h2{font-size:1.25rem;margin:2rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}\
h3{font-size:1.05rem;margin:1.2rem 0 .4rem}\
p{margin:.4rem 0}.muted,.window{color:var(--muted)}\
a{color:var(--accent)}\
code{font-family:ui-monospace,'SFMono-Regular',Menlo,Consolas,monospace;font-size:.9em;background:var(--panel);padding:0 .2em;border-radius:3px;overflow-wrap:anywhere}\
.lede{font-size:1.05rem}\
pre.workflow{background:var(--panel);padding:.6rem .8rem;overflow-x:auto;font-size:.85rem;max-height:30rem}\
.warnings{list-style:none;padding:0;margin:.6rem 0}\
.warnings li{background:var(--warn-bg);color:var(--fg);border-left:4px solid var(--warn);padding:.35rem .6rem;margin:.3rem 0;overflow-wrap:anywhere}\
.table{overflow-x:auto;max-width:100%}\
table{border-collapse:collapse;margin:.5rem 0;font-size:.92rem}\
caption{text-align:left;color:var(--muted);padding:.2rem 0;caption-side:top}\
th,td{padding:.25rem .6rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}\
th{font-weight:600}\
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\
td.id{overflow-wrap:anywhere;max-width:16rem}\
tr.highlight td{font-weight:600}\
figure{margin:.8rem 0 1.2rem}\
figure svg{display:block;max-width:100%;height:auto}\
figcaption,.reading{margin:.3rem 0}\
svg .background{fill:var(--bg)}\
svg .grid{stroke:var(--grid)}\
svg .axis{stroke:var(--muted)}\
svg text{fill:var(--fg)}\
footer{margin-top:3rem;color:var(--muted);font-size:.85rem}\
@media print{body{font-size:11pt;background:#fff;color:#000}main{max-width:none;padding:0}\
section,figure,table{break-inside:avoid}h2{break-after:avoid}.table{overflow:visible}\
svg .background{fill:#fff}svg text{fill:#000}}\
";

/// The content security policy the page declares: nothing may be fetched or run; inline
/// style and data images only. A page that works offline is one that asks for nothing.
pub(in crate::report) const POLICY: &str =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/// One column of a table: its heading and whether its cells are numbers (right-aligned,
/// tabular figures).
pub(super) struct Column<'a> {
    pub(super) heading: &'a str,
    pub(super) numeric: bool,
}

/// A text column.
pub(super) fn text(heading: &str) -> Column<'_> {
    Column {
        heading,
        numeric: false,
    }
}

/// A number column.
pub(super) fn num(heading: &str) -> Column<'_> {
    Column {
        heading,
        numeric: true,
    }
}

/// A table of `rows` (cells already formatted, escaped here) under `columns`, with a
/// caption; rows whose first cell is in `highlight` are emphasised.
pub(super) fn table(
    class: &str,
    caption: &str,
    columns: &[Column<'_>],
    rows: &[Vec<String>],
    highlight: Option<&str>,
) -> String {
    let mut out = format!(
        "<div class=\"table\"><table class=\"{class}\">\n<caption>{}</caption>\n<thead><tr>",
        escape(caption)
    );
    for c in columns {
        let _ = write!(
            out,
            "<th scope=\"col\"{}>{}</th>",
            if c.numeric { " class=\"num\"" } else { "" },
            escape(c.heading)
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        let hl = highlight.is_some_and(|h| row.first().is_some_and(|c| c == h));
        out.push_str(if hl {
            "<tr class=\"highlight\">"
        } else {
            "<tr>"
        });
        for (c, cell) in columns.iter().zip(row) {
            let class = if c.numeric {
                " class=\"num\""
            } else if c.heading == "item" {
                " class=\"id\""
            } else {
                ""
            };
            let _ = write!(out, "<td{class}>{}</td>", escape(cell));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n");
    out
}

/// A section with its heading, its reading (one sentence on what the chart shows on this
/// log), and the chart, or the reading alone when there is no chart.
pub(super) fn chart_section(id: &str, heading: &str, reading: &str, svg: &[u8]) -> String {
    let mut out = format!(
        "<section id=\"{id}\">\n<h2>{}</h2>\n<p class=\"reading\">{}</p>\n",
        escape(heading),
        escape(reading)
    );
    if !svg.is_empty() {
        let _ = write!(
            out,
            "<figure class=\"{id}\">\n{}</figure>\n",
            String::from_utf8_lossy(svg)
        );
    }
    out.push_str("</section>\n");
    out
}

/// `x` with `decimals` decimals, or "–" when unknown.
pub(super) fn fixed(x: Option<f64>, decimals: usize) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v:.decimals$}"),
        _ => "–".to_owned(),
    }
}

/// `x` (a share) as a whole percentage, or "–".
pub(super) fn percent(x: Option<f64>) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{:.0}%", v * 100.0),
        _ => "–".to_owned(),
    }
}

/// "1 item", "2 items", with thousands separators.
pub(super) fn items(n: u64) -> String {
    noun(n, "item", "items")
}

/// `n` (with thousands separators) and the noun that agrees with it.
pub(super) fn noun(n: u64, one: &str, many: &str) -> String {
    format!(
        "{} {}",
        crate::log::quality::count(n),
        if n == 1 { one } else { many }
    )
}

/// `days` in words: "1 day", "2.5 days".
pub(super) fn days(d: f64) -> String {
    if (d - 1.0).abs() < 0.05 {
        "1 day".to_owned()
    } else if d >= 100.0 {
        format!("{d:.0} days")
    } else {
        format!("{d:.1} days")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_agree_with_their_nouns() {
        assert_eq!(items(0), "0 items");
        assert_eq!(items(1), "1 item");
        assert_eq!(items(12_345), "12,345 items");
        assert_eq!(days(1.0), "1 day");
        assert_eq!(days(2.54), "2.5 days");
        assert_eq!(days(783.2), "783 days");
    }

    #[test]
    fn tables_escape_and_align() {
        let t = table(
            "t",
            "A <caption>",
            &[text("stage"), num("days")],
            &[
                vec!["R&D".into(), "1.5".into()],
                vec!["Test".into(), "2".into()],
            ],
            Some("Test"),
        );
        assert!(t.contains("<caption>A &lt;caption&gt;</caption>"));
        assert!(t.contains("<td>R&amp;D</td><td class=\"num\">1.5</td>"));
        assert!(t.contains("<tr class=\"highlight\"><td>Test</td>"));
        assert_eq!(t.matches("<th scope=\"col\" class=\"num\">").count(), 1);
    }
}
