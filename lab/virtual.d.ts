// The modules scripts/build-lab.js generates from lab/app.json and lab/shared.json.
declare module "gradlab-lab:styles" {}
declare module "gradlab-lab:plugins" {
  /** [module specifier, module] for each plugin module. */
  export const extensions: [string, Record<string, unknown>][];
  export const mimeExtensions: [string, Record<string, unknown>][];
}
declare module "gradlab-lab:shared" {
  /** package name → [installed version, module]. */
  export const shared: Record<string, [string, unknown]>;
}
