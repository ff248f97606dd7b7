// Who may call the emulator: the tokens it knows, the users behind them, and the workspaces they
// belong to. One workspace has the export plan (the seeded one); another lacks it (402 on exports).
import type { Workspace } from "../workspace.js";
import { derivedGid, digestHex } from "./prng.js";

/** A user behind a token. */
export interface Identity {
  token: string;
  userGid: string;
  name: string;
  email: string;
  /** Only service accounts may export. */
  serviceAccount: boolean;
  workspaceGids: readonly string[];
}

/** A workspace as `GET /workspaces/{gid}` shows it. */
export interface WorkspaceInfo {
  gid: string;
  name: string;
  isOrganization: boolean;
  emailDomains: readonly string[];
  /** Whether its plan includes the export API (Enterprise+). */
  exportPlan: boolean;
}

/** The tokens an emulator accepts, by role. */
export interface EmulatorTokens {
  /** Service account of the seeded workspace: may export. */
  serviceAccount: string;
  /** A second service account of the same workspace: may export, but cannot see the first one's jobs. */
  otherServiceAccount: string;
  /** A regular member of the seeded workspace: 403 on exports. */
  regularUser: string;
  /** Service account of a workspace whose plan lacks exports: 402 on exports of its workspace. */
  unpaidServiceAccount: string;
}

/** Tokens, identities and workspaces of one emulator. */
export interface Directory {
  tokens: EmulatorTokens;
  identities: ReadonlyMap<string, Identity>;
  workspaces: ReadonlyMap<string, WorkspaceInfo>;
  unpaidWorkspaceGid: string;
}

const tokenFor = (seed: number, role: string, userGid: string): string =>
  `2/${userGid}/${derivedGid(seed, "token", role)}:${digestHex(seed, "token", role).slice(0, 32)}`;

/** Build the directory of an emulator from its seed and workspace (and an explicit main token). */
export function buildDirectory(seed: number, workspace: Workspace, token?: string): Directory {
  const unpaidGid = derivedGid(seed, "workspace", "unpaid");
  const workspaces = new Map<string, WorkspaceInfo>([
    [workspace.gid, { gid: workspace.gid, name: workspace.name, isOrganization: true, emailDomains: ["example.com"], exportPlan: true }],
    [unpaidGid, { gid: unpaidGid, name: "Starter Plan Co", isOrganization: true, emailDomains: ["starter.example"], exportPlan: false }],
  ]);
  const people: Array<Omit<Identity, "token"> & { role: keyof EmulatorTokens }> = [
    { role: "serviceAccount", userGid: derivedGid(seed, "user", "service"), name: "Export Service Account", email: "export-bot@example.com", serviceAccount: true, workspaceGids: [workspace.gid] },
    { role: "otherServiceAccount", userGid: derivedGid(seed, "user", "other-service"), name: "Audit Service Account", email: "audit-bot@example.com", serviceAccount: true, workspaceGids: [workspace.gid] },
    { role: "regularUser", userGid: workspace.userGids()[0] ?? derivedGid(seed, "user", "member"), name: "Regular Member", email: "member@example.com", serviceAccount: false, workspaceGids: [workspace.gid] },
    { role: "unpaidServiceAccount", userGid: derivedGid(seed, "user", "unpaid-service"), name: "Starter Service Account", email: "bot@starter.example", serviceAccount: true, workspaceGids: [unpaidGid] },
  ];
  const identities = new Map<string, Identity>();
  const tokens = {} as EmulatorTokens;
  for (const { role, ...person } of people) {
    const value = role === "serviceAccount" && token !== undefined ? token : tokenFor(seed, role, person.userGid);
    tokens[role] = value;
    identities.set(value, { token: value, ...person });
  }
  return { tokens, identities, workspaces, unpaidWorkspaceGid: unpaidGid };
}
