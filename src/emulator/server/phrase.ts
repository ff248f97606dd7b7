// Asana puts a generated five-word phrase on every 500 ("6 sad squid snuggle softly") so support can
// find the incident; the emulator makes its own from a seeded generator.

const ADJECTIVES = ["sad", "happy", "brave", "calm", "eager", "fuzzy", "gentle", "jolly", "lazy", "proud", "quiet", "witty"];
const NOUNS = ["squid", "otters", "pandas", "llamas", "geese", "moles", "yaks", "crabs", "owls", "bees", "newts", "lions"];
const VERBS = ["snuggle", "dance", "wander", "giggle", "ponder", "sing", "swim", "juggle", "nap", "hop", "bake", "knit"];
const ADVERBS = ["softly", "boldly", "gladly", "slowly", "quickly", "warmly", "calmly", "madly", "neatly", "oddly", "shyly", "wisely"];

const pick = (words: readonly string[], random: () => number): string => words[Math.floor(random() * words.length)] ?? "";

/** A five-word error phrase such as "6 sad squid snuggle softly". */
export function errorPhrase(random: () => number): string {
  const count = 2 + Math.floor(random() * 98);
  return `${count} ${pick(ADJECTIVES, random)} ${pick(NOUNS, random)} ${pick(VERBS, random)} ${pick(ADVERBS, random)}`;
}
