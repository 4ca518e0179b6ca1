// Renders 10,000 policies the way `bulkhead render` does and prints policies per second, end to end and per phase
// (read the YAML or JSON input, validate, build and print the objects). Part of `npm run bench` (bench/main.ts);
// run alone with `node bench/render.bench.ts`; BENCH_POLICIES=n to resize.
import { measureRender } from './lib/render.ts';

const count = Number(process.env['BENCH_POLICIES'] ?? 10_000);
measureRender(count, 3, (line) => process.stdout.write(`${line}\n`));
