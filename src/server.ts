/**
 * The hub's entry point (src/hub-process.ts does the work).
 *
 *   npm start               API and delivery workers in one process (HUB_ROLE=all)
 *   npm run start:api       HTTP API only          (--role=api)
 *   npm run start:worker    delivery workers only  (--role=worker)
 */
import { runHubProcess } from './hub-process.ts'

await runHubProcess()
