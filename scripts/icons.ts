/**
 * Draws MfaBot's Teams icons, a shield with a check mark, and writes them to appPackage/:
 * color.png (192×192, full colour) and outline.png (32×32, white on transparent), as Teams asks.
 * Deterministic: the same script always writes the same bytes. Usage: npm run icons
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng, type RgbaImage } from './lib/png';

/** The manifest's accentColor; the colour icon's background. */
export const ACCENT = { hex: '#2252A6', rgb: [0x22, 0x52, 0xa6] as const };

type Shape = (x: number, y: number) => boolean;

interface ShieldBox {
  top: number;
  halfWidth: number;
  /** Where the straight sides end and the curve to the tip begins. */
  shoulder: number;
  tip: number;
}

/** A shield in unit coordinates (0..1, y down): flat top, straight sides, a curved point. */
function shield(box: ShieldBox): Shape {
  return (x, y) => {
    if (y < box.top || y > box.tip) return false;
    const dx = Math.abs(x - 0.5);
    if (y <= box.shoulder) return dx <= box.halfWidth;
    const t = (y - box.shoulder) / (box.tip - box.shoulder);
    return dx <= box.halfWidth * Math.cos((t * Math.PI) / 2);
  };
}

function inset(box: ShieldBox, by: number): ShieldBox {
  return { top: box.top + by, halfWidth: box.halfWidth - by, shoulder: box.shoulder, tip: box.tip - by * 1.8 };
}

function distanceToSegment(x: number, y: number, [ax, ay]: readonly number[], [bx, by]: readonly number[]): number {
  const ax0 = ax ?? 0, ay0 = ay ?? 0, bx0 = bx ?? 0, by0 = by ?? 0;
  const dx = bx0 - ax0, dy = by0 - ay0;
  const t = Math.max(0, Math.min(1, ((x - ax0) * dx + (y - ay0) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - (ax0 + t * dx), y - (ay0 + t * dy));
}

type Point = readonly [number, number];

/** A check mark as a thick polyline with round joins and caps. */
function check(points: readonly [Point, Point, Point], thickness: number): Shape {
  const [a, b, c] = points;
  return (x, y) => distanceToSegment(x, y, a, b) <= thickness / 2 || distanceToSegment(x, y, b, c) <= thickness / 2;
}

/** Renders with 8×8 supersampling; `paint` returns the RGBA of one sample point. */
function render(size: number, paint: (x: number, y: number) => readonly [number, number, number, number]): RgbaImage {
  const samples = 8;
  const data = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const [sr, sg, sb, sa] = paint((px + (sx + 0.5) / samples) / size, (py + (sy + 0.5) / samples) / size);
          r += sr * sa;
          g += sg * sa;
          b += sb * sa;
          a += sa;
        }
      }
      const i = (py * size + px) * 4;
      // Colour is averaged over the covered samples only, so edges stay pure white on the outline.
      data[i] = a ? Math.round(r / a) : 255;
      data[i + 1] = a ? Math.round(g / a) : 255;
      data[i + 2] = a ? Math.round(b / a) : 255;
      data[i + 3] = Math.round(a / (samples * samples));
    }
  }
  return { width: size, height: size, data };
}

const BOX: ShieldBox = { top: 0.16, halfWidth: 0.3, shoulder: 0.5, tip: 0.86 };

/** 192×192: a white shield on the accent colour with the check cut out in the accent colour. */
export function drawColorIcon(): RgbaImage {
  const outer = shield(BOX);
  const mark = check([[0.355, 0.5], [0.465, 0.61], [0.66, 0.395]], 0.075);
  const [ar, ag, ab] = ACCENT.rgb;
  return render(192, (x, y) => (outer(x, y) && !mark(x, y) ? [255, 255, 255, 255] : [ar, ag, ab, 255]));
}

/** 32×32: the shield's border and the check in white; everything else fully transparent. */
export function drawOutlineIcon(): RgbaImage {
  const outer = shield(BOX);
  const inner = shield(inset(BOX, 0.085));
  const mark = check([[0.37, 0.45], [0.47, 0.55], [0.64, 0.36]], 0.1);
  return render(32, (x, y) => [255, 255, 255, (outer(x, y) && !inner(x, y)) || mark(x, y) ? 255 : 0]);
}

if (require.main === module) {
  const dir = join(__dirname, '..', 'appPackage');
  writeFileSync(join(dir, 'color.png'), encodePng(drawColorIcon()));
  writeFileSync(join(dir, 'outline.png'), encodePng(drawOutlineIcon()));
  process.stdout.write(`wrote ${join(dir, 'color.png')} and ${join(dir, 'outline.png')}\n`);
}
