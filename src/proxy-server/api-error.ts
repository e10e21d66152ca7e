// The API's errors, as toxiproxy sends them: a JSON body {"error": message, "status": code}
// with the same code as the HTTP status. The messages of toxiproxy's own errors are kept
// word for word (its client libraries and their users match on them); ours add a detail after
// a colon, as toxiproxy's "bad request body: ..." does.

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(message: string, readonly status: number) {
    super(message);
  }

  toJSON(): { error: string; status: number } {
    return { error: this.message, status: this.status };
  }
}

export const badBody = (detail: string) => new ApiError(`bad request body: ${detail}`, 400);
export const missingField = (field: string) => new ApiError(`missing required field: ${field}`, 400);
export const proxyNotFound = () => new ApiError('proxy not found', 404);
export const proxyExists = () => new ApiError('proxy already exists', 409);
export const toxicNotFound = () => new ApiError('toxic not found', 404);
export const toxicExists = () => new ApiError('toxic already exists', 409);
export const invalidStream = () => new ApiError('stream was invalid, can be either upstream or downstream', 400);
