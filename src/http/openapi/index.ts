export { buildOpenApiDocument, openApiDocument, openApiPath, type OpenApiDocument, type OperationObject } from './document.js';
export { answersOf, errorsOf, type Answer } from './answers.js';
export { DOCS } from './operations.js';
