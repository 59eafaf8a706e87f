/**
 * The development IdP's demo users (README, "Development IdP"). Passwords are documented on
 * purpose: this IdP runs only when no enterprise IdP is configured, for demos and tests.
 */
export interface DemoUser {
  sub: string;
  password: string;
  name: string;
  email: string;
  department: string;
  groups: string[];
}

export const DEMO_USERS: readonly DemoUser[] = [
  {
    sub: 'alice',
    password: 'alice-demo',
    name: 'Alice Martin',
    email: 'alice@example.com',
    department: 'Sales',
    groups: ['sales'],
  },
  {
    sub: 'bob',
    password: 'bob-demo',
    name: 'Bob Okafor',
    email: 'bob@example.com',
    department: 'Human Resources',
    groups: ['hr'],
  },
  {
    sub: 'carol',
    password: 'carol-demo',
    name: 'Carol Chen',
    email: 'carol@example.com',
    department: 'Engineering',
    groups: ['engineering'],
  },
];

export function findUser(sub: string): DemoUser | undefined {
  return DEMO_USERS.find((u) => u.sub === sub);
}

/** The user whose name and password match, compared without early exit on the password. */
export function checkPassword(username: string, password: string): DemoUser | undefined {
  const user = findUser(username.trim().toLowerCase());
  if (user === undefined) return undefined;
  let diff = user.password.length ^ password.length;
  for (let i = 0; i < user.password.length; i++)
    diff |= user.password.charCodeAt(i) ^ (password.charCodeAt(i) || 0);
  return diff === 0 ? user : undefined;
}
