#!/usr/bin/env node
// The command's entry point checks the runtime before anything else loads: on Node.js < 22 the
// SQLite driver's prebuilt binary crashes the process natively, which tells a user nothing.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(
    `ymchat: Node.js 22 or newer is required (this is ${process.version}); ` +
      'inside the project, `npm start` / `npm run` use the pinned Node.js 24 whatever the system has\n',
  );
  process.exit(1);
}
await import('./program.js');
