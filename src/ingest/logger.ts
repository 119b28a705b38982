/** The ingest's logger is the product's one logger (src/shared/log.ts); this name stays for the ingest's modules. */
export { consoleLogger, silentLogger, type Logger as IngestLogger } from '../shared/log';
