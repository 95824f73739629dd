//! Charts drawn on the server as SVG, so they read without JavaScript (the script adds a
//! read-out of the segment under the pointer or focus). Each chart also has its numbers in a
//! table, for screen readers and for copying.

use super::html::E;
use super::i18n::{self, M};
use super::Cx;
use crate::core::projection::views::IndicatorProgress;
use crate::core::types::Date;
use std::collections::BTreeMap;
use std::fmt::Write;

/// One bar: a label (HTML), the link parameter that selects its commitments, and its counts by
/// status name.
pub struct Bar<'a> {
    pub label_html: String,
    pub label_text: String,
    pub filter: (&'a str, String),
    pub counts: &'a BTreeMap<String, u32>,
}

/// Horizontal stacked bars of statuses, one per group, on a common scale: the length is the
/// number of commitments, the segments their latest claimed statuses. Each segment links to
/// the commitments it counts.
pub fn status_bars(cx: &Cx, id: &str, caption: &str, bars: &[Bar<'_>]) -> String {
    let mut out = String::with_capacity(2048 + bars.len() * 1024);
    let max = bars
        .iter()
        .map(|b| b.counts.values().sum::<u32>())
        .max()
        .unwrap_or(0)
        .max(1);
    let present: Vec<&str> = i18n::STATUSES
        .iter()
        .copied()
        .filter(|s| {
            bars.iter()
                .any(|b| b.counts.get(*s).copied().unwrap_or(0) > 0)
        })
        .collect();
    let _ = write!(
        out,
        "<figure class=\"chart bars\" id=\"{}\" data-chart=\"bars\"><figcaption>{}</figcaption>",
        E(id),
        E(caption)
    );
    let _ = write!(
        out,
        "<ul class=\"legend\" aria-label=\"{}\">",
        E(cx.t(M::legend))
    );
    for s in &present {
        let _ = write!(
            out,
            "<li><span class=\"swatch st-{s}\" aria-hidden=\"true\"></span>{}</li>",
            E(i18n::status(cx.lang, s))
        );
    }
    out.push_str("</ul><div class=\"bar-rows\">");
    for b in bars {
        bar_row(&mut out, cx, b, &present, max);
    }
    out.push_str("</div><p class=\"chart-info\" aria-live=\"polite\"></p>");
    bars_table(&mut out, cx, bars, &present);
    out.push_str("</figure>");
    out
}

/// One bar: its label, and a segment per status present, each a link to what it counts.
fn bar_row(out: &mut String, cx: &Cx, b: &Bar<'_>, present: &[&str], max: u32) {
    let total: u32 = b.counts.values().sum();
    let summary: Vec<String> = present
        .iter()
        .filter_map(|s| {
            let n = b.counts.get(*s).copied().unwrap_or(0);
            (n > 0).then(|| format!("{} {n}", i18n::status(cx.lang, s)))
        })
        .collect();
    let _ = write!(
        out,
        "<div class=\"bar-row\"><div class=\"bar-label\">{}</div>\
         <svg class=\"bar\" viewBox=\"0 0 {max} 10\" preserveAspectRatio=\"none\" role=\"group\" aria-label=\"{}: {}\">",
        b.label_html,
        E(&b.label_text),
        E(&summary.join(", "))
    );
    let mut x = 0u32;
    for s in present {
        let n = b.counts.get(*s).copied().unwrap_or(0);
        if n == 0 {
            continue;
        }
        let label = format!(
            "{} — {}: {n} {} {total}",
            b.label_text,
            i18n::status(cx.lang, s),
            cx.t(M::of)
        );
        let href = cx.link(
            "/dashboard/commitments",
            &[(b.filter.0, b.filter.1.as_str()), ("status", s)],
        );
        let _ = write!(
            out,
            "<a href=\"{}\" aria-label=\"{}\"><rect class=\"seg st-{s}\" x=\"{x}\" y=\"0\" width=\"{n}\" height=\"10\" data-info=\"{}\"><title>{}</title></rect></a>",
            E(&href),
            E(&label),
            E(&label),
            E(&label)
        );
        x += n;
    }
    let _ = write!(out, "</svg><div class=\"bar-total\">{total}</div></div>");
}

/// The bars' numbers, as a table.
fn bars_table(out: &mut String, cx: &Cx, bars: &[Bar<'_>], present: &[&str]) {
    let _ = write!(
        out,
        "<details><summary>{}</summary><div class=\"table-wrap\"><table class=\"data\"><thead><tr><th scope=\"col\"></th>",
        E(cx.t(M::chart_data))
    );
    for s in present {
        let _ = write!(
            out,
            "<th scope=\"col\">{}</th>",
            E(i18n::status(cx.lang, s))
        );
    }
    let _ = write!(
        out,
        "<th scope=\"col\">{}</th></tr></thead><tbody>",
        E(cx.t(M::total))
    );
    for b in bars {
        let _ = write!(out, "<tr><th scope=\"row\">{}</th>", b.label_html);
        for s in present {
            let _ = write!(
                out,
                "<td class=\"num\">{}</td>",
                b.counts.get(*s).copied().unwrap_or(0)
            );
        }
        let _ = write!(
            out,
            "<td class=\"num\">{}</td></tr>",
            b.counts.values().sum::<u32>()
        );
    }
    out.push_str("</tbody></table></div></details>");
}

fn day_number(d: Date) -> f64 {
    d.0.to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp().as_second() as f64 / 86400.0)
        .unwrap_or(0.0)
}

fn num(s: &str) -> Option<f64> {
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A short label for an axis value.
fn fmt_value(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 && v.abs() < 1e15 {
        format!("{}", v.round() as i64)
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// The chart's size and margins (SVG user units).
const W: f64 = 640.0;
const H: f64 = 240.0;
const L: f64 = 64.0;
const R: f64 = 24.0;
const T: f64 = 16.0;
const B: f64 = 36.0;

/// What an indicator chart plots, and its scales.
struct Plot {
    baseline: Option<f64>,
    target: Option<f64>,
    milestones: Vec<(Date, f64)>,
    /// Measurements: date, value, sequence number; in date order.
    points: Vec<(Date, f64, u64)>,
    /// Every date shown (the span, milestones, measurements).
    dates: Vec<Date>,
    /// The time axis (day numbers) and the value axis, widened to whole steps.
    x0: f64,
    x1: f64,
    y0: f64,
    y1: f64,
    step: f64,
    ticks: usize,
}

impl Plot {
    fn new(p: &IndicatorProgress, start: Date, end: Date) -> Plot {
        let ind = &p.indicator;
        let milestones: Vec<(Date, f64)> = ind
            .milestones
            .iter()
            .filter_map(|m| num(m.value.as_str()).map(|v| (m.date, v)))
            .collect();
        let mut points: Vec<(Date, f64, u64)> = p
            .measurements
            .iter()
            .filter_map(|m| num(m.value.as_str()).map(|v| (m.as_of, v, m.seq)))
            .collect();
        points.sort_by(|a, b| a.0.cmp(&b.0).then(a.2.cmp(&b.2)));
        let mut dates: Vec<Date> = vec![start, end];
        dates.extend(milestones.iter().map(|m| m.0));
        dates.extend(points.iter().map(|m| m.0));
        let x0 = dates
            .iter()
            .map(|d| day_number(*d))
            .fold(f64::MAX, f64::min);
        let mut x1 = dates
            .iter()
            .map(|d| day_number(*d))
            .fold(f64::MIN, f64::max);
        if x1 <= x0 {
            x1 = x0 + 1.0;
        }
        let mut plot = Plot {
            baseline: ind.baseline.as_ref().and_then(|d| num(d.as_str())),
            target: ind.target.as_ref().and_then(|d| num(d.as_str())),
            milestones,
            points,
            dates,
            x0,
            x1,
            y0: 0.0,
            y1: 1.0,
            step: 1.0,
            ticks: 1,
        };
        plot.value_axis();
        plot
    }

    /// The value axis: every value shown, from 0 when that is close, in round steps.
    fn value_axis(&mut self) {
        let mut values: Vec<f64> = Vec::new();
        values.extend(self.baseline);
        values.extend(self.target);
        values.extend(self.milestones.iter().map(|m| m.1));
        values.extend(self.points.iter().map(|m| m.1));
        let (mut y0, mut y1) = values
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(*v), b.max(*v)));
        if values.is_empty() {
            (y0, y1) = (0.0, 1.0);
        }
        if y0 > 0.0 && y0 < (y1 - y0) * 2.0 {
            y0 = 0.0;
        }
        if (y1 - y0).abs() < 1e-9 {
            y1 = y0 + 1.0;
        }
        // A round step, and the range widened to whole steps.
        let raw = (y1 - y0) / 4.0;
        let mag = 10f64.powf(raw.log10().floor());
        let step = [1.0, 2.0, 2.5, 5.0, 10.0]
            .iter()
            .map(|m| m * mag)
            .find(|s| *s >= raw)
            .unwrap_or(10.0 * mag);
        self.y0 = (y0 / step).floor() * step;
        self.y1 = (y1 / step).ceil() * step;
        self.step = step;
        self.ticks = ((self.y1 - self.y0) / step).round().max(1.0) as usize;
    }

    fn x(&self, d: Date) -> f64 {
        L + (day_number(d) - self.x0) / (self.x1 - self.x0) * (W - L - R)
    }

    fn y(&self, v: f64) -> f64 {
        H - B - (v - self.y0) / (self.y1 - self.y0) * (H - T - B)
    }
}

/// An indicator's measurements against its baseline, milestones and target, on a time axis
/// from `start` to `end` (widened to every date shown).
pub fn indicator(cx: &Cx, p: &IndicatorProgress, start: Date, end: Date, today: Date) -> String {
    let plot = Plot::new(p, start, end);
    let mut out = String::with_capacity(4096);
    chart_head(&mut out, cx, p);
    axes(
        &mut out,
        &plot,
        start,
        end,
        p.indicator.unit.as_deref().unwrap_or(""),
    );
    references(&mut out, cx, &plot, end, today);
    milestones(&mut out, cx, &plot);
    measured(&mut out, &plot, p.indicator.unit.as_deref().unwrap_or(""));
    out.push_str("</svg>");
    let _ = write!(
        out,
        "<ul class=\"legend chart-legend\"><li><span class=\"swatch l-measured\" aria-hidden=\"true\"></span>{}</li>\
         <li><span class=\"swatch l-baseline\" aria-hidden=\"true\"></span>{}</li>\
         <li><span class=\"swatch l-milestone\" aria-hidden=\"true\"></span>{}</li>\
         <li><span class=\"swatch l-target\" aria-hidden=\"true\"></span>{}</li></ul>",
        E(cx.t(M::measurements)),
        E(cx.t(M::baseline)),
        E(cx.t(M::milestones)),
        E(cx.t(M::target)),
    );
    out
}

/// The chart's opening, with a title and a description for screen readers.
fn chart_head(out: &mut String, cx: &Cx, p: &IndicatorProgress) {
    let ind = &p.indicator;
    let name = cx.title(&ind.name_uk, ind.name_en.as_deref());
    let mut desc = Vec::new();
    if let Some(b) = &ind.baseline {
        desc.push(format!("{} {}", cx.t(M::baseline), b));
    }
    if let Some(t) = &ind.target {
        desc.push(format!("{} {}", cx.t(M::target), t));
    }
    if let Some(l) = &p.latest {
        desc.push(format!("{} {} ({})", cx.t(M::measured), l.value, l.as_of));
    }
    let id = format!("ind-{}", super::html::encode(ind.id.as_str()));
    let _ = write!(
        out,
        "<svg class=\"indicator-chart\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" data-chart=\"indicator\">\
         <title id=\"{id}-t\">{} {}: {}</title><desc id=\"{id}-d\">{}</desc>",
        E(cx.t(M::chart_of)),
        E(ind.id.as_str()),
        E(name),
        E(&desc.join("; "))
    );
}

/// The axes, the value ticks, the first and last dates and the unit.
fn axes(out: &mut String, plot: &Plot, start: Date, end: Date, unit: &str) {
    let _ = write!(
        out,
        "<line class=\"axis\" x1=\"{L}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/><line class=\"axis\" x1=\"{L}\" y1=\"{T}\" x2=\"{L}\" y2=\"{}\"/>",
        H - B,
        W - R,
        H - B,
        H - B
    );
    for i in 0..=plot.ticks {
        let v = plot.y0 + plot.step * i as f64;
        let y = plot.y(v);
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{L}\" y1=\"{y:.1}\" x2=\"{}\" y2=\"{y:.1}\"/><text class=\"tick\" x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            W - R,
            L - 6.0,
            y + 4.0,
            E(&fmt_value(v))
        );
    }
    let first = plot.dates.iter().min().copied().unwrap_or(start);
    let last = plot.dates.iter().max().copied().unwrap_or(end);
    let _ = write!(
        out,
        "<text class=\"tick\" x=\"{L}\" y=\"{}\">{first}</text><text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{last}</text>",
        H - B + 18.0,
        W - R,
        H - B + 18.0
    );
    if !unit.is_empty() {
        let _ = write!(
            out,
            "<text class=\"unit\" x=\"{L}\" y=\"{}\">{}</text>",
            T - 4.0,
            E(unit)
        );
    }
}

/// Today, the baseline, and the target at the deadline.
fn references(out: &mut String, cx: &Cx, plot: &Plot, end: Date, today: Date) {
    if day_number(today) >= plot.x0 && day_number(today) <= plot.x1 {
        let x = plot.x(today);
        let _ = write!(
            out,
            "<line class=\"today\" x1=\"{x:.1}\" y1=\"{T}\" x2=\"{x:.1}\" y2=\"{}\"><title>{today}</title></line>",
            H - B
        );
    }
    if let Some(b) = plot.baseline {
        let y = plot.y(b);
        let _ = write!(
            out,
            "<line class=\"baseline\" x1=\"{L}\" y1=\"{y:.1}\" x2=\"{}\" y2=\"{y:.1}\"><title>{}: {}</title></line>",
            W - R,
            E(cx.t(M::baseline)),
            E(&fmt_value(b))
        );
    }
    if let Some(t) = plot.target {
        let (x, y) = (plot.x(end), plot.y(t));
        let _ = write!(
            out,
            "<line class=\"target\" x1=\"{L}\" y1=\"{y:.1}\" x2=\"{}\" y2=\"{y:.1}\"><title>{}: {}</title></line>\
             <circle class=\"target-point\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"6\"><title>{}: {} ({end})</title></circle>",
            W - R,
            E(cx.t(M::target)),
            E(&fmt_value(t)),
            E(cx.t(M::target)),
            E(&fmt_value(t)),
        );
    }
}

fn milestones(out: &mut String, cx: &Cx, plot: &Plot) {
    for (d, v) in &plot.milestones {
        let (x, y) = (plot.x(*d), plot.y(*v));
        let _ = write!(
            out,
            "<polygon class=\"milestone\" points=\"{:.1},{:.1} {:.1},{:.1} {:.1},{:.1} {:.1},{:.1}\"><title>{}: {} ({d})</title></polygon>",
            x,
            y - 7.0,
            x + 7.0,
            y,
            x,
            y + 7.0,
            x - 7.0,
            y,
            E(cx.t(M::milestones)),
            E(&fmt_value(*v))
        );
    }
}

/// The measurements as a line of points, each focusable with its value.
fn measured(out: &mut String, plot: &Plot, unit: &str) {
    if plot.points.is_empty() {
        return;
    }
    let path: Vec<String> = plot
        .points
        .iter()
        .map(|(d, v, _)| format!("{:.1},{:.1}", plot.x(*d), plot.y(*v)))
        .collect();
    let _ = write!(
        out,
        "<polyline class=\"measured\" points=\"{}\"/>",
        path.join(" ")
    );
    for (d, v, seq) in &plot.points {
        let _ = write!(
            out,
            "<circle class=\"measure\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"4.5\" tabindex=\"0\" data-info=\"{d}: {} {}\"><title>{d}: {} {} (#{seq})</title></circle>",
            plot.x(*d),
            plot.y(*v),
            E(&fmt_value(*v)),
            E(unit),
            E(&fmt_value(*v)),
            E(unit),
        );
    }
}
