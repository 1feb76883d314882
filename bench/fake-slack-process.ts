/**
 * Runs the fake Slack of test/fakes in its own process for benchmarks, so the cost of "Slack's
 * side" (response_url, Web API) is not charged to the app being measured. Prints its API URL.
 */
import { startFakeSlack } from '../test/fakes/slack.ts';

const slack = await startFakeSlack();
process.stdout.write(`${slack.apiUrl}\n`);
process.on('SIGTERM', () => void slack.close().then(() => process.exit(0)));
