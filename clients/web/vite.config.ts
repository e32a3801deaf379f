// Builds the PWA into dist/ and writes the service worker with the list of files to
// precache, so the app opens with no network after the first visit.
import { defineConfig, type Plugin } from "vite";
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";

/** Emits `sw.js` from `src/service-worker.js`, filling in every file of the build. */
function serviceWorker(): Plugin {
  return {
    name: "linli-service-worker",
    apply: "build",
    generateBundle(_options, bundle) {
      const files = Object.keys(bundle).filter(name => !name.endsWith(".map"));
      const icons = ["./icon.svg", "./icon-192.png", "./icon-512.png", "./icon-maskable-512.png"];
      const precache = ["./", "./manifest.webmanifest", ...icons, ...files.map(f => `./${f}`)];
      const version = createHash("sha256").update(files.sort().join("\n")).digest("hex").slice(0, 12);
      const template = readFileSync(new URL("./src/service-worker.js", import.meta.url), "utf8");
      this.emitFile({
        type: "asset",
        fileName: "sw.js",
        source: template
          .replace("__PRECACHE__", JSON.stringify(precache))
          .replace("__VERSION__", version),
      });
    },
  };
}

export default defineConfig({
  base: "./",
  build: { target: "es2022", sourcemap: false, chunkSizeWarningLimit: 4096 },
  plugins: [serviceWorker()],
  server: {
    proxy: {
      "/api": "http://127.0.0.1:8080",
      "/sync": { target: "ws://127.0.0.1:8080", ws: true },
    },
  },
});
