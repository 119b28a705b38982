/**
 * For entries started by a supervisor over an IPC channel (the local stack, `npm start`): when the supervisor goes
 * away — even killed outright — the channel closes and this process stops gracefully instead of lingering as an orphan.
 */
export function stopWhenSupervisorExits(): void {
  if (typeof process.send !== 'function') return;
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
