//! Export: the address-space picture as SVG (styles inlined) or PNG, the scenario file and
//! the report text. The DOM work is a few lines of JS (smaller than the web-sys bindings).

use crate::model::preset_of;
use crate::web::SimProps;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

#[wasm_bindgen(inline_js = r#"
function save(name, blob) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 5000);
}
const PROPS = ['fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-dasharray', 'stroke-opacity',
  'opacity', 'font-family', 'font-size', 'font-weight', 'text-anchor', 'display', 'visibility'];
function svgText(id) {
  const src = document.getElementById(id);
  if (!src) return null;
  const copy = src.cloneNode(true);
  const a = [src, ...src.querySelectorAll('*')], b = [copy, ...copy.querySelectorAll('*')];
  a.forEach((el, i) => {
    const cs = getComputedStyle(el);
    b[i].setAttribute('style', PROPS.map((p) => `${p}:${cs.getPropertyValue(p)}`).join(';'));
  });
  const vb = src.viewBox.baseVal;
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('width', vb.width);
  copy.setAttribute('height', vb.height);
  const bg = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', getComputedStyle(src).backgroundColor || '#fff');
  copy.insertBefore(bg, copy.firstChild);
  return [new XMLSerializer().serializeToString(copy), vb.width, vb.height];
}
export function fpgt_save_text(name, mime, text) { save(name, new Blob([text], { type: mime })); }
export function fpgt_save_svg(id, name) {
  const r = svgText(id);
  if (r) save(name, new Blob(['<?xml version="1.0" encoding="UTF-8"?>\n', r[0]], { type: 'image/svg+xml' }));
}
export function fpgt_save_png(id, name) {
  const r = svgText(id);
  if (!r) return;
  const url = URL.createObjectURL(new Blob([r[0]], { type: 'image/svg+xml' }));
  const img = new Image();
  img.onload = () => {
    const k = 2, c = document.createElement('canvas');
    c.width = r[1] * k; c.height = r[2] * k;
    const g = c.getContext('2d');
    g.scale(k, k);
    g.drawImage(img, 0, 0, r[1], r[2]);
    URL.revokeObjectURL(url);
    c.toBlob((b) => b && save(name, b), 'image/png');
  };
  img.onerror = () => { URL.revokeObjectURL(url); console.warn('freepgt: PNG export failed'); };
  img.src = url;
}
"#)]
extern "C" {
    fn fpgt_save_text(name: &str, mime: &str, text: &str);
    fn fpgt_save_svg(id: &str, name: &str);
    fn fpgt_save_png(id: &str, name: &str);
}

#[function_component(Export)]
pub fn export(p: &SimProps) -> Html {
    let stem = use_memo(p.sim.clone(), |sim| {
        format!("freepgt-{}", preset_of(sim).map_or("scenario", |p| p.id))
    });
    let click = |what: u8| {
        let (stem, sim) = (stem.clone(), p.sim.clone());
        Callback::from(move |_: MouseEvent| match what {
            0 => fpgt_save_svg("axis", &format!("{stem}.svg")),
            1 => fpgt_save_png("axis", &format!("{stem}.png")),
            2 => fpgt_save_text(&format!("{stem}.scn"), "text/plain", &sim.text),
            _ => fpgt_save_text(&format!("{stem}-report.txt"), "text/plain", &sim.report),
        })
    };
    html! {
        <div class="export" role="group" aria-label="export">
            <span class="muted small">{ "Download: " }</span>
            <button type="button" id="export-svg" title="the address-space picture as SVG" onclick={click(0)}>{ "picture .svg" }</button>
            <button type="button" id="export-png" title="the address-space picture as PNG" onclick={click(1)}>{ "picture .png" }</button>
            <button type="button" id="export-scn" title="the scenario file (freepgt run FILE)" onclick={click(2)}>{ "scenario .scn" }</button>
            <button type="button" id="export-report" title="the report, as freepgt run --visits --orphans prints it" onclick={click(3)}>{ "report .txt" }</button>
        </div>
    }
}
