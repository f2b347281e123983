import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Names the generation that serves queries, and the projection version that built it. */
export interface ProjectionManifest {
  readonly name: string;
  readonly generation: number;
  readonly version: number;
}

const GENERATION_FILE = /^(.+)\.(\d+)\.sqlite$/;

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
    const manifest = JSON.parse(text) as Partial<ProjectionManifest>;
    if (manifest.name !== name || !Number.isSafeInteger(manifest.generation) || !Number.isSafeInteger(manifest.version)) {
      throw new Error(`${this.manifestPath(name)} is not a read-model manifest of ${name}`);
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

  private manifestPath(name: string): string {
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
