// Preloaded into the operator's process by the benchmark (`node --expose-gc --import memory-probe.mjs ...`), never
// part of the operator: on SIGUSR2 it runs a full garbage collection and writes the process's memory to the file
// named by BENCH_MEMORY_FILE, so the heap figure is live data only, not garbage waiting for a collection.
// Plain JavaScript on purpose: a .ts preload would load Node's type stripper into the measured process (about 20 MB).
import { readFileSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import { getHeapStatistics } from 'node:v8';

const file = process.env['BENCH_MEMORY_FILE'];
const gc = globalThis.gc;
// The benchmark exposes gc() for this probe; the operator sees it only when the image's flags give it (BENCH_HIDE_GC
// unset), since with it the operator runs memory-reducing collections of its own once idle.
if (process.env['BENCH_HIDE_GC'] === '1') delete globalThis.gc;

if (file !== undefined && gc !== undefined) {
  process.on('SIGUSR2', () => {
    // Two passes: the first may only run finalizers that free more for the second.
    gc();
    gc();
    const usage = process.memoryUsage();
    const heap = getHeapStatistics();
    writeFileSync(
      file,
      JSON.stringify({
        rss: usage.rss,
        heapUsed: usage.heapUsed,
        heapTotal: usage.heapTotal,
        external: usage.external,
        arrayBuffers: usage.arrayBuffers,
        usedHeapSize: heap.used_heap_size,
        totalHeapSize: heap.total_heap_size,
        mallocedMemory: heap.malloced_memory,
      }),
    );
    const smapsDir = process.env['BENCH_SMAPS_DIR'];
    if (smapsDir !== undefined) writeFileSync(`${smapsDir}/${process.pid}-${Date.now()}.smaps`, readFileSync('/proc/self/smaps', 'utf8'));
  });
}
