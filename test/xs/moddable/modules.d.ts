declare module "*.csv" {
  const text: string;
  export default text;
}

/** The output of `npm run build`, resolved by the XS suite's Moddable plugin. */
declare module "fieldnode:device-bundle" {}
