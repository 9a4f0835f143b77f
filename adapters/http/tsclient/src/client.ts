// A typed client of Keel's REST API. Every path, parameter, body and answer is checked by
// the compiler against src/schema.d.ts, which openapi-typescript generates from the api's
// GET /openapi.json (`task client:ts`): a route whose shape changes breaks this build.

import createClient, { type Client } from "openapi-fetch";

import type { components, paths } from "./schema.js";

/** User is the account resource, as GET /v1/users/{id} answers it. */
export type User = components["schemas"]["User"];

/** TokenPair is what register and login answer: the tokens, and the account. */
export type TokenPair = components["schemas"]["AuthTokenPair"];

/** Problem is an RFC 9457 problem+json answer, with Keel's code and requestId. */
export type Problem = components["schemas"]["Problem"];

/** ApiError is thrown for every answer that is not a success: its problem says why. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | undefined,
  ) {
    super(`HTTP ${status}: ${problem?.code ?? "no problem body"} (${problem?.detail ?? ""})`);
    this.name = "ApiError";
  }
}

/** Keel wraps the generated fetch client with the few calls an app makes first. */
export class Keel {
  readonly http: Client<paths>;
  private accessToken: string | undefined;

  constructor(readonly baseUrl: string) {
    this.http = createClient<paths>({ baseUrl });
    // Every request after login carries the bearer token.
    this.http.use({
      onRequest: ({ request }) => {
        if (this.accessToken !== undefined) {
          request.headers.set("Authorization", `Bearer ${this.accessToken}`);
        }
        return request;
      },
    });
  }

  /** token is the current access token (after login). */
  get token(): string {
    if (this.accessToken === undefined) {
      throw new Error("not signed in: call login first");
    }
    return this.accessToken;
  }

  /** login signs in and keeps the access token for the calls that follow. */
  async login(email: string, password: string): Promise<TokenPair> {
    const { data, error, response } = await this.http.POST("/v1/auth/login", {
      body: { email, password },
    });
    if (data === undefined) {
      throw new ApiError(response.status, error);
    }
    this.accessToken = data.accessToken;
    return data;
  }

  /**
   * users yields every account matching the filter, page by page (keyset pagination: each
   * page's nextCursor asks for the next one). Administrators only.
   */
  async *users(
    filter: { q?: string; role?: User["role"]; status?: User["status"] } = {},
    limit = 20,
  ): AsyncGenerator<User[], void, void> {
    let cursor: string | undefined;
    for (;;) {
      const query: NonNullable<paths["/v1/users"]["get"]["parameters"]["query"]> = { ...filter, limit };
      if (cursor !== undefined) {
        query.cursor = cursor;
      }
      const { data, error, response } = await this.http.GET("/v1/users", { params: { query } });
      if (data === undefined) {
        throw new ApiError(response.status, error);
      }
      yield data.data ?? [];
      const next = data.pagination?.nextCursor;
      if (!data.pagination?.hasMore || next === undefined || next === null) {
        return;
      }
      cursor = next;
    }
  }

  /** notify sends an administrator's message to one account, or to "all". */
  async notify(userId: string, title: string, body: string): Promise<components["schemas"]["Notification"]> {
    const { data, error, response } = await this.http.POST("/v1/notifications", {
      body: { userId, kind: "admin.message", title, body },
    });
    if (data === undefined) {
      throw new ApiError(response.status, error);
    }
    return data;
  }
}
