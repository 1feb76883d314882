// The CLI lives in src/cli/, one file per subcommand; this file keeps the entry's and the tests' imports stable.
export { CLI_COMMANDS, isCliInvocation, runCli } from './cli/index.ts';
export { parseAssignment } from './cli/config.ts';
export { sandboxEnv, sandboxPrefix } from './cli/run.ts';
export { renderRunTable } from './cli/run-table.ts';
export { stageStatus } from './core/stage-table.ts';
export { RunRequestError } from './jobs/runs.ts';
