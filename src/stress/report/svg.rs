//! Hand-written SVG line charts for the HTML report: no scripts, no external files.

use std::fmt::Write;

/// One line of a chart.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend text.
    pub name: String,
    /// CSS colour.
    pub color: &'static str,
    /// (x, y) points, x in seconds.
    pub points: Vec<(f64, f64)>,
}

/// A chart: lines, horizontal reference lines (limits) and vertical event marks (kills).
#[derive(Debug, Clone, Default)]
pub struct Chart {
    /// Title above the chart.
    pub title: String,
    /// Unit of the y axis.
    pub y_label: String,
    /// The lines.
    pub series: Vec<Series>,
    /// Horizontal lines: label, value, colour.
    pub limits: Vec<(String, f64, &'static str)>,
    /// Vertical marks at these x values (process kills).
    pub marks: Vec<f64>,
    /// Right end of the x axis, in seconds.
    pub x_max: f64,
}

const WIDTH: f64 = 820.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 40.0;

/// The chart as an inline `<svg>` element.
pub fn render(chart: &Chart) -> String {
    let y_max = nice_max(
        chart
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .chain(chart.limits.iter().map(|l| l.1))
            .fold(0.0, f64::max),
    );
    let x_max = chart.x_max.max(1.0);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let x = |v: f64| LEFT + v / x_max * plot_w;
    let y = |v: f64| TOP + plot_h - v / y_max * plot_h;

    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{title}">"#,
        title = escape(&chart.title)
    );
    let _ = write!(
        svg,
        r##"<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#fff"/><text x="{LEFT}" y="18" font-size="14" font-weight="bold">{}</text>"##,
        escape(&chart.title)
    );

    // Grid and axes.
    for step in 0..=4 {
        let value = y_max * f64::from(step) / 4.0;
        let py = y(value);
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" y1="{py:.1}" x2="{:.1}" y2="{py:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end">{}</text>"##,
            WIDTH - RIGHT,
            LEFT - 6.0,
            py + 4.0,
            short(value)
        );
    }
    for step in 0..=6 {
        let value = x_max * f64::from(step) / 6.0;
        let px = x(value);
        let _ = write!(
            svg,
            r##"<text x="{px:.1}" y="{:.1}" font-size="11" text-anchor="middle">{}</text>"##,
            HEIGHT - BOTTOM + 16.0,
            clock(value)
        );
    }
    let _ = write!(
        svg,
        r##"<text x="14" y="{:.1}" font-size="11" transform="rotate(-90 14 {:.1})" text-anchor="middle">{}</text>"##,
        TOP + plot_h / 2.0,
        TOP + plot_h / 2.0,
        escape(&chart.y_label)
    );
    let _ = write!(
        svg,
        r##"<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{:.1}" stroke="#333"/><line x1="{LEFT}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#333"/>"##,
        TOP + plot_h,
        TOP + plot_h,
        WIDTH - RIGHT,
        TOP + plot_h
    );

    for mark in &chart.marks {
        let px = x(*mark);
        let _ = write!(
            svg,
            r##"<line x1="{px:.1}" y1="{TOP}" x2="{px:.1}" y2="{:.1}" stroke="#c00" stroke-dasharray="4 3"><title>process kill at {}</title></line>"##,
            TOP + plot_h,
            clock(*mark)
        );
    }
    for (label, value, color) in &chart.limits {
        let py = y(*value);
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" y1="{py:.1}" x2="{:.1}" y2="{py:.1}" stroke="{color}" stroke-dasharray="6 4"/><text x="{:.1}" y="{:.1}" font-size="11" fill="{color}" text-anchor="end">{}</text>"##,
            WIDTH - RIGHT,
            WIDTH - RIGHT - 4.0,
            py - 4.0,
            escape(label)
        );
    }
    for series in &chart.series {
        if series.points.is_empty() {
            continue;
        }
        let points: Vec<String> = series
            .points
            .iter()
            .map(|(px, py)| format!("{:.1},{:.1}", x(*px), y(*py)))
            .collect();
        let _ = write!(
            svg,
            r#"<polyline fill="none" stroke="{}" stroke-width="1.6" points="{}"/>"#,
            series.color,
            points.join(" ")
        );
    }

    // Legend, right-aligned above the plot so it never covers the title.
    let legend_width: f64 = chart
        .series
        .iter()
        .map(|s| 24.0 + 7.0 * s.name.len() as f64)
        .sum();
    let mut lx = (WIDTH - RIGHT - legend_width).max(LEFT);
    for series in &chart.series {
        let _ = write!(
            svg,
            r#"<rect x="{lx:.1}" y="9" width="12" height="4" fill="{}"/><text x="{:.1}" y="15" font-size="11">{}</text>"#,
            series.color,
            lx + 16.0,
            escape(&series.name)
        );
        lx += 24.0 + 7.0 * series.name.len() as f64;
    }
    svg.push_str("</svg>");
    svg
}

/// Escapes text for HTML and SVG.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn nice_max(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let magnitude = 10f64.powf(max.log10().floor());
    for factor in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if max * 1.05 <= factor * magnitude {
            return factor * magnitude;
        }
    }
    10.0 * magnitude
}

fn short(value: f64) -> String {
    if value >= 1e9 {
        format!("{:.1}G", value / 1e9)
    } else if value >= 1e6 {
        format!("{:.1}M", value / 1e6)
    } else if value >= 1e4 {
        format!("{:.0}k", value / 1e3)
    } else if value >= 10.0 || value == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

fn clock(seconds: f64) -> String {
    let total = seconds.round() as u64;
    if total >= 3600 {
        format!("{}h{:02}", total / 3600, (total % 3600) / 60)
    } else {
        format!("{}:{:02}", total / 60, total % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_is_one_svg_element_with_its_lines_and_marks() {
        let chart = Chart {
            title: "calls <per> second".to_string(),
            y_label: "calls/s".to_string(),
            series: vec![Series {
                name: "calls".to_string(),
                color: "#06c",
                points: vec![(0.0, 1.0), (1.0, 3.0)],
            }],
            limits: vec![("hard".to_string(), 4.0, "#c00")],
            marks: vec![0.5],
            x_max: 1.0,
        };

        let svg = render(&chart);

        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<polyline").count(), 1);
        assert!(svg.contains("process kill at 0:01") || svg.contains("process kill at 0:00"));
        assert!(svg.contains("calls &lt;per&gt; second"));
        assert_eq!(nice_max(4.0), 5.0);
    }
}
