import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Failure messages and stack traces go into `encodedAttributes`, so the payload codec encrypts them: an error that
 * quotes a response cannot leak through the history. Loaded by path (`failureConverterPath`) inside the workflow
 * sandbox too, so it imports nothing but @temporalio/common.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
