// Placeholder for commands whose implementation has not been built yet.
const name = process.argv[2] ?? 'this command';
console.error(`npm run ${name}: not yet built in this version of the project.`);
process.exit(2);
