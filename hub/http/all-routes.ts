import { printRoutes } from '../print/routes.ts';
import type { Route } from './route.ts';
import { routes } from './routes.ts';

/** Every HTTP route the hub serves, by feature; the app and the OpenAPI document are built from this list. */
export const allRoutes: readonly Route[] = [...routes, ...printRoutes];
