/**
 * Starts this app as a real egg cluster (master, agent and app workers), the way egg-scripts does, without daemonizing.
 *   EGG_SERVER_ENV=prod PORT=7001 node example/start-cluster.js
 * The master tells a parent process `{ action: 'egg-ready', data: { port, address } }` over IPC once every worker listens.
 */
import { startCluster } from 'egg';

const port = Number(process.env.PORT) || 7001;
const workers = Number(process.env.WORKERS) || 2;

startCluster({ baseDir: __dirname, port, workers }, () => undefined);
