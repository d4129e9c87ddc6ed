// Child-process entry: creates a new PGlite data directory, then exits. First initialisation
// peaks near 900 MB of memory; doing it here keeps the daemon's own footprint near 300 MB.
import { PGlite } from '@electric-sql/pglite';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: embedded-init DIR');
  process.exit(2);
}
const db = await PGlite.create(dir);
await db.close();
