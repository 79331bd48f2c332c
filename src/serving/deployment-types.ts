import type { BatchingOptions } from './batching.js';

/** A route: a model reference (`models:/name/3`, `models:/name@champion`, `models:/name/latest`) and its weight. */
export interface Route {
  model: string;
  weight: number;
}

/** A shadow route: mirrored a percentage of requests; its answers are recorded, never returned. */
export interface ShadowRoute {
  model: string;
  percent: number;
}

export interface DeploymentSpec {
  routes: Route[];
  shadows: ShadowRoute[];
  /** Requests carrying this header go to the route its value hashes to, for as long as the routes stay the same. */
  stickyHeader?: string;
  batching: BatchingOptions;
}

export interface Deployment extends DeploymentSpec {
  name: string;
  /** The registered model the deployment was created for; `routes --set 3=90` names its versions. */
  model: string;
  /** The sequence number of the event that set the current routes. */
  revision: number;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
}

export type DeploymentEventKind = 'created' | 'routes' | 'rollback';

export interface DeploymentEvent {
  name: string;
  seq: number;
  kind: DeploymentEventKind;
  routes: Route[];
  shadows: ShadowRoute[];
  /** The event whose routes this one replaced. */
  previousSeq?: number;
  actor: string;
  timestamp: number;
}

export type RouteState = 'loading' | 'ready' | 'failed';

/** What a serving process is doing with one route right now. */
export interface RouteStatus {
  model: string;
  shadow: boolean;
  /** The version the reference resolves to and that answers (absent until one loaded). */
  version?: string;
  state: RouteState;
  /** Why the last load failed; the version shown (if any) keeps answering. */
  message?: string;
}

export interface DeploymentStatus {
  state: 'loading' | 'ready' | 'degraded' | 'failed' | 'not_served';
  routes: RouteStatus[];
}
