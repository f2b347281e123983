import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Names the generation that serves queries, and the projection version that built it. */
export interface ProjectionManifest {
  readonly name: string;
  readonly generation: number;
  readonly version: number;
}

const GENERATION_FILE = /^(.+)\.(\d+)\.sqlite$/;

/** A manifest that cannot be read as one: not JSON, or not naming a generation of its projection. */
export class ReadModelManifestDamaged extends Error {
  override readonly name = 'ReadModelManifestDamaged';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path} is not a read-model manifest (${reason})`);
  }
}

/**
 * `<dataDir>/read-models/`: per projection, one SQLite file per generation
 * (`<name>.<generation>.sqlite`) and a manifest (`<name>.manifest.json`) naming the live one.
 * Swapping generations is one atomic rename of the manifest.
 */
export class ReadModelDirectory {
  constructor(readonly path: string) {}

  ensureExists(): void {
    mkdirSync(this.path, { recursive: true, mode: 0o700 });
  }

  generationPath(name: string, generation: number): string {
    return join(this.path, `${name}.${generation}.sqlite`);
  }

  /** Generation numbers that have a file on disk, ascending. */
  generations(name: string): number[] {
    return readdirSync(this.path)
      .flatMap((file) => {
        const match = GENERATION_FILE.exec(file);
        return match !== null && match[1] === name ? [Number(match[2])] : [];
      })
      .sort((a, b) => a - b);
  }

  readManifest(name: string): ProjectionManifest | undefined {
    let text: string;
    try {
      text = readFileSync(this.manifestPath(name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let manifest: Partial<ProjectionManifest> | null;
    try {
      manifest = JSON.parse(text) as Partial<ProjectionManifest> | null;
    } catch (error) {
      throw new ReadModelManifestDamaged(this.manifestPath(name), `not JSON: ${(error as Error).message}`);
    }
    if (manifest?.name !== name || !Number.isSafeInteger(manifest.generation) || !Number.isSafeInteger(manifest.version)) {
      throw new ReadModelManifestDamaged(this.manifestPath(name), `it does not name a generation of ${name}`);
    }
    return manifest as ProjectionManifest;
  }

  /**
   * Write to a temporary file, sync it, rename it over the manifest, sync the directory: after
   * a crash the manifest names either the old generation or the new one, never neither.
   */
  writeManifest(manifest: ProjectionManifest): void {
    const target = this.manifestPath(manifest.name);
    const temporary = `${target}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(manifest)}\n`, { mode: 0o600 });
    syncPath(temporary);
    renameSync(temporary, target);
    syncPath(this.path);
  }

  deleteGeneration(name: string, generation: number): void {
    const file = this.generationPath(name, generation);
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  }

  /**
   * Moves a damaged file aside, to `<file>.damaged-<UTC time, ISO 8601>`, with its `-wal` and
   * `-shm` under the same new name (so that SQLite opens the copy with its log), and returns
   * the new path. Nothing is deleted: the copy is kept for inspection.
   */
  moveAside(path: string, at: Date): string {
    const stamp = at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    let aside = `${path}.damaged-${stamp}`;
    for (let n = 2; existsSync(aside); n++) aside = `${path}.damaged-${stamp}-${n}`;
    // The log and the shared memory first: a copy is never left without the log it needs.
    for (const suffix of ['-wal', '-shm']) {
      if (existsSync(`${path}${suffix}`)) renameSync(`${path}${suffix}`, `${aside}${suffix}`);
    }
    if (existsSync(path)) renameSync(path, aside);
    syncPath(this.path);
    return aside;
  }

  manifestPath(name: string): string {
    return join(this.path, `${name}.manifest.json`);
  }
}

function syncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
