/** The sandbox's Feishu event builders (sandbox/feishu-events.ts), for tests. */
export * from '../../sandbox/feishu-events';
