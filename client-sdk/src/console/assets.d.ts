/** Style sheets the console's bundle takes in as text (esbuild's `text` loader; scripts/build-sdk.mjs). */
declare module '*.css' {
  const css: string;
  export default css;
}
