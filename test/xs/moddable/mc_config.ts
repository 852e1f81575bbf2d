/**
 * Moddable's `mc/config`: the manifest's "config" with mcconfig's NAME=VALUE
 * settings applied. The XS suite builds as `npm run flash` would with none given.
 */
const config: { file: { root: string } } & Record<string, unknown> = { file: { root: "/" }, broker: "" };
export default config;
