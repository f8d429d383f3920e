// chai 6 ships no type declarations and @types/chai is not a dev dependency yet, so until it is
// the tests import chai untyped (all the rest of each test is type-checked). Delete this file
// when @types/chai is added: an ambient module declaration would hide its types.
declare module 'chai' {
  export const expect: any;
  export const assert: any;
  export function use(plugin: unknown): unknown;
}
