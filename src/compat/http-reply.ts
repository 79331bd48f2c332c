/** An HTTP answer as plain data, so the Hono routes and the replica's direct listener send the same bytes. */
export interface HttpReply {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}
