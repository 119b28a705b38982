import type { ApiRoute } from './api';
import { ecoExamApis } from './eco-exam';
import { ecoExamPaperApis } from './eco-exam-papers';
import { ecoAccountCustomFieldApis } from './eco-account-custom-fields';

export type { ApiCall, ApiRoute } from './api';

/**
 * Every Feishu Open API the sandbox implements, one module per API family in this folder. Adding a family is its
 * module plus one line here; its endpoints get the request log, auth, their own quota and fault injection for free.
 */
export const API_ROUTES = [
  ...ecoExamApis,
  ...ecoExamPaperApis,
  ...ecoAccountCustomFieldApis,
] as const satisfies readonly ApiRoute[];

export type ApiEndpoint = (typeof API_ROUTES)[number]['endpoint'];
