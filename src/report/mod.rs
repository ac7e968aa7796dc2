//! Renderers of the flow report ([`crate::Report`]) and of its charts: text (the report's
//! `Display`), CSV tables, SVG charts and one HTML page; and the charts and pages of the
//! model's answers (a what-if, a held-out backtest). They only render.

mod charts;
mod csv;
mod html;
mod model_charts;
mod svg;
mod text;

pub use self::charts::{
    write_aging_wip_svg, write_cycle_time_histogram_svg, write_stage_time_svg,
    write_throughput_svg, write_wip_svg,
};
pub use self::csv::{
    write_class_items_csv, write_classes_csv, write_groups_csv, write_items_csv, write_parents_csv,
    write_series_csv, write_stages_csv,
};
pub use self::html::{HtmlOptions, write_html_report, write_html_report_with};
pub use self::model_charts::{
    write_backtest_html, write_backtest_svg, write_whatif_html, write_whatif_svg,
};
pub use self::svg::{
    CycleTimeChart, write_cfd_svg, write_cycle_time_svg, write_cycle_time_svg_with,
    write_forecast_svg,
};
