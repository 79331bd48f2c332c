/** Where the native API is mounted; the OpenAPI document's paths are relative to it. */
export const API_PREFIX = '/api/v1';
