import type { ImportActorKind } from './import-commands.js';
import { asciiSlug } from './import-text.js';

/** What the importer assumes of a dataset actor unless the mapping file says otherwise. */
export interface ActorDefaults {
  readonly side: string;
  readonly kind?: ImportActorKind;
  /** An id other than the name's slug. */
  readonly id?: string;
}

/** The side of an actor the table does not name. */
export const UNKNOWN_SIDE = 'unknown';

const entry = (side: string, kind: ImportActorKind, id?: string): ActorDefaults => ({ side, kind, ...(id ? { id } : {}) });
const government = entry('pro-government', 'state-forces');
const transitionalGovernment = entry('transitional-government', 'state-forces');
const proGovernmentMilitia = entry('pro-government', 'militia');
const proGovernmentForeign = entry('pro-government', 'external-force');
const external = entry('external-forces', 'external-force');
const opposition = entry('opposition', 'rebel-group');
const jihadist = entry('jihadist', 'rebel-group');
const isis = entry('isis', 'rebel-group');
const kurdish = entry('kurdish', 'rebel-group');
const civilians = entry('civilians', 'civilians', 'civilians');

/**
 * Sides of the actors of the UCDP GED Syria extract (every name in it but four clans and one
 * brigade, left `unknown`) and of ACLED's usual Syrian actor names (matched without their
 * trailing parentheses, e.g. `Military Forces of Syria (2000-)`). Sides:
 * - `pro-government`: the Syrian state until December 2024, its militias, Russia, Iran, Hezbollah,
 *   the pro-government Palestinian factions;
 * - `transitional-government`: the Syrian state's forces since December 2024 (ACLED `(2024-)`);
 * - `opposition`: the Syrian insurgents, the FSA and SNA factions, the Islamist rebel groups;
 * - `jihadist`: al-Qaida and its Syrian affiliates (Jabhat Fateh al-Sham, HTS, Hurras ad-Din);
 * - `isis`: the Islamic State and the groups that pledged to it;
 * - `kurdish`: the SDF, YPG, PYD, Asayish and PKK;
 * - `external-forces`: foreign states fighting on none of the sides above (Turkey, Israel,
 *   Iraq, Jordan, the United States);
 * - `civilians`: UCDP's `Civilians` (id `civilians`) and ACLED's `Civilians (<country>)`.
 */
export const DEFAULT_ACTORS: ReadonlyMap<string, ActorDefaults> = new Map<string, ActorDefaults>([
  // UCDP GED 19.1, Syria
  ['Government of Syria', government],
  ['NDF (Syria)', proGovernmentMilitia],
  ['Government of Iran', proGovernmentForeign],
  ['Government of Russia (Soviet Union)', proGovernmentForeign],
  ['Hezbollah', proGovernmentForeign],
  ['PFLP-GC', proGovernmentMilitia],
  ['PLO', proGovernmentMilitia],
  ['Government of Turkey', external],
  ['Government of Israel', external],
  ['Government of Iraq', external],
  ['Government of Jordan', external],
  ['Government of United States of America', external],
  ['IS', isis],
  ['Liwa al-Aqsa', isis],
  ['Shohadaa al-Yarmouk', isis],
  ['SDF', kurdish],
  ['YPG', kurdish],
  ['PYD', kurdish],
  ['PKK', kurdish],
  ['Jabhat Fateh al-Sham', jihadist],
  ['HTS', jihadist],
  ['al-Qaida', jihadist],
  ['Tanzim Hurras ad-Din', jihadist],
  ['Jund al-Malahem', jihadist],
  ['Ajnad al-Kavkaz', jihadist],
  ['ETIM', jihadist],
  ['PIJ', entry('palestinian-factions', 'militia')],
  ['Civilians', civilians],
  ...[
    'Syrian insurgents', 'SNA', 'Ahrar al-Sham', 'Hawar Kilis Operations Room', 'Sham Legion', 'Southern Front',
    'Jaysh al-Nukhba', '23rd Division', 'Jaysh al Nasr', 'National Front for Liberation', 'Syrian Liberation Front',
    'Jaysh al-Islam', 'Nour al-Din al-Zenki', 'Rahman Corps', 'Fatah Halab', 'Jaysh Asoud al-Sharqiya',
    'Martyr Lieutenant Ahmed Abdou Brigades', 'Suqour al-Sham Brigades', 'Aknaf Bait al-Maqdis', 'FSA',
    "Mare' Operations Room", 'Sons of Yarmouk Movement', 'Tahrir al- Sham Army', 'Liwa al-Sultan Murad',
    'Hamza Division', 'NSA', 'Ahrar al-Sharqiya', 'Levant Front', 'Islamic Front', 'Mujahideen Army',
    'Jaysh al-Asha’er', 'SRF', '13th Division', 'Ajnad al-Sham', 'Jaysh al-Sunna', 'Liwa al-Haq Idlib',
    'Rahman Corps - “Abu al-Joud al-Arbini” faction', 'Qawim movement', 'Al-Jabha al-Shamiyyah',
    'al-Moutasem Brigade', 'Furqan Brigades', 'Syrian National Coalition', 'Fistaqim Kama Umirat', 'First Regiment',
    'Northern Hawks Brigade', 'Al-Sultan Mohammad al-Fatih', 'Tajamu Shuhada al-Sharqiya', 'Humat al-Aqida',
    'al-Majd Legion',
  ].map((name): [string, ActorDefaults] => [name, opposition]),
  // ACLED, Syria. Since December 2024 ACLED names the transitional government's forces
  // `(2024-)` and the former government's `(2000-2024)`: the first two are matched by their
  // whole name, the rest without their trailing parentheses.
  ['Military Forces of Syria (2024-)', transitionalGovernment],
  ['Police Forces of Syria (2024-)', transitionalGovernment],
  ['Military Forces of Syria', government],
  ['Police Forces of Syria', government],
  ['NDF: National Defence Forces', proGovernmentMilitia],
  ['Military Forces of Russia', proGovernmentForeign],
  ['Wagner Group', proGovernmentForeign],
  ['Military Forces of Iran', proGovernmentForeign],
  ['IRGC: Islamic Revolutionary Guard Corps', proGovernmentForeign],
  ['Military Forces of Turkey', external],
  ['Military Forces of Israel', external],
  ['Military Forces of Iraq', external],
  ['Military Forces of Jordan', external],
  ['Military Forces of the United States', external],
  ['Islamic State', isis],
  ['SDF: Syrian Democratic Forces', kurdish],
  ["YPG: People's Protection Units", kurdish],
  ['Asayish', kurdish],
  ['PKK: Kurdistan Workers Party', kurdish],
  ['Hayat Tahrir al Sham', jihadist],
  ['HTS: Hayat Tahrir al Sham', jihadist],
  ['Hurras al Din', jihadist],
  ['Opposition Rebels', opposition],
  ['Free Syrian Army', opposition],
  ['SNA: Syrian National Army', opposition],
  ['NLF: National Liberation Front', opposition],
]);

/**
 * The table by the names' slugs, the ids actors get: the datasets spell one group several ways
 * (`Ahrar al-Sham`, `Ahrar al Sham`), and an actor has one side whichever spelling came first.
 */
const DEFAULTS_BY_SLUG: ReadonlyMap<string, ActorDefaults> = new Map([...DEFAULT_ACTORS].map(([name, defaults]) => [asciiSlug(name), defaults]));

/**
 * The defaults for a dataset actor name: the table by the name's slug (its spelling aside), then
 * by the slug of the name without its trailing parentheses (ACLED's years and countries); a name
 * beginning `Unidentified` is of kind `unidentified`, one beginning `Civilians` of kind
 * `civilians` (side `civilians`); anything else has side `unknown` and no kind.
 */
export function actorDefaults(name: string): ActorDefaults {
  const exact = DEFAULTS_BY_SLUG.get(asciiSlug(name));
  if (exact !== undefined) return exact;
  const base = name.replace(/(\s*\([^()]*\))+\s*$/, '').trim();
  const byBase = DEFAULTS_BY_SLUG.get(asciiSlug(base));
  if (byBase !== undefined) return { side: byBase.side, ...(byBase.kind ? { kind: byBase.kind } : {}) };
  if (/^unidentified\b/i.test(name)) return { side: UNKNOWN_SIDE, kind: 'unidentified' };
  if (/^civilians\b/i.test(name)) return { side: 'civilians', kind: 'civilians' };
  return { side: UNKNOWN_SIDE };
}
