// What every screen is checked for (issue #18): axe-core's WCAG 2 A/AA rules with no serious
// or critical violation, touch targets at least 44 px high, one h1, nothing wider than the
// screen. `audit` returns the problems found on the page as it is, labelled with the screen.

import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const AXE = require.resolve("axe-core/axe.min.js");
/** Touch targets: 44 CSS px (WCAG 2.5.5, Apple's and Google's guidance). Half a pixel of
 * slack for rounding. */
const MIN_TARGET = 43.5;

/** axe-core's serious and critical violations on the page, as short lines. */
export async function axe(page) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () =>
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] }, resultTypes: ["violations"] }),
  );
  return result.violations
    .filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.impact} ${v.id}: ${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | ")}`);
}

/** Visible controls a finger must hit that are less than 44 px high. A checkbox or radio
 * counts by its label, which takes the tap. */
export async function smallTargets(page) {
  return page.evaluate(min => {
    const seen = new Set();
    const out = [];
    const describe = el => {
      const id = el.getAttribute("data-testid");
      const text = (el.textContent || el.getAttribute("aria-label") || el.getAttribute("placeholder") || "").trim().slice(0, 20);
      return `${el.tagName.toLowerCase()}${id ? `[${id}]` : ""}${text ? ` "${text}"` : ""}`;
    };
    for (const el of document.querySelectorAll("button, input, select, textarea, a[href], summary")) {
      let target = el;
      if (el.matches("input[type=checkbox], input[type=radio]")) target = el.closest("label") ?? el;
      if (el.matches("input[type=hidden]") || seen.has(target)) continue;
      seen.add(target);
      const box = target.getBoundingClientRect();
      const style = getComputedStyle(target);
      if (box.width === 0 || box.height === 0 || style.visibility === "hidden") continue;
      if (box.height < min) out.push(`${describe(target)} ${Math.round(box.height)}px`);
    }
    return out;
  }, MIN_TARGET);
}

/** Everything one screen is checked for; `label` names the screen in the problems. */
export async function audit(page, label) {
  const problems = [];
  for (const v of await axe(page)) problems.push(`${label}: axe ${v}`);
  for (const s of await smallTargets(page)) problems.push(`${label}: small target ${s}`);
  const layout = await page.evaluate(() => ({
    h1: document.querySelectorAll("h1").length,
    wide: document.documentElement.scrollWidth - window.innerWidth,
    // The outermost elements that reach past the right edge, to say what is too wide.
    past: [...document.querySelectorAll("body *")]
      .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !(e.parentElement && e.parentElement.getBoundingClientRect().right > window.innerWidth + 1))
      .slice(0, 3)
      .map(e => `${e.tagName.toLowerCase()}${e.className ? `.${String(e.className).split(" ")[0]}` : ""} "${(e.textContent ?? "").trim().slice(0, 30)}"`),
  }));
  if (layout.h1 !== 1) problems.push(`${label}: ${layout.h1} h1 elements (one expected)`);
  if (layout.wide > 1) problems.push(`${label}: ${layout.wide}px wider than the screen: ${layout.past.join(", ")}`);
  return problems;
}
