// Diacritic folding shared by the lexicon builder and the detector.

function foldSlow(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/ß/g, 'ss')
    .replace(/[łŁ]/g, 'l')
    .replace(/[øØ]/g, 'o')
    .replace(/[đĐ]/g, 'd')
    .replace(/æ/g, 'ae')
    .replace(/œ/g, 'oe')
    .replace(/[’‘]/g, "'");
}

// Folded form of every Latin-1, Latin Extended-A/B and punctuation character, computed once:
// normalize() plus regexes cost ~0.8 µs per word, a table lookup per character ~20 ns.
const FOLD_TABLE: readonly string[] = (() => {
  const table: string[] = [];
  for (let code = 0x80; code <= 0x24f; code++) table[code - 0x80] = foldSlow(String.fromCharCode(code));
  return table;
})();

/** Lower-case key without diacritics: "siobhán" -> "siobhan", "weißenfels" -> "weissenfels". */
export function foldKey(key: string): string {
  let i = 0;
  while (i < key.length && key.charCodeAt(i) < 128) i++;
  if (i === key.length) return key; // plain ASCII needs no folding
  let out = key.slice(0, i);
  for (; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 128) out += key.charAt(i);
    else if (c <= 0x24f) out += FOLD_TABLE[c - 0x80] ?? '';
    else if (c === 0x2019 || c === 0x2018) out += "'";
    else out += foldSlow(key.charAt(i));
  }
  return out;
}
