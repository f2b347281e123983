import { actorId, asciiSlug, cleanName, cleanText, cutAtWord, decodeHtmlEntities, placeId, shortHash } from './import-text.js';

describe('import text', () => {
  it('slugs names to ASCII: accents folded, apostrophes dropped, other runs one dash', () => {
    expect(asciiSlug("Mare' Operations Room")).toBe('mare-operations-room');
    expect(asciiSlug('Jaysh al-Asha’er')).toBe('jaysh-al-ashaer');
    expect(asciiSlug('Rahman Corps - “Abu al-Joud al-Arbini” faction')).toBe('rahman-corps-abu-al-joud-al-arbini-faction');
    expect(asciiSlug('Ma‘arrat an-Nu‘mān')).toBe('maarrat-an-numan');
    expect(asciiSlug('حي التضامن')).toBe('');
  });

  it('gives a place the slug of its name (at most 55) and 8 hex of the whole location', () => {
    const location = 'Syria|Idlib Governorate|Ariha district|Abu Dali village|35.1|36.9';
    const id = placeId('Abu Dali village', location);
    expect(id).toBe(`abu-dali-village-${shortHash(location)}`);
    expect(placeId('Abu Dali village', 'Syria|Hama Governorate||Abu Dali village|35.2|37.1')).not.toBe(id);
    const long = placeId('A'.repeat(40) + ' ' + 'b'.repeat(40), 'x');
    expect(long).toMatch(/^a{40}-b{14}-[0-9a-f]{8}$/);
    expect(long.length).toBeLessThanOrEqual(64);
    expect(placeId('حي التضامن', 'x')).toMatch(/^place-[0-9a-f]{8}$/);
  });

  it('gives an actor its slug, a hashed cut slug past 64 characters, a hash for an Arabic-only name', () => {
    expect(actorId('Government of Syria')).toBe('government-of-syria');
    const long = actorId('Syrian Democratic Forces and the Kurdish People Protection Units of Northern Syria');
    expect(long.length).toBeLessThanOrEqual(64);
    expect(long).toMatch(/^syrian-democratic-forces-and-the-kurdish-people-protect-[0-9a-f]{8}$/);
    expect(actorId('جيش الإسلام')).toMatch(/^actor-[0-9a-f]{8}$/);
  });

  it('cuts at a word boundary without splitting a surrogate pair', () => {
    expect(cutAtWord('short', 10)).toBe('short');
    expect(cutAtWord('Syrian Observatory for Human Rights', 20)).toBe('Syrian Observatory');
    expect(cutAtWord('abcdefghijklmnopqrstuvwxyz', 10)).toBe('abcdefghij');
    expect(cutAtWord(`${'a'.repeat(9)}😀`, 10)).toBe('a'.repeat(9));
  });

  it('decodes HTML character references and leaves other ampersands', () => {
    expect(decodeHtmlEntities('Al-Fu&#8217;ah &amp; the &#8220;Islamic State&#8221; &#x41; R&D &bogus;')).toBe(
      'Al-Fu’ah & the “Islamic State” A R&D &bogus;',
    );
  });

  it('removes control and bidi override characters, keeps line breaks in text and Arabic marks', () => {
    expect(cleanText(' a\u0000b\u202Ec\nd\u200Fe ')).toBe('abc\nd\u200Fe');
    expect(cleanName(' Yarmouk \n camp\t')).toBe('Yarmouk camp');
  });
});
