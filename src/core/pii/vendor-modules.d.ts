// Type declarations for lexicon packages that ship their data without types.
declare module 'gender-detection-from-name/names/*.js' {
  const names: Map<string, string>;
  export default names;
}
declare module 'compromise-wikipedia' {
  const plugin: {
    mutate(world: { model: Record<string, unknown> }, nlp: { buildTrie(list: string[]): unknown }): void;
  };
  export default plugin;
}
