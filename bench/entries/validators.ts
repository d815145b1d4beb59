// The generated validators alone: the part of this client's bundle that the spec decides.
export { validateEditFields, validateImageEditResponse, validateErrorResponse } from '../../generated/validators.js';
