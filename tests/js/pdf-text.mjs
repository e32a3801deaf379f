// Reads a PDF with pdf.js (pdfjs-dist) and prints, as JSON, its number of pages and the text
// of each page, as a reader extracts it (tests/e2e/volunteer_certificate.rs).
//
//   node pdf-text.mjs <file.pdf>
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";

const [file] = process.argv.slice(2);
if (!file) {
  console.error("usage: node pdf-text.mjs <file.pdf>");
  process.exit(2);
}
const root = dirname(createRequire(import.meta.url).resolve("pdfjs-dist/package.json"));
const data = new Uint8Array(await readFile(file));
const doc = await getDocument({
  data,
  cMapUrl: pathToFileURL(join(root, "cmaps")).href + "/",
  cMapPacked: true,
  standardFontDataUrl: pathToFileURL(join(root, "standard_fonts")).href + "/",
  verbosity: 0,
}).promise;
const pages = [];
for (let n = 1; n <= doc.numPages; n++) {
  const page = await doc.getPage(n);
  const content = await page.getTextContent();
  pages.push(content.items.map((item) => item.str + (item.hasEOL ? "\n" : "")).join(""));
}
console.log(JSON.stringify({ pages: doc.numPages, text: pages }));
