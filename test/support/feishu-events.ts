/** The sandbox's Feishu event builders (src/sandbox/feishu-events.ts), for tests. */
export * from '../../src/sandbox/feishu-events';
