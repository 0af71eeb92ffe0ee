import { z } from 'zod';

/**
 * The closed list of error codes on the wire (REST bodies and socket acks). A widget maps each
 * code to a sentence; adding one is a wire change.
 */
export const ERROR_CODES = [
  'validation_failed',
  'invalid_cursor',
  'not_found',
  'conflict',
  'login_required',
  'invalid_credentials',
  'invalid_token',
  'email_not_verified',
  'forbidden',
  'csrf_rejected',
  'payload_too_large',
  'unsupported_media_type',
  'image_rejected',
  'rate_limited',
  'unknown_stream',
  'origin_not_allowed',
  'muted',
  'banned',
  'room_closed',
  'slow_mode',
  'message_rejected',
  'poll_closed',
  'poll_has_votes',
  'vote_limit_reached',
  'own_question',
  'question_not_open',
  'unavailable',
  'not_implemented',
  'internal',
] as const;

export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** HTTP status for each code; socket acks carry the same code without a status. */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  invalid_cursor: 400,
  not_found: 404,
  conflict: 409,
  login_required: 401,
  invalid_credentials: 401,
  invalid_token: 400,
  email_not_verified: 403,
  forbidden: 403,
  csrf_rejected: 403,
  payload_too_large: 413,
  rate_limited: 429,
  unknown_stream: 404,
  origin_not_allowed: 403,
  muted: 403,
  banned: 403,
  room_closed: 403,
  slow_mode: 429,
  message_rejected: 422,
  /** A vote after the poll closed (its `closesAt` by the server's clock, or an editor's close). */
  poll_closed: 409,
  /** An edit of a poll's options after a vote was cast. */
  poll_has_votes: 409,
  /** An anonymous vote from an address that has cast the poll's cap of them. */
  vote_limit_reached: 429,
  /** An upvote of one's own question. */
  own_question: 403,
  /** A vote, answer or dismissal of a question that was answered or dismissed already. */
  question_not_open: 409,
  unavailable: 503,
  not_implemented: 501,
  unsupported_media_type: 415,
  image_rejected: 422,
  internal: 500,
};

export const ErrorBody = z.object({
  error: z.object({
    code: ErrorCode,
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
