// Every test starts in English, from the catalogue the app ships (as the app loads it).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeEach } from "vitest";
import { useCatalogue } from "../app/js/i18n.js";

const here = dirname(fileURLToPath(import.meta.url));
export const catalogue = (lang) => readFileSync(join(here, "..", "app", "locales", `${lang}.ftl`), "utf8");

beforeEach(() => useCatalogue("en", catalogue("en")));
