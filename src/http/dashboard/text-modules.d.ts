// The dashboard's browser files, imported as text (`with { type: "text" }`) so that
// `bun build --compile` embeds them: their default export is the file's content.

declare module "*.browser.js" {
  const text: string;
  export default text;
}

declare module "*.css" {
  const text: string;
  export default text;
}
