/**
 * The one HTTP client of the screens: JSON in and out, bearer token, errors as ApiError.
 *
 * A 422 keeps FastAPI's `detail` list so a form can show each message next to its field;
 * a 401 tells the session it is over (the screen asks to log in again, drafts stay).
 */
import type { Session } from './types';

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: unknown,
  ) {
    super(typeof detail === 'string' ? detail : `HTTP ${status}`);
  }

  /** FastAPI validation errors as (field, message); the field is the last part of `loc`. */
  fieldErrors(): FieldError[] {
    if (this.status !== 422 || !Array.isArray(this.detail)) return [];
    return this.detail.map((d: { loc?: unknown[]; msg?: string }) => ({
      field: String(d.loc?.[d.loc.length - 1] ?? ''),
      message: String(d.msg ?? ''),
    }));
  }
}

export type Unauthorized = () => void;

export class Api {
  constructor(
    private readonly session: () => Session | null,
    private readonly onUnauthorized: Unauthorized = () => {},
    private readonly base = '',
  ) {}

  async get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  async post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    const token = this.session()?.token;
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(this.base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const data: unknown = text ? safeJson(text) : null;
    if (!response.ok) {
      if (response.status === 401) this.onUnauthorized();
      const detail = (data as { detail?: unknown } | null)?.detail ?? text;
      throw new ApiError(response.status, detail);
    }
    return data as T;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** POST /auth/token, form-encoded (OAuth2 password flow). */
export async function login(username: string, password: string, base = ''): Promise<Session> {
  const response = await fetch(`${base}/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams({ username, password }).toString(),
  });
  const data = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) throw new ApiError(response.status, data.detail ?? `HTTP ${response.status}`);
  return {
    token: String(data.access_token),
    username,
    role: data.role as Session['role'],
    seat: (data.seat as string | null) ?? null,
    expiresAt: Date.now() + Number(data.expires_in ?? 0) * 1000,
  };
}
