// A small SVG line of the last 15 minutes (one point per sample; gaps where there was no process).

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 90;
const HEIGHT = 20;

export function createSparkline(label) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute("class", "spark");
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", label);
  // The chart's frame: 15 minutes wide even before there are samples to fill it.
  const frame = document.createElementNS(SVG, "rect");
  frame.setAttribute("class", "spark-frame");
  frame.setAttribute("width", String(WIDTH));
  frame.setAttribute("height", String(HEIGHT));
  const path = document.createElementNS(SVG, "path");
  svg.append(frame, path);
  return svg;
}

/** Redraws `svg` with `points` (numbers or null), scaled to their own maximum (or `floor` if higher). */
export function drawSparkline(svg, points, floor = 0) {
  const path = svg.lastChild;
  let max = floor;
  for (const point of points) if (point !== null && point > max) max = point;
  const step = points.length > 1 ? WIDTH / (points.length - 1) : WIDTH;
  let d = "";
  let pen = false;
  points.forEach((point, i) => {
    if (point === null) {
      pen = false;
      return;
    }
    const x = (i * step).toFixed(1);
    const y = (HEIGHT - 1 - (max > 0 ? (point / max) * (HEIGHT - 2) : 0)).toFixed(1);
    // A lone point gets a dot's worth of line (round caps draw it).
    d += pen ? `L${x} ${y}` : `M${x} ${y}h0.01`;
    pen = true;
  });
  if (path.getAttribute("d") !== d) path.setAttribute("d", d);
}
