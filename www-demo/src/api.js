// The demo's calls to flaglive-server that are not the SDK's business:
// sign-in and the admin API. Errors carry the server's own message.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function call(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'The flag server cannot be reached.');
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { /* not JSON: use the text */ }
  if (!response.ok) throw new ApiError(response.status, data?.message ?? (text || response.statusText));
  return data;
}

const flag = (name) => `/api/admin/flags/${encodeURIComponent(name)}`;

export const api = {
  me: () => call('GET', '/api/auth/me'),
  login: (username, password) => call('POST', '/api/auth/login', { username, password }),
  logout: () => call('POST', '/api/auth/logout', {}),

  flags: () => call('GET', '/api/admin/flags'),
  users: () => call('GET', '/api/admin/users'),
  layers: () => call('GET', '/api/admin/config'),
  createFlag: (fields) => call('POST', '/api/admin/flags', fields),
  updateFlag: (name, fields) => call('PATCH', flag(name), fields),
  deleteFlag: (name) => call('DELETE', flag(name)),
  toggle: (name, enabled) => call('POST', `${flag(name)}/toggle`, { enabled }),
  rollout: (name, rolloutPercentage) => call('PUT', `${flag(name)}/rollout`, { rolloutPercentage }),
  setUserTarget: (name, userId, enabled) => call('PUT', `${flag(name)}/user-targets/${encodeURIComponent(userId)}`, { enabled }),
  removeUserTarget: (name, userId) => call('DELETE', `${flag(name)}/user-targets/${encodeURIComponent(userId)}`),
  setRoleTarget: (name, role, enabled) => call('PUT', `${flag(name)}/role-targets/${encodeURIComponent(role)}`, { enabled }),
  removeRoleTarget: (name, role) => call('DELETE', `${flag(name)}/role-targets/${encodeURIComponent(role)}`),
  setLayer: (layer, scope, value) => call('PUT', `/api/admin/config/${layer}${scope ? `/${encodeURIComponent(scope)}` : ''}`, { value }),
  audit: (before, limit) => call('GET', `/api/admin/audit?limit=${limit}${before === undefined ? '' : `&before=${before}`}`),
  removeLayer: (layer, scope) => call('DELETE', `/api/admin/config/${layer}${scope ? `/${encodeURIComponent(scope)}` : ''}`),
};

/** The seeded demo accounts (server/src/seed.rs), offered on the sign-in page. */
export const DEMO_USERS = [
  { username: 'admin', password: 'admin-demo', role: 'admin', note: 'acme · can change flags' },
  { username: 'maria', password: 'md-demo', role: 'md', note: 'acme-east · beta by role' },
  { username: 'tom', password: 'tech-demo', role: 'field-tech', note: 'acme-west · beta by user' },
  { username: 'sara', password: 'sales-demo', role: 'sales', note: 'globex' },
  { username: 'sam', password: 'sales-demo', role: 'sales', note: 'acme-east' },
];
