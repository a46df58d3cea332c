// The catalogues: complete in every language, with the same placeables, parsed without
// junk; every id the code names exists; the vendored libraries are the installed ones.
import { readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FluentResource } from "../app/vendor/fluent-bundle/index.js";
import { LANGUAGES, pickLanguage } from "../app/js/i18n.js";
import { catalogue } from "./setup.js";

const here = dirname(fileURLToPath(import.meta.url));
const app = join(here, "..", "app");

// id → { attrs: sorted attribute names, vars: sorted variable names, selectors }.
function shape(text) {
  const res = new FluentResource(text);
  const out = new Map();
  for (const m of res.body) {
    const vars = new Set();
    const walk = (node) => {
      if (node == null || typeof node !== "object") return;
      if (Array.isArray(node)) return node.forEach(walk);
      if (node.type === "var") vars.add(node.name);
      for (const v of Object.values(node)) walk(v);
    };
    walk(m.value);
    walk(m.attributes);
    out.set(m.id, { attrs: Object.keys(m.attributes).sort(), vars: [...vars].sort(), value: m.value != null });
  }
  return out;
}

// Entries as written (a line `id =` at the start), to find any the parser dropped as junk.
const written = (text) => [...text.matchAll(/^([a-zA-Z][\w-]*) =/gm)].map((m) => m[1]);

describe("catalogues", () => {
  const english = shape(catalogue("en"));

  for (const lang of LANGUAGES) {
    it(`${lang}: parses whole, has every English message with the same attributes and placeables`, () => {
      const text = catalogue(lang);
      const have = shape(text);
      expect([...have.keys()].sort()).toEqual(written(text).sort());
      const missing = [...english.keys()].filter((id) => !have.has(id));
      const extra = [...have.keys()].filter((id) => !english.has(id));
      expect({ missing, extra }).toEqual({ missing: [], extra: [] });
      for (const [id, en] of english) expect(have.get(id), `${lang} ${id}`).toEqual(en);
    });
  }

  it("has a message for every id the page and the code name", () => {
    const html = readFileSync(join(app, "index.html"), "utf8");
    const ids = new Set([...html.matchAll(/data-l10n-id="([^"]+)"/g)].map((m) => m[1]));
    for (const file of readdirSync(join(app, "js"))) {
      const js = readFileSync(join(app, "js", file), "utf8");
      for (const m of js.matchAll(/\b(?:t|tAttr)\("([a-z][\w-]*)"/g)) ids.add(m[1]);
      for (const m of js.matchAll(/localizeElement\([^,()]+(?:\([^)]*\))?, "([a-z][\w-]*)"/g)) ids.add(m[1]);
      for (const m of js.matchAll(/t\((\w+) \? "([\w-]+)" : "([\w-]+)"/g)) ids.add(m[2]).add(m[3]);
    }
    expect(ids.size).toBeGreaterThan(100);
    expect([...ids].filter((id) => !english.has(id))).toEqual([]);
  });

  it("picks the chosen language, else the system's best match, else English", () => {
    expect(pickLanguage("es", ["pt-BR"])).toBe("es");
    expect(pickLanguage(null, ["es-MX", "en"])).toBe("es");
    expect(pickLanguage(null, ["pt-PT"])).toBe("pt-BR");
    expect(pickLanguage(null, ["pt"])).toBe("pt-BR");
    expect(pickLanguage(null, ["de-DE", "fr"])).toBe("en");
    expect(pickLanguage("xx", [])).toBe("en");
  });

  it("the vendored Fluent modules are the installed packages' (npm run vendor)", () => {
    for (const [pkg, dir] of [["bundle", "fluent-bundle"], ["langneg", "fluent-langneg"]]) {
      const from = join(here, "..", "node_modules", "@fluent", pkg, "esm");
      const js = readdirSync(from).filter((f) => f.endsWith(".js")).sort();
      expect(readdirSync(join(app, "vendor", dir)).sort()).toEqual(js);
      for (const f of js) {
        expect(readFileSync(join(app, "vendor", dir, f), "utf8"), `${dir}/${f}`).toBe(readFileSync(join(from, f), "utf8"));
      }
    }
  });
});
