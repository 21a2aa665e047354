'use strict';
/**
 * Preloaded (`node --require`) into a process the benchmark measures as a whole: when it exits,
 * writes its peak resident set (the kernel's maxrss, in KB) to the file MFABOT_BENCH_RSS_FILE names.
 */
const { writeFileSync } = require('node:fs');

process.on('exit', () => {
  const file = process.env.MFABOT_BENCH_RSS_FILE;
  if (file) writeFileSync(file, String(process.resourceUsage().maxRSS));
});
